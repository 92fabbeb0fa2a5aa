#include "adapters/notification/webhook_outbox.hpp"

#include <soci/soci.h>

#include "adapters/persistence/dead_letter_store.hpp"
#include "adapters/persistence/outbox_store.hpp"

namespace mb::adapters::notification {
namespace {

DeliveryState state_of(const std::string& text) {
    if (text == "delivered")
        return DeliveryState::kDelivered;
    if (text == "dead")
        return DeliveryState::kDead;
    if (text == "discarded")
        return DeliveryState::kDiscarded;
    return DeliveryState::kPending;
}

constexpr const char* kColumns =
    "d.id, d.endpoint, d.event_id, d.event_type, d.booking_id, d.body, d.state, d.attempts, "
    "d.last_error, d.updated_at";

}  // namespace

const char* to_string(DeliveryState state) noexcept {
    switch (state) {
        case DeliveryState::kPending:
            return "pending";
        case DeliveryState::kDelivered:
            return "delivered";
        case DeliveryState::kDead:
            return "dead";
        case DeliveryState::kDiscarded:
            return "discarded";
    }
    return "pending";
}

persistence::Migration webhook_outbox_migration(std::int64_t version) {
    return {version,
            "webhook deliveries",
            {"CREATE TABLE webhook_deliveries (id BIGINT PRIMARY KEY, endpoint TEXT NOT NULL, "
             "event_id TEXT NOT NULL, event_type TEXT NOT NULL, booking_id BIGINT NOT NULL, "
             "body TEXT NOT NULL, state TEXT NOT NULL, attempts BIGINT NOT NULL, "
             "last_error TEXT NOT NULL, created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, "
             "UNIQUE (endpoint, event_id))",
             "CREATE INDEX webhook_deliveries_queue ON webhook_deliveries(endpoint, state, id)",
             "CREATE INDEX webhook_deliveries_booking ON "
             "webhook_deliveries(endpoint, booking_id, state, id)"}};
}

std::vector<persistence::Migration> notify_migrations() {
    return {persistence::outbox_and_inbox_migration(1), persistence::inbox_retention_migration(2),
            persistence::dead_letter_migration(3), persistence::outbox_request_id_migration(4),
            webhook_outbox_migration(5), persistence::outbox_claims_migration(6)};
}

WebhookOutbox::WebhookOutbox(persistence::Database& db) : db_(db) {
    long long highest = 0;
    soci::indicator ind = soci::i_ok;
    db_.session() << "SELECT MAX(id) FROM webhook_deliveries", soci::into(highest, ind);
    next_id_ = (ind == soci::i_ok ? highest : 0) + 1;
}

bool WebhookOutbox::enqueue(const std::string& endpoint, const std::string& event_id,
                            const std::string& event_type, std::int64_t booking_id,
                            const std::string& body, std::int64_t now_ms) {
    const long long id = next_id_;
    const long long booking = booking_id;
    const long long now = now_ms;
    soci::statement st =
        (db_.session().prepare
             << "INSERT INTO webhook_deliveries(id, endpoint, event_id, event_type, booking_id, "
                "body, state, attempts, last_error, created_at, updated_at) VALUES(:id, :e, "
                ":ev, :t, :b, :body, 'pending', 0, '', :c, :u) "
                "ON CONFLICT (endpoint, event_id) DO NOTHING",
         soci::use(id), soci::use(endpoint), soci::use(event_id), soci::use(event_type),
         soci::use(booking), soci::use(body), soci::use(now), soci::use(now));
    st.execute(true);
    if (st.get_affected_rows() != 1) {
        return false;
    }
    ++next_id_;
    return true;
}

// One SELECT for every reader: `where` binds :t (text) and :n (number) by position, in that
// order (a reader that needs only one compares the other with a constant, as
// SqlCatalogueRepository::screenings does).
std::vector<WebhookDelivery> WebhookOutbox::query(const std::string& where,
                                                  const std::string& text, std::int64_t number,
                                                  std::int64_t limit) {
    std::vector<WebhookDelivery> out;
    long long id = 0, booking = 0, attempts = 0, updated = 0, behind = 0;
    std::string endpoint, event_id, event_type, body, state, last_error;
    const long long n = number;
    const long long lim = limit;
    soci::statement st =
        (db_.session().prepare
             << std::string("SELECT ") + kColumns +
                    ", (SELECT COUNT(*) FROM webhook_deliveries x WHERE x.endpoint = d.endpoint "
                    "AND x.booking_id = d.booking_id AND x.state = 'dead' AND x.id < d.id) "
                    "FROM webhook_deliveries d WHERE " +
                    where + " ORDER BY d.id LIMIT :lim",
         soci::into(id), soci::into(endpoint), soci::into(event_id), soci::into(event_type),
         soci::into(booking), soci::into(body), soci::into(state), soci::into(attempts),
         soci::into(last_error), soci::into(updated), soci::into(behind), soci::use(text),
         soci::use(n), soci::use(lim));
    st.execute();
    while (st.fetch()) {
        WebhookDelivery d;
        d.id = id;
        d.endpoint = endpoint;
        d.event_id = event_id;
        d.event_type = event_type;
        d.booking_id = booking;
        d.body = body;
        d.state = state_of(state);
        d.attempts = attempts;
        d.last_error = last_error;
        d.updated_at = updated;
        d.behind_dead = behind > 0;
        out.push_back(std::move(d));
    }
    return out;
}

std::vector<WebhookDelivery> WebhookOutbox::pending(const std::string& endpoint,
                                                    std::int64_t limit) {
    return query("d.endpoint = :t AND d.state = 'pending' AND 0 = :n", endpoint, 0, limit);
}

std::optional<WebhookDelivery> WebhookOutbox::find(std::int64_t id) {
    auto rows = query("'' = :t AND d.id = :n", "", id, 1);
    if (rows.empty()) {
        return std::nullopt;
    }
    return std::move(rows.front());
}

std::vector<WebhookDelivery> WebhookOutbox::dead(std::int64_t limit) {
    return query("d.state = :t AND 0 = :n", "dead", 0, limit);
}

void WebhookOutbox::record(std::int64_t id, DeliveryState state, std::int64_t attempts,
                           const std::string& last_error, std::int64_t now_ms) {
    const std::string text = to_string(state);
    const long long a = attempts, now = now_ms, key = id;
    db_.session() << "UPDATE webhook_deliveries SET state = :s, attempts = :a, last_error = :e, "
                     "updated_at = :u WHERE id = :id",
        soci::use(text), soci::use(a), soci::use(last_error), soci::use(now), soci::use(key);
}

std::int64_t WebhookOutbox::revive(const std::string& endpoint, std::int64_t booking_id,
                                   std::int64_t now_ms) {
    const long long booking = booking_id, now = now_ms;
    soci::statement st =
        (db_.session().prepare
             << "UPDATE webhook_deliveries SET state = 'pending', attempts = 0, updated_at = :u "
                "WHERE endpoint = :e AND booking_id = :b AND state = 'dead'",
         soci::use(now), soci::use(endpoint), soci::use(booking));
    st.execute(true);
    return st.get_affected_rows();
}

bool WebhookOutbox::discard(std::int64_t id, std::int64_t now_ms) {
    const long long key = id, now = now_ms;
    soci::statement st =
        (db_.session().prepare << "UPDATE webhook_deliveries SET state = 'discarded', "
                                  "updated_at = :u WHERE id = :id AND state = 'dead'",
         soci::use(now), soci::use(key));
    st.execute(true);
    return st.get_affected_rows() == 1;
}

std::int64_t WebhookOutbox::count(DeliveryState state) {
    const std::string text = to_string(state);
    long long n = 0;
    db_.session() << "SELECT COUNT(*) FROM webhook_deliveries WHERE state = :s", soci::use(text),
        soci::into(n);
    return n;
}

}  // namespace mb::adapters::notification
