#include "adapters/observability/observability.hpp"

#include <array>
#include <atomic>
#include <filesystem>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <sstream>
#include <unordered_map>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <soci/soci.h>
#include <spdlog/spdlog.h>

#include "adapters/bus/kafka/kafka_event_bus.hpp"
#include "adapters/observability/process_metrics.hpp"
#include "domain/common/errors.hpp"

namespace mb::adapters::observability {
namespace asio = boost::asio;
using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;
using Clock = std::chrono::steady_clock;

namespace {

double seconds(std::chrono::nanoseconds d) {
    return std::chrono::duration<double>(d).count();
}

/// A module's database as the last probe found it.
struct DatabaseProbe {
    bool reachable = false;
    std::string error;  ///< why not, when not reachable
    std::int64_t dead_letters = 0;
};

/// Methods of RFC 9110 (and PATCH) keep their name; anything else a client sends is "OTHER",
/// so that a client cannot create series at will.
std::string_view method_label(std::string_view method) {
    static constexpr std::array<std::string_view, 9> kKnown = {
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"};
    for (const auto m : kKnown) {
        if (m == method)
            return m;
    }
    return method.empty() ? "UNKNOWN" : "OTHER";
}

MetricFamily family(std::string name, std::string help, MetricType type) {
    MetricFamily f;
    f.name = std::move(name);
    f.help = std::move(help);
    f.type = type;
    return f;
}

void add_sample(MetricFamily& f, std::vector<ClientMetric::Label> labels, double value) {
    ClientMetric m;
    m.label = std::move(labels);
    if (f.type == MetricType::Counter) {
        m.counter.value = value;
    } else {
        m.gauge.value = value;
    }
    f.metric.push_back(std::move(m));
}

std::int64_t json_int(const codec::Envelope& e, std::string_view key) {
    std::shared_ptr<const boost::json::object> object = e.object;
    if (!object) {
        boost::system::error_code ec;
        auto parsed = boost::json::parse(e.payload, ec);
        if (ec || !parsed.is_object())
            return 0;
        object = std::make_shared<const boost::json::object>(std::move(parsed.as_object()));
    }
    const auto* v = object->if_contains(key);
    return v != nullptr && v->is_int64() ? v->as_int64() : 0;
}

const std::vector<double>& duration_buckets() {
    // 0.5 ms .. 10 s: the booking path is sub-millisecond to tens of ms (README Performance).
    static const std::vector<double> b = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                          0.1,    0.25,  0.5,    1,     2.5,  5,     10};
    return b;
}

}  // namespace

struct Observability::Impl {
    Impl(asio::io_context& io_context, std::vector<ModuleView> module_views,
         std::vector<inprocess::PortGuard*> port_guards, bus::EventBus& event_bus,
         const bus::kafka::KafkaEventBus* kafka_bus, std::function<bool()> ready_check,
         ObservabilityOptions opts)
        : io(io_context),
          modules(std::move(module_views)),
          guards(std::move(port_guards)),
          bus(event_bus),
          kafka(kafka_bus),
          ready(std::move(ready_check)),
          options(opts),
          registry(std::make_shared<prometheus::Registry>()),
          http_requests(prometheus::BuildHistogram()
                            .Name("http_server_requests_seconds")
                            .Help("HTTP requests answered, by method, route template and status")
                            .Register(*registry)),
          port_calls(prometheus::BuildHistogram()
                         .Name("port_call_duration_seconds")
                         .Help("Synchronous port calls that reached the callee, by port and "
                               "outcome (success, error: a business answer, unavailable)")
                         .Register(*registry)),
          batch_size(prometheus::BuildHistogram()
                         .Name("transaction_batch_size")
                         .Help("Jobs per group-commit transaction, by module")
                         .Register(*registry)),
          transaction_duration(prometheus::BuildHistogram()
                                   .Name("transaction_duration_seconds")
                                   .Help("BEGIN to COMMIT (or ROLLBACK) of one group commit, by "
                                         "module and outcome (committed, rolled_back)")
                                   .Register(*registry)),
          transitions(prometheus::BuildCounter()
                          .Name("circuit_breaker_transitions_total")
                          .Help("Circuit breaker state changes, by callee, from and to")
                          .Register(*registry)),
          business(prometheus::BuildCounter()
                       .Name("bookings_total")
                       .Help("Bookings by outcome: placed (Booked committed), declined (payment "
                             "declined), cancelled (Canceled committed)")
                       .Register(*registry)),
          placed(business.Add({{"outcome", "placed"}})),
          declined(business.Add({{"outcome", "declined"}})),
          cancelled(business.Add({{"outcome", "cancelled"}})),
          seats_sold(prometheus::BuildCounter()
                         .Name("seats_sold_total")
                         .Help("Seats of the bookings placed (Booked committed)")
                         .Register(*registry)
                         .Add({})),
          tickets_printed(prometheus::BuildCounter()
                              .Name("tickets_printed_total")
                              .Help("Tickets printed (Printed committed)")
                              .Register(*registry)
                              .Add({})),
          reviews_written(prometheus::BuildCounter()
                              .Name("reviews_written_total")
                              .Help("Reviews written (WrittenReview committed)")
                              .Register(*registry)
                              .Add({})),
          revenue(prometheus::BuildCounter()
                      .Name("revenue_krw_total")
                      .Help("Payments taken, KRW (Paid committed)")
                      .Register(*registry)
                      .Add({})),
          refunds(prometheus::BuildCounter()
                      .Name("refunds_krw_total")
                      .Help("Payments refunded, KRW (PaymentCanceled committed)")
                      .Register(*registry)
                      .Add({})),
          started_at(std::chrono::system_clock::now()) {
        probes.resize(modules.size());
    }

