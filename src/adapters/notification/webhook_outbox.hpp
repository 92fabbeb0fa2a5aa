#pragma once
// The webhook outbox (README "Notifications (webhooks)"): one row per (endpoint, event) to
// deliver, written in the transaction that consumes the event (so a crash loses none and the
// inbox plus UNIQUE(endpoint, event_id) enqueue each once), then worked off by the dispatcher
// in id order per endpoint. A row is pending, delivered, dead (a dead letter: attempts used
// up, or parked behind an earlier dead delivery of the same booking) or discarded. Delivered
// rows stay as the record of what was sent. Lives in the notify module's database; the SQL is
// dialect-neutral (ON CONFLICT … DO NOTHING, no AUTOINCREMENT: ids are assigned here).
// Not thread-safe: the notify module's strand only.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "adapters/persistence/database.hpp"

namespace mb::adapters::notification {

enum class DeliveryState { kPending, kDelivered, kDead, kDiscarded };

/// "pending", "delivered", "dead", "discarded" (the column's values).
[[nodiscard]] const char* to_string(DeliveryState state) noexcept;

struct WebhookDelivery {
    std::int64_t id = 0;  ///< enqueue order
    std::string endpoint;
    std::string event_id;
    std::string event_type;
    std::int64_t booking_id = 0;
    std::string body;  ///< the JSON sent, the same bytes on every attempt
    DeliveryState state = DeliveryState::kPending;
    std::int64_t attempts = 0;
    std::string last_error;
    std::int64_t updated_at = 0;  ///< ms since the Unix epoch
    /// pending() only: an earlier delivery of the same booking to the same endpoint is dead,
    /// so this one must not overtake it (it is parked behind it instead).
    bool behind_dead = false;
};

class WebhookOutbox {
public:
    /// Reads the highest id (ids continue after a restart). Throws soci::soci_error.
    explicit WebhookOutbox(persistence::Database& db);

    /// Queues a delivery unless (endpoint, event_id) is queued already. Returns whether it
    /// was added. Inside the caller's transaction.
    bool enqueue(const std::string& endpoint, const std::string& event_id,
                 const std::string& event_type, std::int64_t booking_id, const std::string& body,
                 std::int64_t now_ms);
    /// The endpoint's oldest pending deliveries, at most `limit`, with behind_dead set.
    [[nodiscard]] std::vector<WebhookDelivery> pending(const std::string& endpoint,
                                                       std::int64_t limit);
    /// Records an attempt's outcome (and the new state) of delivery `id`.
    void record(std::int64_t id, DeliveryState state, std::int64_t attempts,
                const std::string& last_error, std::int64_t now_ms);
    [[nodiscard]] std::optional<WebhookDelivery> find(std::int64_t id);
    /// Dead deliveries, oldest first, at most `limit`.
    [[nodiscard]] std::vector<WebhookDelivery> dead(std::int64_t limit);
    /// Every dead delivery of `booking_id` to `endpoint` becomes pending again with its
    /// attempts reset (they keep their ids, so their order). Returns how many.
    std::int64_t revive(const std::string& endpoint, std::int64_t booking_id, std::int64_t now_ms);
    /// A dead delivery is dropped for good (kept as `discarded`). False when `id` is not dead.
    bool discard(std::int64_t id, std::int64_t now_ms);
    /// Rows per state (for the admin view and tests).
    [[nodiscard]] std::int64_t count(DeliveryState state);

private:
    std::vector<WebhookDelivery> query(const std::string& where, const std::string& text,
                                       std::int64_t number, std::int64_t limit);
    persistence::Database& db_;
    std::int64_t next_id_ = 1;
};

/// The webhook_deliveries table and its indexes.
[[nodiscard]] persistence::Migration webhook_outbox_migration(std::int64_t version);

/// The notify module's schema: outbox and inbox (as every module's, with their later steps),
/// dead letters (its consumer's), the webhook outbox.
[[nodiscard]] std::vector<persistence::Migration> notify_migrations();

}  // namespace mb::adapters::notification
