#pragma once
// Outbox port: a use case records the events its state change causes here, in the same
// transaction as the change (ARCHITECTURE.md, "Outbox"). Nothing is published before commit;
// the module's relay publishes after commit, in commit order.
namespace mb::app {

/// `Event` is a context's event variant (e.g. domain::booking::BookingEvent).
/// Implementations append to the module's own database inside the current unit of work and
/// throw on infrastructure failure. Not thread-safe (the module's strand serialises calls).
template <class Event>
class Outbox {
public:
    virtual ~Outbox() = default;
    virtual void append(const Event& event) = 0;
};

}  // namespace mb::app
