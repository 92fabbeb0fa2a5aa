// The Scheduler's timing rules on a fake clock: nothing runs before its first delay, a job is
// due again `period` after its run ended (fixed delay), a throwing job keeps its schedule, and
// nothing starts after stop(). The clock only moves when the test moves it; wake() makes the
// scheduler judge again at once, so no test waits for real time to pass.
#include <chrono>
#include <stdexcept>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>

#include "app/exe/scheduler.hpp"
#include "fakes/fixed_clock.hpp"

namespace {

using mb::app::exe::Scheduler;
using std::chrono::milliseconds;
using std::chrono::minutes;
namespace asio = boost::asio;

/// Runs the handlers that are ready now (the loop's re-judging after wake()), no timers.
void settle(asio::io_context& io) {
    io.restart();
    while (io.poll() > 0) {
    }
}

std::uint64_t runs(const Scheduler& s, std::size_t job) {
    return s.stats().at(job).runs;
}

}  // namespace

TEST_CASE("a job runs first after its first delay, then every period after its run") {
    asio::io_context io;
    mb::test::FixedClock clock;
    Scheduler scheduler(io.get_executor(), clock);
    int ran = 0;
    scheduler.add(
        "count", minutes(10),
        [&ran]() -> asio::awaitable<void> {
            ++ran;
            co_return;
        },
        minutes(10));
    scheduler.start();
    settle(io);
    CHECK(ran == 0);

    clock.advance(minutes(9));
    scheduler.wake();
    settle(io);
    CHECK(ran == 0);

    clock.advance(minutes(1));
    scheduler.wake();
    settle(io);
    CHECK(ran == 1);
    CHECK(runs(scheduler, 0) == 1);

    // A wake without time passing runs nothing again.
    scheduler.wake();
    settle(io);
    CHECK(ran == 1);

    clock.advance(minutes(10));
    scheduler.wake();
    settle(io);
    CHECK(ran == 2);
}

TEST_CASE("the next run is due a period after the previous run ended, not began") {
    asio::io_context io;
    mb::test::FixedClock clock;
    Scheduler scheduler(io.get_executor(), clock);
    int ran = 0;
    scheduler.add(
        "slow", minutes(10),
        [&]() -> asio::awaitable<void> {
            ++ran;
            clock.advance(minutes(4));  // the run itself takes 4 minutes of clock time
            co_return;
        },
        milliseconds(0));
    scheduler.start();
    settle(io);
    REQUIRE(ran == 1);  // due at once; its run ended at t+4 min

    clock.advance(minutes(9));  // t+13 min: 9 min after the end, 13 after the start
    scheduler.wake();
    settle(io);
    CHECK(ran == 1);

    clock.advance(minutes(1));  // t+14 min: 10 min after the end
    scheduler.wake();
    settle(io);
    CHECK(ran == 2);
}

TEST_CASE("a job that throws is counted and keeps its schedule, and other jobs still run") {
    asio::io_context io;
    mb::test::FixedClock clock;
    Scheduler scheduler(io.get_executor(), clock);
    int good = 0;
    scheduler.add(
        "fails", minutes(1),
        []() -> asio::awaitable<void> {
            throw std::runtime_error("database is locked");
            co_return;
        },
        minutes(1));
    scheduler.add(
        "works", minutes(1),
        [&good]() -> asio::awaitable<void> {
            ++good;
            co_return;
        },
        minutes(1));
    scheduler.start();
    for (int i = 0; i < 3; ++i) {
        clock.advance(minutes(1));
        scheduler.wake();
        settle(io);
    }
    const auto stats = scheduler.stats();
    CHECK(stats.at(0).name == "fails");
    CHECK(stats.at(0).runs == 3);
    CHECK(stats.at(0).failures == 3);
    CHECK(stats.at(1).runs == 3);
    CHECK(stats.at(1).failures == 0);
    CHECK(good == 3);
}

TEST_CASE("nothing starts after stop(), however much time passes") {
    asio::io_context io;
    mb::test::FixedClock clock;
    Scheduler scheduler(io.get_executor(), clock);
    int ran = 0;
    scheduler.add(
        "count", minutes(1),
        [&ran]() -> asio::awaitable<void> {
            ++ran;
            co_return;
        },
        minutes(1));
    scheduler.start();
    clock.advance(minutes(1));
    scheduler.wake();
    settle(io);
    REQUIRE(ran == 1);

    scheduler.stop();
    clock.advance(minutes(60));
    scheduler.wake();
    settle(io);
    CHECK(ran == 1);
    io.restart();
    io.run_for(milliseconds(200));  // returns at once when the loop has ended (no work left)
    CHECK(io.stopped());
}

TEST_CASE("add() refuses a non-positive period and a job added after start()") {
    asio::io_context io;
    mb::test::FixedClock clock;
    Scheduler scheduler(io.get_executor(), clock);
    auto noop = []() -> asio::awaitable<void> { co_return; };
    CHECK_THROWS_AS(scheduler.add("zero", milliseconds(0), noop, milliseconds(0)),
                    std::invalid_argument);
    CHECK_THROWS_AS(scheduler.add("negative", minutes(1), noop, milliseconds(-1)),
                    std::invalid_argument);
    scheduler.add("ok", minutes(1), noop, minutes(1));
    scheduler.start();
    CHECK_THROWS_AS(scheduler.add("late", minutes(1), noop, minutes(1)), std::logic_error);
}