    // --- counting as things happen -----------------------------------------------------

    void attach() {
        for (const auto& m : modules) {
            const auto& name = m.executor.name();
            auto* size = &batch_size.Add({{"module", name}},
                                         prometheus::Histogram::BucketBoundaries{
                                             1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024});
            auto* committed =
                &transaction_duration.Add({{"module", name}, {"outcome", "committed"}},
                                          duration_buckets());
            auto* rolled_back =
                &transaction_duration.Add({{"module", name}, {"outcome", "rolled_back"}},
                                          duration_buckets());
            m.executor.on_batch([this, size, committed, rolled_back,
                                 module = name](const runtime::ModuleExecutor::BatchRecord& b) {
                size->Observe(static_cast<double>(b.jobs));
                (b.committed ? committed : rolled_back)->Observe(seconds(b.duration));
                for (const auto& r : b.written)
                    count_business(module, *r.envelope);
            });
        }
        for (auto* g : guards) {
            const auto& port = g->callee();
            auto* ok = &port_calls.Add({{"port", port}, {"outcome", "success"}}, duration_buckets());
            auto* error =
                &port_calls.Add({{"port", port}, {"outcome", "error"}}, duration_buckets());
            auto* unavailable =
                &port_calls.Add({{"port", port}, {"outcome", "unavailable"}}, duration_buckets());
            const bool payment = port == "payment";
            g->on_call([this, ok, error, unavailable,
                        payment](const inprocess::PortGuard::CallRecord& c) {
                auto* h = c.error == nullptr ? ok : c.callee_failed ? unavailable : error;
                h->Observe(seconds(c.duration));
                if (payment && c.error != nullptr &&
                    c.error->default_error_condition() ==
                        domain::make_error_condition(domain::Condition::kPaymentDeclined)) {
                    declined.Increment();
                }
            });
            g->breaker().on_transition([this, callee = port](const inprocess::BreakerTransition& t) {
                std::lock_guard lock(transitions_mutex);
                transitions
                    .Add({{"callee", callee},
                          {"from", inprocess::to_string(t.from)},
                          {"to", inprocess::to_string(t.to)}})
                    .Increment();
            });
        }
    }

    /// The business counters, from one committed outbox entry of `module`.
    void count_business(const std::string& module, const codec::Envelope& e) {
        const auto& type = e.event_type;
        if (module == "booking") {
            if (type == "Booked") {
                placed.Increment();
                seats_sold.Increment(static_cast<double>(json_int(e, "qty")));
            } else if (type == "Canceled") {
                cancelled.Increment();
            }
        } else if (module == "payment") {
            if (type == "Paid") {
                revenue.Increment(static_cast<double>(json_int(e, "totalPrice")));
            } else if (type == "PaymentCanceled") {
                refunds.Increment(static_cast<double>(json_int(e, "totalPrice")));
            }
        } else if (module == "ticket" && type == "Printed") {
            tickets_printed.Increment();
        } else if (module == "review" && type == "WrittenReview") {
            reviews_written.Increment();
        }
    }

