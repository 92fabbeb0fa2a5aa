#pragma once
// Observability of the whole process (issue 11; README "Operating"): reads every module's
// executor, database, outbox relay and event consumer, the port guards (breakers, bulkheads)
// and the bus, and answers
//  - health in Spring Boot Actuator's shape: GET /actuator/health, .../liveness, .../readiness;
//  - metrics: GET /actuator/prometheus (prometheus-cpp registry + text serializer, format
//    0.0.4) and the older JSON GET /actuator/metrics, both from the same sources.
// It owns no state of the modules; the composition root hands it references that outlive it,
// then calls attach() once, before the io_context runs, to install its observers.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json/object.hpp>

#include "adapters/bus/event_bus.hpp"
#include "adapters/runtime/event_consumer.hpp"
#include "adapters/runtime/outbox_relay.hpp"
#include "adapters/http/server.hpp"
#include "adapters/inprocess/in_process_ports.hpp"
#include "adapters/runtime/module_executor.hpp"
#include "adapters/persistence/database.hpp"

namespace mb::adapters::bus::kafka {
class KafkaEventBus;
}

namespace mb::adapters::observability {

/// What one module shows: its unit of work and database, its outbox relay, its consumer.
struct ModuleView {
    runtime::ModuleExecutor& executor;
    persistence::Database& db;
    runtime::OutboxRelay& relay;
    runtime::EventConsumer& consumer;
};

struct ObservabilityOptions {
    /// Readiness turns 503 once the bus has been seen unable to deliver for this long
    /// (--readiness-bus-down-ms). Measured from the first health, readiness or scrape call
    /// that saw it down.
    std::chrono::milliseconds readiness_bus_down{30000};
    /// A module's database probe (a trivial query through its executor) and liveness's posted
    /// no-op must finish within this, else the module is DOWN / the process is not live.
    std::chrono::milliseconds probe_deadline{2000};
};

/// Thread-safe: every member may be called from any thread once attach() returned.
class Observability {
public:
    /// `kafka` is the same bus as `bus` when it is the Kafka transport, else null. `ready`
    /// tells whether the application wants traffic (false while starting and draining);
    /// it is called from any thread. `io` runs the modules and the server.
    Observability(boost::asio::io_context& io, std::vector<ModuleView> modules,
                  std::vector<inprocess::PortGuard*> guards, bus::EventBus& bus,
                  const bus::kafka::KafkaEventBus* kafka, std::function<bool()> ready,
                  ObservabilityOptions options);
    ~Observability();
    Observability(const Observability&) = delete;
    Observability& operator=(const Observability&) = delete;

    /// Installs the observers that count as things happen: each executor's batch observer
    /// (transaction size and duration; business counters from the committed outbox entries),
    /// each guard's call observer (port call duration; declined payments) and breaker
    /// listener (transitions). Call once, before any job, call or request.
    void attach();

    /// The observer for ServerOptions::observer: http_server_requests_seconds by method,
    /// route template and status.
    [[nodiscard]] http::RequestObserver request_observer() const;

    /// {"status", "components":{<module>, "bus"}} (README "Health and probes"): a module is
    /// DOWN when its database probe fails or misses the deadline, OUT_OF_SERVICE when paused,
    /// else UP; the whole is DOWN when a module is DOWN, else UP (a paused module or the bus
    /// being down are shown but do not fail the whole: bookings go on, events wait in the
    /// outboxes).
    [[nodiscard]] boost::asio::awaitable<boost::json::object> health();
    /// {"status":"UP"} when a no-op posted to the io_context runs within the probe deadline,
    /// else {"status":"DOWN"}.
    [[nodiscard]] boost::asio::awaitable<boost::json::object> liveness();
    /// {"status":"UP"} when ready() and the bus has not been down for longer than
    /// readiness_bus_down; else {"status":"OUT_OF_SERVICE","details":{"reason":...}}.
    [[nodiscard]] boost::json::object readiness();
    /// GET /actuator/metrics: counters per module, outbox backlog, Kafka's numbers.
    [[nodiscard]] boost::json::object metrics_json() const;
    /// GET /actuator/prometheus: every series of README "Metrics" in the text format 0.0.4.
    /// Probes the databases first (database_up, dead_letters).
    [[nodiscard]] boost::asio::awaitable<std::string> prometheus();

    struct Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace mb::adapters::observability
