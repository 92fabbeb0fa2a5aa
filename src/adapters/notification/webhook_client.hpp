#pragma once
// The HTTP client side of the outgoing webhook: one POST on a fresh connection, on the
// caller's io executor, bounded by one deadline for resolve + connect + write + read
// (Boost.Beast's tcp_stream::expires_after). Plain http:// only for now: a receiver reached
// over the internet needs TLS, which this client does not speak yet (README, "Notifications").
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>

namespace mb::adapters::notification {

/// A configured receiver: `url` as given, split for the request.
struct WebhookEndpoint {
    std::string url;     ///< "http://127.0.0.1:9000/hooks"
    std::string host;    ///< "127.0.0.1"
    std::string port;    ///< "9000" ("80" when the URL has none)
    std::string target;  ///< "/hooks" (path and query; "/" when empty)

    /// An absolute http:// URL with a host, no user info, no fragment; else nullopt and why
    /// (`*error`, for the configuration error message).
    [[nodiscard]] static std::optional<WebhookEndpoint> parse(std::string_view url,
                                                              std::string* error);
};

/// How a POST ended: an HTTP status, or a transport error (status 0, `error` says what).
struct WebhookAnswer {
    unsigned status = 0;
    std::string error;
    /// 2xx: delivered. Anything else (a 3xx included: redirects are not followed) is retried.
    [[nodiscard]] bool delivered() const noexcept { return status >= 200 && status < 300; }
    /// "HTTP 503" or the transport error, for the delivery's last_error.
    [[nodiscard]] std::string describe() const;
};

/// POSTs `body` (application/json) with `headers` to `endpoint`, all within `timeout`. Never
/// throws for network trouble (it is in the answer); reads at most 64 KiB of the answer.
boost::asio::awaitable<WebhookAnswer> post_webhook(
    const WebhookEndpoint& endpoint, std::vector<std::pair<std::string, std::string>> headers,
    std::string body, std::chrono::milliseconds timeout);

}  // namespace mb::adapters::notification
