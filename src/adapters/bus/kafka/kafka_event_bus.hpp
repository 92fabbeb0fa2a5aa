#pragma once
// KafkaEventBus: the bus port on a real Kafka protocol (librdkafka), envelope-compatible with
// the seed services (MISSION.md, "Events"; ARCHITECTURE.md, "Envelope"; issue 5).
//
// Producing: one idempotent producer (acks=all, partitioner murmur2_random as the Java
// clients, so a seed service and this binary put a booking on the same partition). Topic
// `movie` by default, key = bookingId, value = the JSON envelope, headers `eventType` and
// `eventId`. `on_delivered` runs only after the broker's delivery report, so the relay keeps an
// outbox entry until Kafka has it. Messages never time out locally (message.timeout.ms=0):
// while the brokers are unreachable they wait in the producer's queue, in order, and the
// outboxes keep them durably; a second publish of an event still in the queue only adds its
// callback (the relay's redelivery sweep does not multiply it).
//
// Consuming: one consumer per subscriber name, its Kafka consumer group (book, payment, ticket,
// review, mypage), reading the whole topic from the earliest offset when the group is new.
// Each message is read as an envelope (read_envelope; a message without eventId, as the seed
// services sent them, gets "kafka:<topic>:<partition>:<offset>@<timestamp ms>"); types the
// subscriber does not know are ignored and counted (other services share the topic); unreadable
// messages go to the malformed handler (a dead letter) and never block their partition. A message's
// offset is committed only once its handler acknowledged it — i.e. after the module's transaction
// committed — and only as part of a contiguous prefix (OffsetTracker). On a rebalance the
// revoked partitions' positions are committed first; redeliveries are skipped by the inbox.
// When more than `max_outstanding` messages of a consumer are unacknowledged (a slow or paused
// module), its partitions are paused until it catches up.
//
// Thread-safety: subscribe/on_malformed before start(); publish from any thread; handlers are
// called on the consumer's own thread and must only enqueue (EventConsumer::deliver does).
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "adapters/bus/event_bus.hpp"

namespace mb::adapters::bus::kafka {

/// A configuration librdkafka refuses, or a client it cannot create.
class KafkaError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct KafkaOptions {
    std::string brokers;          ///< bootstrap.servers, "host:port,..."
    std::string topic = "movie";  ///< every event type on one topic, as the seed
    std::string client_id = "movie-booking";
    std::int64_t session_timeout_ms = 10000;  ///< consumer group session, ms (> ~2.5 s)
    std::size_t max_outstanding = 10000;      ///< per consumer, then its partitions pause
    /// fetch.wait.max.ms: how long a broker may hold a fetch when it has nothing new. Real
    /// brokers answer as soon as data arrives, so Kafka's own 500 ms costs no latency;
    /// librdkafka's mock cluster waits the full time, so against it use a few ms.
    std::int64_t fetch_wait_ms = 500;
    /// linger.ms: how long the producer waits to batch messages (under load batches fill
    /// anyway; idle, this is added to every event's latency).
    std::int64_t linger_ms = 1;
    /// Extra librdkafka properties for every client ("security.protocol" = "SASL_SSL", ...).
    std::map<std::string, std::string> properties;
};

/// A message the consumer could not read as an event. `event_id` is stable across
/// redeliveries ("kafka:<topic>:<partition>:<offset>@<timestamp ms>"); `payload` is the raw
/// value.
struct MalformedMessage {
    std::string event_id;
    std::string event_type;  ///< from the header, when present
    std::int64_t booking_id = 0;
    std::string payload;
    std::string error;
};

class KafkaEventBus final : public EventBus {
public:
    using MalformedHandler = std::function<void(MalformedMessage, Ack)>;

    /// Creates the producer (it connects in the background). Throws KafkaError on a property
    /// librdkafka refuses.
    explicit KafkaEventBus(KafkaOptions options);
    ~KafkaEventBus() override;
    KafkaEventBus(const KafkaEventBus&) = delete;
    KafkaEventBus& operator=(const KafkaEventBus&) = delete;

    void subscribe(const std::string& consumer, const std::string& event_type,
                   Handler handler) override;
    /// Where `consumer`'s unreadable messages go; without one they are logged and skipped.
    void on_malformed(const std::string& consumer, MalformedHandler handler);
    void publish(std::shared_ptr<const codec::Envelope> envelope,
                 std::function<void()> on_delivered) override;

    /// Creates one consumer per subscriber and starts their threads. Throws KafkaError.
    void start() override;
    /// Closes the consumers (committing acknowledged positions, leaving the groups), then
    /// flushes the producer for at most `flush_timeout`. Idempotent.
    void stop() override;
    /// up = the producer reached a broker that leads the topic's partitions within the last
    /// probe (every second); details: brokers, topic, producer queue, per-consumer counters.
    [[nodiscard]] BusHealth health() const override;

    /// A consumer group's position on one partition, sampled every second by the member
    /// that owns the partition (Kafka's "consumer lag": high watermark - committed offset).
    struct PartitionLag {
        std::int64_t committed = 0;       ///< next offset to commit (stored position)
        std::int64_t high_watermark = 0;  ///< offset after the partition's last message
        std::uint64_t lag = 0;            ///< messages behind, never negative
    };
    struct ConsumerStats {
        std::uint64_t received = 0;   ///< messages read from Kafka
        std::uint64_t ignored = 0;    ///< of types this consumer does not subscribe to
        std::uint64_t malformed = 0;  ///< unreadable, handed to the malformed handler
        std::size_t outstanding = 0;  ///< handed out, not yet acknowledged
        std::size_t assigned = 0;     ///< partitions currently assigned
        std::uint64_t rebalances = 0;
        bool joined = false;  ///< has been assigned (possibly nothing) at least once
        /// Per partition this member owns now (others' partitions are reported by the
        /// process that owns them); empty before the first fetch answered.
        std::map<std::int32_t, PartitionLag> lag;
    };
    struct Stats {
        std::uint64_t produced = 0;   ///< handed to librdkafka
        std::uint64_t delivered = 0;  ///< delivery reports without error
        std::uint64_t failed = 0;     ///< refused or failed; the relay publishes them again
        std::size_t queued = 0;       ///< in the producer's queue, not yet acknowledged
        std::map<std::string, ConsumerStats> consumers;
    };
    [[nodiscard]] Stats stats() const;

    std::chrono::milliseconds flush_timeout{3000};

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mb::adapters::bus::kafka
