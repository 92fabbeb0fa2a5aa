// The circuit breaker of a synchronous port (ARCHITECTURE.md, "Threads and synchronous
// ports"): closed until the window of the last calls holds minimum_calls and its failure or
// slow-call rate reaches a threshold; open refuses every call for open_duration; then
// half-open lets half_open_calls probes through, closing when all succeed and re-opening on a
// failed or slow one. Every transition restarts the window, is recorded with a reason and is
// reported to the listener. Time is a fake clock advanced by hand.
#include "adapters/inprocess/circuit_breaker.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <spdlog/spdlog.h>

namespace mb::adapters::inprocess {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

/// A steady clock that moves only when told. Thread-safe.
class FakeClock {
public:
    [[nodiscard]] Clock::time_point now() const {
        return Clock::time_point(Clock::duration(ticks_.load()));
    }
    void advance(Clock::duration by) { ticks_.fetch_add(by.count()); }
    [[nodiscard]] CircuitBreaker::Now fn() {
        return [this] {
            return now();
        };
    }

private:
    std::atomic<Clock::rep> ticks_{Clock::duration(1h).count()};
};

/// Raises the global log level to error for its lifetime: tests that cause hundreds of
/// transitions keep their warn lines out of the output.
class QuietLog {
public:
    QuietLog() { spdlog::set_level(spdlog::level::err); }
    QuietLog(const QuietLog&) = delete;
    QuietLog& operator=(const QuietLog&) = delete;
    QuietLog(QuietLog&&) = delete;
    QuietLog& operator=(QuietLog&&) = delete;
    ~QuietLog() { spdlog::set_level(before_); }

private:
    spdlog::level::level_enum before_ = spdlog::get_level();
};

constexpr auto kFast = 1ms;
constexpr auto kSlow = 500ms;  // == the default slow_call_duration

/// window 10, minimum 10, failures >= 50%, slow >= 80%, open 5 s, 3 probes.
CircuitBreakerOptions small_options() {
    CircuitBreakerOptions o;
    o.window = 10;
    o.minimum_calls = 10;
    o.failure_rate_threshold = 0.5;
    o.slow_call_duration = 500ms;
    o.slow_call_rate_threshold = 0.8;
    o.open_duration = 5s;
    o.half_open_calls = 3;
    return o;
}

/// try_acquire + on_result, insisting that the permit is given.
void call(CircuitBreaker& breaker, bool success, std::chrono::nanoseconds duration = kFast) {
    REQUIRE(breaker.try_acquire());
    breaker.on_result(success, duration);
}

/// Opens `breaker` (small_options) with ten failures.
void trip(CircuitBreaker& breaker) {
    for (int i = 0; i < 10; ++i) {
        call(breaker, false);
    }
    REQUIRE(breaker.state() == BreakerState::kOpen);
}

/// Trips `breaker` and lets open_duration pass; the next try_acquire makes it half-open.
void trip_and_wait(CircuitBreaker& breaker, FakeClock& clock) {
    trip(breaker);
    clock.advance(5s);
}

TEST_CASE("CircuitBreaker: to_string names every state", "[breaker]") {
    CHECK(std::string(to_string(BreakerState::kClosed)) == "closed");
    CHECK(std::string(to_string(BreakerState::kOpen)) == "open");
    CHECK(std::string(to_string(BreakerState::kHalfOpen)) == "half_open");
}

TEST_CASE("CircuitBreaker: options outside their ranges are refused at construction",
          "[breaker][options]") {
    FakeClock clock;
    const auto refused = [&clock](auto change) {
        auto o = small_options();
        change(o);
        CHECK_THROWS_AS(CircuitBreaker("x", o, clock.fn()), std::invalid_argument);
    };
    refused([](CircuitBreakerOptions& o) { o.window = 0; });
    refused([](CircuitBreakerOptions& o) { o.minimum_calls = 0; });
    refused([](CircuitBreakerOptions& o) { o.minimum_calls = o.window + 1; });
    refused([](CircuitBreakerOptions& o) { o.failure_rate_threshold = 0.0; });
    refused([](CircuitBreakerOptions& o) { o.failure_rate_threshold = 1.5; });
    refused([](CircuitBreakerOptions& o) { o.slow_call_rate_threshold = 0.0; });
    refused([](CircuitBreakerOptions& o) { o.half_open_calls = 0; });
    refused([](CircuitBreakerOptions& o) { o.open_duration = -1ms; });
    CHECK_NOTHROW(CircuitBreaker("defaults", CircuitBreakerOptions{}));
}

TEST_CASE("CircuitBreaker: no decision before the window holds minimum_calls",
          "[breaker][closed]") {
    FakeClock clock;
    CircuitBreaker breaker("payment", small_options(), clock.fn());
    CHECK(breaker.state() == BreakerState::kClosed);
    for (int i = 0; i < 9; ++i) {
        call(breaker, false, kSlow);  // 100% failed and slow
    }
    CHECK(breaker.state() == BreakerState::kClosed);
    const auto s = breaker.stats();
    CHECK(s.window_size == 9);
    CHECK(s.failure_rate == 1.0);
    CHECK(s.slow_rate == 1.0);
    CHECK(breaker.transitions().empty());
}

TEST_CASE("CircuitBreaker: opens when the failure rate reaches the threshold",
          "[breaker][closed][failure]") {
    FakeClock clock;
    CircuitBreaker breaker("payment", small_options(), clock.fn());
    for (int i = 0; i < 6; ++i) {
        call(breaker, true);
    }
    for (int i = 0; i < 4; ++i) {
        call(breaker, false);
    }
    REQUIRE(breaker.stats().window_size == 10);
    CHECK(breaker.state() == BreakerState::kClosed);  // 4 of 10 = 40% < 50%
    call(breaker, false);                             // 5 of the last 10 = 50%
    CHECK(breaker.state() == BreakerState::kOpen);
    const auto t = breaker.transitions();
    REQUIRE(t.size() == 1);
    CHECK(t[0].from == BreakerState::kClosed);
    CHECK(t[0].to == BreakerState::kOpen);
    CHECK(t[0].at == clock.now());
    CHECK(t[0].reason.find("failure rate") != std::string::npos);
    CHECK(breaker.stats().window_size == 0);  // a transition restarts the window
}

TEST_CASE(
    "CircuitBreaker: opens when the slow-call rate reaches the threshold - slow successes "
    "are not failures",
    "[breaker][closed][slow]") {
    FakeClock clock;
    CircuitBreaker breaker("payment", small_options(), clock.fn());
    call(breaker, true, kSlow - 1ns);  // just under slow_call_duration: fast
    call(breaker, true, kFast);
    for (int i = 0; i < 7; ++i) {
        call(breaker, true, kSlow);  // exactly the duration: slow
    }
    CHECK(breaker.state() == BreakerState::kClosed);  // 9 calls < minimum
    call(breaker, true, kSlow);                       // 8 of 10 slow = 80%
    CHECK(breaker.state() == BreakerState::kOpen);
    const auto s = breaker.stats();
    CHECK(s.calls == 10);
    CHECK(s.slow_calls == 8);
    CHECK(s.failures == 0);
    REQUIRE(breaker.transitions().size() == 1);
    CHECK(breaker.transitions()[0].reason.find("slow-call rate") != std::string::npos);
}

TEST_CASE("CircuitBreaker: the window slides, so old outcomes stop counting",
          "[breaker][closed][window]") {
    FakeClock clock;
    CircuitBreaker breaker("payment", small_options(), clock.fn());
    for (int i = 0; i < 4; ++i) {
        call(breaker, false);
    }
    for (int i = 0; i < 6; ++i) {
        call(breaker, true);
    }
    CHECK(breaker.stats().failure_rate == Approx(0.4));
    for (int i = 0; i < 4; ++i) {
        call(breaker, true);  // pushes the 4 failures out
    }
    CHECK(breaker.stats().failure_rate == 0.0);
    CHECK(breaker.stats().window_size == 10);
    for (int i = 0; i < 4; ++i) {
        call(breaker, false);
    }
    CHECK(breaker.state() == BreakerState::kClosed);  // 4 of the last 10
    call(breaker, false);  // 5 of the last 10 (while 9 of all 19 would be < 50%)
    CHECK(breaker.state() == BreakerState::kOpen);
}

TEST_CASE(
    "CircuitBreaker: open refuses and counts every call until open_duration, then the "
    "next request turns it half-open",
    "[breaker][open]") {
    FakeClock clock;
    CircuitBreaker breaker("payment", small_options(), clock.fn());
    trip(breaker);
    CHECK_FALSE(breaker.try_acquire());
    clock.advance(5s - 1ns);
    CHECK_FALSE(breaker.try_acquire());
    CHECK(breaker.stats().rejected == 2);
    clock.advance(1ns);
    CHECK(breaker.state() == BreakerState::kOpen);  // moves on a permit request only
    CHECK(breaker.try_acquire());
    CHECK(breaker.state() == BreakerState::kHalfOpen);
    const auto t = breaker.transitions();
    REQUIRE(t.size() == 2);
    CHECK(t[1].from == BreakerState::kOpen);
    CHECK(t[1].to == BreakerState::kHalfOpen);
    CHECK(t[1].at == clock.now());
    CHECK(breaker.stats().rejected == 2);
}

TEST_CASE("CircuitBreaker: a result of a call permitted before opening changes only the totals",
          "[breaker][open]") {
    FakeClock clock;
    CircuitBreaker breaker("payment", small_options(), clock.fn());
    REQUIRE(breaker.try_acquire());  // in flight while the breaker trips
    trip(breaker);
    breaker.on_result(true, kFast);
    CHECK(breaker.state() == BreakerState::kOpen);
    CHECK(breaker.stats().calls == 11);
    CHECK(breaker.stats().window_size == 0);
}

TEST_CASE("CircuitBreaker: half-open gives exactly half_open_calls concurrent probes",
          "[breaker][half-open]") {
    FakeClock clock;
    CircuitBreaker breaker("payment", small_options(), clock.fn());
    trip_and_wait(breaker, clock);
    CHECK(breaker.try_acquire());
    CHECK(breaker.try_acquire());
    CHECK(breaker.try_acquire());
    CHECK_FALSE(breaker.try_acquire());
    CHECK(breaker.state() == BreakerState::kHalfOpen);
    CHECK(breaker.stats().rejected == 1);
}

TEST_CASE("CircuitBreaker: half-open closes when all probes succeed", "[breaker][half-open]") {
    FakeClock clock;
    CircuitBreaker breaker("payment", small_options(), clock.fn());
    trip_and_wait(breaker, clock);
    for (int i = 0; i < 3; ++i) {
        REQUIRE(breaker.try_acquire());
    }
    breaker.on_result(true, kFast);
    breaker.on_result(true, kFast);
    CHECK(breaker.state() == BreakerState::kHalfOpen);
    breaker.on_result(true, kFast);
    CHECK(breaker.state() == BreakerState::kClosed);
    CHECK(breaker.stats().window_size == 0);
    CHECK(breaker.transitions().back().reason.find("probes succeeded") != std::string::npos);
    CHECK(breaker.try_acquire());  // closed: no probe limit any more
}

TEST_CASE("CircuitBreaker: one failed probe re-opens, and open_duration starts again",
          "[breaker][half-open]") {
    FakeClock clock;
    CircuitBreaker breaker("payment", small_options(), clock.fn());
    trip_and_wait(breaker, clock);
    REQUIRE(breaker.try_acquire());
    REQUIRE(breaker.try_acquire());
    breaker.on_result(true, kFast);
    breaker.on_result(false, kFast);
    CHECK(breaker.state() == BreakerState::kOpen);
    CHECK(breaker.transitions().back().reason.find("probe failed") != std::string::npos);
    clock.advance(5s - 1ns);
    CHECK_FALSE(breaker.try_acquire());
    clock.advance(1ns);
    CHECK(breaker.try_acquire());
    CHECK(breaker.state() == BreakerState::kHalfOpen);
}

TEST_CASE("CircuitBreaker: a slow probe re-opens too (probes must be neither failed nor slow)",
          "[breaker][half-open][slow]") {
    FakeClock clock;
    CircuitBreaker breaker("payment", small_options(), clock.fn());
    trip_and_wait(breaker, clock);
    REQUIRE(breaker.try_acquire());
    breaker.on_result(true, kSlow);
    CHECK(breaker.state() == BreakerState::kOpen);
    CHECK(breaker.transitions().back().reason.find("slow") != std::string::npos);
}

TEST_CASE("CircuitBreaker: on_cancel frees a half-open probe slot and counts no call",
          "[breaker][half-open][cancel]") {
    FakeClock clock;
    CircuitBreaker breaker("payment", small_options(), clock.fn());
    trip_and_wait(breaker, clock);
    for (int i = 0; i < 3; ++i) {
        REQUIRE(breaker.try_acquire());
    }
    REQUIRE_FALSE(breaker.try_acquire());
    breaker.on_cancel();
    CHECK(breaker.try_acquire());
    CHECK_FALSE(breaker.try_acquire());
    const auto calls_before = breaker.stats().calls;
    breaker.on_cancel();
    CHECK(breaker.stats().calls == calls_before);
    // The three probes still in flight succeed: closed.
    for (int i = 0; i < 3; ++i) {
        breaker.on_result(true, kFast);
    }
    CHECK(breaker.state() == BreakerState::kClosed);
    breaker.on_cancel();  // closed: nothing to free
    CHECK(breaker.state() == BreakerState::kClosed);
}

TEST_CASE(
    "CircuitBreaker: transitions are recorded with reasons, reported to the listener "
    "outside the lock, and the history keeps the last 100",
    "[breaker][transitions]") {
    FakeClock clock;
    CircuitBreaker breaker("payment", small_options(), clock.fn());
    std::vector<BreakerTransition> heard;
    std::vector<BreakerState> state_seen_by_listener;
    breaker.on_transition([&](const BreakerTransition& t) {
        heard.push_back(t);
        // Calling back into the breaker would deadlock if the listener ran under its lock.
        state_seen_by_listener.push_back(breaker.stats().state);
    });
    trip_and_wait(breaker, clock);
    for (int i = 0; i < 3; ++i) {
        call(breaker, true);
    }
    const auto recorded = breaker.transitions();
    REQUIRE(recorded.size() == 3);
    REQUIRE(heard.size() == 3);
    using FromTo = std::pair<BreakerState, BreakerState>;
    const std::array<FromTo, 3> expected = {FromTo{BreakerState::kClosed, BreakerState::kOpen},
                                            FromTo{BreakerState::kOpen, BreakerState::kHalfOpen},
                                            FromTo{BreakerState::kHalfOpen, BreakerState::kClosed}};
    for (std::size_t i = 0; i < 3; ++i) {
        INFO("transition " << i << ": " << recorded[i].reason);
        CHECK(recorded[i].from == expected.at(i).first);
        CHECK(recorded[i].to == expected.at(i).second);
        CHECK_FALSE(recorded[i].reason.empty());
        CHECK(heard[i].from == recorded[i].from);
        CHECK(heard[i].to == recorded[i].to);
        CHECK(heard[i].at == recorded[i].at);
        CHECK(heard[i].reason == recorded[i].reason);
        CHECK(state_seen_by_listener[i] == recorded[i].to);
    }

    // 40 more cycles of 3 transitions: only the last 100 are kept, oldest first.
    const QuietLog quiet;
    for (int cycle = 0; cycle < 40; ++cycle) {
        trip_and_wait(breaker, clock);
        for (int i = 0; i < 3; ++i) {
            call(breaker, true);
        }
    }
    CHECK(heard.size() == 123);
    const auto kept = breaker.transitions();
    REQUIRE(kept.size() == CircuitBreaker::kTransitionHistory);
    CHECK(kept.front().at == heard[23].at);
    CHECK(kept.back().at == heard.back().at);
    CHECK(kept.front().to == heard[23].to);
}

TEST_CASE("CircuitBreaker: stats count totals since construction and rates over the window",
          "[breaker][stats]") {
    FakeClock clock;
    CircuitBreaker breaker("payment", small_options(), clock.fn());
    CHECK(breaker.name() == "payment");
    auto s = breaker.stats();
    CHECK(s.state == BreakerState::kClosed);
    CHECK(s.calls == 0);
    CHECK(s.failure_rate == 0.0);
    CHECK(s.slow_rate == 0.0);
    CHECK(s.window_size == 0);

    call(breaker, true, kFast);
    call(breaker, true, kSlow);   // slow only
    call(breaker, false, kFast);  // failure only
    call(breaker, false, kSlow);  // a failed slow call counts as both
    s = breaker.stats();
    CHECK(s.calls == 4);
    CHECK(s.failures == 2);
    CHECK(s.slow_calls == 2);
    CHECK(s.rejected == 0);
    CHECK(s.failure_rate == Approx(0.5));
    CHECK(s.slow_rate == Approx(0.5));
    CHECK(s.window_size == 4);

    for (int i = 0; i < 6; ++i) {
        call(breaker, false);  // 8 of 10 failed: open
    }
    CHECK_FALSE(breaker.try_acquire());
    s = breaker.stats();
    CHECK(s.state == BreakerState::kOpen);
    CHECK(s.calls == 10);
    CHECK(s.failures == 8);
    CHECK(s.slow_calls == 2);
    CHECK(s.rejected == 1);
    CHECK(s.window_size == 0);
    CHECK(s.failure_rate == 0.0);
}

TEST_CASE(
    "CircuitBreaker: concurrent callers keep the counts consistent (calls == results "
    "reported, rejected == refusals)",
    "[breaker][threads]") {
    const QuietLog quiet;
    FakeClock clock;
    auto o = small_options();
    o.open_duration = 50ms;
    CircuitBreaker breaker("payment", o, clock.fn());
    std::atomic<std::uint64_t> transitions_heard{0};
    breaker.on_transition([&](const BreakerTransition&) { transitions_heard.fetch_add(1); });

    constexpr int kThreads = 4;
    constexpr int kIterations = 10000;
    std::atomic<std::uint64_t> results{0};
    std::atomic<std::uint64_t> failures{0};
    std::atomic<std::uint64_t> refused{0};
    std::atomic<std::uint64_t> cancelled{0};
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kIterations; ++i) {
                clock.advance(1ms);  // lets open turn half-open now and then
                if (!breaker.try_acquire()) {
                    refused.fetch_add(1);
                    continue;
                }
                if ((i + t) % 17 == 0) {
                    breaker.on_cancel();
                    cancelled.fetch_add(1);
                    continue;
                }
                // Bursts of failures so that the breaker goes round all its states.
                const bool success = (i / 50) % 3 != 0;
                breaker.on_result(success, (i % 7 == 0) ? kSlow : kFast);
                results.fetch_add(1);
                if (!success) {
                    failures.fetch_add(1);
                }
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }

    const auto s = breaker.stats();
    CHECK(s.calls == results.load());
    CHECK(s.failures == failures.load());
    CHECK(s.rejected == refused.load());
    CHECK(results + refused + cancelled == std::uint64_t{kThreads} * kIterations);
    CHECK(s.window_size <= o.window);
    const auto kept = breaker.transitions();
    CHECK(kept.size() <= CircuitBreaker::kTransitionHistory);
    CHECK(transitions_heard.load() >= kept.size());
    CHECK(transitions_heard.load() > 0);  // the bursts did trip it
}

}  // namespace
}  // namespace mb::adapters::inprocess
