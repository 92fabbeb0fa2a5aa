#pragma once
// The HTTP/1.1 server: one accept loop and one coroutine per connection (Boost.Beast 1.81,
// C++20 coroutines), keep-alive, header/read/idle timeouts, header and body limits, a write
// rate limit per client and an in-flight cap (limits.hpp), graceful stop.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "adapters/http/limits.hpp"
#include "adapters/http/router.hpp"

namespace mb::adapters::http {

namespace detail {
struct ServerState;  // defined in server.cpp
struct Policy;       // defined in server.cpp
}  // namespace detail

/// One answered request as an observer (request metrics, access log) sees it. The views are
/// valid only during the observer call.
struct RequestRecord {
    std::string_view method;  ///< as sent ("GET"); "" when the header could not be parsed
    /// The matched route template ("/books/{id}", Router::dispatch), or "" when no resource
    /// matched (404) or the request was refused before routing (400 / 413 / 431).
    std::string_view route;
    unsigned status = 0;                    ///< the status code sent
    std::chrono::microseconds duration{0};  ///< from the parsed header to the response written
    std::size_t body_bytes = 0;             ///< response body bytes
    bool routed = false;                    ///< false: refused before any handler ran
    /// The request's id (accepted X-Request-Id or generated; see request_id.hpp), as echoed.
    std::string_view request_id;
};

/// Called once per answered request, on the strand of its connection, after the response was
/// written (or the write failed). Must be thread-safe (connections run concurrently) and cheap
/// (it is on every request's path); an exception it throws is logged and otherwise ignored.
using RequestObserver = std::function<void(const RequestRecord&)>;

/// Listener and per-connection limits. Plain values, read once by the Server's constructor.
struct ServerOptions {
    std::string address = "0.0.0.0";  ///< IPv4 or IPv6 literal to bind
    std::uint16_t port = 8088;        ///< 0 binds an ephemeral port (see Server::port)
    /// Max request body, bytes; a larger one is answered 413 and the connection closed.
    std::size_t body_limit = std::size_t{64} * 1024;
    /// Max request line + headers, bytes; a larger one is answered 431 and the connection closed.
    std::size_t header_limit = std::size_t{8} * 1024;
    /// Max header fields in a request; more are answered 431 and the connection closed.
    std::size_t max_header_count = 100;
    /// Max time from the first byte of a request to the end of its header, and for a new
    /// connection to send its first byte: a client slower than that (slow loris) is closed
    /// without an answer. Capped by read_timeout.
    std::chrono::milliseconds header_timeout{10000};
    /// Max time from the first byte of a request to its last, and to write the response.
    std::chrono::milliseconds read_timeout{30000};
    /// Max time a kept-alive connection may wait for its next request before it is closed.
    std::chrono::milliseconds idle_timeout{60000};
    /// Connections accepted beyond this many open ones are closed at once, unanswered (the
    /// cheapest refusal under a flood; a client or load balancer sees a reset and retries).
    std::size_t max_connections = 10000;
    /// Requests handled at once, over all connections; one more is answered 503 problem with
    /// `Retry-After: 1` before its handler runs (the connection stays open). 0 = no cap.
    /// /actuator paths are exempt, so probes still answer under overload.
    std::size_t max_in_flight = 1024;
    /// Per-client token bucket on POST, PUT, PATCH and DELETE; beyond it a 429 problem with
    /// `Retry-After` (whole seconds until the next token, rounded up). per_second 0 = off.
    /// Keyed by the client address (IPv4, or the IPv6 /64): the TCP peer, or behind a
    /// trusted proxy the address it forwarded (trusted_proxies). Not applied by Exchange,
    /// which has no peer.
    RateLimit write_rate_limit;
    /// Addresses or networks ("10.0.0.0/8") of proxies whose X-Forwarded-For names the client
    /// (TrustedProxies::client_of); empty = X-Forwarded-For is ignored. A malformed entry makes
    /// the constructors throw std::invalid_argument.
    std::vector<std::string> trusted_proxies;
    /// The rate limiter's time source (empty: steady_clock::now); tests inject one.
    SteadyClock clock;
    /// Bind with SO_REUSEPORT, so that another process (the next version, during a rolling
    /// restart) may listen on the same port at the same time (README "Rolling restart").
    bool reuse_port = false;
    /// When >= 0: an already listening TCP socket to serve (systemd socket activation, or
    /// open_listener() called early); the Server takes ownership and ignores address, port
    /// and reuse_port.
    int listen_fd = -1;
    /// After stop(): how long a kept-alive connection that waits for its next request is
    /// given to send it (answered with "Connection: close") before it is closed. A client
    /// under load sends within microseconds, so closing at once would race its next request.
    std::chrono::milliseconds drain_idle{1000};
    /// When not empty (e.g. "https://tickets.example.com"), the base of every link and
    /// Location instead of "http://" + the Host header: scheme http or https, a host
    /// (reg-name, IPv4 or [IPv6]), an optional port 0-65535, no userinfo, path (one trailing
    /// '/' is dropped), query or fragment. Anything else makes the Server and Exchange
    /// constructors throw std::invalid_argument.
    std::string public_url;
    /// Origins allowed to call cross-origin (CORS), each "scheme://host[:port]" as a browser
    /// sends it in `Origin` (compared case-insensitively); empty = CORS off (no CORS headers
    /// ever). A malformed one makes the constructors throw std::invalid_argument.
    std::vector<std::string> cors_origins;
    /// Event streams (Router::add_stream) open at once, in total and per client (keyed as
    /// write_rate_limit is); one more is answered 503 (total) or 429 (per client) problem with
    /// `Retry-After`. 0 = no cap. Streams count here, not toward max_in_flight (they hold no
    /// in-flight slot once their head is written), but each is one of max_connections.
    std::size_t max_streams = 1000;
    std::size_t max_streams_per_client = 8;
    /// A stream that sent nothing for this long gets a comment line (`: heartbeat`), so that
    /// proxies keep it open and a client that left is noticed (the write fails).
    std::chrono::milliseconds stream_heartbeat{15000};
    /// Sees every answered request (empty: none). Several consumers compose outside.
    RequestObserver observer;
};

/// A TCP socket bound to address:port (SO_REUSEADDR; SO_REUSEPORT when `reuse_port`) and
/// listening, for ServerOptions::listen_fd: bound before the rest of the application starts,
/// connections wait in the kernel's accept queue (backlog SOMAXCONN) until a Server accepts
/// them. Throws std::system_error naming the address and port (invalid address, port taken).
[[nodiscard]] int open_listener(const std::string& address, std::uint16_t port, bool reuse_port);

/// Serves a Router over HTTP/1.0 and HTTP/1.1 on one port.
///
/// - One accept loop; every accepted connection gets its own strand (so the io_context may
///   run on several threads) and TCP_NODELAY. Requests on a connection are handled one after
///   another; keep-alive follows HTTP/1.1 (default on) and HTTP/1.0 ("Connection:
///   keep-alive").
/// - Errors answered before a handler runs, each followed by closing the connection: 400
///   problem for a malformed request or target, 413 when the body exceeds `body_limit`, 431
///   when the header exceeds `header_limit` or has more than `max_header_count` fields. A
///   header, read or idle timeout closes silently.
/// - Limits answered after the request was read, the connection kept: 429 problem with
///   Retry-After for a write over the client's `write_rate_limit`, then 503 problem with
///   `Retry-After: 1` when `max_in_flight` requests are being handled (not for /actuator).
/// - The header is read and judged before any byte of the body (RFC 9112 §6.1, §6.3, §3.2):
///   400 + close for Transfer-Encoding in HTTP/1.0, Transfer-Encoding with Content-Length,
///   any Transfer-Encoding but exactly `chunked`; for HTTP/1.1 without Host, any request with
///   more than one Host or a Host that is not `host[:port]` (reg-name of A-Z a-z 0-9 - . _ ~,
///   IPv4, or [IPv6]; port 0-65535; no userinfo, path or whitespace). HTTP/1.0 may omit Host.
///   So the bytes after a refused request are never parsed as another request.
/// - Links: Request::base_url is ServerOptions::public_url when set, else the scheme and
///   authority of an absolute-form target, else "http://" + the validated Host, else (HTTP/1.0
///   without Host) "http://127.0.0.1:<port>".
/// - Every JSON body written is valid UTF-8: ill-formed bytes (a percent-decoded path, an
///   echoed value) become U+FFFD.
/// - Headers on every response, including problems, 304 and errors answered before a
///   handler (a handler's own value wins): `X-Content-Type-Options: nosniff`,
///   `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY`,
///   `Content-Security-Policy: default-src 'none'; frame-ancestors 'none'` (all but text/html
///   responses), `Cache-Control: no-store` — or `no-cache` when the response has an ETag, so
///   that If-None-Match revalidation still works.
/// - CORS (only with ServerOptions::cors_origins): for a request whose `Origin` is listed,
///   `Access-Control-Allow-Origin: <origin>`, `Vary: Origin` and
///   `Access-Control-Expose-Headers: Location, ETag, Retry-After, X-Request-Id`; a preflight
///   (OPTIONS with Access-Control-Request-Method) answered 2xx with Allow also gets
///   `Access-Control-Allow-Methods: <Allow>`, `Access-Control-Allow-Headers: Authorization,
///   Content-Type, If-None-Match, X-Request-Id` and `Access-Control-Max-Age: 600`. Any other
///   origin gets no CORS header at all.
/// - An exception escaping a handler is logged (spdlog error) and answered with a 500 problem
///   (detail "internal error"); the connection stays usable.
/// - Request ids: a valid `X-Request-Id` (request_id.hpp) is kept, else one is generated; it is
///   echoed as `X-Request-Id` on every response (refusals before routing too), given to the
///   handler as Request::request_id and to the observer as RequestRecord::request_id.
/// - Event streams (event_stream.hpp): the head is written at once (HTTP/1.1 chunked; HTTP/1.0
///   delimited by closing), then the sink's events as they come, a heartbeat comment after
///   `stream_heartbeat` of silence; the stream ends when the sink closes, a write fails (the
///   client left; noticed at the latest on the next heartbeat), or stop() is called; then the
///   connection closes. The observer sees one record per stream, when it ends (duration: the
///   stream's lifetime; body_bytes: the event bytes sent). Over max_streams: 503, over
///   max_streams_per_client: 429 (the handler has run; its subscription is dropped at once).
///   In Exchange a stream sends what the handler queued and ends.
/// - Every response carries `Server: movie-booking`; each request is logged at debug level
///   with method, path (never the query), status and duration in microseconds.
///
/// Lifetime: the io_context must outlive the Server. The destructor calls stop(); coroutines
/// still running keep the shared state (not the Server object) alive.
class Server {
public:
    /// Takes the options by value and shares the (already fully built) router. Throws
    /// std::invalid_argument as Exchange's constructor does.
    Server(asio::io_context& io_context, ServerOptions options,
           std::shared_ptr<const Router> router);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    Server(Server&&) = delete;
    Server& operator=(Server&&) = delete;

