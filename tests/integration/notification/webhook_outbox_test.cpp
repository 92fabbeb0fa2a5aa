// The webhook outbox (webhook_outbox.hpp) on a real SQLite file, and (label postgresql) on a
// schema of the test cluster: deliveries come out in enqueue order per endpoint, an event is
// queued once per endpoint however often it is consumed, ids continue after a restart, a
// delivery behind a dead one of its booking is flagged, and revive requeues a booking's dead
// deliveries in their order.
#include "adapters/notification/webhook_outbox.hpp"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "../persistence/persistence_test_support.hpp"

using namespace mb::adapters::notification;
using mb::adapters::persistence::Database;

namespace {

using mb::adapters::persistence::test::at;
using mb::adapters::persistence::test::TempDir;

const std::string kA = "http://127.0.0.1:9/a";
const std::string kB = "http://127.0.0.1:9/b";

std::vector<std::string> events_of(const std::vector<WebhookDelivery>& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows)
        out.push_back(r.event_id);
    return out;
}

}  // namespace

TEST_CASE("Webhook outbox: pending in enqueue order per endpoint, once per event",
          "[notification][outbox]") {
    TempDir tmp;
    Database db(at(tmp.file("notify.db")), notify_migrations());
    WebhookOutbox outbox(db);
    CHECK(outbox.enqueue(kA, "e1", "Booked", 1, "{}", 10));
    CHECK(outbox.enqueue(kB, "e1", "Booked", 1, "{}", 10));
    CHECK(outbox.enqueue(kA, "e2", "Booked", 2, "{}", 11));
    CHECK(outbox.enqueue(kA, "e3", "Paid", 1, "{}", 12));
    // The same event consumed again (a redelivery past the inbox): not queued twice.
    CHECK_FALSE(outbox.enqueue(kA, "e1", "Booked", 1, "{}", 13));
    const auto a = outbox.pending(kA, 10);
    CHECK(events_of(a) == std::vector<std::string>{"e1", "e2", "e3"});
    CHECK(a[0].id < a[1].id);
    CHECK(a[1].id < a[2].id);
    CHECK(events_of(outbox.pending(kB, 10)) == std::vector<std::string>{"e1"});
    CHECK(events_of(outbox.pending(kA, 2)) == std::vector<std::string>{"e1", "e2"});
    outbox.record(a[0].id, DeliveryState::kDelivered, 1, "", 20);
    CHECK(events_of(outbox.pending(kA, 10)) == std::vector<std::string>{"e2", "e3"});
    CHECK(outbox.count(DeliveryState::kDelivered) == 1);
}

TEST_CASE("Webhook outbox: ids continue after a restart", "[notification][outbox]") {
    TempDir tmp;
    std::int64_t before = 0;
    {
        Database db(at(tmp.file("notify.db")), notify_migrations());
        WebhookOutbox outbox(db);
        CHECK(outbox.enqueue(kA, "e1", "Booked", 1, "{}", 10));
        CHECK(outbox.enqueue(kA, "e2", "Booked", 1, "{}", 10));
        before = outbox.pending(kA, 10).back().id;
    }
    Database db(at(tmp.file("notify.db")), notify_migrations());
    WebhookOutbox outbox(db);
    CHECK(outbox.enqueue(kA, "e3", "Booked", 1, "{}", 10));
    const auto rows = outbox.pending(kA, 10);
    REQUIRE(rows.size() == 3);
    CHECK(rows.back().event_id == "e3");
    CHECK(rows.back().id > before);
}

TEST_CASE("Webhook outbox: behind a dead delivery of its booking, and revived in order",
          "[notification][outbox]") {
    TempDir tmp;
    Database db(at(tmp.file("notify.db")), notify_migrations());
    WebhookOutbox outbox(db);
    REQUIRE(outbox.enqueue(kA, "b1-booked", "Booked", 1, "{}", 10));
    REQUIRE(outbox.enqueue(kA, "b2-booked", "Booked", 2, "{}", 10));
    REQUIRE(outbox.enqueue(kA, "b1-paid", "Paid", 1, "{}", 10));
    REQUIRE(outbox.enqueue(kB, "b1-paid", "Paid", 1, "{}", 10));
    auto rows = outbox.pending(kA, 10);
    outbox.record(rows[0].id, DeliveryState::kDead, 3, "HTTP 500", 20);
    rows = outbox.pending(kA, 10);
    REQUIRE(events_of(rows) == std::vector<std::string>{"b2-booked", "b1-paid"});
    CHECK_FALSE(rows[0].behind_dead);  // another booking flows on
    CHECK(rows[1].behind_dead);        // the same booking must wait behind it
    CHECK_FALSE(outbox.pending(kB, 10)[0].behind_dead);  // another endpoint is not held back
    outbox.record(rows[1].id, DeliveryState::kDead, 0, "parked", 21);
    const auto dead = outbox.dead(10);
    REQUIRE(events_of(dead) == std::vector<std::string>{"b1-booked", "b1-paid"});
    CHECK(dead[0].attempts == 3);
    CHECK(dead[0].last_error == "HTTP 500");
    // Retry: every dead delivery of booking 1 to A is pending again, oldest first.
    CHECK(outbox.revive(kA, 1, 30) == 2);
    rows = outbox.pending(kA, 10);
    CHECK(events_of(rows) == std::vector<std::string>{"b1-booked", "b2-booked", "b1-paid"});
    CHECK(rows[0].attempts == 0);
    CHECK_FALSE(rows[2].behind_dead);
    CHECK(outbox.dead(10).empty());
}

TEST_CASE("Webhook outbox: discard takes a dead delivery only", "[notification][outbox]") {
    TempDir tmp;
    Database db(at(tmp.file("notify.db")), notify_migrations());
    WebhookOutbox outbox(db);
    REQUIRE(outbox.enqueue(kA, "e1", "Booked", 1, "{}", 10));
    const auto id = outbox.pending(kA, 1)[0].id;
    CHECK_FALSE(outbox.discard(id, 11));  // pending: not a dead letter
    outbox.record(id, DeliveryState::kDead, 3, "HTTP 500", 12);
    CHECK(outbox.discard(id, 13));
    CHECK_FALSE(outbox.discard(id, 14));
    CHECK(outbox.dead(10).empty());
    CHECK(outbox.pending(kA, 10).empty());
    CHECK(outbox.find(id)->state == DeliveryState::kDiscarded);
}
