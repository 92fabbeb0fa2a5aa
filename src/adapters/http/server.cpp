#include "adapters/http/server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <exception>
#include <limits>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <functional>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/authority_view.hpp>
#include <boost/url/parse.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include "adapters/http/event_stream.hpp"
#include "adapters/http/field_text.hpp"
#include "adapters/http/problem.hpp"
#include "adapters/http/request_id.hpp"
#include "adapters/http/response.hpp"
#include "adapters/logging/log_context.hpp"
#include "adapters/logging/logging.hpp"
#include "domain/common/text.hpp"

namespace mb::adapters::http {
namespace {

namespace bhttp = beast::http;
using asio::ip::tcp;
using boost::system::error_code;

constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);
/// Bytes asked for when waiting for the first byte of a request.
constexpr std::size_t kIdleReadSize = 4096;
/// After an error response: how long and how much the client may go on sending before close.
constexpr std::chrono::seconds kLingerTime{1};
constexpr std::size_t kLingerBytes = std::size_t{1024} * 1024;
/// Back-off after a failed accept (e.g. EMFILE), so a full descriptor table does not spin.
constexpr std::chrono::milliseconds kAcceptBackoff{50};
/// Retry-After of a request shed by the in-flight cap.
constexpr std::chrono::seconds kShedRetryAfter{1};
/// Longest Host / authority accepted (a DNS name is at most 253 characters).
constexpr std::size_t kMaxAuthorityLength = 300;

constexpr std::string_view kContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";
constexpr std::string_view kCorsAllowHeaders =
    "Authorization, Content-Type, If-None-Match, X-Request-Id";
constexpr std::string_view kCorsExposeHeaders = "Location, ETag, Retry-After, X-Request-Id";
constexpr std::string_view kRequestIdHeader = "X-Request-Id";
constexpr std::string_view kCorsMaxAge = "600";

std::string_view sv(beast::string_view text) {
    return {text.data(), text.size()};
}

/// The "http" module logger.
spdlog::logger& log() {
    static const auto logger = logging::module_logger("http");
    return *logger;
}

/// The target without its query: what a log line may show (a query can carry a secret).
std::string_view path_only(const StringRequest& raw) {
    const auto target = sv(raw.target());
    return target.substr(0, target.find('?'));
}

/// The request id of the request in `parser`: its valid X-Request-Id, else a fresh one (also
/// when the header could not be parsed).
std::string request_id_of(const bhttp::request_parser<bhttp::string_body>& parser) {
    if (!parser.is_header_done()) {
        return new_request_id();
    }
    const auto& header = parser.get();
    const auto it = header.find(kRequestIdHeader);
    return accept_request_id(it == header.end() ? std::string_view{} : sv(it->value()));
}

char ascii_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return ascii_lower(x) == ascii_lower(y);
           });
}

std::string lowercase(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
    return out;
}

bool is_reg_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

/// `host[:port]` as RFC 9112 §3.2 allows it in Host, and stricter: the host is a reg-name of
/// unreserved characters (no percent-encoding or sub-delims), an IPv4 address or an
/// [IPv6] literal; the port, when there is a ':', is 1 to 5 digits up to 65535; no userinfo,
/// path, whitespace or anything else.
bool is_host_and_port(std::string_view text) {
    if (text.empty() || text.size() > kMaxAuthorityLength) {
        return false;
    }
    const auto parsed = boost::urls::parse_authority(text);
    if (!parsed || parsed->has_userinfo()) {
        return false;
    }
    switch (parsed->host_type()) {
        case boost::urls::host_type::ipv4:
        case boost::urls::host_type::ipv6:
            break;
        case boost::urls::host_type::name: {
            const auto name = parsed->encoded_host();
            if (name.empty() || !std::all_of(name.begin(), name.end(), is_reg_name_char)) {
                return false;
            }
            break;
        }
        default:  // none, IPvFuture
            return false;
    }
    if (parsed->has_port()) {
        const auto port = parsed->port();
        if (port.empty() || port.size() > 5 ||
            !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
            std::stoul(std::string(port)) > 65535) {
            return false;
        }
    }
    return true;
}

/// "scheme://host[:port]" with scheme http or https and host[:port] as is_host_and_port
/// accepts it, lower-cased (scheme and host are case-insensitive); one trailing '/' is
/// allowed when `allow_slash`. Throws std::invalid_argument naming `what`.
std::string normalize_origin(std::string_view text, std::string_view what, bool allow_slash) {
    const auto fail = [&](std::string_view why) {
        throw std::invalid_argument(fmt::format("{} '{}': {}", what, text, why));
    };
    const auto url = boost::urls::parse_absolute_uri(text);
    if (!url) {
        fail("not an absolute URL");
    }
    const auto scheme = lowercase(url->scheme());
    if (scheme != "http" && scheme != "https") {
        fail("the scheme must be http or https");
    }
    if (!url->has_authority() || !is_host_and_port(url->encoded_authority())) {
        fail("expected scheme://host[:port] (no userinfo)");
    }
    const auto path = url->encoded_path();
    if (!(path.empty() || (allow_slash && path == "/")) || url->has_query() ||
        url->has_fragment()) {
        fail("no path, query or fragment allowed");
    }
    return scheme + "://" + lowercase(url->encoded_authority());
}

/// One accepted connection; `idle` is touched only on the stream's strand.
struct Connection {
    explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
    beast::tcp_stream stream;
    bool idle = false;  ///< waiting for the first byte of the next request
    /// While an event stream is open: wakes its writer (stop() calls it, on the strand).
    std::function<void()> wake_stream;
};

void log_exception(std::string_view where, const std::exception_ptr& error) {
    if (!error) {
        return;
    }
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        log().error("{} failed: {}", where, e.what());
    } catch (...) {
        log().error("{} failed with a non-standard exception", where);
    }
}

/// Hands `record` to the observer, if any; its exception is logged, never propagated.
void observe(const ServerOptions& options, const RequestRecord& record) noexcept {
    if (!options.observer) {
        return;
    }
    try {
        options.observer(record);
    } catch (...) {
        log_exception("request observer", std::current_exception());
    }
}

}  // namespace

