// The bulkhead of a synchronous port (ARCHITECTURE.md, "Threads and synchronous ports"): at
// most `limit` callers inside at once, from any number of threads; a caller finding it full
// is refused at once and counted; an RAII permit gives its slot back when destroyed.
#include "adapters/inprocess/bulkhead.hpp"

#include <atomic>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

namespace mb::adapters::inprocess {
namespace {

TEST_CASE("Bulkhead: a limit of 0 is refused at construction", "[bulkhead]") {
    CHECK_THROWS_AS(Bulkhead(0), std::invalid_argument);
}

TEST_CASE(
    "Bulkhead: admits up to its limit, refuses and counts the rest, admits again after "
    "a leave",
    "[bulkhead]") {
    Bulkhead bulkhead(2);
    CHECK(bulkhead.limit() == 2);
    CHECK(bulkhead.try_enter());
    CHECK(bulkhead.try_enter());
    CHECK(bulkhead.in_use() == 2);
    CHECK_FALSE(bulkhead.try_enter());
    CHECK_FALSE(bulkhead.try_enter());
    CHECK(bulkhead.rejected() == 2);
    bulkhead.leave();
    CHECK(bulkhead.in_use() == 1);
    CHECK(bulkhead.try_enter());
    CHECK(bulkhead.rejected() == 2);
    bulkhead.leave();
    bulkhead.leave();
    CHECK(bulkhead.in_use() == 0);
}

TEST_CASE("Bulkhead: a permit leaves on destruction or release, once - moving it moves the slot",
          "[bulkhead][permit]") {
    Bulkhead bulkhead(1);
    {
        auto permit = bulkhead.enter();
        REQUIRE(permit.has_value());
        CHECK(permit->held());
        CHECK(bulkhead.in_use() == 1);
        CHECK_FALSE(bulkhead.enter().has_value());  // full
        CHECK(bulkhead.rejected() == 1);

        BulkheadPermit moved = std::move(*permit);
        CHECK_FALSE(permit->held());  // NOLINT(bugprone-use-after-move): the rule under test
        CHECK(moved.held());
        permit.reset();  // destroying the moved-from permit gives nothing back
        CHECK(bulkhead.in_use() == 1);
    }
    CHECK(bulkhead.in_use() == 0);  // `moved` went out of scope

    auto first = bulkhead.enter();
    REQUIRE(first.has_value());
    first->release();
    CHECK(bulkhead.in_use() == 0);
    first->release();  // idempotent
    first.reset();     // and the destructor does not leave again
    CHECK(bulkhead.in_use() == 0);

    // Move-assigning over a held permit gives the overwritten slot back.
    Bulkhead two(2);
    auto a = two.enter();
    auto b = two.enter();
    REQUIRE((a && b));
    *a = std::move(*b);
    CHECK(two.in_use() == 1);
    a.reset();
    CHECK(two.in_use() == 0);
}

TEST_CASE(
    "Bulkhead: concurrent callers never exceed the limit and every attempt is either "
    "admitted or counted as rejected",
    "[bulkhead][threads]") {
    constexpr std::size_t kLimit = 2;
    constexpr int kThreads = 4;
    constexpr int kIterations = 10000;
    Bulkhead bulkhead(kLimit);
    std::atomic<std::size_t> inside{0};
    std::atomic<std::size_t> max_inside{0};
    std::atomic<std::size_t> max_in_use{0};
    std::atomic<std::uint64_t> admitted{0};
    const auto raise = [](std::atomic<std::size_t>& max, std::size_t value) {
        auto seen = max.load();
        while (value > seen && !max.compare_exchange_weak(seen, value)) {
        }
    };

    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < kIterations; ++i) {
                auto permit = bulkhead.enter();
                if (!permit) {
                    continue;
                }
                admitted.fetch_add(1);
                raise(max_inside, inside.fetch_add(1) + 1);
                raise(max_in_use, bulkhead.in_use());
                std::this_thread::yield();  // widen the window in which others compete
                inside.fetch_sub(1);
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }

    CHECK(max_inside.load() <= kLimit);
    CHECK(max_in_use.load() <= kLimit);
    CHECK(max_inside.load() >= 1);
    CHECK(admitted.load() + bulkhead.rejected() == std::uint64_t{kThreads} * kIterations);
    CHECK(bulkhead.in_use() == 0);
}

}  // namespace
}  // namespace mb::adapters::inprocess
