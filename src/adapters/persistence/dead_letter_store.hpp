#pragma once
// Dead letters of one module (ARCHITECTURE.md, "Isolation"): events its consumer kept failing
// on, parked with their error so they stop blocking anything, visible and retryable by an
// operator. Parking is per key (booking): later events of a parked booking are parked behind
// it, so a booking's events are still applied in order once retried. Lives in the module's own
// database. Not thread-safe (module strand).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "adapters/persistence/database.hpp"

namespace mb::adapters::persistence {

struct DeadLetter {
    std::int64_t id = 0;
    std::string event_id;
    std::string event_type;
    std::int64_t booking_id = 0;
    std::string payload;  ///< the message exactly as delivered
    std::string error;
    std::int64_t attempts = 0;
    std::int64_t parked_at = 0;  ///< ms since the Unix epoch
};

class DeadLetterStore {
public:
    explicit DeadLetterStore(Database& db) : db_(db) {}
    /// Parks a letter (assigns its id), inside the current transaction.
    void add(DeadLetter& letter);
    void remove(std::int64_t id);
    /// Updates error and attempts after a failed retry.
    void update(const DeadLetter& letter);
    [[nodiscard]] std::optional<DeadLetter> find(std::int64_t id);
    /// Whether an event is parked already.
    [[nodiscard]] bool contains(const std::string& event_id);
    /// A booking's parked letters in the order they must be applied.
    [[nodiscard]] std::vector<DeadLetter> for_booking(std::int64_t booking_id);
    /// Every parked letter, oldest first, at most `limit`.
    [[nodiscard]] std::vector<DeadLetter> list(std::int64_t limit);
    /// Bookings with parked letters (their later events are parked behind them).
    [[nodiscard]] std::vector<std::int64_t> parked_bookings();

private:
    std::vector<DeadLetter> query(const std::string& tail, std::int64_t a);
    Database& db_;
};

/// The dead_letters table (every module includes it in its migrations).
[[nodiscard]] Migration dead_letter_migration(std::int64_t version);

}  // namespace mb::adapters::persistence