namespace detail {

/// What every exchange needs, validated once: the options, the router, the configured link
/// base and the CORS origins (normalized).
struct Policy {
    Policy(ServerOptions server_options, std::shared_ptr<const Router> shared_router)
        : options(std::move(server_options)),
          router(std::move(shared_router)),
          proxies(options.trusted_proxies),
          in_flight(options.max_in_flight),
          streams(options.max_streams, options.max_streams_per_client) {
        if (!options.public_url.empty()) {
            public_base = normalize_origin(options.public_url, "public_url", true);
        }
        for (const auto& origin : options.cors_origins) {
            cors_origins.push_back(normalize_origin(origin, "cors_origin", false));
        }
        if (options.write_rate_limit.per_second < 0) {
            throw std::invalid_argument("write_rate_limit: per_second must not be negative");
        }
        if (options.write_rate_limit.per_second > 0) {
            rate_limiter =
                std::make_unique<ClientRateLimiter>(options.write_rate_limit, options.clock);
        }
    }

    ServerOptions options;
    std::shared_ptr<const Router> router;
    std::string public_base;                ///< "" when not configured
    std::vector<std::string> cors_origins;  ///< lower-cased "scheme://host[:port]"
    TrustedProxies proxies;
    /// Null when the rate limit is off. (The pointee is mutable through a const Policy.)
    std::unique_ptr<ClientRateLimiter> rate_limiter;
    mutable InFlightGate in_flight;
    mutable StreamGate streams;
};

}  // namespace detail

namespace {

using detail::Policy;

/// The path part of a request target (the query dropped), for a problem's `instance`.
std::string_view path_of_target(beast::string_view target) {
    const auto text = sv(target);
    return text.substr(0, text.find('?'));
}

/// Why the message framing of a request header is refused (RFC 9112 §6.1, §6.3), or nullopt
/// when the body length is unambiguous. Refused: Transfer-Encoding in an HTTP/1.0 request;
/// Transfer-Encoding together with Content-Length; any Transfer-Encoding other than exactly
/// one `chunked` coding (the server decodes no other coding, and a final coding other than
/// chunked leaves a request's length undetermined).
std::optional<std::string_view> refuse_framing(const StringRequest& header) {
    std::size_t codings = 0;
    bool only_chunked = true;
    bool has_transfer_encoding = false;
    for (const auto& field : header) {
        if (field.name() != bhttp::field::transfer_encoding) {
            continue;
        }
        has_transfer_encoding = true;
        auto list = sv(field.value());
        for (;;) {
            const auto comma = list.find(',');
            const auto coding = trim_ows(list.substr(0, comma));
            if (!coding.empty()) {
                ++codings;
                only_chunked = only_chunked && iequals(coding, "chunked");
            }
            if (comma == std::string_view::npos) {
                break;
            }
            list.remove_prefix(comma + 1);
        }
    }
    if (!has_transfer_encoding) {
        return std::nullopt;
    }
    if (header.version() < 11) {
        return "Transfer-Encoding is not allowed in an HTTP/1.0 request";
    }
    if (header.find(bhttp::field::content_length) != header.end()) {
        return "Transfer-Encoding and Content-Length together";
    }
    if (codings != 1 || !only_chunked) {
        return "unsupported Transfer-Encoding: only chunked is accepted";
    }
    return std::nullopt;
}

/// Why the Host header is refused (RFC 9112 §3.2), or nullopt: HTTP/1.1 needs exactly one,
/// no request may have two, and its value must be host[:port] (is_host_and_port).
std::optional<std::string_view> refuse_host(const StringRequest& header) {
    const auto [first, last] = header.equal_range(bhttp::field::host);
    const auto count = std::distance(first, last);
    if (count == 0) {
        if (header.version() >= 11) {
            return "missing Host header";
        }
        return std::nullopt;
    }
    if (count > 1) {
        return "more than one Host header";
    }
    if (!is_host_and_port(sv(first->value()))) {
        return "malformed Host header: expected host[:port]";
    }
    return std::nullopt;
}

/// Why a request header is refused before its body is read, or nullopt. The reasons are
/// fixed texts: header bytes are never copied into a response.
std::optional<std::string_view> refuse_header(const StringRequest& header) {
    if (auto framing = refuse_framing(header)) {
        return framing;
    }
    return refuse_host(header);
}

/// Decodes the target into a Request; nullopt for a target that is not a valid origin-form or
/// absolute-form (http/https, host[:port]) URI. The Host header was validated before.
std::optional<Request> make_request(const StringRequest& raw, const Policy& policy,
                                    std::uint16_t port) {
    const auto target = raw.target();
    const bool origin_form = !target.empty() && target.front() == '/';
    auto url = origin_form ? boost::urls::parse_origin_form(target)
                           : boost::urls::parse_absolute_uri(target);
    if (!url) {
        return std::nullopt;
    }
    std::string target_base;
    if (!origin_form) {
        // RFC 9112 §3.2.2: the authority of an absolute-form target replaces Host.
        const auto scheme = lowercase(url->scheme());
        if ((scheme != "http" && scheme != "https") || !url->has_authority() ||
            !is_host_and_port(url->encoded_authority())) {
            return std::nullopt;
        }
        target_base = scheme + "://" + std::string(url->encoded_authority());
    }
    Request request;
    request.raw = &raw;
    request.path = url->path();
    if (request.path.empty()) {
        request.path = "/";
    }
    if (url->has_query()) {
        const auto params = url->params();
        request.query.reserve(params.size());
        for (const auto& param : params) {
            request.query.emplace_back(param.key, param.value);
        }
    }
    const auto host = raw[bhttp::field::host];
    if (!policy.public_base.empty()) {
        request.base_url = policy.public_base;
    } else if (!target_base.empty()) {
        request.base_url = std::move(target_base);
    } else if (host.empty()) {
        request.base_url = fmt::format("http://127.0.0.1:{}", port);
    } else {
        request.base_url.reserve(7 + host.size());
        request.base_url.append("http://").append(host.data(), host.size());
    }
    return request;
}

/// The problem status for a failed read, or nullopt when nothing can be answered (the peer
/// left, timed out, or the server is stopping).
std::optional<bhttp::status> status_for_read_error(const error_code& ec) {
    if (ec == bhttp::error::body_limit) {
        return bhttp::status::payload_too_large;
    }
    if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
        return bhttp::status::request_header_fields_too_large;
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category()) {
        switch (static_cast<bhttp::error>(ec.value())) {
            case bhttp::error::bad_line_ending:
            case bhttp::error::bad_method:
            case bhttp::error::bad_target:
            case bhttp::error::bad_version:
            case bhttp::error::bad_field:
            case bhttp::error::bad_value:
            case bhttp::error::bad_content_length:
            case bhttp::error::bad_transfer_encoding:
            case bhttp::error::bad_chunk:
            case bhttp::error::bad_chunk_extension:
            case bhttp::error::bad_obs_fold:
            case bhttp::error::multiple_content_length:
                return bhttp::status::bad_request;
            default:
                return std::nullopt;
        }
    }
    return std::nullopt;
}

