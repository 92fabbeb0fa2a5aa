#include "adapters/persistence/outbox_store.hpp"

#include <soci/sqlite3/soci-sqlite3.h>

namespace mb::adapters::persistence {

Migration outbox_and_inbox_migration(std::int64_t version) {
    return {version,
            "outbox and inbox",
            {"CREATE TABLE outbox (seq {key}, "
             "event_id TEXT NOT NULL, event_type TEXT NOT NULL, booking_id BIGINT NOT "
             "NULL, timestamp TEXT NOT NULL, payload TEXT NOT NULL, created_at BIGINT NOT NULL)",
             "CREATE TABLE inbox (event_id TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)"
             "{without_rowid}"}};
}

Migration inbox_retention_migration(std::int64_t version) {
    return {version, "inbox retention index", {"CREATE INDEX inbox_applied_at ON inbox(applied_at)"}};
}

Migration outbox_request_id_migration(std::int64_t version) {
    return {version, "outbox request id",
            {"ALTER TABLE outbox ADD COLUMN request_id TEXT NOT NULL DEFAULT ''"}};
}

OutboxStore::OutboxStore(Database& db)
    : db_(db),
      insert_(
          (db.session().prepare
               << "INSERT INTO outbox(event_id, event_type, booking_id, timestamp, payload, "
                  "created_at, request_id) "
                  "VALUES(:id, :type, :booking, :ts, :payload, :created, :request) RETURNING seq",
           soci::into(inserted_key_), soci::use(event_id_), soci::use(event_type_),
           soci::use(booking_id_), soci::use(timestamp_), soci::use(payload_),
           soci::use(created_at_), soci::use(request_id_))),
      delete_((db.session().prepare << "DELETE FROM outbox WHERE seq = :seq", soci::use(seq_))) {}

void OutboxStore::append(codec::Envelope envelope) {
    event_id_ = envelope.event_id;
    event_type_ = envelope.event_type;
    booking_id_ = envelope.booking_id;
    timestamp_ = envelope.timestamp;
    payload_ = envelope.payload;
    request_id_ = envelope.request_id;
    created_at_ = to_epoch_ms(std::chrono::system_clock::now());
    const auto id = db_.insert_returning(insert_, inserted_key_);
    written_.push_back({static_cast<std::int64_t>(id),
                        std::make_shared<const codec::Envelope>(std::move(envelope))});
}

std::vector<OutboxRecord> OutboxStore::take_written() {
    std::vector<OutboxRecord> out;
    out.swap(written_);
    return out;
}

void OutboxStore::truncate_written(std::size_t mark) {
    if (mark < written_.size())
        written_.resize(mark);
}

std::vector<OutboxRecord> OutboxStore::undelivered(std::int64_t after, std::int64_t limit) {
    std::vector<OutboxRecord> out;
    std::int64_t seq = 0, booking = 0;
    std::string id, type, ts, payload, request_id;
    soci::statement st =
        (db_.session().prepare << "SELECT seq, event_id, event_type, booking_id, timestamp, "
                                  "payload, request_id FROM outbox WHERE seq > :after ORDER BY "
                                  "seq LIMIT :lim",
         soci::into(seq), soci::into(id), soci::into(type), soci::into(booking), soci::into(ts),
         soci::into(payload), soci::into(request_id), soci::use(after), soci::use(limit));
    st.execute();
    while (st.fetch()) {
        codec::Envelope envelope{id, type, booking, ts, payload};
        envelope.request_id = request_id;
        out.push_back({seq, std::make_shared<const codec::Envelope>(std::move(envelope))});
    }
    return out;
}

void OutboxStore::remove(const std::vector<std::int64_t>& seqs) {
    for (const auto s : seqs) {
        seq_ = s;
        delete_.execute(true);
    }
}

std::int64_t OutboxStore::backlog() {
    std::int64_t n = 0;
    db_.session() << "SELECT COUNT(*) FROM outbox", soci::into(n);
    return n;
}

}  // namespace mb::adapters::persistence