    void observe_request(const http::RequestRecord& r) {
        thread_local std::string key;
        const auto method = method_label(r.method);
        const std::string_view route = r.route.empty() ? std::string_view("UNKNOWN") : r.route;
        key.assign(method);
        key += ' ';
        key += route;
        key += ' ';
        key += std::to_string(r.status);
        prometheus::Histogram* h = nullptr;
        {
            std::shared_lock lock(http_mutex);
            if (const auto it = http_children.find(key); it != http_children.end())
                h = it->second;
        }
        if (h == nullptr) {
            std::unique_lock lock(http_mutex);
            auto& slot = http_children[key];
            if (slot == nullptr) {
                slot = &http_requests.Add({{"method", std::string(method)},
                                           {"route", std::string(route)},
                                           {"status", std::to_string(r.status)}},
                                          duration_buckets());
            }
            h = slot;
        }
        h->Observe(std::chrono::duration<double>(r.duration).count());
    }

    // --- health --------------------------------------------------------------------------

    /// Runs a trivial query (and counts the dead letters) on every module's database through
    /// its executor; waits at most the probe deadline. Fills `probes`.
    asio::awaitable<void> probe_databases() {
        struct State {
            explicit State(asio::any_io_executor ex, std::size_t n)
                : timer(std::move(ex)), results(n), pending(n) {}
            asio::steady_timer timer;
            std::mutex mutex;
            std::vector<std::optional<DatabaseProbe>> results;
            std::size_t pending;
        };
        // Not co_await inside the call: g++ 12 mis-destroys temporaries of co_await expressions.
        const asio::any_io_executor ex = co_await asio::this_coro::executor;
        auto state = std::make_shared<State>(ex, modules.size());
        state->timer.expires_after(options.probe_deadline);
        for (std::size_t i = 0; i < modules.size(); ++i) {
            auto* db = &modules[i].db;
            auto found = std::make_shared<std::int64_t>(0);
            modules[i].executor.submit(
                [db, found] {
                    (void)db->schema_version();
                    db->session() << "SELECT COUNT(*) FROM dead_letters", soci::into(*found);
                    return runtime::Outcome::kCommit;
                },
                [state, i, found](std::exception_ptr ep) {
                    DatabaseProbe p;
                    p.reachable = !ep;
                    p.dead_letters = *found;
                    if (ep) {
                        try {
                            std::rethrow_exception(ep);
                        } catch (const std::exception& e) {
                            p.error = e.what();
                        } catch (...) {
                            p.error = "unknown error";
                        }
                    }
                    std::lock_guard lock(state->mutex);
                    state->results[i] = std::move(p);
                    if (--state->pending == 0) {
                        asio::post(state->timer.get_executor(), [state] { state->timer.cancel(); });
                    }
                });
        }
        co_await state->timer.async_wait(asio::as_tuple(asio::use_awaitable));
        std::lock_guard lock(state->mutex);
        std::lock_guard probes_lock(probes_mutex);
        for (std::size_t i = 0; i < modules.size(); ++i) {
            if (state->results[i]) {
                probes[i] = *state->results[i];
            } else {
                probes[i] = DatabaseProbe{false,
                                          "no answer within " +
                                              std::to_string(options.probe_deadline.count()) + " ms",
                                          probes[i] ? probes[i]->dead_letters : 0};
            }
        }
    }

    /// The bus's health, and since when it has been seen down (for readiness).
    bus::BusHealth sample_bus() {
        auto h = bus.health();
        const auto now = Clock::now().time_since_epoch().count();
        if (h.up) {
            bus_down_since.store(0);
        } else {
            std::int64_t expected = 0;
            bus_down_since.compare_exchange_strong(expected, now);
        }
        return h;
    }

    std::chrono::milliseconds bus_down_for() const {
        const auto since = bus_down_since.load();
        if (since == 0)
            return std::chrono::milliseconds(0);
        return std::chrono::duration_cast<std::chrono::milliseconds>(
            Clock::now() - Clock::time_point(Clock::duration(since)));
    }

    /// Events held by a module's consumer and not applied yet (paused, or behind a failing
    /// event of the same booking).
    static std::size_t consumer_lag(const runtime::EventConsumer::Stats& s) {
        return s.held_while_paused + s.waiting_behind_failures;
    }