/// The problem answering a request the parser refused, or nullopt when nothing can be answered.
std::optional<Response> problem_for_read_error(
    const error_code& ec, const bhttp::request_parser<bhttp::string_body>& parser,
    const ServerOptions& options) {
    const auto status = status_for_read_error(ec);
    if (!status) {
        return std::nullopt;
    }
    std::string detail;
    if (*status == bhttp::status::payload_too_large) {
        detail = fmt::format("request body exceeds {} bytes", options.body_limit);
    } else if (*status == bhttp::status::request_header_fields_too_large) {
        detail = fmt::format("request header exceeds {} bytes", options.header_limit);
    } else {
        detail = "malformed request: " + ec.message();
    }
    log().debug("rejected request: {}", detail);
    const unsigned version = parser.is_header_done() ? parser.get().version() : 11;
    // The request line is known even when the body limit tripped on Content-Length (before
    // the parser counts the header as done).
    return problem(version, false, *status, detail, path_of_target(parser.get().target()));
}

bool is_json_media_type(std::string_view content_type) {
    const auto media = lowercase(trim_ows(content_type.substr(0, content_type.find(';'))));
    return media == "application/json" ||
           (media.size() > 5 && media.compare(media.size() - 5, 5, "+json") == 0);
}

/// The headers every response carries (Server, security headers, caching) and a JSON body
/// made valid UTF-8. A value a handler set itself is kept.
void harden(Response& response) {
    const auto set_default = [&response](const auto& field, std::string_view value) {
        if (response.find(field) == response.end()) {
            response.set(field, value);
        }
    };
    set_default(bhttp::field::server, kServerName);
    set_default(std::string_view("X-Content-Type-Options"), "nosniff");
    set_default(std::string_view("Referrer-Policy"), "no-referrer");
    set_default(bhttp::field::x_frame_options, "DENY");
    const std::string content_type(sv(response[bhttp::field::content_type]));
    const std::string_view media = content_type;
    if (lowercase(trim_ows(media.substr(0, media.find(';')))) != "text/html") {
        set_default(std::string_view("Content-Security-Policy"), kContentSecurityPolicy);
    }
    // A response with a validator may be stored if it is revalidated each time (the seat
    // map's 304); everything else is per-request state that no cache should keep.
    const bool has_etag = response.find(bhttp::field::etag) != response.end();
    set_default(bhttp::field::cache_control, has_etag ? "no-cache" : "no-store");
    if (is_json_media_type(content_type) && !mb::domain::is_utf8(response.body())) {
        response.body() = mb::domain::to_valid_utf8(response.body());
        if (response.has_content_length()) {
            response.content_length(response.body().size());
        }
    }
}

/// Fills in what a handler may have left out, so the connection stays correctly framed:
/// the Server header, a Content-Length for a body without one, and no body where HTTP allows
/// none (any response to HEAD keeps its Content-Length but loses its body — this covers the
/// 404/405/500 problems too; 1xx, 204 and 304 never carry one). Then harden().
void finish(Response& response, const StringRequest& raw) {
    harden(response);
    const auto status = response.result_int();
    const bool bodiless = status < 200 || status == 204 || status == 304;
    if (bodiless) {
        response.body().clear();
        return;
    }
    if (!response.chunked() && !response.has_content_length()) {
        response.prepare_payload();
    }
    if (raw.method() == bhttp::verb::head) {
        response.body().clear();
        if (response.chunked()) {
            response.chunked(false);  // (also drops Content-Length, so only when chunked)
        }
    }
}

/// The configured origin equal to the request's single `Origin` header, or null (also when
/// CORS is off).
const std::string* allowed_origin(const Policy& policy, const StringRequest& raw) {
    if (policy.cors_origins.empty()) {
        return nullptr;
    }
    const auto [first, last] = raw.equal_range(bhttp::field::origin);
    if (first == last || std::next(first) != last) {
        return nullptr;
    }
    const auto origin = sv(first->value());
    for (const auto& allowed : policy.cors_origins) {
        if (iequals(origin, allowed)) {
            return &allowed;
        }
    }
    return nullptr;
}

/// Adds the CORS headers for an allowed origin (see Server).
void add_cors(Response& response, const StringRequest& raw, const std::string& origin) {
    response.set(bhttp::field::access_control_allow_origin, origin);
    const auto vary = sv(response[bhttp::field::vary]);
    response.set(bhttp::field::vary,
                 vary.empty() ? std::string("Origin") : std::string(vary) + ", Origin");
    const bool preflight =
        raw.method() == bhttp::verb::options &&
        raw.find(bhttp::field::access_control_request_method) != raw.end() &&
        bhttp::to_status_class(response.result()) == bhttp::status_class::successful &&
        response.find(bhttp::field::allow) != response.end();
    if (preflight) {
        const std::string allow(sv(response[bhttp::field::allow]));
        response.set(bhttp::field::access_control_allow_methods, allow);
        response.set(bhttp::field::access_control_allow_headers, kCorsAllowHeaders);
        response.set(bhttp::field::access_control_max_age, kCorsMaxAge);
    } else {
        response.set(bhttp::field::access_control_expose_headers, kCorsExposeHeaders);
    }
}

