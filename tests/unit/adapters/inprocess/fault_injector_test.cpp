// FaultInjector (issue "Delivery guarantees under faults"): a --fault value
// "module:key=value[,key=value]" parses into a spec merged over a base (latency MS or MIN-MAX,
// error-rate 0..1, down with no value or true/false) and anything else is refused with a
// message; decide() makes a down module fail at once, an error rate of 1 always fail and 0
// never, and draws a latency inside the configured range; set/clear/get/all keep one spec per
// module.
#include "adapters/inprocess/fault_injector.hpp"

#include <atomic>
#include <chrono>
#include <cmath>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

namespace mb::adapters::inprocess {
namespace {

using std::chrono::milliseconds;

/// Parses `text` over `base`; fails the test with the parser's message if it is refused.
std::pair<std::string, FaultSpec> parsed(const std::string& text, const FaultSpec& base = {}) {
    std::string error;
    auto result = FaultInjector::parse(text, base, error);
    INFO("parsing \"" << text << "\": " << error);
    REQUIRE(result.has_value());
    CHECK(error.empty());  // success leaves no message behind
    return *result;
}

FaultSpec spec(milliseconds min, milliseconds max, double rate, bool down) {
    FaultSpec s;
    s.latency_min = min;
    s.latency_max = max;
    s.error_rate = rate;
    s.down = down;
    return s;
}

TEST_CASE("FaultInjector::parse: each key sets its part of the spec for the named module",
          "[fault-injector][parse]") {
    struct Row {
        const char* text;
        const char* module;
        FaultSpec expected;
    };
    const std::vector<Row> rows{
        {"review:latency=400-620", "review", spec(milliseconds(400), milliseconds(620), 0, false)},
        {"review:latency=5", "review", spec(milliseconds(5), milliseconds(5), 0, false)},
        {"payment:error-rate=0.2", "payment", spec(milliseconds(0), milliseconds(0), 0.2, false)},
        {"ticket:down", "ticket", spec(milliseconds(0), milliseconds(0), 0, true)},
        {"ticket:down=true", "ticket", spec(milliseconds(0), milliseconds(0), 0, true)},
        {"ticket:down=false", "ticket", spec(milliseconds(0), milliseconds(0), 0, false)},
        {"a:latency=1-2,error-rate=1,down", "a", spec(milliseconds(1), milliseconds(2), 1, true)},
    };
    for (const auto& row : rows) {
        INFO(row.text);
        const auto [module, got] = parsed(row.text);
        CHECK(module == row.module);
        CHECK(got.latency_min == row.expected.latency_min);
        CHECK(got.latency_max == row.expected.latency_max);
        CHECK(got.error_rate == Approx(row.expected.error_rate));
        CHECK(got.down == row.expected.down);
    }
}

TEST_CASE("FaultInjector::parse: a malformed value is refused with a message saying what is wrong",
          "[fault-injector][parse]") {
    const std::vector<std::string> bad{
        "review",                  // no colon
        ":latency=5",              // empty module
        "review:latency=abc",      // not a number
        "review:latency=",         // no value
        "review:latency=9-3",      // max below min
        "review:latency=1-2-3",    // trailing garbage
        "review:latency=-5",       // negative
        "review:error-rate=2",     // above 1
        "review:error-rate=-0.1",  // below 0
        "review:error-rate=x",     // not a number
        "review:speed=3",          // unknown key
        "review:down=maybe",       // down is a flag
    };
    for (const auto& text : bad) {
        INFO(text);
        std::string error;
        const auto result = FaultInjector::parse(text, FaultSpec{}, error);
        CHECK_FALSE(result.has_value());
        CHECK_FALSE(error.empty());
    }
}

TEST_CASE("FaultInjector::parse: an error rate that is not a number (nan) is refused",
          "[fault-injector][parse]") {
    // "nan" is neither < 0 nor > 1, so a range check written as (rate < 0 || rate > 1) lets it
    // through; a NaN rate then reaches std::bernoulli_distribution (precondition 0 <= p <= 1).
    std::string error;
    const auto result = FaultInjector::parse("review:error-rate=nan", FaultSpec{}, error);
    CHECK_FALSE(result.has_value());
    CHECK_FALSE(error.empty());
}

TEST_CASE("FaultInjector::parse: the keys given override the base spec, the others are kept",
          "[fault-injector][parse]") {
    const auto base = spec(milliseconds(100), milliseconds(200), 0.5, true);

    const auto [m1, only_rate] = parsed("review:error-rate=0", base);
    CHECK(m1 == "review");
    CHECK(only_rate == spec(milliseconds(100), milliseconds(200), 0.0, true));

    const auto [m2, only_down] = parsed("review:down=false", base);
    CHECK(m2 == "review");
    CHECK(only_down == spec(milliseconds(100), milliseconds(200), 0.5, false));

    const auto [m3, only_latency] = parsed("review:latency=7", base);
    CHECK(m3 == "review");
    CHECK(only_latency == spec(milliseconds(7), milliseconds(7), 0.5, true));

    // Parsing twice in a row (flag then runtime update) merges the second over the first.
    const auto [m4, first] = parsed("booking:latency=10-20");
    const auto [m5, second] = parsed("booking:error-rate=0.25", first);
    CHECK(m5 == "booking");
    CHECK(second == spec(milliseconds(10), milliseconds(20), 0.25, false));
}

TEST_CASE("FaultSpec: active only when it adds latency, an error rate or is down",
          "[fault-injector]") {
    CHECK_FALSE(FaultSpec{}.active());
    CHECK_FALSE(spec(milliseconds(0), milliseconds(0), 0, false).active());
    CHECK(spec(milliseconds(0), milliseconds(1), 0, false).active());
    CHECK(spec(milliseconds(0), milliseconds(0), 0.01, false).active());
    CHECK(spec(milliseconds(0), milliseconds(0), 0, true).active());
}

TEST_CASE("FaultInjector::decide: a module without a fault is called at once and never fails",
          "[fault-injector][decide]") {
    FaultInjector faults;
    faults.set("review", spec(milliseconds(0), milliseconds(0), 1, true));
    for (int i = 0; i < 100; ++i) {
        const auto d = faults.decide("payment");
        CHECK(d.delay == milliseconds(0));
        CHECK_FALSE(d.fail);
        CHECK_FALSE(d.down);
    }
}

TEST_CASE("FaultInjector::decide: a down module fails at once, whatever its latency",
          "[fault-injector][decide]") {
    FaultInjector faults;
    faults.set("ticket", spec(milliseconds(300), milliseconds(400), 0, true));
    for (int i = 0; i < 100; ++i) {
        const auto d = faults.decide("ticket");
        CHECK(d.fail);
        CHECK(d.down);
        CHECK(d.delay == milliseconds(0));
    }
}

TEST_CASE("FaultInjector::decide: error rate 1 always fails, 0 never, neither is down",
          "[fault-injector][decide]") {
    FaultInjector faults;
    faults.set("always", spec(milliseconds(0), milliseconds(0), 1.0, false));
    faults.set("never", spec(milliseconds(1), milliseconds(2), 0.0, false));
    int always_failed = 0;
    int never_failed = 0;
    bool any_down = false;
    constexpr int kDraws = 2000;
    for (int i = 0; i < kDraws; ++i) {
        const auto a = faults.decide("always");
        const auto n = faults.decide("never");
        always_failed += a.fail ? 1 : 0;
        never_failed += n.fail ? 1 : 0;
        any_down = any_down || a.down || n.down;
    }
    CHECK(always_failed == kDraws);
    CHECK(never_failed == 0);
    CHECK_FALSE(any_down);
}

TEST_CASE("FaultInjector::decide: an error rate of 0.5 fails about half of the calls",
          "[fault-injector][decide]") {
    FaultInjector faults;
    faults.set("flaky", spec(milliseconds(0), milliseconds(0), 0.5, false));
    constexpr int kDraws = 10000;
    int failed = 0;
    for (int i = 0; i < kDraws; ++i) {
        failed += faults.decide("flaky").fail ? 1 : 0;
    }
    // Binomial(10000, 0.5): sd 50, so +-1000 is 20 sd - never a false alarm.
    CHECK(failed > 4000);
    CHECK(failed < 6000);
}

TEST_CASE("FaultInjector::decide: the latency is drawn within [min, max], both ends reachable",
          "[fault-injector][decide]") {
    FaultInjector faults;
    faults.set("review", spec(milliseconds(3), milliseconds(7), 0, false));
    faults.set("fixed", spec(milliseconds(5), milliseconds(5), 0, false));
    milliseconds lowest{1000};
    milliseconds highest{0};
    bool out_of_range = false;
    for (int i = 0; i < 2000; ++i) {
        const auto d = faults.decide("review");
        CHECK_FALSE(d.fail);
        out_of_range = out_of_range || d.delay < milliseconds(3) || d.delay > milliseconds(7);
        lowest = std::min(lowest, d.delay);
        highest = std::max(highest, d.delay);
        CHECK(faults.decide("fixed").delay == milliseconds(5));
    }
    CHECK_FALSE(out_of_range);
    // Five equally likely values over 2000 draws: missing one has probability ~(4/5)^2000.
    CHECK(lowest == milliseconds(3));
    CHECK(highest == milliseconds(7));
}

TEST_CASE("FaultInjector: set replaces a module's spec, clear removes it, all lists the rest",
          "[fault-injector]") {
    FaultInjector faults;
    CHECK(faults.all().empty());
    CHECK(faults.get("review") == FaultSpec{});

    const auto slow = spec(milliseconds(400), milliseconds(620), 0, false);
    const auto down = spec(milliseconds(0), milliseconds(0), 0, true);
    faults.set("review", slow);
    faults.set("payment", down);
    auto all = faults.all();
    REQUIRE(all.size() == 2);
    CHECK(all.at("review") == slow);
    CHECK(all.at("payment") == down);
    CHECK(faults.get("review") == slow);

    faults.set("review", down);  // replaces, does not merge
    CHECK(faults.get("review") == down);
    CHECK(faults.all().size() == 2);

    faults.clear("review");
    all = faults.all();
    CHECK(all.size() == 1);
    CHECK_FALSE(all.contains("review"));
    CHECK(faults.get("review") == FaultSpec{});
    CHECK_FALSE(faults.decide("review").fail);  // cleared: healthy again
    CHECK(faults.decide("payment").down);

    faults.clear("not-there");  // clearing an unknown module is harmless
    CHECK(faults.all().size() == 1);
}

TEST_CASE("FaultInjector: decide, set and clear from several threads at once stay consistent",
          "[fault-injector][threads]") {
    FaultInjector faults;
    faults.set("always", spec(milliseconds(0), milliseconds(0), 1.0, false));
    std::atomic<int> wrong{0};
    constexpr int kThreads = 4;
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&faults, &wrong, t] {
            const std::string mine = "m" + std::to_string(t);
            for (int i = 0; i < 2000; ++i) {
                if (!faults.decide("always").fail) {
                    wrong.fetch_add(1);
                }
                faults.set(mine, spec(milliseconds(0), milliseconds(0), 0, true));
                if (!faults.decide(mine).down) {
                    wrong.fetch_add(1);
                }
                faults.clear(mine);
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    CHECK(wrong.load() == 0);
    CHECK(faults.all().size() == 1);
}

}  // namespace
}  // namespace mb::adapters::inprocess