    /// Binds (SO_REUSEADDR) and listens, then spawns the accept loop on the io_context.
    /// Throws std::system_error naming the address and port when the address is invalid or
    /// cannot be bound (e.g. the port is taken). Call once, before or while the io_context
    /// runs.
    void start();

    /// The bound port (the ephemeral one when ServerOptions::port was 0); 0 before start().
    /// Thread-safe.
    [[nodiscard]] std::uint16_t port() const;

    /// Stops accepting (closes its listening socket: with socket activation the socket lives
    /// on in the process that passed it); requests being read or handled finish, their
    /// responses carry "Connection: close", then their connections close; a connection that
    /// waits for its next request gets ServerOptions::drain_idle to send it, then is closed.
    /// Idempotent; thread-safe (posts to the server's executors); returns at once — poll
    /// active_connections() to see the drain end.
    void stop();

    /// Connections currently open. Thread-safe.
    [[nodiscard]] std::size_t active_connections() const;

private:
    std::shared_ptr<detail::ServerState> state_;
};

/// The whole request path of one connection — parse, judge the header, read the body, route,
/// finish the response, keep-alive or close — over a byte string instead of a socket: the
/// same code a Server connection runs (for the fuzzer and for tests). Thread-safe; answer()
/// may run concurrently.
class Exchange {
public:
    /// Throws std::invalid_argument for a malformed public_url, cors_origins or trusted_proxies
    /// entry, or a negative rate limit.
    Exchange(ServerOptions options, std::shared_ptr<const Router> router);

    /// The serialized responses to the requests in `bytes`, in order, as a client that sent
    /// `bytes` and then closed its side would receive them: pipelined requests are answered
    /// one after another; it stops where the connection would close (a refused request, a
    /// response without keep-alive, or a request cut off by the end of `bytes`, which gets no
    /// answer). Links use ServerOptions::port for "http://127.0.0.1:<port>". Timeouts do not
    /// apply. `bytes` must outlive the awaitable. Exceptions: only std::bad_alloc (a handler's
    /// exception becomes a 500 response, as on a socket).
    [[nodiscard]] asio::awaitable<std::string> answer(std::string_view bytes) const;

    /// answer() run to completion on an io_context of its own (blocking; for a fuzz target).
    [[nodiscard]] std::string answer_now(std::string_view bytes) const;

private:
    std::shared_ptr<const detail::Policy> policy_;
};

/// Exchange(options, router).answer(bytes) with a router that is only borrowed: `options`,
/// `router` and `bytes` must outlive the awaitable.
[[nodiscard]] asio::awaitable<std::string> answer_bytes(const ServerOptions& options,
                                                        const Router& router,
                                                        std::string_view bytes);

}  // namespace mb::adapters::http