/// Routes one request and turns a handler's exception into a 500 problem. (Awaited by its
/// exchange, never spawned: the references point into the exchange's frame.)
asio::awaitable<Dispatched> respond(const Policy& policy, std::uint16_t port,
                                    const StringRequest& raw, const std::string& request_id,
                                    std::string_view& route) {
    auto request = make_request(raw, policy, port);
    if (request) {
        request->request_id = request_id;
    }
    if (!request) {
        // Malformed input closes the connection, like a request the parser refused.
        auto response =
            problem(raw.version(), false, bhttp::status::bad_request, "malformed request target");
        finish(response, raw);
        co_return Dispatched{std::move(response), nullptr, nullptr};
    }
    std::optional<Response> response;
    std::shared_ptr<EventSink> sink;
    std::shared_ptr<void> keep_alive;
    std::exception_ptr failure;
    try {
        auto dispatched = co_await policy.router->dispatch(std::move(*request), &route);
        response.emplace(std::move(dispatched.response));
        sink = std::move(dispatched.sink);
        keep_alive = std::move(dispatched.keep_alive);
    } catch (...) {
        failure = std::current_exception();
    }
    if (!response) {
        const logging::ScopedLogContext context({request_id, 0, {}});
        log_exception(fmt::format("handler of {} {}", sv(raw.method_string()), path_only(raw)),
                      failure);
        auto fresh = make_request(raw, policy, port);  // the first one was moved into the router
        response.emplace(problem(*fresh, bhttp::status::internal_server_error, "internal error"));
    }
    if (const auto* origin = allowed_origin(policy, raw)) {
        add_cors(*response, raw, *origin);
    }
    if (sink) {
        harden(*response);  // a stream's head: no Content-Length, the body follows
    } else {
        finish(*response, raw);
    }
    co_return Dispatched{std::move(*response), std::move(sink), std::move(keep_alive)};
}

// --- Streams: the exchange runs over a TCP stream or over bytes in memory. ---

void set_deadline(beast::tcp_stream& stream, std::chrono::steady_clock::duration timeout) {
    stream.expires_after(timeout);
}

void shutdown_send(beast::tcp_stream& stream) {
    error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

/// An AsyncStream over a byte string: reads return `input` (then EOF), writes append to the
/// output until shutdown_send. Every operation completes through a post to the handler's
/// executor, as a socket's would.
class MemoryStream {
public:
    using executor_type =
        asio::any_io_executor;  // NOLINT(readability-identifier-naming): Asio's name

    MemoryStream(executor_type executor, std::string_view input)
        : executor_(std::move(executor)), input_(input) {}

    [[nodiscard]] executor_type get_executor() const noexcept { return executor_; }

    template <class MutableBuffers, class Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        return asio::async_initiate<Token, void(error_code, std::size_t)>(
            [this](auto handler, const MutableBuffers& into) {
                const auto n = asio::buffer_copy(into, asio::buffer(input_.data(), input_.size()));
                input_.remove_prefix(n);
                error_code ec;
                if (n == 0 && asio::buffer_size(into) != 0) {
                    ec = asio::error::eof;
                }
                complete(std::move(handler), ec, n);
            },
            token, buffers);
    }

    template <class ConstBuffers, class Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return asio::async_initiate<Token, void(error_code, std::size_t)>(
            [this](auto handler, const ConstBuffers& from) {
                error_code ec;
                std::size_t n = 0;
                if (shut_) {
                    ec = asio::error::broken_pipe;
                } else {
                    for (auto it = asio::buffer_sequence_begin(from);
                         it != asio::buffer_sequence_end(from); ++it) {
                        const asio::const_buffer buffer(*it);
                        output_.append(static_cast<const char*>(buffer.data()), buffer.size());
                        n += buffer.size();
                    }
                }
                complete(std::move(handler), ec, n);
            },
            token, buffers);
    }

    void shutdown_send() { shut_ = true; }
    [[nodiscard]] std::string take_output() { return std::move(output_); }

private:
    template <class Handler>
    void complete(Handler handler, error_code ec, std::size_t n) {
        auto executor = asio::get_associated_executor(handler, executor_);
        asio::post(executor,
                   [handler = std::move(handler), ec, n]() mutable { std::move(handler)(ec, n); });
    }

    executor_type executor_;
    std::string_view input_;
    std::string output_;
    bool shut_ = false;
};

void set_deadline(MemoryStream& /*stream*/, std::chrono::steady_clock::duration /*timeout*/) {}

void shutdown_send(MemoryStream& stream) {
    stream.shutdown_send();
}

/// What a socket connection adds to the exchange: the idle flag stop() looks at and the
/// server's stopping flag. Both null for an in-memory exchange.
struct ConnectionHooks {
    bool* idle = nullptr;
    const std::atomic<bool>* stopping = nullptr;
    const asio::ip::address* peer = nullptr;  ///< the TCP peer; null in memory (no rate limit)
    std::chrono::milliseconds drain_idle{0};
    /// Where an open event stream registers its wake-up for stop(); null in memory.
    std::function<void()>* wake_stream = nullptr;

    [[nodiscard]] bool is_stopping() const { return stopping != nullptr && stopping->load(); }
    [[nodiscard]] bool in_memory() const { return stopping == nullptr; }
    void set_idle(bool value) const {
        if (idle != nullptr) {
            *idle = value;
        }
    }
};

/// Sends a response the server decided on before any handler ran, then closes gracefully:
/// stop sending, and read (and drop) what the client still sends — bounded in time and bytes —
/// so that it sees the response rather than a connection reset.
template <class Stream>
asio::awaitable<void> answer_and_close(Stream& stream, const ServerOptions& options,
                                       Response response) {
    harden(response);
    set_deadline(stream, options.read_timeout);
    auto [write_error, written] = co_await bhttp::async_write(stream, response, kAsTuple);
    (void)written;
    if (write_error) {
        co_return;
    }
    shutdown_send(stream);
    set_deadline(stream, kLingerTime);
    std::array<char, 4096> scratch{};
    std::size_t drained = 0;
    while (drained < kLingerBytes) {
        auto [ec, n] = co_await stream.async_read_some(asio::buffer(scratch), kAsTuple);
        if (ec) {
            break;
        }
        drained += n;
    }
}

