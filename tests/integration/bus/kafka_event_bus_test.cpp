// KafkaEventBus against a real Kafka protocol: librdkafka's mock cluster in this process
// (CONVENTIONS.md: adapters are tested against the real protocol). What a user relies on:
// events arrive with their envelope intact and in order per booking; `on_delivered` means the
// broker has the event; a consumer group resumes after the last acknowledged message, never
// after one still being applied; unknown types are skipped and counted - unreadable messages
// reach the malformed handler and block nothing; a broker outage only delays delivery; and two
// members of one group sharing a module's inbox apply every event exactly once across
// rebalances.
#include "adapters/bus/kafka/kafka_event_bus.hpp"

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <librdkafka/rdkafka.h>

#include "adapters/runtime/event_consumer.hpp"
#include "adapters/bus/kafka/mock_cluster.hpp"
#include "adapters/persistence/dead_letter_store.hpp"
#include "persistence_test_support.hpp"

namespace mb::adapters::bus::kafka {
namespace {

using persistence::test::poll_until;
using persistence::test::TempDir;
using namespace std::chrono_literals;

/// A group's first join on the mock cluster takes ~3 s; rebalances a few more.
constexpr std::chrono::seconds kKafkaDeadline{30};

KafkaOptions options_for(const MockCluster& cluster, const std::string& topic = "movie") {
    KafkaOptions o;
    o.brokers = cluster.bootstraps();
    o.topic = topic;
    o.session_timeout_ms = 6000;
    o.fetch_wait_ms = 5;  // the mock broker holds an empty fetch for the whole wait
    return o;
}

std::shared_ptr<const codec::Envelope> event(const std::string& id, std::int64_t booking,
                                      const std::string& type = "Booked") {
    auto env = std::make_shared<codec::Envelope>();
    env->event_id = id;
    env->event_type = type;
    env->booking_id = booking;
    env->timestamp = "20210223233224";
    env->payload = R"({"eventType":")" + type + R"(","timestamp":"20210223233224","eventId":")" +
                   id + R"(","bookingId":)" + std::to_string(booking) + "}";
    return env;
}

/// What a subscriber received, in order, from any thread.
class Received {
public:
    EventBus::Handler handler(bool ack = true) {
        return [this, ack](std::shared_ptr<const codec::Envelope> e, EventBus::Ack done) {
            std::lock_guard lock(mutex_);
            events_.push_back(*e);
            if (ack) {
                done();
            } else {
                pending_.push_back(std::move(done));
            }
        };
    }
    std::size_t count() const {
        std::lock_guard lock(mutex_);
        return events_.size();
    }
    std::vector<codec::Envelope> events() const {
        std::lock_guard lock(mutex_);
        return events_;
    }
    std::set<std::string> ids() const {
        std::set<std::string> out;
        for (const auto& e : events())
            out.insert(e.event_id);
        return out;
    }
    /// Acknowledges the first `n` held deliveries (in arrival order).
    void ack_first(std::size_t n) {
        std::lock_guard lock(mutex_);
        for (std::size_t i = 0; i < n && i < pending_.size(); ++i)
            pending_[i]();
    }

private:
    mutable std::mutex mutex_;
    std::vector<codec::Envelope> events_;
    std::vector<EventBus::Ack> pending_;
};

/// Publishes and counts the delivery reports.
struct Publisher {
    explicit Publisher(KafkaEventBus& b) : bus(b) {}
    void publish(std::shared_ptr<const codec::Envelope> e) {
        bus.publish(std::move(e), [this] { delivered.fetch_add(1); });
    }
    KafkaEventBus& bus;
    std::atomic<int> delivered{0};
};

