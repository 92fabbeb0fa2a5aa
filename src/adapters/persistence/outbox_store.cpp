#include "adapters/persistence/outbox_store.hpp"

#include <algorithm>

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

Migration outbox_claims_migration(std::int64_t version) {
    return {version,
            "outbox claims",
            {"ALTER TABLE outbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT ''",
             "ALTER TABLE outbox ADD COLUMN claimed_until BIGINT NOT NULL DEFAULT 0",
             "CREATE INDEX outbox_claimed_until ON outbox(claimed_until)",
             "CREATE INDEX outbox_booking ON outbox(booking_id, seq)"}};
}

Migration outbox_request_id_migration(std::int64_t version) {
    return {version, "outbox request id",
            {"ALTER TABLE outbox ADD COLUMN request_id TEXT NOT NULL DEFAULT ''"}};
}

OutboxStore::OutboxStore(Database& db, OutboxClaims claims)
    : db_(db),
      claims_(std::move(claims)),
      insert_((db.session().prepare
                   << "INSERT INTO outbox(event_id, event_type, booking_id, timestamp, payload, "
                      "created_at, request_id, claimed_by, claimed_until) VALUES(:id, :type, "
                      ":booking, :ts, :payload, :created, :request, :owner, :until) RETURNING seq",
               soci::into(inserted_key_), soci::use(event_id_), soci::use(event_type_),
               soci::use(booking_id_), soci::use(timestamp_), soci::use(payload_),
               soci::use(created_at_), soci::use(request_id_), soci::use(claims_.owner),
               soci::use(claimed_until_))),
      delete_((db.session().prepare << "DELETE FROM outbox WHERE seq = :seq", soci::use(seq_))) {}

void OutboxStore::append(codec::Envelope envelope) {
    event_id_ = envelope.event_id;
    event_type_ = envelope.event_type;
    booking_id_ = envelope.booking_id;
    timestamp_ = envelope.timestamp;
    payload_ = envelope.payload;
    request_id_ = envelope.request_id;
    const auto now = std::chrono::system_clock::now();
    created_at_ = to_epoch_ms(now);
    claimed_until_ = claims_.enabled ? to_epoch_ms(now + claims_.lease) : 0;
    if (claims_.enabled) {
        // Older rows of this booking another relay still holds: published first, by us.
        for (auto& adopted : claim(ClaimScope::kBookingOfOthers, 1000, now))
            written_.push_back(std::move(adopted));
    }
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

std::vector<OutboxRecord> OutboxStore::claim(ClaimScope scope, std::int64_t limit,
                                             std::chrono::system_clock::time_point now) {
    std::vector<OutboxRecord> out;
    std::int64_t seq = 0, booking = 0;
    std::string id, type, ts, payload, request_id;
    auto until = to_epoch_ms(now + claims_.lease);
    auto at = to_epoch_ms(now);
    auto lim = limit;
    soci::statement st(db_.session());
    st.exchange(soci::into(seq));
    st.exchange(soci::into(id));
    st.exchange(soci::into(type));
    st.exchange(soci::into(booking));
    st.exchange(soci::into(ts));
    st.exchange(soci::into(payload));
    st.exchange(soci::into(request_id));
    st.exchange(soci::use(claims_.owner));  // SET claimed_by
    st.exchange(soci::use(until));          // SET claimed_until
    std::string where;
    switch (scope) {
        case ClaimScope::kExpired:
            where = "claimed_until < :at";
            st.exchange(soci::use(at));
            break;
        case ClaimScope::kExpiredOrOwn:
            where = "claimed_until < :at OR claimed_by = :me";
            st.exchange(soci::use(at));
            st.exchange(soci::use(claims_.owner));
            break;
        case ClaimScope::kBookingOfOthers:
            where = "booking_id = :b AND claimed_by <> :me";
            st.exchange(soci::use(booking_id_));
            st.exchange(soci::use(claims_.owner));
            break;
    }
    st.exchange(soci::use(lim));
    st.alloc();
    st.prepare("UPDATE outbox SET claimed_by = :owner, claimed_until = :until WHERE seq IN "
               "(SELECT seq FROM outbox WHERE " + where + " ORDER BY seq LIMIT :lim" +
               (db_.dialect() == Dialect::kPostgresql ? " FOR UPDATE SKIP LOCKED" : "") +
               ") RETURNING seq, event_id, event_type, booking_id, timestamp, payload, request_id");
    st.define_and_bind();
    st.execute();
    while (st.fetch()) {
        codec::Envelope envelope{id, type, booking, ts, payload};
        envelope.request_id = request_id;
        out.push_back({seq, std::make_shared<const codec::Envelope>(std::move(envelope))});
    }
    // RETURNING hands rows out in no promised order.
    std::sort(out.begin(), out.end(),
              [](const OutboxRecord& x, const OutboxRecord& y) { return x.seq < y.seq; });
    return out;
}

void OutboxStore::renew_claims(std::chrono::system_clock::time_point now) {
    auto until = to_epoch_ms(now + claims_.lease);
    auto owner = claims_.owner;
    db_.session() << "UPDATE outbox SET claimed_until = :until WHERE claimed_by = :owner",
        soci::use(until), soci::use(owner);
}

std::vector<OutboxRecord> OutboxStore::claim_expired(std::chrono::system_clock::time_point now,
                                                     std::int64_t limit, bool own_too) {
    return claim(own_too ? ClaimScope::kExpiredOrOwn : ClaimScope::kExpired, limit, now);
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