/// answer_and_close for a request refused before routing, reported to the observer (method
/// only when the header was parsed; no route).
template <class Stream>
asio::awaitable<void> refuse(Stream& stream, const ServerOptions& options,
                             const bhttp::request_parser<bhttp::string_body>& parser,
                             Response response, std::chrono::steady_clock::time_point started) {
    RequestRecord record;
    record.method = parser.is_header_done() ? sv(parser.get().method_string()) : std::string_view{};
    record.status = response.result_int();
    record.body_bytes = response.body().size();
    const std::string request_id = request_id_of(parser);
    record.request_id = request_id;
    response.set(kRequestIdHeader, request_id);
    co_await answer_and_close(stream, options, std::move(response));
    record.duration = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
    observe(options, record);
}

/// Reads one request into `parser`: the header first, judged (refuse_header) before a byte
/// of the body is read, then the body. False when the connection must end — after answering
/// and closing for a refused request, silently when nothing can be answered.
template <class Stream>
asio::awaitable<bool> read_request(Stream& stream, beast::flat_buffer& buffer,
                                   bhttp::request_parser<bhttp::string_body>& parser,
                                   const ServerOptions& options) {
    parser.header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(options.header_limit, std::numeric_limits<std::uint32_t>::max())));
    parser.body_limit(static_cast<std::uint64_t>(options.body_limit));
    const auto started = std::chrono::steady_clock::now();
    set_deadline(stream, std::min(options.header_timeout, options.read_timeout));
    auto [header_error, header_read] =
        co_await bhttp::async_read_header(stream, buffer, parser, kAsTuple);
    (void)header_read;
    if (header_error) {
        if (auto rejection = problem_for_read_error(header_error, parser, options)) {
            co_await refuse(stream, options, parser, std::move(*rejection), started);
        }
        co_return false;
    }
    // The rest of the request (its body) gets what is left of read_timeout.
    set_deadline(stream, std::max<std::chrono::steady_clock::duration>(
                             std::chrono::milliseconds(1),
                             options.read_timeout - (std::chrono::steady_clock::now() - started)));
    if (const auto& header = parser.get();
        static_cast<std::size_t>(std::distance(header.begin(), header.end())) >
        options.max_header_count) {
        const auto detail =
            fmt::format("request has more than {} header fields", options.max_header_count);
        log().debug("rejected request: {}", detail);
        co_await refuse(
            stream, options, parser,
            problem(header.version(), false, bhttp::status::request_header_fields_too_large, detail,
                    path_of_target(header.target())),
            started);
        co_return false;
    }
    // Judged on the header alone: a framing or Host the server does not trust must not let
    // the body be parsed as the next request.
    if (const auto refusal = refuse_header(parser.get())) {
        log().debug("rejected request: {}", *refusal);
        co_await refuse(stream, options, parser,
                        problem(parser.get().version(), false, bhttp::status::bad_request, *refusal,
                                path_of_target(parser.get().target())),
                        started);
        co_return false;
    }
    if (parser.is_done()) {
        co_return true;
    }
    auto [read_error, read] = co_await bhttp::async_read(stream, buffer, parser, kAsTuple);
    (void)read;
    if (read_error) {
        if (auto rejection = problem_for_read_error(read_error, parser, options)) {
            co_await refuse(stream, options, parser, std::move(*rejection), started);
        }
        co_return false;
    }
    co_return true;
}

bool is_write(bhttp::verb method) {
    return method == bhttp::verb::post || method == bhttp::verb::put ||
           method == bhttp::verb::patch || method == bhttp::verb::delete_;
}

/// Whether `path` is /actuator or below it: the probes and metrics, exempt from the in-flight
/// cap so that an overloaded server still answers them.
bool is_actuator(std::string_view path) {
    constexpr std::string_view kActuator = "/actuator";
    return path.substr(0, kActuator.size()) == kActuator &&
           (path.size() == kActuator.size() || path[kActuator.size()] == '/');
}

/// A 429 or 503 problem with Retry-After, answered instead of routing; keep-alive kept.
Response limit_problem(const Policy& policy, const StringRequest& raw, bhttp::status status,
                       std::string_view detail, std::chrono::seconds retry_after) {
    auto response =
        problem(raw.version(), raw.keep_alive(), status, detail, path_of_target(raw.target()));
    response.set(bhttp::field::retry_after, std::to_string(retry_after.count()));
    if (const auto* origin = allowed_origin(policy, raw)) {
        add_cors(response, raw, *origin);
    }
    finish(response, raw);
    return response;
}

/// The limits judged once a request is read (README "Limits"): the client's write rate
/// limit (429), then the in-flight cap (503; /actuator exempt). nullopt: admitted, with
/// `ticket` holding an in-flight slot (when the cap applies) until the caller drops it.
std::optional<Response> refuse_over_limit(const Policy& policy, const StringRequest& raw,
                                          const ConnectionHooks& hooks,
                                          InFlightGate::Ticket& ticket) {
    if (policy.rate_limiter && hooks.peer != nullptr && is_write(raw.method())) {
        const auto client = policy.proxies.client_of(*hooks.peer, raw);
        if (const auto retry_after = policy.rate_limiter->admit(client_key(client))) {
            log().debug("rate limit: {} {} from {}", sv(raw.method_string()),
                        path_of_target(raw.target()), client.to_string());
            return limit_problem(
                policy, raw, bhttp::status::too_many_requests,
                fmt::format("too many writes from this client: at most {} a second (burst {})",
                            policy.options.write_rate_limit.per_second,
                            policy.rate_limiter->burst()),
                *retry_after);
        }
    }
    if (policy.options.max_in_flight != 0 && !is_actuator(path_of_target(raw.target()))) {
        ticket = policy.in_flight.try_enter();
        if (!ticket) {
            return limit_problem(policy, raw, bhttp::status::service_unavailable,
                                 "the server is overloaded: try again shortly", kShedRetryAfter);
        }
    }
    return std::nullopt;
}

/// The comment line a silent stream sends every ServerOptions::stream_heartbeat.
constexpr std::string_view kHeartbeat = ": heartbeat\n\n";

