#include "adapters/observability/observability.hpp"

#include <boost/asio/use_awaitable.hpp>

#include "adapters/bus/kafka/kafka_event_bus.hpp"

namespace mb::adapters::observability {
namespace {

boost::json::object module_metrics(const ModuleView& m) {
    const auto e = m.executor.stats();
    const auto r = m.relay.stats();
    return {{"queued", e.queued},
            {"batches", e.batches},
            {"jobs", e.jobs},
            {"failedJobs", e.failed_jobs},
            {"failedBatches", e.failed_batches},
            {"duplicatesSkipped", e.duplicates},
            {"eventsPublished", r.published},
            {"eventsDelivered", r.delivered},
            {"eventsRepublished", r.republished},
            {"outboxBacklog", r.in_flight},
            {"paused", m.executor.paused()},
            {"eventsParked", m.consumer.stats().parked}};
}

boost::json::object kafka_metrics(const bus::kafka::KafkaEventBus& kafka) {
    const auto st = kafka.stats();
    boost::json::object consumers;
    for (const auto& [name, c] : st.consumers) {
        consumers[name] = {{"received", c.received},   {"ignored", c.ignored},
                           {"malformed", c.malformed}, {"unacknowledged", c.outstanding},
                           {"assigned", c.assigned},   {"rebalances", c.rebalances},
                           {"joined", c.joined}};
    }
    return {{"produced", st.produced},
            {"delivered", st.delivered},
            {"failed", st.failed},
            {"producerQueue", st.queued},
            {"consumerGroups", std::move(consumers)}};
}

}  // namespace

Observability::Observability(std::vector<ModuleView> modules,
                             std::vector<inprocess::PortGuard*> guards, bus::EventBus& bus,
                             const bus::kafka::KafkaEventBus* kafka, std::function<bool()> ready)
    : modules_(std::move(modules)),
      guards_(std::move(guards)),
      bus_(bus),
      kafka_(kafka),
      ready_(std::move(ready)) {}

boost::asio::awaitable<boost::json::object> Observability::liveness() const {
    co_return boost::json::object{{"status", "UP"}};
}

boost::json::object Observability::readiness() const {
    return {{"status", ready_() ? "UP" : "OUT_OF_SERVICE"}};
}

boost::asio::awaitable<boost::json::object> Observability::health() const {
    boost::json::object components;
    for (const auto& m : modules_) {
        const auto st = m.executor.stats();
        const bool paused = m.executor.paused();
        components[m.executor.name()] = {{"status", paused ? "OUT_OF_SERVICE" : "UP"},
                                         {"details", {{"queued", st.queued}, {"paused", paused}}}};
    }
    for (const auto* g : guards_) {
        components["breaker." + g->callee()] = {
            {"status", "UP"}, {"details", {{"state", inprocess::to_string(g->breaker().state())}}}};
    }
    const auto bus_health = bus_.health();
    boost::json::object bus_details{{"type", bus_health.type}};
    for (const auto& [k, v] : bus_health.details)
        bus_details[k] = v;
    // A bus outage is reported but does not take the service down: bookings go on and their
    // events wait in the outboxes (issue 5).
    components["bus"] = {{"status", bus_health.up ? "UP" : "DOWN"},
                         {"details", std::move(bus_details)}};
    co_return boost::json::object{{"status", "UP"}, {"components", std::move(components)}};
}

boost::json::object Observability::metrics_json() const {
    boost::json::object modules_json;
    std::uint64_t backlog = 0;
    for (const auto& m : modules_) {
        auto j = module_metrics(m);
        backlog += j["outboxBacklog"].to_number<std::uint64_t>();
        modules_json[m.executor.name()] = std::move(j);
    }
    boost::json::object out{{"outboxBacklog", backlog}, {"modules", std::move(modules_json)}};
    if (kafka_ != nullptr)
        out["kafka"] = kafka_metrics(*kafka_);
    return out;
}

}  // namespace mb::adapters::observability
