#pragma once
// InMemoryEventBus: the embedded transport. Typed fan-out per event type on Boost.Signals2;
// an event counts as delivered when every subscriber acknowledged it, so the publisher keeps
// its outbox entry until then and a crash loses nothing (ARCHITECTURE.md, "Events and
// delivery guarantees"). Handlers run on the publisher's thread and must only enqueue.
// Thread-safe.
#include <map>
#include <mutex>
#include <string>

#include <boost/signals2/signal.hpp>

#include "adapters/bus/event_bus.hpp"

namespace mb::adapters::bus {

class InMemoryEventBus final : public EventBus {
public:
    void subscribe(const std::string& consumer, const std::string& event_type,
                   Handler handler) override;
    void publish(std::shared_ptr<const codec::Envelope> envelope,
                 std::function<void()> on_delivered) override;

private:
    using Signal =
        boost::signals2::signal<void(std::shared_ptr<const codec::Envelope>, const Ack&)>;
    struct Topic {
        Signal signal;
        std::size_t subscribers = 0;
    };
    std::mutex mutex_;
    std::map<std::string, std::unique_ptr<Topic>, std::less<>> topics_;
};

}  // namespace mb::adapters::bus
