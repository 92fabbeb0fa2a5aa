#pragma once
// Observability of the whole process (issue 11): reads every module's executor, outbox relay
// and event consumer, the port guards (breakers, bulkheads) and the bus, and answers health
// and metrics from them. It owns no state of the modules; the composition root hands it
// references that outlive it.
#include <functional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "adapters/bus/event_bus.hpp"
#include "adapters/bus/event_consumer.hpp"
#include "adapters/bus/outbox_relay.hpp"
#include "adapters/inprocess/in_process_ports.hpp"
#include "adapters/persistence/module_executor.hpp"

namespace mb::adapters::bus::kafka {
class KafkaEventBus;
}

namespace mb::adapters::observability {

/// What one module shows: its unit of work, its outbox relay and its event consumer.
struct ModuleView {
    persistence::ModuleExecutor& executor;
    bus::OutboxRelay& relay;
    bus::EventConsumer& consumer;
};

/// Thread-safe: every member may be called from any thread (the parts it reads are).
class Observability {
public:
    /// `kafka` is the same bus as `bus` when it is the Kafka transport, else null. `ready`
    /// tells whether the application wants traffic (start-up done).
    Observability(std::vector<ModuleView> modules, std::vector<inprocess::PortGuard*> guards,
                  bus::EventBus& bus, const bus::kafka::KafkaEventBus* kafka,
                  std::function<bool()> ready);

    /// {"status":"UP","components":{<module>:{status,details}, "breaker.<callee>", "bus"}}.
    [[nodiscard]] boost::asio::awaitable<boost::json::object> health() const;
    /// {"status":"UP"}.
    [[nodiscard]] boost::asio::awaitable<boost::json::object> liveness() const;
    /// {"status":"UP"} when ready, else {"status":"OUT_OF_SERVICE"}.
    [[nodiscard]] boost::json::object readiness() const;
    /// GET /actuator/metrics: counters per module, outbox backlog, Kafka's numbers.
    [[nodiscard]] boost::json::object metrics_json() const;

private:
    std::vector<ModuleView> modules_;
    std::vector<inprocess::PortGuard*> guards_;
    bus::EventBus& bus_;
    const bus::kafka::KafkaEventBus* kafka_;
    std::function<bool()> ready_;
};

}  // namespace mb::adapters::observability
