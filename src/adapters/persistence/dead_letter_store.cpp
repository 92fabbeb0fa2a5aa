#include "adapters/persistence/dead_letter_store.hpp"

namespace mb::adapters::persistence {

Migration dead_letter_migration(std::int64_t version) {
    return {version,
            "dead letters",
            {"CREATE TABLE dead_letters (id {key}, "
             "event_id TEXT NOT NULL, event_type TEXT NOT NULL, booking_id BIGINT NOT NULL, "
             "payload TEXT NOT NULL, error TEXT NOT NULL, attempts BIGINT NOT NULL, "
             "parked_at BIGINT NOT NULL)",
             "CREATE INDEX dead_letters_booking ON dead_letters(booking_id, id)",
             "CREATE INDEX dead_letters_event ON dead_letters(event_id)"}};
}

void DeadLetterStore::add(DeadLetter& l) {
    long long id = 0;
    db_.session() << "INSERT INTO dead_letters(event_id, event_type, booking_id, payload, error, "
                     "attempts, parked_at) VALUES(:e, :t, :b, :p, :r, :a, :at) RETURNING id",
        soci::use(l.event_id), soci::use(l.event_type), soci::use(l.booking_id),
        soci::use(l.payload), soci::use(l.error), soci::use(l.attempts), soci::use(l.parked_at),
        soci::into(id);
    l.id = id;
}

void DeadLetterStore::remove(std::int64_t id) {
    db_.session() << "DELETE FROM dead_letters WHERE id = :id", soci::use(id);
}

void DeadLetterStore::update(const DeadLetter& l) {
    db_.session() << "UPDATE dead_letters SET error = :r, attempts = :a WHERE id = :id",
        soci::use(l.error), soci::use(l.attempts), soci::use(l.id);
}

std::vector<DeadLetter> DeadLetterStore::query(const std::string& tail, std::int64_t a) {
    std::vector<DeadLetter> out;
    DeadLetter l;
    soci::statement st =
        (db_.session().prepare << "SELECT id, event_id, event_type, booking_id, payload, error, "
                                  "attempts, parked_at FROM dead_letters "
                               << tail,
         soci::into(l.id), soci::into(l.event_id), soci::into(l.event_type),
         soci::into(l.booking_id), soci::into(l.payload), soci::into(l.error),
         soci::into(l.attempts), soci::into(l.parked_at), soci::use(a));
    st.execute();
    while (st.fetch())
        out.push_back(l);
    return out;
}

std::optional<DeadLetter> DeadLetterStore::find(std::int64_t id) {
    auto v = query("WHERE id = :a", id);
    if (v.empty())
        return std::nullopt;
    return v.front();
}

bool DeadLetterStore::contains(const std::string& event_id) {
    std::int64_t n = 0;
    db_.session() << "SELECT COUNT(*) FROM dead_letters WHERE event_id = :e", soci::use(event_id),
        soci::into(n);
    return n > 0;
}

std::vector<DeadLetter> DeadLetterStore::for_booking(std::int64_t booking_id) {
    return query("WHERE booking_id = :a ORDER BY id", booking_id);
}

std::vector<DeadLetter> DeadLetterStore::list(std::int64_t limit) {
    return query("ORDER BY id LIMIT :a", limit);
}

std::vector<std::int64_t> DeadLetterStore::parked_bookings() {
    std::vector<std::int64_t> out;
    std::int64_t b = 0;
    soci::statement st = (db_.session().prepare
                              << "SELECT DISTINCT booking_id FROM dead_letters ORDER BY booking_id",
                          soci::into(b));
    st.execute();
    while (st.fetch())
        out.push_back(b);
    return out;
}

}  // namespace mb::adapters::persistence
