// The process phase only moves forward (a drain that begins during start-up means the process
// never turns ready), a second drain request is refused (the second signal), and a drain
// plan runs its steps in order: stop accepting, wait for idle within the grace, finish.
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "app/exe/lifecycle.hpp"

using mb::app::exe::DrainPlan;
using mb::app::exe::Lifecycle;
using mb::app::exe::Phase;
using std::chrono::milliseconds;

TEST_CASE("ready only between start-up and the drain") {
    Lifecycle l;
    CHECK(l.phase() == Phase::kStarting);
    CHECK_FALSE(l.ready());
    CHECK(l.mark_ready());
    CHECK(l.ready());
    CHECK_FALSE(l.mark_ready());
    CHECK(l.begin_drain());
    CHECK(l.phase() == Phase::kDraining);
    CHECK_FALSE(l.ready());
    CHECK_FALSE(l.begin_drain());  // the second signal
    CHECK_FALSE(l.mark_ready());
    l.mark_stopped();
    CHECK(to_string(l.phase()) == "stopped");
}

TEST_CASE("a drain begun during start-up keeps the process from turning ready") {
    Lifecycle l;
    CHECK(l.begin_drain());
    CHECK_FALSE(l.mark_ready());
    CHECK_FALSE(l.ready());
    CHECK(to_string(l.phase()) == "draining");
}

TEST_CASE("a drain stops accepting, waits for idle, then finishes drained") {
    boost::asio::io_context io;
    std::vector<std::string> steps;
    int polls = 0;
    DrainPlan plan;
    plan.grace = milliseconds(60000);
    plan.poll = milliseconds(1);
    plan.stop_accepting = [&] { steps.push_back("stop accepting"); };
    plan.idle = [&] {
        ++polls;
        return polls >= 3;
    };
    plan.finish = [&](bool drained) { steps.push_back(drained ? "drained" : "timed out"); };
    mb::app::exe::drain(io.get_executor(), plan);
    io.run();
    CHECK(steps == std::vector<std::string>{"stop accepting", "drained"});
    CHECK(polls == 3);
}

TEST_CASE("a drain whose work never ends finishes when the grace is over") {
    boost::asio::io_context io;
    std::vector<std::string> steps;
    DrainPlan plan;
    plan.grace = milliseconds(0);
    plan.stop_accepting = [&] { steps.push_back("stop accepting"); };
    plan.idle = [] { return false; };
    plan.finish = [&](bool drained) { steps.push_back(drained ? "drained" : "timed out"); };
    mb::app::exe::drain(io.get_executor(), plan);
    io.run();
    CHECK(steps == std::vector<std::string>{"stop accepting", "timed out"});
}
