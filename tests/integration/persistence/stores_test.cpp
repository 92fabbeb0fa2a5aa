// OutboxStore and InboxStore on a real SQLite file: the outbox keeps entries in commit order
// until they are delivered; the inbox tells a redelivered event apart.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "adapters/persistence/inbox_store.hpp"
#include "adapters/persistence/outbox_store.hpp"
#include "persistence_test_support.hpp"

namespace mb::adapters::persistence::test {
namespace {

std::vector<std::string> ids_of(const std::vector<OutboxRecord>& records) {
    std::vector<std::string> out;
    for (const auto& r : records)
        out.push_back(r.envelope->event_id);
    return out;
}
using Ids = std::vector<std::string>;

bool increasing(const std::vector<OutboxRecord>& records) {
    for (std::size_t i = 1; i < records.size(); ++i) {
        if (records[i].seq <= records[i - 1].seq)
            return false;
    }
    return true;
}

TEST_CASE(
    "OutboxStore: append stores the envelope, take_written hands each entry over once, "
    "in order",
    "[persistence][outbox]") {
    TempDir dir;
    Database db(at(dir.file("m.db")), item_migrations());
    OutboxStore outbox(db);
    db.begin();
    outbox.append(envelope("e1", 7));
    outbox.append(envelope("e2", 8));
    outbox.append(envelope("e3", 7));
    db.commit();
    const auto written = outbox.take_written();
    CHECK(ids_of(written) == Ids{"e1", "e2", "e3"});
    CHECK(increasing(written));
    CHECK(written[1].envelope->booking_id == 8);
    CHECK(written[1].envelope->event_type == "Test");
    CHECK(written[1].envelope->timestamp == "20210223233224");
    CHECK(written[1].envelope->payload == envelope("e2", 8).payload);
    CHECK(outbox.take_written().empty());
    CHECK(outbox.backlog() == 3);
}

TEST_CASE("OutboxStore: truncate_written drops the entries of a rolled-back job only",
          "[persistence][outbox]") {
    TempDir dir;
    Database db(at(dir.file("m.db")), item_migrations());
    OutboxStore outbox(db);
    db.begin();
    outbox.append(envelope("kept"));
    const auto mark = outbox.written_mark();
    CHECK(mark == 1);
    db.savepoint();
    outbox.append(envelope("dropped-1"));
    outbox.append(envelope("dropped-2"));
    db.rollback_to_savepoint();
    outbox.truncate_written(mark);
    outbox.append(envelope("after"));
    db.commit();
    CHECK(ids_of(outbox.take_written()) == Ids{"kept", "after"});
    CHECK(ids_of(outbox.undelivered(0, 100)) == Ids{"kept", "after"});
    outbox.truncate_written(5);  // a mark beyond the list changes nothing
    CHECK(outbox.take_written().empty());
}

TEST_CASE("OutboxStore: discard_written forgets a batch that was rolled back as a whole",
          "[persistence][outbox]") {
    TempDir dir;
    Database db(at(dir.file("m.db")), item_migrations());
    OutboxStore outbox(db);
    db.begin();
    outbox.append(envelope("e1"));
    db.rollback();
    outbox.discard_written();
    CHECK(outbox.take_written().empty());
    CHECK(outbox.backlog() == 0);
}

TEST_CASE("OutboxStore: undelivered returns entries after a seq, oldest first, at most limit",
          "[persistence][outbox]") {
    TempDir dir;
    Database db(at(dir.file("m.db")), item_migrations());
    OutboxStore outbox(db);
    for (int i = 1; i <= 5; ++i)
        outbox.append(envelope("e" + std::to_string(i)));
    const auto all = outbox.take_written();
    REQUIRE(all.size() == 5);

    const auto first = outbox.undelivered(0, 2);
    CHECK(ids_of(first) == Ids{"e1", "e2"});
    CHECK(first[0].seq == all[0].seq);
    const auto rest = outbox.undelivered(first.back().seq, 100);
    CHECK(ids_of(rest) == Ids{"e3", "e4", "e5"});
    CHECK(increasing(rest));
    CHECK(outbox.undelivered(all.back().seq, 100).empty());
    const auto envelope3 = rest[0].envelope;
    CHECK(envelope3->event_type == "Test");
    CHECK(envelope3->booking_id == 7);
    CHECK(envelope3->payload == envelope("e3").payload);
}

TEST_CASE("OutboxStore: remove deletes delivered entries, backlog counts what is left",
          "[persistence][outbox]") {
    TempDir dir;
    Database db(at(dir.file("m.db")), item_migrations());
    OutboxStore outbox(db);
    for (int i = 1; i <= 4; ++i)
        outbox.append(envelope("e" + std::to_string(i)));
    const auto all = outbox.take_written();
    CHECK(outbox.backlog() == 4);
    outbox.remove({all[0].seq, all[2].seq});
    CHECK(outbox.backlog() == 2);
    CHECK(ids_of(outbox.undelivered(0, 100)) == Ids{"e2", "e4"});
    outbox.remove({all[0].seq});  // removing twice is harmless
    outbox.remove({});
    CHECK(outbox.backlog() == 2);
    outbox.remove({all[1].seq, all[3].seq});
    CHECK(outbox.backlog() == 0);
}

TEST_CASE("OutboxStore: entries survive closing and reopening the file", "[persistence][outbox]") {
    TempDir dir;
    const auto file = dir.file("m.db");
    {
        Database db(at(file), item_migrations());
        OutboxStore outbox(db);
        db.begin();
        outbox.append(envelope("e1"));
        outbox.append(envelope("e2"));
        db.commit();
    }
    Database db(at(file), item_migrations());
    OutboxStore outbox(db);
    CHECK(outbox.backlog() == 2);
    CHECK(ids_of(outbox.undelivered(0, 100)) == Ids{"e1", "e2"});
}

TEST_CASE("OutboxStore: the request id is kept with the entry, rows from before it read as empty",
          "[persistence][outbox]") {
    // README "Logs": the request id is envelope metadata in an outbox column, added by a
    // migration: a file written by the previous version (no column) still opens and its
    // entries are published with no request id.
    TempDir dir;
    const auto file = dir.file("m.db");
    std::vector<Migration> before = item_migrations();
    before.pop_back();  // the outbox claims migration
    before.pop_back();  // the outbox request id migration
    {
        Database db(at(file), before);
        db.begin();
        db.session() << "INSERT INTO outbox(event_id, event_type, booking_id, timestamp, "
                        "payload, created_at) VALUES('old', 'Test', 7, '20210223233224', '{}', 0)";
        db.commit();
    }
    Database db(at(file), item_migrations());
    OutboxStore outbox(db);
    auto with_id = envelope("new");
    with_id.request_id = "req-1";
    db.begin();
    outbox.append(with_id);
    db.commit();
    const auto written = outbox.take_written();
    REQUIRE(written.size() == 1);
    CHECK(written[0].envelope->request_id == "req-1");
    const auto stored = outbox.undelivered(0, 10);
    REQUIRE(stored.size() == 2);
    CHECK(stored[0].envelope->event_id == "old");
    CHECK(stored[0].envelope->request_id.empty());
    CHECK(stored[1].envelope->request_id == "req-1");
}

TEST_CASE(
    "InboxStore: record is true the first time an event id is seen, false for a "
    "duplicate",
    "[persistence][inbox]") {
    TempDir dir;
    Database db(at(dir.file("m.db")), item_migrations());
    InboxStore inbox(db);
    CHECK(inbox.record("event-1"));
    CHECK_FALSE(inbox.record("event-1"));
    CHECK(inbox.record("event-2"));
    CHECK_FALSE(inbox.record("event-2"));
    CHECK_FALSE(inbox.record("event-1"));
}

TEST_CASE("InboxStore: a record rolled back with its transaction is not remembered",
          "[persistence][inbox]") {
    TempDir dir;
    Database db(at(dir.file("m.db")), item_migrations());
    InboxStore inbox(db);
    db.begin();
    db.savepoint();
    CHECK(inbox.record("event-1"));
    db.rollback_to_savepoint();
    db.commit();
    CHECK(inbox.record("event-1"));  // the apply failed: the redelivery applies it
}

TEST_CASE("InboxStore: recorded ids survive a reopen", "[persistence][inbox]") {
    TempDir dir;
    const auto file = dir.file("m.db");
    {
        Database db(at(file), item_migrations());
        InboxStore inbox(db);
        CHECK(inbox.record("event-1"));
    }
    Database db(at(file), item_migrations());
    InboxStore inbox(db);
    CHECK_FALSE(inbox.record("event-1"));
}

}  // namespace
}  // namespace mb::adapters::persistence::test

