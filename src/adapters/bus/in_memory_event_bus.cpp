#include "adapters/bus/in_memory_event_bus.hpp"

namespace mb::adapters::bus {

void InMemoryEventBus::subscribe(const std::string& /*consumer*/, const std::string& event_type,
                                 Handler handler) {
    std::lock_guard lock(mutex_);
    auto& topic = topics_[event_type];
    if (!topic)
        topic = std::make_unique<Topic>();
    topic->signal.connect(
        [handler = std::move(handler)](std::shared_ptr<const codec::Envelope> e, const Ack& ack) {
            handler(std::move(e), ack);
        });
    ++topic->subscribers;
}

void InMemoryEventBus::publish(std::shared_ptr<const codec::Envelope> envelope,
                               std::function<void()> on_delivered) {
    Topic* topic = nullptr;
    {
        std::lock_guard lock(mutex_);
        auto it = topics_.find(envelope->event_type);
        if (it != topics_.end() && it->second->subscribers > 0)
            topic = it->second.get();
    }
    if (topic == nullptr) {  // nobody listens: nothing to wait for
        if (on_delivered)
            on_delivered();
        return;
    }
    // Each subscriber acks once; the last ack releases the publisher's outbox entry.
    topic->signal(std::move(envelope), ack_after(topic->subscribers, std::move(on_delivered)));
}

}  // namespace mb::adapters::bus
