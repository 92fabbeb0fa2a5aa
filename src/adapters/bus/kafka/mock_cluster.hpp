#pragma once
// MockCluster: librdkafka's mock Kafka cluster (N brokers on random loopback ports, in this
// process's memory) with the topic created. For demos and tests only: nothing survives the
// process, there is no replication to disk and no security. Any Kafka client (kcat) can
// attach to bootstraps(). Thread-safety: all members may be called from any thread.
#include <cstdint>
#include <memory>
#include <string>

namespace mb::adapters::bus::kafka {

class MockCluster {
public:
    /// Starts `brokers` brokers and creates `topic` with `partitions` partitions.
    /// Throws KafkaError (kafka_event_bus.hpp) when librdkafka refuses.
    MockCluster(int brokers, const std::string& topic, int partitions);
    ~MockCluster();
    MockCluster(const MockCluster&) = delete;
    MockCluster& operator=(const MockCluster&) = delete;

    /// "127.0.0.1:port,..." for bootstrap.servers / kcat -b.
    [[nodiscard]] std::string bootstraps() const;
    /// Disconnects broker `id` (1..N; -1 = all) and refuses connections until set_up.
    void set_down(std::int32_t id);
    void set_up(std::int32_t id);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace mb::adapters::bus::kafka