    std::optional<double> oldest_age_s(const runtime::OutboxRelay::Stats& r) const {
        if (!r.oldest_committed_at)
            return std::nullopt;
        const auto age = std::chrono::system_clock::now() - *r.oldest_committed_at;
        return std::max(0.0, std::chrono::duration<double>(age).count());
    }

    const inprocess::PortGuard* guard_of(const std::string& module) const {
        for (const auto* g : guards) {
            if (g->callee() == module)
                return g;
        }
        return nullptr;
    }

    asio::awaitable<boost::json::object> health() {
        co_await probe_databases();
        boost::json::object components;
        bool down = false;
        for (std::size_t i = 0; i < modules.size(); ++i) {
            const auto& m = modules[i];
            const auto e = m.executor.stats();
            const auto r = m.relay.stats();
            const auto c = m.consumer.stats();
            DatabaseProbe probe;
            {
                std::lock_guard lock(probes_mutex);
                probe = probes[i].value_or(DatabaseProbe{});
            }
            const bool paused = m.executor.paused();
            boost::json::object details{{"database", probe.reachable ? "reachable" : "unreachable"},
                                        {"queued", e.queued},
                                        {"outboxBacklog", r.in_flight},
                                        {"consumerLag", consumer_lag(c)},
                                        {"deadLetters", probe.dead_letters},
                                        {"paused", paused}};
            if (!probe.reachable)
                details["databaseError"] = probe.error;
            if (const auto age = oldest_age_s(r))
                details["outboxOldestAgeSeconds"] = *age;
            if (const auto* g = guard_of(m.executor.name()))
                details["breaker"] = inprocess::to_string(g->breaker().state());
            const char* status = !probe.reachable ? "DOWN" : paused ? "OUT_OF_SERVICE" : "UP";
            down = down || !probe.reachable;
            components[m.executor.name()] = {{"status", status}, {"details", std::move(details)}};
        }
        const auto bus_health = sample_bus();
        boost::json::object bus_details{{"type", bus_health.type}};
        for (const auto& [k, v] : bus_health.details)
            bus_details[k] = v;
        if (!bus_health.up)
            bus_details["downForMs"] = bus_down_for().count();
        components["bus"] = {{"status", bus_health.up ? "UP" : "DOWN"},
                             {"details", std::move(bus_details)}};
        boost::json::object doc{{"status", down ? "DOWN" : "UP"},
                                {"components", std::move(components)}};
        co_return doc;
    }

    boost::json::object readiness() {
        const auto h = sample_bus();
        if (!ready())
            return {{"status", "OUT_OF_SERVICE"},
                    {"details", {{"reason", "starting or draining"}}}};
        const auto down_for = bus_down_for();
        if (!h.up && down_for >= options.readiness_bus_down) {
            return {{"status", "OUT_OF_SERVICE"},
                    {"details",
                     {{"reason", "the bus cannot deliver"}, {"busDownForMs", down_for.count()}}}};
        }
        return {{"status", "UP"}};
    }

    asio::awaitable<boost::json::object> liveness() {
        struct State {
            explicit State(asio::any_io_executor ex) : timer(std::move(ex)) {}
            asio::steady_timer timer;
            std::atomic<bool> ran{false};
        };
        const asio::any_io_executor ex = co_await asio::this_coro::executor;
        auto state = std::make_shared<State>(ex);
        state->timer.expires_after(options.probe_deadline);
        asio::post(io, [state] {
            state->ran = true;
            asio::post(state->timer.get_executor(), [state] { state->timer.cancel(); });
        });
        co_await state->timer.async_wait(asio::as_tuple(asio::use_awaitable));
        boost::json::object doc{{"status", "UP"}};
        if (!state->ran) {
            doc = {{"status", "DOWN"},
                   {"details",
                    {{"reason", "the io_context did not run a posted no-op within " +
                                    std::to_string(options.probe_deadline.count()) + " ms"}}}};
        }
        co_return doc;
    }

    // --- metrics -------------------------------------------------------------------------

