#include "adapters/http/server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <exception>
#include <limits>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "adapters/http/problem.hpp"
#include "adapters/http/response.hpp"

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

std::string_view sv(beast::string_view text) {
    return {text.data(), text.size()};
}

/// One accepted connection; `idle` is touched only on the stream's strand.
struct Connection {
    explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
    beast::tcp_stream stream;
    bool idle = false;  ///< waiting for the first byte of the next request
};

void log_exception(std::string_view where, const std::exception_ptr& error) {
    if (!error) {
        return;
    }
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        spdlog::error("http: {} failed: {}", where, e.what());
    } catch (...) {
        spdlog::error("http: {} failed with a non-standard exception", where);
    }
}

/// Decodes the target into a Request; nullopt for a target that is not a valid
/// origin-form or absolute-form URI.
std::optional<Request> make_request(const StringRequest& raw, std::uint16_t port) {
    const auto target = raw.target();
    auto url = (!target.empty() && target.front() == '/') ? boost::urls::parse_origin_form(target)
                                                          : boost::urls::parse_absolute_uri(target);
    if (!url) {
        return std::nullopt;
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
    if (host.empty()) {
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
    spdlog::debug("http: rejected request: {}", detail);
    const unsigned version = parser.is_header_done() ? parser.get().version() : 11;
    // The request line is known even when the body limit tripped on Content-Length (before
    // the parser counts the header as done).
    std::string instance;
    if (const auto target = parser.get().target(); !target.empty()) {
        instance.assign(target.data(), std::min(target.size(), target.find('?')));
    }
    return problem(version, false, *status, detail, instance);
}

/// Fills in what a handler may have left out, so the connection stays correctly framed:
/// the Server header, a Content-Length for a body without one, and no body where HTTP allows
/// none (any response to HEAD keeps its Content-Length but loses its body — this covers the
/// 404/405/500 problems too; 1xx, 204 and 304 never carry one).
void finish(Response& response, const StringRequest& raw) {
    if (response.find(bhttp::field::server) == response.end()) {
        response.set(bhttp::field::server, kServerName);
    }
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

}  // namespace

namespace detail {

/// Everything the accept loop and the connections share; kept alive by their coroutines.
struct ServerState {
    ServerState(asio::io_context& context, ServerOptions server_options,
                std::shared_ptr<const Router> shared_router)
        : io_context(context),
          options(std::move(server_options)),
          router(std::move(shared_router)),
          strand(asio::make_strand(context)),
          acceptor(strand) {}

    asio::io_context& io_context;
    const ServerOptions options;
    const std::shared_ptr<const Router> router;
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

/// Routes one request and turns a handler's exception into a 500 problem. (Awaited by its
/// session, never spawned: the references point into the session's frame.)
asio::awaitable<Response> respond(const ServerState& state, const StringRequest& raw) {
    const auto port = state.port.load(std::memory_order_relaxed);
    auto request = make_request(raw, port);
    if (!request) {
        // Malformed input closes the connection, like a request the parser refused.
        co_return problem(raw.version(), false, bhttp::status::bad_request,
                          "malformed request target");
    }
    std::optional<Response> response;
    std::exception_ptr failure;
    try {
        response.emplace(co_await state.router->dispatch(std::move(*request)));
    } catch (...) {
        failure = std::current_exception();
    }
    if (!response) {
        log_exception(fmt::format("handler of {} {}", sv(raw.method_string()), sv(raw.target())),
                      failure);
        auto fresh = make_request(raw, port);  // the first one was moved into the router
        response.emplace(problem(*fresh, bhttp::status::internal_server_error, "internal error"));
    }
    finish(*response, raw);
    co_return std::move(*response);
}

/// Sends a response the server decided on before any handler ran, then closes gracefully:
/// stop sending, and read (and drop) what the client still sends — bounded in time and bytes —
/// so that it sees the response rather than a connection reset.
asio::awaitable<void> answer_and_close(beast::tcp_stream& stream, const ServerState& state,
                                       Response response) {
    stream.expires_after(state.options.read_timeout);
    auto [write_error, written] = co_await bhttp::async_write(stream, response, kAsTuple);
    (void)written;
    if (write_error) {
        co_return;
    }
    error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.expires_after(kLingerTime);
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

/// One connection: read a request, answer it, repeat while keep-alive holds.
asio::awaitable<void> session(ConnectionSlot slot, tcp::socket socket) {
    ServerState& state = slot.state();
    const ServerOptions& options = state.options;
    error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    const auto connection = std::make_shared<Connection>(std::move(socket));
    const Registration registration(state, connection);
    beast::tcp_stream& stream = connection->stream;
    beast::flat_buffer buffer;

    for (;;) {
        if (buffer.size() == 0) {
            // Idle: stop() may cancel this wait (it runs on this strand too).
            connection->idle = true;
            if (state.stopping.load()) {
                break;
            }
            stream.expires_after(options.idle_timeout);
            auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kIdleReadSize), kAsTuple);
            connection->idle = false;
            if (ec) {
                break;  // peer closed, idle timeout, or stop()
            }
            buffer.commit(n);
        }

        bhttp::request_parser<bhttp::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(
            options.header_limit, std::numeric_limits<std::uint32_t>::max())));
        parser.body_limit(static_cast<std::uint64_t>(options.body_limit));
        stream.expires_after(options.read_timeout);
        auto [read_error, read] = co_await bhttp::async_read(stream, buffer, parser, kAsTuple);
        (void)read;
        if (read_error) {
            if (auto rejection = problem_for_read_error(read_error, parser, options)) {
                co_await answer_and_close(stream, state, std::move(*rejection));
            }
            break;
        }

        const StringRequest& raw = parser.get();
        const auto started = std::chrono::steady_clock::now();
        Response response = co_await respond(state, raw);
        if (state.stopping.load()) {
            response.keep_alive(false);
        }
        stream.expires_after(options.read_timeout);
        auto [write_error, written] = co_await bhttp::async_write(stream, response, kAsTuple);
        (void)written;
        if (spdlog::should_log(spdlog::level::debug)) {
            const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::steady_clock::now() - started);
            spdlog::debug("http: {} {} -> {} in {} us", sv(raw.method_string()), sv(raw.target()),
                          response.result_int(), micros.count());
        }
        if (write_error || !response.keep_alive()) {
            break;
        }
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.socket().close(ignored);
}

/// Accepts until the acceptor is closed; each connection on a strand of its own.
asio::awaitable<void> accept_loop(std::shared_ptr<ServerState> state) {
    for (;;) {
        tcp::socket socket(asio::make_strand(state->io_context));
        auto [ec] = co_await state->acceptor.async_accept(socket, kAsTuple);
        if (ec) {
            if (ec == asio::error::operation_aborted || !state->acceptor.is_open()) {
                co_return;
            }
            spdlog::warn("http: accept failed: {}", ec.message());
            asio::steady_timer timer(co_await asio::this_coro::executor, kAcceptBackoff);
            auto [timer_error] = co_await timer.async_wait(kAsTuple);
            (void)timer_error;
            continue;
        }
        if (state->stopping.load() ||
            state->active.load(std::memory_order_relaxed) >= state->options.max_connections) {
            if (!state->stopping.load()) {
                spdlog::warn("http: refusing a connection: {} are open (max_connections)",
                             state->active.load(std::memory_order_relaxed));
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
        spdlog::error("http: stopping the server failed: {}", e.what());
    }
}

void Server::start() {
    auto& state = *state_;
    error_code ec;
    const auto address = asio::ip::make_address(state.options.address, ec);
    if (ec) {
        throw std::system_error(
            ec, fmt::format("http: invalid listen address '{}'", state.options.address));
    }
    const tcp::endpoint endpoint(address, state.options.port);
    const auto fail = [&state, &endpoint](const error_code& error) {
        error_code ignored;
        state.acceptor.close(ignored);
        throw std::system_error(
            error, fmt::format("http: cannot listen on {}:{}", endpoint.address().to_string(),
                               endpoint.port()));
    };
    state.acceptor.open(endpoint.protocol(), ec);
    if (ec) {
        fail(ec);
    }
    state.acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (ec) {
        fail(ec);
    }
    state.acceptor.bind(endpoint, ec);
    if (ec) {
        fail(ec);
    }
    state.acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        fail(ec);
    }
    state.port.store(state.acceptor.local_endpoint().port());
    spdlog::info("http: listening on {}:{}", state.options.address, state.port.load());
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
    for (auto& connection : open) {
        auto executor = connection->stream.get_executor();
        asio::post(executor, [connection = std::move(connection)] {
            if (connection->idle) {
                connection->stream.cancel();
            }
        });
    }
}

std::size_t Server::active_connections() const {
    return state_->active.load();
}

}  // namespace mb::adapters::http
