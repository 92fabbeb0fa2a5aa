#include "adapters/persistence/inbox_store.hpp"

namespace mb::adapters::persistence {

InboxStore::InboxStore(Database& db)
    : db_(db),
      insert_((db.session().prepare
                   << "INSERT INTO inbox(event_id, applied_at) VALUES(:id, :at) ON CONFLICT DO NOTHING",
               soci::use(event_id_), soci::use(applied_at_))) {}

bool InboxStore::record(const std::string& event_id) {
    event_id_ = event_id;
    applied_at_ = to_epoch_ms(std::chrono::system_clock::now());
    insert_.execute(true);
    return insert_.get_affected_rows() == 1;
}

bool InboxStore::contains(const std::string& event_id) {
    std::int64_t n = 0;
    db_.session() << "SELECT COUNT(*) FROM inbox WHERE event_id = :e", soci::use(event_id),
        soci::into(n);
    return n > 0;
}

std::int64_t InboxStore::prune(std::chrono::system_clock::time_point applied_before) {
    const auto cutoff = to_epoch_ms(applied_before);
    soci::statement st =
        (db_.session().prepare << "DELETE FROM inbox WHERE applied_at < :t", soci::use(cutoff));
    st.execute(true);
    return st.get_affected_rows();
}

}  // namespace mb::adapters::persistence
