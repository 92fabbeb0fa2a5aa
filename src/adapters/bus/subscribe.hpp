#pragma once
// Typed subscription: subscribe<Event>(bus, consumer module, handler) decodes the envelope as
// Event and applies it inside the consumer's unit of work, once (inbox), acknowledging after
// the commit. This is the only place where transport meets a module's executor.
#include <concepts>
#include <functional>
#include <string>

#include "adapters/bus/event_bus.hpp"
#include "adapters/bus/event_codec.hpp"
#include "adapters/persistence/module_executor.hpp"

namespace mb::adapters::bus {

template <class Event, class Handler>
    requires std::invocable<Handler&, const Event&>
void subscribe(EventBus& bus, persistence::ModuleExecutor& consumer,
               const std::string& consumer_name, Handler handler) {
    bus.subscribe(consumer_name, Event::kType,
                  [&consumer, handler = std::move(handler)](std::shared_ptr<const Envelope> e,
                                                            EventBus::Ack ack) {
                      consumer.deliver(
                          std::move(e),
                          [handler](const Envelope& envelope) { handler(decode<Event>(envelope)); },
                          std::move(ack));
                  });
}

}  // namespace mb::adapters::bus