    std::vector<MetricFamily> collect() {
        std::vector<MetricFamily> out;
        auto published = family("events_published_total",
                                "Events published from the outbox (first time), by module and "
                                "event type",
                                MetricType::Counter);
        auto delivered = family("events_delivered_total",
                                "Events the bus confirmed delivered, by publishing module and "
                                "event type",
                                MetricType::Counter);
        auto republished = family("events_republished_total",
                                  "Events published again after no delivery confirmation, by "
                                  "module",
                                  MetricType::Counter);
        auto consumed = family("events_consumed_total",
                               "Events applied by a consuming module (or skipped by its inbox "
                               "as already applied), by module and event type",
                               MetricType::Counter);
        auto failed = family("events_failed_total",
                             "Failed attempts at applying an event, by consuming module and "
                             "event type",
                             MetricType::Counter);
        auto parked = family("events_dead_lettered_total",
                             "Events parked as dead letters, by consuming module and event type",
                             MetricType::Counter);
        auto dead = family("dead_letters",
                           "Dead letters stored, by module (as the last probe counted them)",
                           MetricType::Gauge);
        auto backlog = family("outbox_backlog",
                              "Outbox entries not yet confirmed delivered, by module",
                              MetricType::Gauge);
        auto oldest = family("outbox_oldest_entry_age_seconds",
                             "Age of the oldest outbox entry not yet delivered (0 when none), "
                             "by module",
                             MetricType::Gauge);
        auto lag = family("consumer_lag",
                          "Events delivered to a module and not applied yet (held while paused "
                          "or behind a failing event), by module",
                          MetricType::Gauge);
        auto queued = family("executor_queued_jobs",
                             "Jobs waiting for the module's next transaction, by module",
                             MetricType::Gauge);
        auto paused = family("module_paused", "1 while the module is paused, by module",
                             MetricType::Gauge);
        auto db_up = family("database_up",
                            "1 when the module's database answered the last probe, by module",
                            MetricType::Gauge);
        auto files = family("sqlite_file_size_bytes",
                            "Size of the module's SQLite files, by module and file (db, wal)",
                            MetricType::Gauge);
        for (std::size_t i = 0; i < modules.size(); ++i) {
            const auto& m = modules[i];
            const std::string& name = m.executor.name();
            const auto r = m.relay.stats();
            const auto c = m.consumer.stats();
            for (const auto& [type, n] : r.published_by_type)
                add_sample(published, {{"module", name}, {"event_type", type}},
                           static_cast<double>(n));
            for (const auto& [type, n] : r.delivered_by_type)
                add_sample(delivered, {{"module", name}, {"event_type", type}},
                           static_cast<double>(n));
            add_sample(republished, {{"module", name}}, static_cast<double>(r.republished));
            for (const auto& [type, n] : c.consumed_by_type)
                add_sample(consumed, {{"module", name}, {"event_type", type}},
                           static_cast<double>(n));
            for (const auto& [type, n] : c.failed_by_type)
                add_sample(failed, {{"module", name}, {"event_type", type}},
                           static_cast<double>(n));
            for (const auto& [type, n] : c.parked_by_type)
                add_sample(parked, {{"module", name}, {"event_type", type}},
                           static_cast<double>(n));
            add_sample(backlog, {{"module", name}}, static_cast<double>(r.in_flight));
            add_sample(oldest, {{"module", name}}, oldest_age_s(r).value_or(0.0));
            add_sample(lag, {{"module", name}}, static_cast<double>(consumer_lag(c)));
            add_sample(queued, {{"module", name}},
                       static_cast<double>(m.executor.stats().queued));
            add_sample(paused, {{"module", name}}, m.executor.paused() ? 1 : 0);
            {
                std::lock_guard lock(probes_mutex);
                if (probes[i]) {
                    add_sample(db_up, {{"module", name}}, probes[i]->reachable ? 1 : 0);
                    add_sample(dead, {{"module", name}},
                               static_cast<double>(probes[i]->dead_letters));
                }
            }
            std::error_code ec;
            const auto db_size = std::filesystem::file_size(m.db.file(), ec);
            add_sample(files, {{"module", name}, {"file", "db"}},
                       ec ? 0.0 : static_cast<double>(db_size));
            auto wal = m.db.file();
            wal += "-wal";
            const auto wal_size = std::filesystem::file_size(wal, ec);
            add_sample(files, {{"module", name}, {"file", "wal"}},
                       ec ? 0.0 : static_cast<double>(wal_size));
        }
        for (auto* f : {&published, &delivered, &republished, &consumed, &failed, &parked, &dead,
                        &backlog, &oldest, &lag, &queued, &paused, &db_up, &files}) {
            out.push_back(std::move(*f));
        }

        auto state = family("circuit_breaker_state",
                            "1 for the breaker's current state, by callee and state (closed, "
                            "open, half_open)",
                            MetricType::Gauge);
        auto rejected = family("circuit_breaker_calls_rejected_total",
                               "Calls refused by an open (or probing) breaker, by callee",
                               MetricType::Counter);
        auto bulkhead = family("bulkhead_rejections_total",
                               "Calls refused by a full bulkhead, by callee", MetricType::Counter);
        auto in_use = family("bulkhead_calls_in_flight",
                             "Calls inside the bulkhead now, by callee", MetricType::Gauge);
        for (const auto* g : guards) {
            const auto st = g->breaker().stats();
            for (auto s : {inprocess::BreakerState::kClosed, inprocess::BreakerState::kOpen,
                           inprocess::BreakerState::kHalfOpen}) {
                add_sample(state, {{"callee", g->callee()}, {"state", inprocess::to_string(s)}},
                           st.state == s ? 1 : 0);
            }
            add_sample(rejected, {{"callee", g->callee()}}, static_cast<double>(st.rejected));
            add_sample(bulkhead, {{"callee", g->callee()}},
                       static_cast<double>(g->bulkhead().rejected()));
            add_sample(in_use, {{"callee", g->callee()}},
                       static_cast<double>(g->bulkhead().in_use()));
        }
        for (auto* f : {&state, &rejected, &bulkhead, &in_use})
            out.push_back(std::move(*f));

        const auto h = sample_bus();
        auto bus_up = family("bus_up", "1 when the bus can take events now", MetricType::Gauge);
        add_sample(bus_up, {{"type", h.type}}, h.up ? 1 : 0);
        out.push_back(std::move(bus_up));
        auto is_ready = family("application_ready",
                               "1 when the readiness probe answers UP", MetricType::Gauge);
        add_sample(is_ready, {}, readiness()["status"] == "UP" ? 1 : 0);
        out.push_back(std::move(is_ready));
        if (kafka != nullptr) {
            const auto st = kafka->stats();
            auto ignored = family("events_ignored_total",
                                  "Kafka messages of types the consumer group does not subscribe "
                                  "to, by group",
                                  MetricType::Counter);
            auto outstanding = family("kafka_consumer_unacknowledged",
                                      "Kafka messages handed to a group and not yet committed, by "
                                      "group",
                                      MetricType::Gauge);
            auto producer = family("kafka_producer_queue",
                                   "Events handed to the Kafka producer and not yet acknowledged",
                                   MetricType::Gauge);
            auto partition_lag = family("kafka_consumer_lag",
                                        "Messages on a partition after the group's committed "
                                        "offset (high watermark - committed), by group and "
                                        "partition this process owns",
                                        MetricType::Gauge);
            for (const auto& [group, c] : st.consumers) {
                add_sample(ignored, {{"group", group}}, static_cast<double>(c.ignored));
                add_sample(outstanding, {{"group", group}}, static_cast<double>(c.outstanding));
                for (const auto& [partition, l] : c.lag)
                    add_sample(partition_lag,
                               {{"group", group}, {"partition", std::to_string(partition)}},
                               static_cast<double>(l.lag));
            }
            add_sample(producer, {}, static_cast<double>(st.queued));
            for (auto* f : {&ignored, &outstanding, &partition_lag, &producer})
                out.push_back(std::move(*f));
        }

        if (const auto p = sample_process()) {
            auto gauge = [&](const char* name, const char* help, double v) {
                auto f = family(name, help, MetricType::Gauge);
                add_sample(f, {}, v);
                out.push_back(std::move(f));
            };
            gauge("process_resident_memory_bytes", "Resident memory size in bytes",
                  static_cast<double>(p->resident_memory_bytes));
            gauge("process_virtual_memory_bytes", "Virtual memory size in bytes",
                  static_cast<double>(p->virtual_memory_bytes));
            gauge("process_open_fds", "Number of open file descriptors",
                  static_cast<double>(p->open_fds));
            gauge("process_max_fds", "Maximum number of open file descriptors",
                  static_cast<double>(p->max_fds));
            gauge("process_threads", "Number of OS threads", static_cast<double>(p->threads));
            gauge("process_start_time_seconds", "Start time of the process since unix epoch",
                  p->start_time_seconds);
            auto cpu = family("process_cpu_seconds_total",
                              "Total user and system CPU time spent in seconds",
                              MetricType::Counter);
            add_sample(cpu, {}, p->cpu_seconds);
            out.push_back(std::move(cpu));
        }
        return out;
    }

