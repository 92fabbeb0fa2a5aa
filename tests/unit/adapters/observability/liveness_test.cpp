// Liveness (issue 11, item 1): UP while the io_context that runs the modules and the server
// answers a posted no-op within the probe deadline; DOWN, with the reason, when that
// io_context is wedged (its only thread blocked in a handler); UP again once it runs.
#include <chrono>
#include <future>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "adapters/bus/in_memory_event_bus.hpp"
#include "adapters/observability/observability.hpp"

namespace mb::adapters::observability {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;

/// The io_context under probe, run by one thread of its own.
struct Probed {
    asio::io_context io{1};
    asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
    std::thread thread{[this] { io.run(); }};
    ~Probed() {
        work.reset();
        io.stop();
        thread.join();
    }
};

/// Asks for liveness from `prober`, a second io_context (the probe must not depend on the
/// probed one). The prober must outlive the probed io_context: a no-op that missed its
/// deadline still runs once the probed one is unwedged and then wakes the prober's timer.
boost::json::object ask_liveness(Observability& o, asio::io_context& prober) {
    prober.restart();
    auto answer = asio::co_spawn(prober, o.liveness(), asio::use_future);
    prober.run();
    return answer.get();
}

TEST_CASE("Liveness: UP while the io_context runs, DOWN while it is wedged",
          "[observability]") {
    asio::io_context prober;  // declared first: destroyed after the probed io_context
    Probed probed;
    bus::InMemoryEventBus bus;
    Observability o(probed.io, {}, {}, bus, nullptr, [] { return true; },
                    ObservabilityOptions{30s, 200ms});
    o.attach();

    CHECK(ask_liveness(o, prober) == boost::json::object{{"status", "UP"}});

    // Wedge the io_context's only thread until released.
    std::promise<void> release;
    std::promise<void> wedged;
    asio::post(probed.io, [&] {
        wedged.set_value();
        release.get_future().wait();
    });
    wedged.get_future().wait();
    const auto started = std::chrono::steady_clock::now();
    const auto down = ask_liveness(o, prober);
    const auto took = std::chrono::steady_clock::now() - started;
    CHECK(down.at("status") == "DOWN");
    CHECK(down.at("details").at("reason") ==
          "the io_context did not run a posted no-op within 200 ms");
    CHECK(took >= 200ms);  // it waited for the deadline, no longer than the caller's own
    CHECK(took < 10s);     // timeout would allow (it answers instead of hanging)

    release.set_value();
    CHECK(ask_liveness(o, prober) == boost::json::object{{"status", "UP"}});
}

}  // namespace
}  // namespace mb::adapters::observability
