// Restart recovery and delivery through the outbox relay (ARCHITECTURE.md, "Outbox" and
// "Relay"): entries committed but not delivered when the process went away are republished
// in seq (commit) order when the module's file is reopened; an entry leaves the outbox only
// once every subscriber acknowledged it; entries of rolled-back jobs are never published.
#include "adapters/runtime/outbox_relay.hpp"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "adapters/bus/in_memory_event_bus.hpp"
#include "persistence_test_support.hpp"

namespace mb::adapters::persistence::test {
namespace {

using Ids = std::vector<std::string>;

runtime::OutboxRelay::Options fast_relay() {
    runtime::OutboxRelay::Options o;
    o.sweep_interval = std::chrono::milliseconds(10);
    o.redelivery_after = std::chrono::seconds(60);  // no redelivery during these tests
    return o;
}

/// A subscriber that records every envelope it gets and acks those `should_ack` accepts.
class Recorder {
public:
    explicit Recorder(std::function<bool(const codec::Envelope&)> should_ack = {})
        : should_ack_(std::move(should_ack)) {}
    void subscribe(bus::EventBus& bus, const std::string& type = "Test") {
        bus.subscribe("recorder", type,
                      [this](std::shared_ptr<const codec::Envelope> e, bus::EventBus::Ack ack) {
                          {
                              std::lock_guard lock(mutex_);
                              ids_.push_back(e->event_id);
                          }
                          if (!should_ack_ || should_ack_(*e))
                              ack();
                      });
    }
    [[nodiscard]] Ids ids() const {
        std::lock_guard lock(mutex_);
        return ids_;
    }
    [[nodiscard]] std::size_t count() const {
        std::lock_guard lock(mutex_);
        return ids_.size();
    }

private:
    std::function<bool(const codec::Envelope&)> should_ack_;
    mutable std::mutex mutex_;
    Ids ids_;
};

/// Commits `ids` as outbox entries of one job each, with no relay attached, and closes the
/// module: what a crash after commit but before delivery leaves behind.
void leave_undelivered(const std::filesystem::path& file, const Ids& ids) {
    Module m(file);
    m.start();
    Completions done;
    for (const auto& id : ids) {
        m.executor.submit(
            [&m, id] {
                m.outbox.append(envelope(id));
                return Outcome::kCommit;
            },
            done.slot(id));
    }
    REQUIRE(done.wait(ids.size()));
    for (const auto& id : ids)
        REQUIRE(done.error_of(id) == nullptr);
}

std::int64_t backlog(Module& m) {
    return m.on_strand([&] { return m.outbox.backlog(); });
}

TEST_CASE(
    "Restart recovery: entries left in the outbox are republished in seq order on start, "
    "then removed once acknowledged",
    "[persistence][relay][recovery]") {
    TempDir dir;
    const auto file = dir.file("m.db");
    const Ids written{"e1", "e2", "e3", "e4"};
    leave_undelivered(file, written);

    Module m(file);  // "the process restarts": a new connection on the same file
    REQUIRE(m.outbox.backlog() == 4);
    bus::InMemoryEventBus event_bus;
    Recorder recorder;
    recorder.subscribe(event_bus);
    auto relay =
        std::make_unique<runtime::OutboxRelay>(m.executor, m.outbox, event_bus, fast_relay());
    relay->start();  // before the io_context runs, as the composition root does
    CHECK(recorder.ids() == written);

    m.start();
    CHECK(poll_until([&] { return backlog(m) == 0; }));
    CHECK(relay->stats().published == 4);
    CHECK(relay->stats().delivered == 4);
    CHECK(relay->stats().in_flight == 0);
    relay->stop();
    m.stop();
    relay.reset();
}

TEST_CASE(
    "Restart recovery: only acknowledged entries leave the outbox, the rest stay for the "
    "next run",
    "[persistence][relay][recovery]") {
    TempDir dir;
    const auto file = dir.file("m.db");
    leave_undelivered(file, {"e1", "e2", "e3"});
    {
        Module m(file);
        bus::InMemoryEventBus event_bus;
        Recorder recorder([](const codec::Envelope& e) { return e.event_id != "e2"; });
        recorder.subscribe(event_bus);
        auto relay =
            std::make_unique<runtime::OutboxRelay>(m.executor, m.outbox, event_bus, fast_relay());
        relay->start();
        m.start();
        CHECK(poll_until([&] { return backlog(m) == 1; }));
        const auto left = m.on_strand([&] { return m.outbox.undelivered(0, 100); });
        REQUIRE(left.size() == 1);
        CHECK(left[0].envelope->event_id == "e2");
        relay->stop();
        m.stop();
        relay.reset();
    }
    // The next run republishes just the unacknowledged entry.
    Module m(file);
    bus::InMemoryEventBus event_bus;
    Recorder recorder;
    recorder.subscribe(event_bus);
    auto relay =
        std::make_unique<runtime::OutboxRelay>(m.executor, m.outbox, event_bus, fast_relay());
    relay->start();
    CHECK(recorder.ids() == Ids{"e2"});
    m.start();
    CHECK(poll_until([&] { return backlog(m) == 0; }));
    relay->stop();
    m.stop();
    relay.reset();
}

TEST_CASE(
    "Outbox relay: entries committed while running are published after the commit, in "
    "commit order, rolled-back ones never",
    "[persistence][relay]") {
    TempDir dir;
    Module m(dir.file("m.db"));
    bus::InMemoryEventBus event_bus;
    Recorder recorder;
    recorder.subscribe(event_bus);
    auto relay =
        std::make_unique<runtime::OutboxRelay>(m.executor, m.outbox, event_bus, fast_relay());
    relay->start();
    m.start();

    Completions done;
    m.executor.submit(
        [&m] {
            m.outbox.append(envelope("a1"));
            m.outbox.append(envelope("a2"));
            return Outcome::kCommit;
        },
        done.slot("a"));
    m.executor.submit(
        [&m] {
            m.outbox.append(envelope("b1"));
            return Outcome::kRollback;
        },
        done.slot("b"));
    m.executor.submit(
        [&m]() -> Outcome {
            m.outbox.append(envelope("c1"));
            throw std::runtime_error("c failed");
        },
        done.slot("c"));
    m.executor.submit(
        [&m] {
            m.outbox.append(envelope("d1"));
            return Outcome::kCommit;
        },
        done.slot("d"));
    REQUIRE(done.wait(4));
    CHECK(poll_until([&] { return recorder.count() >= 3; }));
    CHECK(recorder.ids() == Ids{"a1", "a2", "d1"});
    CHECK(poll_until([&] { return backlog(m) == 0; }));
    relay->stop();
    m.stop();
    relay.reset();
}

TEST_CASE(
    "Outbox relay: with no subscriber for a type, its entries count as delivered and "
    "leave the outbox",
    "[persistence][relay]") {
    TempDir dir;
    const auto file = dir.file("m.db");
    leave_undelivered(file, {"e1", "e2"});
    Module m(file);
    bus::InMemoryEventBus event_bus;  // nobody subscribed
    auto relay =
        std::make_unique<runtime::OutboxRelay>(m.executor, m.outbox, event_bus, fast_relay());
    relay->start();
    m.start();
    CHECK(poll_until([&] { return backlog(m) == 0; }));
    relay->stop();
    m.stop();
    relay.reset();
}

TEST_CASE(
    "Outbox relay: an event nobody acknowledges is published again with a doubling delay, "
    "and leaves the outbox once acknowledged",
    "[persistence][relay]") {
    TempDir dir;
    const auto file = dir.file("m.db");
    leave_undelivered(file, {"r1"});
    Module m(file);
    bus::InMemoryEventBus event_bus;
    std::atomic<bool> accept{false};
    std::mutex mutex;
    std::vector<std::chrono::steady_clock::time_point> seen;
    Recorder recorder([&](const codec::Envelope&) {
        std::lock_guard lock(mutex);
        seen.push_back(std::chrono::steady_clock::now());
        return accept.load();
    });
    recorder.subscribe(event_bus);
    auto options = fast_relay();
    options.redelivery_after = std::chrono::milliseconds(40);
    options.max_redelivery_after = std::chrono::milliseconds(160);
    auto relay = std::make_unique<runtime::OutboxRelay>(m.executor, m.outbox, event_bus, options);
    relay->start();
    m.start();
    // First delivery at start-up, then again after >= 40, 80, 160, 160, 160 ms.
    REQUIRE(poll_until([&] { return recorder.count() >= 6; }));
    {
        std::lock_guard lock(mutex);
        const auto gap = [&](std::size_t i) {
            return std::chrono::duration_cast<std::chrono::milliseconds>(seen[i] - seen[i - 1]);
        };
        CHECK(gap(1) >= std::chrono::milliseconds(40));
        CHECK(gap(2) >= std::chrono::milliseconds(80));
        CHECK(gap(3) >= std::chrono::milliseconds(160));
        CHECK(gap(4) >= std::chrono::milliseconds(160));
        CHECK(gap(5) >= std::chrono::milliseconds(160));
    }
    // Five redeliveries: doubling alone would now wait 1280 ms; the back-off is capped at 160.
    CHECK(relay->stats().longest_backoff == std::chrono::milliseconds(160));
    CHECK(backlog(m) == 1);
    accept = true;
    CHECK(poll_until([&] { return backlog(m) == 0; }));
    relay->stop();
    m.stop();
    relay.reset();
}

}  // namespace
}  // namespace mb::adapters::persistence::test
