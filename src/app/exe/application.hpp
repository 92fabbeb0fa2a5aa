#pragma once
// The composition root (ARCHITECTURE.md: "src/app/exe/: the only code that sees all"). Builds
// the five modules — each with its own SQLite file, executor, outbox relay and use cases —,
// the in-memory bus and its subscriptions, the synchronous ports and sagas, and the HTTP
// server; runs them on one io_context until a signal arrives.
#include <memory>

#include <boost/asio/io_context.hpp>

#include "adapters/http/router.hpp"
#include "adapters/http/server.hpp"
#include "app/exe/settings.hpp"

namespace mb::app::exe {

class Application {
public:
    enum class Mode {
        kServe,      ///< run() listens and serves until a signal arrives
        kInProcess,  ///< no listener, no signal handler, no thread: the caller drives
                     ///< io_context() and answers requests through router() (the fuzzer)
    };

    /// Builds every module, the bus and the routes. kInProcess also spawns the start-up work
    /// (demo catalogue, saga recovery) on io_context() at once: ready() tells when it is done.
    explicit Application(Settings settings, Mode mode = Mode::kServe);
    ~Application();
    Application(const Application&) = delete;
    Application& operator=(const Application&) = delete;

    /// Serves until SIGINT/SIGTERM, then shuts down gracefully. Returns the exit code.
    /// Throws on start-up failure (port taken, database unusable).
    int run();

    /// The routes of every module exactly as the server answers them, with the configured
    /// authenticator; for an adapters::http::Exchange with server_options().
    [[nodiscard]] std::shared_ptr<const adapters::http::Router> router() const;
    /// The server's limits, public URL and CORS origins, as from the settings.
    [[nodiscard]] adapters::http::ServerOptions server_options() const;
    /// The io_context every module executor, relay and port runs on.
    [[nodiscard]] boost::asio::io_context& io_context();
    /// Start-up done (demo catalogue loaded, recovery run): the readiness probe's answer.
    [[nodiscard]] bool ready() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mb::app::exe
