#include "adapters/notification/webhook_client.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

namespace mb::adapters::notification {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kAnswerLimit = 64 * 1024;

}  // namespace

std::optional<WebhookEndpoint> WebhookEndpoint::parse(std::string_view url, std::string* error) {
    auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed) {
        *error = "not an absolute URL";
        return std::nullopt;
    }
    const auto& u = *parsed;
    if (u.scheme() != "http") {
        *error = u.scheme() == "https"
                     ? "https is not supported yet (use http:// to a local TLS-terminating proxy)"
                     : "the scheme must be http";
        return std::nullopt;
    }
    if (u.host().empty()) {
        *error = "no host";
        return std::nullopt;
    }
    if (u.has_userinfo()) {
        *error = "user info in the URL is not supported";
        return std::nullopt;
    }
    WebhookEndpoint e;
    e.url = std::string(url);
    e.host = std::string(u.encoded_host_address());
    if (!e.host.empty() && e.host.front() == '[' && e.host.back() == ']') {
        e.host = e.host.substr(1, e.host.size() - 2);  // an IPv6 literal, for the resolver
    }
    e.port = u.has_port() ? std::string(u.port()) : "80";
    e.target = std::string(u.encoded_target());
    if (e.target.empty()) {
        e.target = "/";
    }
    return e;
}

std::string WebhookAnswer::describe() const {
    return status != 0 ? "HTTP " + std::to_string(status) : error;
}

// g++ 12 reports -Wmismatched-new-delete at the end of this coroutine: a false positive on
// asio's awaitable frame, which is allocated and freed by its own operator new/delete pair
// (awaitable_frame_base); restructuring the body did not silence it. Local to this function.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
asio::awaitable<WebhookAnswer> post_webhook(
    const WebhookEndpoint& endpoint, std::vector<std::pair<std::string, std::string>> headers,
    std::string body, std::chrono::milliseconds timeout) {
    const auto executor = co_await asio::this_coro::executor;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    http::request<http::string_body> request{http::verb::post, endpoint.target, 11};
    request.set(http::field::host, endpoint.host + ":" + endpoint.port);
    request.set(http::field::user_agent, "movie-booking-webhook/1");
    request.set(http::field::content_type, "application/json");
    request.set(http::field::connection, "close");
    for (auto& [name, value] : headers) {
        request.set(name, value);
    }
    request.body() = std::move(body);
    request.prepare_payload();

    WebhookAnswer answer;
    beast::tcp_stream stream(executor);
    asio::ip::tcp::resolver resolver(executor);
    auto [resolve_error, results] =
        co_await resolver.async_resolve(endpoint.host, endpoint.port, kAsTuple);
    if (resolve_error) {
        answer.error = "resolve " + endpoint.host + ": " + resolve_error.message();
    } else {
        stream.expires_at(deadline);
        auto [connect_error, connected] = co_await stream.async_connect(results, kAsTuple);
        (void)connected;
        if (connect_error) {
            answer.error = "connect: " + connect_error.message();
        } else {
            stream.expires_at(deadline);
            auto [write_error, written] = co_await http::async_write(stream, request, kAsTuple);
            (void)written;
            if (write_error) {
                answer.error = "write: " + write_error.message();
            } else {
                beast::flat_buffer buffer;
                http::response_parser<http::string_body> parser;
                parser.body_limit(kAnswerLimit);
                stream.expires_at(deadline);
                auto [read_error, read] =
                    co_await http::async_read(stream, buffer, parser, kAsTuple);
                (void)read;
                if (read_error && !parser.is_header_done()) {
                    answer.error = "read: " + read_error.message();
                } else {
                    answer.status = parser.get().result_int();
                }
            }
            beast::error_code ignored;
            stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        }
    }
    co_return answer;
}
#pragma GCC diagnostic pop

}  // namespace mb::adapters::notification
