#include "adapters/persistence/inbox_store.hpp"

namespace mb::adapters::persistence {

InboxStore::InboxStore(SqliteDatabase& db)
    : db_(db),
      insert_((db.session().prepare
                   << "INSERT OR IGNORE INTO inbox(event_id, applied_at) VALUES(:id, :at)",
               soci::use(event_id_), soci::use(applied_at_))) {}

bool InboxStore::record(const std::string& event_id) {
    event_id_ = event_id;
    applied_at_ = to_epoch_ms(std::chrono::system_clock::now());
    insert_.execute(true);
    return insert_.get_affected_rows() == 1;
}

}  // namespace mb::adapters::persistence