    asio::awaitable<std::string> prometheus_text() {
        co_await probe_databases();
        auto families = registry->Collect();
        auto pulled = collect();
        families.insert(families.end(), std::make_move_iterator(pulled.begin()),
                        std::make_move_iterator(pulled.end()));
        std::ostringstream out;
        prometheus::TextSerializer().Serialize(out, families);
        // Named, not `co_return out.str()`: g++ 12 mis-destroys temporaries in co_return /
        // co_await expressions (see ModuleExecutor::execute).
        std::string text = out.str();
        co_return text;
    }

    asio::io_context& io;
    std::vector<ModuleView> modules;
    std::vector<inprocess::PortGuard*> guards;
    bus::EventBus& bus;
    const bus::kafka::KafkaEventBus* kafka;
    std::function<bool()> ready;
    ObservabilityOptions options;

    std::shared_ptr<prometheus::Registry> registry;
    prometheus::Family<prometheus::Histogram>& http_requests;
    prometheus::Family<prometheus::Histogram>& port_calls;
    prometheus::Family<prometheus::Histogram>& batch_size;
    prometheus::Family<prometheus::Histogram>& transaction_duration;
    prometheus::Family<prometheus::Counter>& transitions;
    prometheus::Family<prometheus::Counter>& business;
    prometheus::Counter& placed;
    prometheus::Counter& declined;
    prometheus::Counter& cancelled;
    prometheus::Counter& seats_sold;
    prometheus::Counter& tickets_printed;
    prometheus::Counter& reviews_written;
    prometheus::Counter& revenue;
    prometheus::Counter& refunds;
    std::chrono::system_clock::time_point started_at;