/// Produces raw bytes (another client on the topic: a seed service, kcat, garbage).
void produce_raw(const MockCluster& cluster, const std::string& topic, const std::string& key,
                 const std::string& value) {
    char error[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    REQUIRE(rd_kafka_conf_set(conf, "bootstrap.servers", cluster.bootstraps().c_str(), error,
                              sizeof error) == RD_KAFKA_CONF_OK);
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error);
    REQUIRE(rk != nullptr);
    rd_kafka_vu_t v[3] = {};
    v[0].vtype = RD_KAFKA_VTYPE_TOPIC;
    v[0].u.cstr = topic.c_str();
    v[1].vtype = RD_KAFKA_VTYPE_KEY;
    v[1].u.mem = {const_cast<char*>(key.data()), key.size()};
    v[2].vtype = RD_KAFKA_VTYPE_VALUE;
    v[2].u.mem = {const_cast<char*>(value.data()), value.size()};
    rd_kafka_error_t* err = rd_kafka_produceva(rk, v, 3);
    REQUIRE(err == nullptr);
    REQUIRE(rd_kafka_flush(rk, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(rk);
}

TEST_CASE(
    "Kafka: events reach the group with their envelope, in order per booking, and "
    "on_delivered follows the broker's report",
    "[kafka]") {
    MockCluster cluster(1, "movie", 4);
    KafkaEventBus bus(options_for(cluster));
    Received got;
    bus.subscribe("mypage", "Booked", got.handler());
    bus.subscribe("mypage", "Canceled", got.handler());
    bus.start();
    Publisher pub(bus);
    const int bookings = 20, per_booking = 10;
    for (int i = 0; i < per_booking; ++i) {
        for (int b = 1; b <= bookings; ++b) {
            pub.publish(event("e-" + std::to_string(b) + "-" + std::to_string(i), b,
                              i % 2 ? "Canceled" : "Booked"));
        }
    }
    REQUIRE(
        poll_until([&] { return pub.delivered.load() == bookings * per_booking; }, kKafkaDeadline));
    REQUIRE(poll_until([&] { return got.count() == bookings * per_booking; }, kKafkaDeadline));
    std::map<std::int64_t, std::vector<std::string>> by_booking;
    for (const auto& e : got.events())
        by_booking[e.booking_id].push_back(e.event_id);
    for (int b = 1; b <= bookings; ++b) {
        std::vector<std::string> expected;
        for (int i = 0; i < per_booking; ++i)
            expected.push_back("e-" + std::to_string(b) + "-" + std::to_string(i));
        CHECK(by_booking[b] == expected);
    }
    const auto first = got.events().front();
    CHECK(first.payload == event(first.event_id, first.booking_id, first.event_type)->payload);
    CHECK(first.timestamp == "20210223233224");
    CHECK(bus.health().up);
    const auto stats = bus.stats();
    CHECK(stats.delivered == static_cast<std::uint64_t>(bookings * per_booking));
    CHECK(stats.consumers.at("mypage").received ==
          static_cast<std::uint64_t>(bookings * per_booking));
    CHECK(stats.consumers.at("mypage").ignored == 0);
    bus.stop();
}

TEST_CASE(
    "Kafka: types a group does not subscribe to are skipped and counted - unreadable "
    "messages go to the malformed handler and do not block the partition",
    "[kafka][malformed]") {
    MockCluster cluster(1, "movie", 1);
    KafkaEventBus bus(options_for(cluster));
    Received got;
    bus.subscribe("payment", "Canceled", got.handler());
    std::mutex mutex;
    std::vector<MalformedMessage> bad;
    bus.on_malformed("payment", [&](MalformedMessage m, EventBus::Ack ack) {
        std::lock_guard lock(mutex);
        bad.push_back(std::move(m));
        ack();
    });
    bus.start();
    produce_raw(cluster, "movie", "5", "this is not json");
    produce_raw(cluster, "movie", "6", R"({"eventType":"Canceled"})");
    Publisher pub(bus);
    pub.publish(event("other", 5, "Paid"));  // nobody in this group wants Paid
    pub.publish(event("c5", 5, "Canceled"));
    REQUIRE(poll_until([&] { return got.count() == 1; }, kKafkaDeadline));
    CHECK(got.events()[0].event_id == "c5");
    std::lock_guard lock(mutex);
    REQUIRE(bad.size() == 2);
    CHECK(bad[0].event_id.starts_with("kafka:movie:0:0@"));
    CHECK(bad[0].payload == "this is not json");
    CHECK(bad[0].booking_id == 5);
    CHECK(bad[0].error.find("not JSON") == 0);
    CHECK(bad[1].event_id.starts_with("kafka:movie:0:1@"));
    CHECK(bad[1].error.find("missing field bookingId") == 0);
    const auto stats = bus.stats().consumers.at("payment");
    CHECK(stats.ignored == 1);
    CHECK(stats.malformed == 2);
    bus.stop();
}

TEST_CASE(
    "Kafka: a seed message (no eventId) keeps its id on redelivery, and a recreated topic's "
    "message at the same offset gets another",
    "[kafka][seed]") {
    const std::string seed =
        R"({"eventType":"WrittenReview","timestamp":"20210223233224","bookingId":1,)"
        R"("score":10,"contents":"VeryGood","status":"Written"})";
    auto read_once = [&](MockCluster& cluster) {
        KafkaEventBus bus(options_for(cluster));
        Received got;
        bus.subscribe("mypage", "WrittenReview", got.handler(false));  // never acknowledged
        bus.start();
        REQUIRE(poll_until([&] { return got.count() == 1; }, kKafkaDeadline));
        bus.stop();
        return got.events().front().event_id;
    };
    std::string first_id;
    {
        MockCluster cluster(1, "movie", 1);
        produce_raw(cluster, "movie", "1", seed);
        first_id = read_once(cluster);
        CHECK(first_id.starts_with("kafka:movie:0:0@"));
        CHECK(read_once(cluster) == first_id);  // redelivered (not acknowledged): same id
    }
    MockCluster recreated(1, "movie", 1);  // the topic again, offsets from 0
    produce_raw(recreated, "movie", "1", seed);
    const auto second_id = read_once(recreated);
    CHECK(second_id.starts_with("kafka:movie:0:0@"));
    CHECK(second_id != first_id);  // else the inbox would skip it as already applied
}

TEST_CASE(
    "Kafka: a group resumes after its last acknowledged message - a message received but "
    "not acknowledged (its transaction never committed) is delivered again",
    "[kafka][offsets]") {
    MockCluster cluster(1, "movie", 1);
    {
        KafkaEventBus producer_bus(options_for(cluster));
        Publisher p(producer_bus);
        for (int i = 0; i < 10; ++i)
            p.publish(event("m" + std::to_string(i), 1));
        REQUIRE(poll_until([&] { return p.delivered.load() == 10; }, kKafkaDeadline));
        producer_bus.stop();
    }
    {
        KafkaEventBus bus(options_for(cluster));
        Received got;
        bus.subscribe("ticket", "Booked", got.handler(false));
        bus.start();
        REQUIRE(poll_until([&] { return got.count() == 10; }, kKafkaDeadline));
        got.ack_first(4);  // m0..m3 committed; m4..m9 still "being applied" when we stop
        REQUIRE(poll_until([&] { return bus.stats().consumers.at("ticket").outstanding == 6; }));
        bus.stop();  // stores and commits the position of m4
    }
    KafkaEventBus again(options_for(cluster));
    Received got;
    again.subscribe("ticket", "Booked", got.handler());
    again.start();
    REQUIRE(poll_until([&] { return got.count() == 6; }, kKafkaDeadline));
    const auto events = got.events();
    CHECK(events.front().event_id == "m4");
    CHECK(events.back().event_id == "m9");
    CHECK_FALSE(got.ids().contains("m3"));
    again.stop();
}

TEST_CASE(
    "Kafka: consumer lag per group and partition is the high watermark minus the committed "
    "position - 10 messages, 4 acknowledged, lag 6 on their partition and 0 on the other",
    "[kafka][offsets][lag]") {
    MockCluster cluster(1, "movie", 2);
    KafkaEventBus bus(options_for(cluster));
    Publisher p(bus);
    Received got;
    bus.subscribe("ticket", "Booked", got.handler(false));
    bus.start();
    for (int i = 0; i < 10; ++i)
        p.publish(event("m" + std::to_string(i), 7));  // one booking: one partition
    REQUIRE(poll_until([&] { return got.count() == 10; }, kKafkaDeadline));
    got.ack_first(4);
    auto lag_of = [&] { return bus.stats().consumers.at("ticket").lag; };
    REQUIRE(poll_until(
        [&] {
            const auto lag = lag_of();
            return lag.size() == 2 && (lag.begin()->second.lag == 6 || lag.rbegin()->second.lag == 6);
        },
        kKafkaDeadline));
    const auto lag = lag_of();
    const auto& busy = lag.begin()->second.lag == 6 ? lag.begin()->second : lag.rbegin()->second;
    const auto& idle = lag.begin()->second.lag == 6 ? lag.rbegin()->second : lag.begin()->second;
    CHECK(busy.high_watermark == 10);
    CHECK(busy.committed == 4);
    CHECK(idle.lag == 0);
    got.ack_first(10);
    CHECK(poll_until(
        [&] {
            const auto l = lag_of();
            return l.size() == 2 && l.begin()->second.lag == 0 && l.rbegin()->second.lag == 0;
        },
        kKafkaDeadline));
    bus.stop();
}

TEST_CASE(
    "Kafka: while the broker is down publishing only queues (no delivery report, health "
    "DOWN) - after it returns everything is delivered in order",
    "[kafka][outage]") {
    MockCluster cluster(1, "movie", 2);
    KafkaEventBus bus(options_for(cluster));
    Received got;
    bus.subscribe("mypage", "Booked", got.handler());
    bus.start();
    Publisher pub(bus);
    pub.publish(event("warm-up", 1));
    REQUIRE(poll_until([&] { return got.count() == 1; }, kKafkaDeadline));
    REQUIRE(poll_until([&] { return bus.health().up; }, kKafkaDeadline));

    cluster.set_down(1);
    REQUIRE(poll_until([&] { return !bus.health().up; }, kKafkaDeadline));
    for (int i = 0; i < 50; ++i)
        pub.publish(event("o" + std::to_string(i), 2 + i % 3));
    // The same event published again while queued (the relay's redelivery) is not doubled.
    pub.publish(event("o0", 2));
    CHECK(pub.delivered.load() == 1);
    CHECK(bus.stats().queued == 50);

    cluster.set_up(1);
    REQUIRE(poll_until([&] { return pub.delivered.load() == 52; }, kKafkaDeadline));
    REQUIRE(poll_until([&] { return got.count() == 51; }, kKafkaDeadline));
    REQUIRE(poll_until([&] { return bus.health().up; }, kKafkaDeadline));
    std::map<std::int64_t, std::vector<int>> order;
    for (const auto& e : got.events()) {
        if (e.event_id != "warm-up")
            order[e.booking_id].push_back(std::stoi(e.event_id.substr(1)));
    }
    for (const auto& [booking, seq] : order) {
        CHECK(std::is_sorted(seq.begin(), seq.end()));
    }
    bus.stop();
}

TEST_CASE(
    "Kafka: two members of one consumer group sharing a module's inbox apply every event "
    "exactly once across rebalances",
    "[kafka][group]") {
    MockCluster cluster(1, "movie", 4);
    TempDir dir;
    persistence::test::Module module(
        dir.file("mypage.db"),
        {persistence::outbox_and_inbox_migration(1), persistence::dead_letter_migration(2),
         persistence::outbox_request_id_migration(3), persistence::outbox_claims_migration(4)});
    persistence::DeadLetterStore letters(module.db);
    runtime::EventConsumer consumer(module.executor, module.inbox, letters, {});
    std::mutex mutex;
    std::map<std::string, int> applied;
    consumer.register_type("Booked", "booking", [&](const codec::Envelope& e) {
        std::lock_guard lock(mutex);
        ++applied[e.event_id];
    });
    module.start();
    auto member = [&] {
        auto bus = std::make_unique<KafkaEventBus>(options_for(cluster));
        bus->subscribe("mypage", "Booked",
                       [&consumer](std::shared_ptr<const codec::Envelope> e, EventBus::Ack ack) {
                           consumer.deliver(std::move(e), std::move(ack));
                       });
        return bus;
    };
    auto producer = member();  // a third member-less bus only for producing
    KafkaEventBus& out = *producer;
    Publisher pub(out);
    int sent = 0;
    auto send = [&](int n) {
        for (int i = 0; i < n; ++i, ++sent)
            pub.publish(event("g" + std::to_string(sent), sent % 17));
    };
    auto total_applied = [&] {
        std::lock_guard lock(mutex);
        return applied.size();
    };

    auto a = member();
    a->start();
    send(200);
    REQUIRE(poll_until([&] { return total_applied() == 200; }, kKafkaDeadline));
    auto b = member();
    b->start();  // rebalance: a gives up some partitions to b
    send(200);
    REQUIRE(poll_until(
        [&] {
            return b->stats().consumers.at("mypage").assigned > 0 &&
                   a->stats().consumers.at("mypage").assigned > 0;
        },
        kKafkaDeadline));
    send(200);
    a->stop();  // rebalance again: b takes everything
    send(200);
    REQUIRE(poll_until([&] { return total_applied() == 800; }, kKafkaDeadline));
    REQUIRE(poll_until([&] { return b->stats().consumers.at("mypage").outstanding == 0; }));
    b->stop();
    std::lock_guard lock(mutex);
    for (const auto& [id, times] : applied) {
        INFO(id);
        CHECK(times == 1);
    }
    CHECK(applied.size() == 800);
    CHECK(module.on_strand([&] {
        int n = 0;
        module.db.session() << "SELECT COUNT(*) FROM inbox", soci::into(n);
        return n;
    }) == 800);
    producer->stop();
    module.stop();
}

}  // namespace
}  // namespace mb::adapters::bus::kafka
