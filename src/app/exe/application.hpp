#pragma once
// The composition root (ARCHITECTURE.md: "src/app/exe/: the only code that sees all"). Builds
// the five modules — each with its own SQLite file, executor, outbox relay and use cases —,
// the in-memory bus and its subscriptions, the synchronous ports and sagas, and the HTTP
// server; runs them on one io_context until a signal arrives.
#include <memory>

#include "app/exe/settings.hpp"

namespace mb::app::exe {

class Application {
public:
    explicit Application(Settings settings);
    ~Application();
    Application(const Application&) = delete;
    Application& operator=(const Application&) = delete;

    /// Serves until SIGINT/SIGTERM, then shuts down gracefully. Returns the exit code.
    /// Throws on start-up failure (port taken, database unusable).
    int run();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mb::app::exe