/// The stream cap's refusal of a stream that the handler opened, or nullopt with `slot` held:
/// 503 over max_streams, 429 over max_streams_per_client (then `Retry-After: 1`: a slot frees
/// when any stream ends, which cannot be predicted).
std::optional<Response> refuse_stream(const Policy& policy, const StringRequest& raw,
                                      const ConnectionHooks& hooks, StreamGate::Slot& slot) {
    const ClientKey client = hooks.peer != nullptr
                                 ? client_key(policy.proxies.client_of(*hooks.peer, raw))
                                 : ClientKey{};
    StreamGate::Refusal refusal = StreamGate::Refusal::kNone;
    slot = policy.streams.try_open(client, &refusal);
    if (slot) {
        return std::nullopt;
    }
    if (refusal == StreamGate::Refusal::kPerClient) {
        return limit_problem(policy, raw, bhttp::status::too_many_requests,
                             fmt::format("this client has {} event streams open: close one first",
                                         policy.streams.max_per_client()),
                             kShedRetryAfter);
    }
    return limit_problem(policy, raw, bhttp::status::service_unavailable,
                         fmt::format("{} event streams are open: try again shortly",
                                     policy.streams.max_total()),
                         kShedRetryAfter);
}

/// Writes an event stream: `head` (HTTP/1.1 chunked, HTTP/1.0 close-delimited), then the
/// sink's events until it closes, a write fails or the server stops (see Server). Returns the
/// event bytes written. In memory (Exchange) it writes what is queued and returns.
template <class Stream>
asio::awaitable<std::size_t> run_stream(Stream& stream, const Policy& policy,
                                        const ConnectionHooks& hooks, Response head,
                                        EventSink& sink) {
    const bool chunked = head.version() >= 11;
    bhttp::response<bhttp::empty_body> header{std::move(head.base())};
    header.chunked(chunked);
    header.keep_alive(false);  // the connection ends with the stream
    bhttp::response_serializer<bhttp::empty_body> serializer{header};
    set_deadline(stream, policy.options.read_timeout);
    auto [head_error, head_bytes] = co_await bhttp::async_write_header(stream, serializer, kAsTuple);
    (void)head_bytes;
    if (head_error) {
        co_return 0;
    }
    const auto executor = co_await asio::this_coro::executor;
    const auto timer = std::make_shared<asio::steady_timer>(executor);
    const std::weak_ptr<asio::steady_timer> weak = timer;
    // A pusher on any thread wakes the writer through the strand. A wake-up that lands while
    // no wait is pending (during a write) is lost, so the writer checks ready() before each
    // wait: a push after that check posts its cancel behind the wait's start.
    sink.on_wake([executor, weak] {
        asio::post(executor, [weak] {
            if (const auto woken = weak.lock()) {
                woken->cancel();
            }
        });
    });
    if (hooks.wake_stream != nullptr) {
        *hooks.wake_stream = [weak] {
            if (const auto woken = weak.lock()) {
                woken->cancel();
            }
        };
    }
    std::size_t sent = 0;
    bool heartbeat_due = false;
    bool failed = false;
    for (;;) {
        bool closed = false;
        std::string out;
        for (const auto& event : sink.take(&closed)) {
            out.append(*event);
        }
        if (out.empty() && heartbeat_due) {
            out = kHeartbeat;
        }
        if (!out.empty()) {
            set_deadline(stream, policy.options.read_timeout);
            error_code ec;
            if (chunked) {
                std::tie(ec, std::ignore) = co_await asio::async_write(
                    stream, bhttp::make_chunk(asio::buffer(out)), kAsTuple);
            } else {
                std::tie(ec, std::ignore) =
                    co_await asio::async_write(stream, asio::buffer(out), kAsTuple);
            }
            if (ec) {
                failed = true;
                break;
            }
            sent += out.size();
        }
        if (closed || hooks.is_stopping() || hooks.in_memory()) {
            break;
        }
        if (sink.ready()) {
            heartbeat_due = false;
            continue;
        }
        timer->expires_after(policy.options.stream_heartbeat);
        auto [wait_error] = co_await timer->async_wait(kAsTuple);
        heartbeat_due = !wait_error;  // expired (not woken by a push or stop())
    }
    sink.on_wake({});
    sink.close();
    if (hooks.wake_stream != nullptr) {
        *hooks.wake_stream = {};
    }
    if (chunked && !failed) {
        set_deadline(stream, policy.options.read_timeout);
        auto [last_error, last_bytes] =
            co_await asio::async_write(stream, bhttp::make_chunk_last(), kAsTuple);
        (void)last_error;
        (void)last_bytes;
    }
    co_return sent;
}

