// InMemoryEventBus: fan-out of one event to every subscriber of its type (and to no one
// else); `on_delivered` runs exactly once, and only after every subscriber acknowledged —
// at once when nobody subscribed (ARCHITECTURE.md, "Events and delivery guarantees").
#include "adapters/bus/in_memory_event_bus.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

namespace mb::adapters::bus {
namespace {

std::shared_ptr<const codec::Envelope> event(const std::string& type, const std::string& id = "e1") {
    return std::make_shared<const codec::Envelope>(
        codec::Envelope{id, type, 7, "20210223233224", R"({"eventType":")" + type + R"("})"});
}

/// A subscriber that keeps what it received and its acks, to ack later.
struct Subscriber {
    std::vector<std::shared_ptr<const codec::Envelope>> received;
    std::vector<EventBus::Ack> acks;

    EventBus::Handler handler() {
        return [this](std::shared_ptr<const codec::Envelope> e, EventBus::Ack ack) {
            received.push_back(std::move(e));
            acks.push_back(std::move(ack));
        };
    }
};

TEST_CASE(
    "InMemoryEventBus: an event fans out to every subscriber of its type, the same "
    "envelope to each",
    "[bus][in-memory]") {
    InMemoryEventBus bus;
    Subscriber ticket, mypage, other;
    bus.subscribe("ticket", "Booked", ticket.handler());
    bus.subscribe("mypage", "Booked", mypage.handler());
    bus.subscribe("booking", "Printed", other.handler());
    const auto e = event("Booked");
    bus.publish(e, {});
    REQUIRE(ticket.received.size() == 1);
    REQUIRE(mypage.received.size() == 1);
    CHECK(ticket.received[0] == e);  // shared, not copied
    CHECK(mypage.received[0] == e);
    CHECK(other.received.empty());  // typed: Printed subscribers do not see Booked
}

TEST_CASE("InMemoryEventBus: on_delivered runs once, only after both subscribers acknowledged",
          "[bus][in-memory]") {
    InMemoryEventBus bus;
    Subscriber a, b;
    bus.subscribe("a", "Booked", a.handler());
    bus.subscribe("b", "Booked", b.handler());
    int delivered = 0;
    bus.publish(event("Booked"), [&] { ++delivered; });
    REQUIRE(a.acks.size() == 1);
    REQUIRE(b.acks.size() == 1);
    CHECK(delivered == 0);
    b.acks[0]();
    CHECK(delivered == 0);  // one subscriber still has not committed it
    a.acks[0]();
    CHECK(delivered == 1);
}

TEST_CASE("InMemoryEventBus: acks from different threads release the publisher exactly once",
          "[bus][in-memory]") {
    InMemoryEventBus bus;
    std::vector<std::unique_ptr<Subscriber>> subscribers;
    for (int i = 0; i < 8; ++i) {
        subscribers.push_back(std::make_unique<Subscriber>());
        bus.subscribe("s" + std::to_string(i), "Paid", subscribers.back()->handler());
    }
    std::atomic<int> delivered{0};
    bus.publish(event("Paid"), [&] { delivered.fetch_add(1); });
    std::vector<std::thread> threads;
    for (auto& s : subscribers) {
        REQUIRE(s->acks.size() == 1);
        threads.emplace_back([ack = s->acks[0]] { ack(); });
    }
    for (auto& t : threads)
        t.join();
    CHECK(delivered.load() == 1);
}

TEST_CASE("InMemoryEventBus: with no subscriber for the type the event is delivered at once",
          "[bus][in-memory]") {
    InMemoryEventBus bus;
    int delivered = 0;
    bus.publish(event("Booked"), [&] { ++delivered; });
    CHECK(delivered == 1);

    Subscriber printed;
    bus.subscribe("booking", "Printed", printed.handler());
    bus.publish(event("Booked", "e2"), [&] { ++delivered; });
    CHECK(delivered == 2);
    CHECK(printed.received.empty());
    bus.publish(event("Booked", "e3"), {});  // no callback: nothing to call
}

TEST_CASE("InMemoryEventBus: each publish waits for its own acks (a redelivery is a new round)",
          "[bus][in-memory]") {
    InMemoryEventBus bus;
    Subscriber s;
    bus.subscribe("mypage", "Created", s.handler());
    int first = 0, second = 0;
    const auto e = event("Created");
    bus.publish(e, [&] { ++first; });
    bus.publish(e, [&] { ++second; });  // the relay publishing again
    REQUIRE(s.acks.size() == 2);
    s.acks[1]();
    CHECK(first == 0);
    CHECK(second == 1);
    s.acks[0]();
    CHECK(first == 1);
    CHECK(second == 1);
}

TEST_CASE(
    "InMemoryEventBus: a subscriber that acks inside its handler releases the publisher "
    "before publish returns",
    "[bus][in-memory]") {
    InMemoryEventBus bus;
    bus.subscribe("x", "Printed",
                  [](std::shared_ptr<const codec::Envelope>, EventBus::Ack ack) { ack(); });
    bool delivered = false;
    bus.publish(event("Printed"), [&] { delivered = true; });
    CHECK(delivered);
}

}  // namespace
}  // namespace mb::adapters::bus