    std::shared_mutex http_mutex;
    std::unordered_map<std::string, prometheus::Histogram*> http_children;
    std::mutex transitions_mutex;
    std::mutex probes_mutex;
    std::vector<std::optional<DatabaseProbe>> probes;
    std::atomic<std::int64_t> bus_down_since{0};  ///< steady_clock ticks; 0 = up
};

Observability::Observability(asio::io_context& io, std::vector<ModuleView> modules,
                             std::vector<inprocess::PortGuard*> guards, bus::EventBus& bus,
                             const bus::kafka::KafkaEventBus* kafka, std::function<bool()> ready,
                             ObservabilityOptions options)
    : impl_(std::make_unique<Impl>(io, std::move(modules), std::move(guards), bus, kafka,
                                   std::move(ready), options)) {}

Observability::~Observability() = default;

void Observability::attach() {
    impl_->attach();
}

http::RequestObserver Observability::request_observer() const {
    return [impl = impl_.get()](const http::RequestRecord& r) { impl->observe_request(r); };
}

asio::awaitable<boost::json::object> Observability::health() {
    return impl_->health();
}

asio::awaitable<boost::json::object> Observability::liveness() {
    return impl_->liveness();
}

boost::json::object Observability::readiness() {
    return impl_->readiness();
}

asio::awaitable<std::string> Observability::prometheus() {
    return impl_->prometheus_text();
}

boost::json::object Observability::metrics_json() const {
    boost::json::object modules_json;
    std::uint64_t backlog = 0;
    for (const auto& m : impl_->modules) {
        const auto e = m.executor.stats();
        const auto r = m.relay.stats();
        backlog += r.in_flight;
        modules_json[m.executor.name()] = {{"queued", e.queued},
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
    boost::json::object out{{"outboxBacklog", backlog}, {"modules", std::move(modules_json)}};
    if (impl_->kafka != nullptr) {
        const auto st = impl_->kafka->stats();
        boost::json::object consumers;
        for (const auto& [name, c] : st.consumers) {
            consumers[name] = {{"received", c.received},   {"ignored", c.ignored},
                               {"malformed", c.malformed}, {"unacknowledged", c.outstanding},
                               {"assigned", c.assigned},   {"rebalances", c.rebalances},
                               {"joined", c.joined}};
            boost::json::object lag;
            for (const auto& [partition, l] : c.lag)
                lag[std::to_string(partition)] = l.lag;
            consumers[name].as_object()["lagByPartition"] = std::move(lag);
        }
        out["kafka"] = {{"produced", st.produced},
                        {"delivered", st.delivered},
                        {"failed", st.failed},
                        {"producerQueue", st.queued},
                        {"consumerGroups", std::move(consumers)}};
    }
    return out;
}

}  // namespace mb::adapters::observability