/// One connection's exchange: read a request, answer it, repeat while keep-alive holds. The
/// only request path of the server (sockets and Exchange alike).
template <class Stream>
asio::awaitable<void> run_exchange(Stream& stream, const Policy& policy, std::uint16_t port,
                                   ConnectionHooks hooks) {
    const ServerOptions& options = policy.options;
    beast::flat_buffer buffer;
    // A new connection must start its first request within the header timeout (a client
    // that opens connections and sends nothing holds them like a slow loris).
    auto idle_timeout = std::min(options.idle_timeout, options.header_timeout);
    for (;;) {
        if (buffer.size() == 0) {
            // Idle: stop() may cancel this wait (it runs on this strand too).
            hooks.set_idle(true);
            // Stopping: the last response may have promised keep-alive; closing now would
            // race the client's next request, so give it drain_idle to send one.
            set_deadline(stream, hooks.is_stopping()
                                     ? std::min<std::chrono::steady_clock::duration>(
                                           hooks.drain_idle, idle_timeout)
                                     : std::chrono::steady_clock::duration(idle_timeout));
            auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kIdleReadSize), kAsTuple);
            hooks.set_idle(false);
            if (ec) {
                break;  // peer closed, idle timeout, or stop()
            }
            buffer.commit(n);
        }

        bhttp::request_parser<bhttp::string_body> parser;
        if (!co_await read_request(stream, buffer, parser, options)) {
            break;
        }
        idle_timeout = options.idle_timeout;

        const StringRequest& raw = parser.get();
        const auto started = std::chrono::steady_clock::now();
        const std::string request_id = request_id_of(parser);
        std::string_view route;
        InFlightGate::Ticket ticket;
        auto refused = refuse_over_limit(policy, raw, hooks, ticket);
        const bool routed = !refused;
        Dispatched answer;
        // (Not a conditional expression: GCC 12 miscompiles co_await inside one.)
        if (refused) {
            answer.response = std::move(*refused);
        } else {
            answer = co_await respond(policy, port, raw, request_id, route);
        }
        ticket = {};  // the handler is done: the slot is free while the response is written
        Response& response = answer.response;
        response.set(kRequestIdHeader, request_id);
        if (answer.sink) {
            StreamGate::Slot slot;
            if (auto over = refuse_stream(policy, raw, hooks, slot)) {
                answer.sink->close();
                answer.sink.reset();
                answer.keep_alive.reset();
                response = std::move(*over);
                response.set(kRequestIdHeader, request_id);
            } else {
                const auto sent =
                    co_await run_stream(stream, policy, hooks, std::move(response), *answer.sink);
                answer.keep_alive.reset();  // unsubscribe before the slot frees
                slot = {};
                const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - started);
                observe(options, {sv(raw.method_string()), route, 200, micros, sent, routed,
                                  request_id});
                if (log().should_log(spdlog::level::debug)) {
                    const logging::ScopedLogContext context({request_id, 0, {}});
                    log().debug("{} {} -> stream of {} bytes ended after {} us",
                                sv(raw.method_string()), path_only(raw), sent, micros.count());
                }
                break;
            }
        }
        if (hooks.is_stopping()) {
            response.keep_alive(false);
        }
        set_deadline(stream, options.read_timeout);
        auto [write_error, written] = co_await bhttp::async_write(stream, response, kAsTuple);
        (void)written;
        const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - started);
        observe(options, {sv(raw.method_string()), route, response.result_int(), micros,
                          response.body().size(), routed, request_id});
        if (log().should_log(spdlog::level::debug)) {
            const logging::ScopedLogContext context({request_id, 0, {}});
            log().debug("{} {} -> {} in {} us", sv(raw.method_string()), path_only(raw),
                        response.result_int(), micros.count());
        }
        if (write_error || !response.keep_alive()) {
            break;
        }
    }
    shutdown_send(stream);
}

}  // namespace

namespace detail {

/// Everything the accept loop and the connections share; kept alive by their coroutines.
struct ServerState {
    ServerState(asio::io_context& context, ServerOptions server_options,
                std::shared_ptr<const Router> shared_router)
        : io_context(context),
          policy(std::move(server_options), std::move(shared_router)),
          options(policy.options),
          strand(asio::make_strand(context)),
          acceptor(strand) {}

    asio::io_context& io_context;
    const Policy policy;
    const ServerOptions& options;                          ///< policy.options
    asio::strand<asio::io_context::executor_type> strand;  ///< runs the acceptor
    tcp::acceptor acceptor;
    std::atomic<std::uint16_t> port{0};
    std::atomic<bool> stopping{false};
    std::atomic<std::size_t> active{0};
    std::mutex mutex;  ///< guards `connections`
    std::list<std::weak_ptr<Connection>> connections;
};

}  // namespace detail

namespace {

using detail::ServerState;

/// Counts one open connection from accept until its coroutine frame is destroyed (whether or
/// not the coroutine ever ran). Move-only.
class ConnectionSlot {
public:
    explicit ConnectionSlot(std::shared_ptr<ServerState> state) : state_(std::move(state)) {
        state_->active.fetch_add(1, std::memory_order_relaxed);
    }
    ConnectionSlot(ConnectionSlot&& other) noexcept = default;
    ConnectionSlot& operator=(ConnectionSlot&&) = delete;
    ConnectionSlot(const ConnectionSlot&) = delete;
    ConnectionSlot& operator=(const ConnectionSlot&) = delete;
    ~ConnectionSlot() {
        if (state_) {
            state_->active.fetch_sub(1, std::memory_order_relaxed);
        }
    }
    [[nodiscard]] ServerState& state() const { return *state_; }

private:
    std::shared_ptr<ServerState> state_;
};

/// Lists a connection in ServerState::connections (for stop()) while it is alive.
class Registration {
public:
    Registration(ServerState& state, const std::shared_ptr<Connection>& connection)
        : state_(state) {
        const std::lock_guard lock(state_.mutex);
        it_ = state_.connections.insert(state_.connections.end(), connection);
    }
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;
    Registration(Registration&&) = delete;
    Registration& operator=(Registration&&) = delete;
    ~Registration() {
        const std::lock_guard lock(state_.mutex);
        state_.connections.erase(it_);
    }

private:
    ServerState& state_;
    std::list<std::weak_ptr<Connection>>::iterator it_;
};

/// One socket connection: TCP_NODELAY, registered for stop(), then run_exchange.
asio::awaitable<void> session(ConnectionSlot slot, tcp::socket socket) {
    ServerState& state = slot.state();
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    const auto peer = socket.remote_endpoint(ignored).address();
    const auto connection = std::make_shared<Connection>(std::move(socket));
    const Registration registration(state, connection);
    beast::tcp_stream& stream = connection->stream;
    co_await run_exchange(
        stream, state.policy, state.port.load(std::memory_order_relaxed),
        ConnectionHooks{&connection->idle, &state.stopping, &peer, state.options.drain_idle,
                        &connection->wake_stream});
    stream.socket().close(ignored);
}

/// Accepts until the acceptor is closed; each connection on a strand of its own.
asio::awaitable<void> accept_loop(std::shared_ptr<ServerState> state) {
    std::size_t refused = 0;  ///< connections refused since the last warning
    std::chrono::steady_clock::time_point last_warning{};
    for (;;) {
        tcp::socket socket(asio::make_strand(state->io_context));
        auto [ec] = co_await state->acceptor.async_accept(socket, kAsTuple);
        if (ec) {
            if (ec == asio::error::operation_aborted || !state->acceptor.is_open()) {
                co_return;
            }
            log().warn("accept failed: {}", ec.message());
            asio::steady_timer timer(co_await asio::this_coro::executor, kAcceptBackoff);
            auto [timer_error] = co_await timer.async_wait(kAsTuple);
            (void)timer_error;
            continue;
        }
        if (state->stopping.load() ||
            state->active.load(std::memory_order_relaxed) >= state->options.max_connections) {
            if (!state->stopping.load()) {
                // At most one line a second: a flood must not become a log flood.
                ++refused;
                const auto now = std::chrono::steady_clock::now();
                if (now - last_warning >= std::chrono::seconds(1)) {
                    log().warn("refused {} connection(s): {} are open (max_connections)", refused,
                               state->active.load(std::memory_order_relaxed));
                    refused = 0;
                    last_warning = now;
                }
            }
            error_code ignored;
            socket.close(ignored);
            continue;
        }
        auto executor = socket.get_executor();
        asio::co_spawn(executor, session(ConnectionSlot(state), std::move(socket)),
                       [](const std::exception_ptr& error) { log_exception("connection", error); });
    }
}

}  // namespace

