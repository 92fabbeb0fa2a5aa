#pragma once
// The inbox of one module (ARCHITECTURE.md, "Inbox"): the ids of events it has applied,
// recorded in the same transaction as their effect, so a redelivered event is skipped.
// Not thread-safe (module strand).
#include <string>

#include "adapters/persistence/database.hpp"

namespace mb::adapters::persistence {

class InboxStore {
public:
    explicit InboxStore(Database& db);
    /// Records `event_id` inside the current transaction; false when it was already there
    /// (the event was applied before: skip it).
    [[nodiscard]] bool record(const std::string& event_id);
    /// Whether `event_id` was applied (without recording anything).
    [[nodiscard]] bool contains(const std::string& event_id);
    /// Forgets ids applied before `applied_before` (inside the current transaction); returns
    /// how many. Safe once no publisher can still redeliver them: relays republish within
    /// seconds, so a retention of days leaves a wide margin.
    std::int64_t prune(std::chrono::system_clock::time_point applied_before);

private:
    Database& db_;
    std::string event_id_;
    std::int64_t applied_at_ = 0;
    soci::statement insert_;
};

}  // namespace mb::adapters::persistence
