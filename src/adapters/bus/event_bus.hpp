#pragma once
// EventBus: the port every transport implements (ARCHITECTURE.md, "Bus port"). Publishers
// are the modules' outbox relays; subscribers are modules, one consumer name each (the seed's
// consumer-group names: book, payment, ticket, review, mypage).
//
// Delivery is at least once; consumers make the effect exactly once with their inbox.
// Thread-safety: every member may be called from any thread.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "adapters/codec/envelope.hpp"

namespace mb::adapters::bus {

/// What a transport reports to GET /actuator/health (component "bus").
struct BusHealth {
    bool up = true;                              ///< the transport can take events right now
    std::string type;                            ///< "in-memory" or "kafka"
    std::map<std::string, std::string> details;  ///< transport-specific, shown as given
};

class EventBus {
public:
    /// Called by a consumer once its transaction applying the event committed.
    using Ack = std::function<void()>;
    using Handler = std::function<void(std::shared_ptr<const codec::Envelope>, Ack)>;

    virtual ~EventBus() = default;

    /// Registers `consumer` for events of `event_type`. Subscribe before publishing starts.
    virtual void subscribe(const std::string& consumer, const std::string& event_type,
                           Handler handler) = 0;

    /// Hands `envelope` to the transport. `on_delivered` runs once the event is safe without
    /// the publisher's outbox entry: every subscriber acknowledged it (in-memory), or the broker
    /// confirmed it (Kafka). It may never run (a consumer failing or the process dying): the
    /// relay then publishes again.
    virtual void publish(std::shared_ptr<const codec::Envelope> envelope,
                         std::function<void()> on_delivered) = 0;

    /// Starts delivering to the subscribers (after every subscribe). Throws on a transport
    /// that cannot be configured; an unreachable broker is not an error (it is retried).
    virtual void start() {}
    /// Stops delivering: no handler runs after it returns. Blocks for a bounded time
    /// (a transport may flush). Idempotent.
    virtual void stop() {}
    [[nodiscard]] virtual BusHealth health() const { return {true, "in-memory", {}}; }
};

/// An Ack to hand to `n` handlers (n >= 1): `done` runs once, when the last of them has
/// acknowledged, on that handler's thread. Thread-safe.
inline EventBus::Ack ack_after(std::size_t n, EventBus::Ack done) {
    auto remaining = std::make_shared<std::atomic<std::size_t>>(n);
    return [remaining, done = std::move(done)] {
        if (remaining->fetch_sub(1) == 1 && done)
            done();
    };
}

}  // namespace mb::adapters::bus
