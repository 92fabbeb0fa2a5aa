#pragma once
// The HTTP/1.1 server: one accept loop and one coroutine per connection (Boost.Beast 1.81,
// C++20 coroutines), keep-alive, read/idle timeouts, header and body limits, graceful stop.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "adapters/http/router.hpp"

namespace mb::adapters::http {

namespace detail {
struct ServerState;  // defined in server.cpp
}  // namespace detail

/// Listener and per-connection limits. Plain values, read once by the Server's constructor.
struct ServerOptions {
    std::string address = "0.0.0.0";  ///< IPv4 or IPv6 literal to bind
    std::uint16_t port = 8088;        ///< 0 binds an ephemeral port (see Server::port)
    /// Max request body, bytes; a larger one is answered 413 and the connection closed.
    std::size_t body_limit = std::size_t{64} * 1024;
    /// Max request line + headers, bytes; a larger one is answered 431 and the connection closed.
    std::size_t header_limit = std::size_t{8} * 1024;
    /// Max time from the first byte of a request to its last, and to write the response.
    std::chrono::milliseconds read_timeout{30000};
    /// Max time a kept-alive connection may wait for its next request before it is closed.
    std::chrono::milliseconds idle_timeout{60000};
    /// Connections accepted beyond this many open ones are closed at once.
    std::size_t max_connections = 10000;
};

/// Serves a Router over HTTP/1.0 and HTTP/1.1 on one port.
///
/// - One accept loop; every accepted connection gets its own strand (so the io_context may
///   run on several threads) and TCP_NODELAY. Requests on a connection are handled one after
///   another; keep-alive follows HTTP/1.1 (default on) and HTTP/1.0 ("Connection:
///   keep-alive").
/// - Errors answered before a handler runs, each followed by closing the connection: 400
///   problem for a malformed request or target, 413 when the body exceeds `body_limit`, 431
///   when the header exceeds `header_limit`. A read or idle timeout closes silently.
/// - An exception escaping a handler is logged (spdlog error) and answered with a 500 problem
///   (detail "internal error"); the connection stays usable.
/// - Every response carries `Server: movie-booking`; each request is logged at debug level
///   with method, target, status and duration in microseconds.
///
/// Lifetime: the io_context must outlive the Server. The destructor calls stop(); coroutines
/// still running keep the shared state (not the Server object) alive.
class Server {
public:
    /// Takes the options by value and shares the (already fully built) router.
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

    /// Stops accepting and closes connections that wait for their next request; requests
    /// being read or handled finish, their responses carry "Connection: close", then their
    /// connections close. Idempotent; thread-safe (posts to the server's executors); returns
    /// at once — poll active_connections() to see the drain end.
    void stop();

    /// Connections currently open. Thread-safe.
    [[nodiscard]] std::size_t active_connections() const;

private:
    std::shared_ptr<detail::ServerState> state_;
};

}  // namespace mb::adapters::http