namespace mb::adapters::persistence::test {
namespace {

std::vector<std::string> event_ids(const std::vector<OutboxRecord>& records) {
    std::vector<std::string> out;
    for (const auto& r : records)
        out.push_back(r.envelope->event_id);
    return out;
}

TEST_CASE(
    "OutboxStore claims: a live relay's rows stay its own, a lapsed lease is taken over once, "
    "and a booking's older rows are adopted so they go out first",
    "[persistence][outbox][replicas]") {
    // Issue 12: replicas share the outbox on PostgreSQL. Two relays on one database here
    // (SQLite: the same logic without SKIP LOCKED).
    TempDir dir;
    Database db(at(dir.file("m.db")), item_migrations());
    const auto lease = std::chrono::milliseconds(1000);
    OutboxStore a(db, {true, "replica-a", lease});
    OutboxStore b(db, {true, "replica-b", lease});
    const auto now = std::chrono::system_clock::now();
    db.begin();
    a.append(envelope("e1", 7));
    a.append(envelope("e2", 8));
    db.commit();
    CHECK(event_ids(a.take_written()) == std::vector<std::string>{"e1", "e2"});

    CHECK(b.claim_expired(now, 10, false).empty());  // replica a is alive
    a.renew_claims(now + std::chrono::seconds(5));  // ... and says so
    CHECK(b.claim_expired(now + std::chrono::seconds(3), 10, false).empty());
    // a dies: once its lease has passed, b takes both, in order, and nobody takes them again
    const auto later = now + std::chrono::seconds(10);
    CHECK(event_ids(b.claim_expired(later, 10, false)) == std::vector<std::string>{"e1", "e2"});
    CHECK(b.claim_expired(later, 10, false).empty());
    CHECK(a.claim_expired(later, 10, false).empty());

    // a is back (a new run of the same instance) and writes e3 for booking 8: b holds e2 of
    // that booking, so a adopts it and publishes it before e3.
    db.begin();
    a.append(envelope("e3", 8));
    db.commit();
    CHECK(event_ids(a.take_written()) == std::vector<std::string>{"e2", "e3"});
    // own_too: everything a holds, whatever its lease (start-up of a later run of a)
    CHECK(event_ids(a.claim_expired(now, 10, true)) == std::vector<std::string>{"e2", "e3"});
    CHECK(event_ids(b.claim_expired(now, 10, true)) == std::vector<std::string>{"e1"});
}

TEST_CASE("OutboxStore without claims writes rows no relay holds, as before",
          "[persistence][outbox]") {
    TempDir dir;
    Database db(at(dir.file("m.db")), item_migrations());
    OutboxStore store(db);
    store.append(envelope("e1", 7));
    std::string owner = "?";
    std::int64_t until = -1;
    db.session() << "SELECT claimed_by, claimed_until FROM outbox", soci::into(owner),
        soci::into(until);
    CHECK(owner.empty());
    CHECK(until == 0);
    CHECK(event_ids(store.undelivered(0, 10)) == std::vector<std::string>{"e1"});
}

}  // namespace
}  // namespace mb::adapters::persistence::test