Server::Server(asio::io_context& io_context, ServerOptions options,
               std::shared_ptr<const Router> router)
    : state_(std::make_shared<detail::ServerState>(io_context, std::move(options),
                                                   std::move(router))) {}

Server::~Server() {
    try {
        stop();
    } catch (const std::exception& e) {  // only allocation can fail here
        log().error("stopping the server failed: {}", e.what());
    }
}

int open_listener(const std::string& address, std::uint16_t port, bool reuse_port) {
    error_code ec;
    const auto ip = asio::ip::make_address(address, ec);
    if (ec) {
        throw std::system_error(ec, fmt::format("http: invalid listen address '{}'", address));
    }
    const tcp::endpoint endpoint(ip, port);
    asio::io_context scratch;  // the socket only borrows it until release()
    tcp::acceptor acceptor(scratch);
    const auto check = [&endpoint](const error_code& error) {
        if (error) {
            throw std::system_error(
                error, fmt::format("http: cannot listen on {}:{}", endpoint.address().to_string(),
                                   endpoint.port()));
        }
    };
    check(acceptor.open(endpoint.protocol(), ec));
    check(acceptor.set_option(asio::socket_base::reuse_address(true), ec));
    if (reuse_port) {
        using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;
        check(acceptor.set_option(ReusePort(true), ec));
    }
    check(acceptor.bind(endpoint, ec));
    check(acceptor.listen(asio::socket_base::max_listen_connections, ec));
    return acceptor.release();
}

void Server::start() {
    auto& state = *state_;
    int fd = state.options.listen_fd;
    if (fd < 0) {
        fd = open_listener(state.options.address, state.options.port, state.options.reuse_port);
    }
    sockaddr_storage local{};
    socklen_t length = sizeof local;
    error_code ec;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) {
        ec.assign(errno, boost::system::system_category());
    } else {
        state.acceptor.assign(local.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), fd, ec);
    }
    if (ec) {
        ::close(fd);
        throw std::system_error(ec, "http: cannot use the listening socket");
    }
    state.port.store(state.acceptor.local_endpoint().port());
    log().info("listening on {}:{}{}", state.acceptor.local_endpoint().address().to_string(),
               state.port.load(),
               state.options.listen_fd >= 0 ? " (inherited socket)"
               : state.options.reuse_port   ? " (SO_REUSEPORT)"
                                            : "");
    asio::co_spawn(state.strand, accept_loop(state_),
                   [](const std::exception_ptr& error) { log_exception("accept loop", error); });
}

std::uint16_t Server::port() const {
    return state_->port.load();
}

void Server::stop() {
    if (state_->stopping.exchange(true)) {
        return;
    }
    asio::post(state_->strand, [state = state_] {
        error_code ignored;
        state->acceptor.close(ignored);
    });
    std::vector<std::shared_ptr<Connection>> open;
    {
        const std::lock_guard lock(state_->mutex);
        open.reserve(state_->connections.size());
        for (const auto& weak : state_->connections) {
            if (auto connection = weak.lock()) {
                open.push_back(std::move(connection));
            }
        }
    }
    // A connection waiting for its next request gets drain_idle to send it (its own wait
    // already runs with that deadline if it began after stopping was set).
    const auto drain_idle = state_->options.drain_idle;
    for (auto& connection : open) {
        auto executor = connection->stream.get_executor();
        asio::post(executor, [connection = std::move(connection), drain_idle] {
            if (connection->wake_stream) {
                connection->wake_stream();  // an event stream: it ends now
                return;
            }
            if (!connection->idle) {
                return;  // reading or handling a request: its response closes it
            }
            auto timer =
                std::make_shared<asio::steady_timer>(connection->stream.get_executor(), drain_idle);
            timer->async_wait([connection, timer](error_code) {
                if (connection->idle) {
                    connection->stream.cancel();
                }
            });
        });
    }
}

std::size_t Server::active_connections() const {
    return state_->active.load();
}

Exchange::Exchange(ServerOptions options, std::shared_ptr<const Router> router)
    : policy_(std::make_shared<const detail::Policy>(std::move(options), std::move(router))) {}

asio::awaitable<std::string> Exchange::answer(std::string_view bytes) const {
    const auto policy = policy_;  // the frame keeps the policy alive
    MemoryStream stream(co_await asio::this_coro::executor, bytes);
    co_await run_exchange(stream, *policy, policy->options.port, ConnectionHooks{});
    co_return stream.take_output();
}

std::string Exchange::answer_now(std::string_view bytes) const {
    asio::io_context io_context;
    auto answered = asio::co_spawn(io_context, answer(bytes), asio::use_future);
    io_context.run();
    return answered.get();
}

asio::awaitable<std::string> answer_bytes(const ServerOptions& options, const Router& router,
                                          std::string_view bytes) {
    // Borrowed: an aliasing shared_ptr that owns nothing.
    const Exchange exchange(options,
                            std::shared_ptr<const Router>(std::shared_ptr<void>{}, &router));
    co_return co_await exchange.answer(bytes);
}

}  // namespace mb::adapters::http
