// OffsetTracker (the Kafka consumer's commit rule, ARCHITECTURE.md "Envelope": offsets are
// committed only after the consumer's transaction commits): a partition's position advances
// only over a contiguous prefix of acknowledged messages, never past one still in progress.
#include "adapters/bus/kafka/offset_tracker.hpp"

#include <catch2/catch.hpp>

namespace mb::adapters::bus::kafka {
namespace {

using Positions = std::vector<std::pair<std::int32_t, std::int64_t>>;

TEST_CASE("OffsetTracker: nothing to commit before a message is acknowledged", "[kafka]") {
    OffsetTracker t;
    CHECK(t.take_advanced().empty());
    t.fetched(0, 10);
    t.fetched(0, 11);
    CHECK(t.take_advanced() == Positions{{0, 10}});  // the next to consume is still 10
    CHECK(t.take_advanced().empty());                // reported once
    CHECK(t.outstanding() == 2);
}

TEST_CASE("OffsetTracker: out-of-order acknowledgements advance only over the contiguous prefix",
          "[kafka]") {
    OffsetTracker t;
    for (std::int64_t o = 0; o < 4; ++o)
        t.fetched(3, o);
    (void)t.take_advanced();
    t.done(3, 2);  // another booking's event committed first
    t.done(3, 1);
    CHECK(t.take_advanced().empty());  // 0 is still being applied: committing 1 would lose it
    t.done(3, 0);
    CHECK(t.take_advanced() == Positions{{3, 3}});
    t.done(3, 3);
    CHECK(t.take_advanced() == Positions{{3, 4}});  // all done: one past the last handed out
    CHECK(t.outstanding() == 0);
}

TEST_CASE("OffsetTracker: a skipped message moves the position only past what is done", "[kafka]") {
    OffsetTracker t;
    t.fetched(0, 0);
    t.skipped(0, 1);                                // another module's event: nothing to apply
    CHECK(t.take_advanced() == Positions{{0, 0}});  // 0 is still being applied
    t.done(0, 0);
    CHECK(t.take_advanced() == Positions{{0, 2}});
    t.skipped(0, 2);
    CHECK(t.take_advanced() == Positions{{0, 3}});
    CHECK(t.outstanding() == 0);
}

TEST_CASE("OffsetTracker: partitions are independent", "[kafka]") {
    OffsetTracker t;
    t.fetched(0, 5);
    t.fetched(1, 7);
    (void)t.take_advanced();
    t.done(1, 7);
    CHECK(t.take_advanced() == Positions{{1, 8}});
    t.done(0, 5);
    CHECK(t.take_advanced() == Positions{{0, 6}});
}

TEST_CASE("OffsetTracker: a revoked partition is forgotten - late acknowledgements are ignored",
          "[kafka]") {
    OffsetTracker t;
    t.fetched(2, 100);
    t.fetched(2, 101);
    t.fetched(0, 1);
    t.forget(2);
    CHECK(t.outstanding() == 1);
    t.done(2, 100);  // its apply finished after the revoke: nothing to store for it now
    CHECK(t.take_advanced() == Positions{{0, 1}});
    // Assigned again later: it starts from what the broker has committed.
    t.fetched(2, 100);
    CHECK(t.take_advanced() == Positions{{2, 100}});
    t.forget_all();
    CHECK(t.outstanding() == 0);
    CHECK(t.take_advanced().empty());
}

TEST_CASE("OffsetTracker: a redelivered offset is tracked once", "[kafka]") {
    OffsetTracker t;
    t.fetched(0, 4);
    t.fetched(0, 4);
    CHECK(t.outstanding() == 1);
    t.done(0, 4);
    t.done(0, 4);
    CHECK(t.outstanding() == 0);
    CHECK(t.take_advanced() == Positions{{0, 5}});
}

}  // namespace
}  // namespace mb::adapters::bus::kafka
