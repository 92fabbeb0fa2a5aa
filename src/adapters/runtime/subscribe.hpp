#pragma once
// Typed subscription: subscribe<Event>(bus, consumer, name, handler) registers how the module
// applies Event (decode, then the app-layer policy) and routes the bus's deliveries of that
// type to the module's EventConsumer (inbox, order per booking, retries, dead letters, pause).
#include <concepts>
#include <functional>
#include <string>

#include "adapters/bus/event_bus.hpp"
#include "adapters/codec/event_codec.hpp"
#include "adapters/runtime/event_consumer.hpp"

namespace mb::adapters::runtime {

template <class Event, class Handler>
requires std::invocable<Handler&, const Event&>
void subscribe(bus::EventBus& bus, EventConsumer& consumer, const std::string& consumer_name,
               Handler handler) {
    consumer.register_type(Event::kType, Event::kPublisher,
                           [handler = std::move(handler)](const codec::Envelope& e) mutable {
                               handler(codec::decode<Event>(e));
                           });
    bus.subscribe(consumer_name, Event::kType,
                  [&consumer](std::shared_ptr<const codec::Envelope> e, bus::EventBus::Ack ack) {
                      consumer.deliver(std::move(e), std::move(ack));
                  });
}

}  // namespace mb::adapters::runtime
