#pragma once
// The Notifier port (seed 003: the customer is told of every status change of a booking; issue
// 13): fed by the same events as My page, after they are consumed by the notify module (inbox:
// once per event id). Adapters: the outgoing webhook (webhook_notifier.hpp). The port sits
// beside its adapters rather than in app/: it carries the event's published JSON unchanged,
// which is the wire form of an adapter, not a domain concept.
#include <cstdint>
#include <string>

namespace mb::adapters::notification {

/// One event a customer is notified of.
struct Notification {
    std::string event_id;    ///< the event's id: the receiver's idempotency key
    std::string event_type;  ///< "Booked", "Paid", "Printed" ... (MISSION.md, "Events")
    std::int64_t booking_id = 0;
    std::string timestamp;  ///< the event's, yyyyMMddHHmmss UTC
    std::string payload;    ///< the event as published: a JSON object's text
};

class Notifier {
public:
    Notifier() = default;
    Notifier(const Notifier&) = delete;
    Notifier& operator=(const Notifier&) = delete;
    virtual ~Notifier() = default;

    /// Takes `n` for delivery. Called on the notify module's strand inside the transaction
    /// that marks the event consumed: what it stores commits or rolls back with that. Throws
    /// on a storage failure (the consumer then retries the event).
    virtual void notify(const Notification& n) = 0;

protected:
    Notifier(Notifier&&) = default;
    Notifier& operator=(Notifier&&) = default;
};

}  // namespace mb::adapters::notification
