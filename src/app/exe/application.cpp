#include "app/exe/application.hpp"

#include <array>
#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "adapters/auth/token_verifier.hpp"
#include "adapters/runtime/event_consumer.hpp"
#include "adapters/bus/in_memory_event_bus.hpp"
#include "adapters/bus/kafka/kafka_event_bus.hpp"
#include "adapters/bus/kafka/mock_cluster.hpp"
#include "adapters/runtime/outbox_relay.hpp"
#include "adapters/runtime/subscribe.hpp"
#include "adapters/http/access_log.hpp"
#include "adapters/http/request_observers.hpp"
#include "adapters/http/routes/routes.hpp"
#include "adapters/http/routes/mypage_stream.hpp"
#include "adapters/http/routes/seat_stream.hpp"
#include "adapters/http/server.hpp"
#include "adapters/http/static_files.hpp"
#include "adapters/inprocess/fault_injector.hpp"
#include "adapters/inprocess/in_process_ports.hpp"
#include "adapters/notification/webhook_dispatcher.hpp"
#include "adapters/notification/webhook_notifier.hpp"
#include "adapters/notification/webhook_outbox.hpp"
#include "app/sagas/sagas.hpp"
#include "adapters/observability/observability.hpp"
#include "adapters/persistence/process_identity.hpp"
#include "adapters/system/ids.hpp"
#include "adapters/persistence/dead_letter_store.hpp"
#include "adapters/runtime/module_executor.hpp"
#include "adapters/persistence/sql_booking_repository.hpp"
#include "adapters/persistence/sql_catalogue_repository.hpp"
#include "adapters/persistence/sql_my_page_repository.hpp"
#include "adapters/persistence/sql_outbox.hpp"
#include "adapters/persistence/sql_payment_repository.hpp"
#include "adapters/persistence/sql_review_repository.hpp"
#include "adapters/persistence/sql_ticket_repository.hpp"
#include "adapters/system/simulated_payment_provider.hpp"
#include "adapters/system/system_clock.hpp"
#include "app/booking/booking_service.hpp"
#include "app/booking/catalogue_service.hpp"
#include "app/mypage/my_page_projection.hpp"
#include "app/payment/payment_service.hpp"
#include "app/review/review_service.hpp"
#include "app/exe/lifecycle.hpp"
#include "app/exe/scheduler.hpp"
#include "app/ticket/ticket_service.hpp"

namespace mb::app::exe {
namespace asio = boost::asio;
namespace persistence = adapters::persistence;
namespace bus = adapters::bus;
namespace inprocess = adapters::inprocess;
namespace runtime = adapters::runtime;
namespace codec = adapters::codec;
namespace notification = adapters::notification;
namespace sagas = app::sagas;
using std::chrono::milliseconds;

namespace {

/// The module's database. SQLite: waits up to --data-lock-timeout-ms while another process
/// (the previous one, draining during a rolling restart) still holds the file: each file is
/// opened in exclusive locking mode, so SQLite answers SQLITE_BUSY until that process closes
/// it. PostgreSQL: connects (the server shares the schema between replicas). Throws what
/// Database throws, or the last SQLITE_BUSY error once the time is up.
persistence::Database open_database(const persistence::DatabaseLocation& location,
                                    const std::vector<persistence::Migration>& migrations,
                                    milliseconds lock_timeout) {
    if (location.dialect == persistence::Dialect::kPostgresql)
        return persistence::Database(location, migrations,
                                     std::clamp(lock_timeout, milliseconds(1), milliseconds(5000)));
    const auto deadline = std::chrono::steady_clock::now() + lock_timeout;
    bool waited = false;
    for (;;) {
        const auto left = std::chrono::duration_cast<milliseconds>(
            deadline - std::chrono::steady_clock::now());
        try {
            // Each attempt lets SQLite's busy handler wait (at most 5 s, at least 1 ms).
            return persistence::Database(
                location, migrations, std::clamp(left, milliseconds(1), milliseconds(5000)));
        } catch (const soci::soci_error& e) {
            // Extended result codes are on: SQLITE_BUSY is the low byte.
            if ((persistence::sqlite_result_code(e) & 0xff) != 5 /* SQLITE_BUSY */ ||
                std::chrono::steady_clock::now() >= deadline)
                throw;
            if (!waited)
                spdlog::warn("{}: held by another process; waiting up to {} ms "
                             "(--data-lock-timeout-ms)",
                             location.describe(), lock_timeout.count());
            waited = true;
        }
    }
}

/// A listening socket not yet handed to the Server; closed if start-up fails first.
struct ListenSocket {
    int fd = -1;
    ListenSocket() = default;
    explicit ListenSocket(int f) : fd(f) {}
    ListenSocket(const ListenSocket&) = delete;
    ListenSocket& operator=(const ListenSocket&) = delete;
    ~ListenSocket() {
        if (fd >= 0)
            ::close(fd);
    }
    int release() { return std::exchange(fd, -1); }
};

/// kServe: the socket inherited from systemd (LISTEN_FDS, socket activation), else one bound
/// now on --address/--port (SO_REUSEPORT with --reuse-port) — before any database is opened,
/// so that while this process waits for a predecessor's files, connections wait in the
/// kernel's accept queue instead of being refused. Throws std::system_error (port taken) or
/// std::invalid_argument (an inherited descriptor that is not a listening TCP socket).
int listen_socket(const Settings& s) {
    const int n = sd_listen_fds(1);
    if (n > 0) {
        if (n != 1 || sd_is_socket(SD_LISTEN_FDS_START, AF_UNSPEC, SOCK_STREAM, 1) <= 0)
            throw std::invalid_argument("LISTEN_FDS: expected exactly one listening TCP socket");
        spdlog::info("socket activation: serving the inherited socket (--address/--port unused)");
        return SD_LISTEN_FDS_START;
    }
    const int fd = adapters::http::open_listener(s.address, s.port, s.reuse_port);
    sockaddr_storage local{};
    socklen_t length = sizeof local;
    std::uint16_t port = s.port;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) == 0)
        port = ntohs(local.ss_family == AF_INET6
                         ? reinterpret_cast<const sockaddr_in6*>(&local)->sin6_port
                         : reinterpret_cast<const sockaddr_in*>(&local)->sin_port);
    // Not "listening on": that line (and readiness) comes once the databases are open.
    spdlog::info("socket bound to {}:{}{}; opening the databases", s.address, port,
                 s.reuse_port ? " (SO_REUSEPORT)" : "");
    return fd;
}

/// Jobs per group commit: --max-batch, and on PostgreSQL at most 64 — each job is a savepoint
/// (a subtransaction), and past the 64 a backend caches per transaction every lookup of them
/// gets slow (issue 12; checked in tests/integration/postgresql).
std::size_t batch_limit(const Settings& s, persistence::Database& db) {
    const auto limit = static_cast<std::size_t>(s.max_batch);
    return db.dialect() == persistence::Dialect::kPostgresql ? std::min<std::size_t>(limit, 64)
                                                             : limit;
}

/// --instance-id, or host name + ":" + the absolute data directory (stable across restarts,
/// distinct for replicas on one host with their own directories); a new run id per start.
persistence::ProcessIdentity process_identity(const Settings& s) {
    std::string instance = s.instance_id;
    if (instance.empty()) {
        std::array<char, 256> host{};
        if (::gethostname(host.data(), host.size() - 1) != 0)
            host[0] = '\0';
        std::error_code ec;
        const auto dir = std::filesystem::absolute(s.data_dir, ec);
        instance = std::string(host.data()) + ":" + (ec ? s.data_dir : dir).lexically_normal().string();
    }
    return {std::move(instance), adapters::system::new_uuid()};
}

/// What every module owns: its database (file or schema), outbox, inbox, executor and relay.
struct ModuleStorage {
    ModuleStorage(asio::any_io_executor io, const std::string& name, const Settings& s,
                  const persistence::ProcessIdentity& identity,
                  const std::vector<persistence::Migration>& migrations, bus::EventBus& event_bus)
        : db(open_database(database_location(s, name), migrations,
                           milliseconds(s.data_lock_timeout_ms))),
          // Replicas share the outbox on PostgreSQL: each row is claimed by its relay.
          outbox(db, {db.dialect() == persistence::Dialect::kPostgresql, identity.instance,
                      milliseconds(s.outbox_lease_ms)}),
          inbox(db),
          executor(std::move(io), name, db, outbox, inbox, {batch_limit(s, db)}),
          relay(executor, outbox, event_bus,
                {milliseconds(s.redelivery_ms), milliseconds(500), 256}),
          dead_letters(db),
          consumer(
              executor, inbox, dead_letters,
              {static_cast<int>(s.consumer_max_attempts), milliseconds(100), milliseconds(5000)}) {}

    persistence::Database db;
    persistence::OutboxStore outbox;
    persistence::InboxStore inbox;
    runtime::ModuleExecutor executor;
    runtime::OutboxRelay relay;
    persistence::DeadLetterStore dead_letters;
    runtime::EventConsumer consumer;
};

/// Notifications (seed 003, issue 13): the notify module — its own database and consumer group
/// "notify", fed the same events as My page — and the webhook dispatcher. Only with --webhook.
/// Throws std::invalid_argument for a URL it cannot use (exit code 2).
struct Notifications {
    Notifications(asio::any_io_executor io, const Settings& s,
                  const persistence::ProcessIdentity& identity, bus::EventBus& event_bus)
        : storage(io, "notify", s, identity, notification::notify_migrations(), event_bus),
          outbox(storage.db),
          dispatcher(io, storage.executor, outbox, endpoints(s), options(s)),
          notifier(outbox, dispatcher) {}

    static std::vector<notification::WebhookEndpoint> endpoints(const Settings& s) {
        std::vector<notification::WebhookEndpoint> out;
        for (const auto& url : s.webhooks) {
            std::string error;
            auto endpoint = notification::WebhookEndpoint::parse(url, &error);
            if (!endpoint)
                throw std::invalid_argument("--webhook " + url + ": " + error);
            out.push_back(std::move(*endpoint));
        }
        return out;
    }

    static notification::WebhookOptions options(const Settings& s) {
        notification::WebhookOptions o;
        o.secret = s.webhook_secret;
        o.max_attempts = s.webhook_max_attempts;
        o.first_backoff = milliseconds(s.webhook_backoff_ms);
        o.max_backoff = milliseconds(std::max(s.webhook_backoff_ms, s.webhook_backoff_max_ms));
        o.timeout = milliseconds(s.webhook_timeout_ms);
        // A receiver that fails most of its last calls is given a rest; a slow one is not
        // counted as failing until it times out (that is an attempt failed anyway).
        o.breaker.window = 10;
        o.breaker.minimum_calls = 5;
        o.breaker.failure_rate_threshold = 0.5;
        o.breaker.slow_call_duration = o.timeout;
        o.breaker.slow_call_rate_threshold = 1.0;
        o.breaker.open_duration = milliseconds(s.breaker_open_ms);
        o.breaker.half_open_calls = 1;
        return o;
    }

    ModuleStorage storage;
    notification::WebhookOutbox outbox;
    notification::WebhookDispatcher dispatcher;
    notification::WebhookNotifier notifier;
};

inprocess::PortOptions port_options(const Settings& s, std::int64_t deadline_ms) {
    inprocess::PortOptions o;
    o.deadline = milliseconds(deadline_ms);
    o.breaker.window = static_cast<std::size_t>(s.breaker_window);
    o.breaker.minimum_calls = static_cast<std::size_t>(s.breaker_min_calls);
    o.breaker.failure_rate_threshold = s.breaker_failure_rate;
    o.breaker.slow_call_duration = milliseconds(s.breaker_slow_call_ms);
    o.breaker.slow_call_rate_threshold = s.breaker_slow_call_rate;
    o.breaker.open_duration = milliseconds(s.breaker_open_ms);
    o.breaker.half_open_calls = static_cast<std::size_t>(s.breaker_half_open_calls);
    o.max_concurrent = static_cast<std::size_t>(s.bulkhead);
    return o;
}

/// --bus: the in-memory bus, or Kafka (on the brokers given, or on an in-process mock cluster
/// started here for --kafka-mock N). Throws KafkaError / std::invalid_argument.
std::unique_ptr<bus::EventBus> make_bus(const Settings& s,
                                        std::unique_ptr<bus::kafka::MockCluster>& mock) {
    if (s.bus != "kafka")
        return std::make_unique<bus::InMemoryEventBus>();
    bus::kafka::KafkaOptions o;
    o.brokers = s.kafka_brokers;
    o.topic = s.kafka_topic;
    o.client_id = s.kafka_client_id;
    o.session_timeout_ms = s.kafka_session_timeout_ms;
    // librdkafka's mock broker holds every empty fetch for the whole wait; real brokers answer
    // as soon as data arrives. --kafka-fetch-wait-ms 0 picks for the broker at hand.
    o.fetch_wait_ms = s.kafka_fetch_wait_ms > 0 ? s.kafka_fetch_wait_ms
                      : s.kafka_mock > 0        ? 5
                                                : 500;
    o.linger_ms = s.kafka_linger_ms;
    for (const auto& p : s.kafka_properties) {
        const auto eq = p.find('=');
        o.properties[p.substr(0, eq)] = p.substr(eq + 1);
    }
    if (s.kafka_mock > 0) {
        mock = std::make_unique<bus::kafka::MockCluster>(
            static_cast<int>(s.kafka_mock), s.kafka_topic, static_cast<int>(s.kafka_partitions));
        o.brokers = mock->bootstraps();
        spdlog::warn(
            "kafka mock cluster: {} broker(s) at {}, topic {} ({} partitions) -- in memory, "
            "for local use only; nothing survives this process",
            s.kafka_mock, o.brokers, s.kafka_topic, s.kafka_partitions);
        spdlog::info("watch the events: kcat -b {} -C -t {} -f '%k %h %s\\n'", o.brokers,
                     s.kafka_topic);
    }
    return std::make_unique<bus::kafka::KafkaEventBus>(std::move(o));
}

}  // namespace

struct Application::Impl {
    Impl(Settings s, Mode mode)
        : settings(std::move(s)),
          identity(process_identity(settings)),
          listener(mode == Mode::kServe ? listen_socket(settings) : -1),
          io(static_cast<int>(settings.threads)),
          event_bus_owner(make_bus(settings, mock_cluster)),
          event_bus(*event_bus_owner),
          kafka_bus(dynamic_cast<bus::kafka::KafkaEventBus*>(event_bus_owner.get())),
          booking_storage(io.get_executor(), "booking", settings, identity, persistence::booking_migrations(),
                          event_bus),
          payment_storage(io.get_executor(), "payment", settings, identity, persistence::payment_migrations(),
                          event_bus),
          ticket_storage(io.get_executor(), "ticket", settings, identity, persistence::ticket_migrations(),
                         event_bus),
          review_storage(io.get_executor(), "review", settings, identity, persistence::review_migrations(),
                         event_bus),
          mypage_storage(io.get_executor(), "mypage", settings, identity, persistence::mypage_migrations(),
                         event_bus),
          booking_repository(booking_storage.db, identity),
          catalogue_repository(booking_storage.db),
          seat_inventory(booking_storage.db),
          booking_outbox(booking_storage.outbox, clock),
          bookings(booking_repository, catalogue_repository, seat_inventory, booking_outbox, clock,
                   app::booking::BookingPolicy{settings.accept_unlisted_movies}),
          catalogue(catalogue_repository, seat_inventory, clock),
          payment_repository(payment_storage.db),
          payment_outbox(payment_storage.outbox, clock),
          provider(settings.payment_decline_above, settings.payment_decline_every),
          payments(payment_repository, payment_outbox, provider, clock),
          ticket_repository(ticket_storage.db),
          ticket_outbox(ticket_storage.outbox, clock),
          tickets(ticket_repository, ticket_outbox, clock, milliseconds(settings.print_lease_ms)),
          review_repository(review_storage.db),
          review_outbox(review_storage.outbox, clock),
          reviews(review_repository, review_outbox, clock, settings.weather),
          mypage_repository(mypage_storage.db),
          mypages(mypage_repository),
          payment_guard(io.get_executor(), "payment", payment_storage.executor, faults,
                        port_options(settings, settings.payment_deadline_ms)),
          review_guard(io.get_executor(), "review", review_storage.executor, faults,
                       port_options(settings, settings.review_deadline_ms)),
          ticket_guard(io.get_executor(), "ticket", ticket_storage.executor, faults,
                       port_options(settings, settings.ticket_deadline_ms)),
          payment_port(io.get_executor(), payment_guard, payment_storage.executor, payments,
                       milliseconds(settings.payment_latency_ms)),
          review_port(review_guard, review_storage.executor, reviews),
          ticket_port(ticket_guard, ticket_storage.executor, tickets),
          booking_saga(booking_storage.executor, bookings, payment_port, ticket_port),
          print_saga(ticket_storage.executor, tickets, review_port),
          observability(io, module_views(), {&payment_guard, &review_guard, &ticket_guard},
                        event_bus, kafka_bus, [this] { return lifecycle.ready(); },
                        {milliseconds(settings.readiness_bus_down_ms),
                         milliseconds(settings.probe_deadline_ms)}),
          scheduler(io.get_executor(), clock),
          signals(io) {
        configure_faults();
        subscribe_policies();
        for (auto* m : modules()) {
            m->consumer.load();
            m->consumer.set_fault_check([this, name = m->executor.name()] {
                const auto d = faults.decide(name);
                return d.fail && !d.down;  // error-rate only; "down" concerns calls
            });
        }
        for (const auto& name : settings.paused) {
            for (auto* m : modules()) {
                if (m->executor.name() == name)
                    m->consumer.pause();
            }
            spdlog::warn("module {} starts paused (POST /admin/modules/{}/resume)", name, name);
        }
        observability.attach();  // before the relays start: it sees every batch
        for (auto* m : modules())
            m->relay.start();
        if (notifications)
            notifications->dispatcher.start();
        build_router();
        if (mode == Mode::kServe) {
            auto options = server_options();
            options.listen_fd = listener.release();
            server = std::make_unique<adapters::http::Server>(io, std::move(options), router);
        } else {
            spawn_start_up();
        }
        // Last: from here on the bus's threads call into the modules.
        event_bus.start();
    }

    adapters::http::ServerOptions server_options() const {
        adapters::http::ServerOptions options;
        options.address = settings.address;
        options.port = settings.port;
        options.body_limit = settings.body_limit;
        options.header_limit = settings.header_limit;
        options.max_header_count = settings.max_header_count;
        options.header_timeout = milliseconds(settings.header_timeout_ms);
        options.read_timeout = milliseconds(settings.read_timeout_ms);
        options.idle_timeout = milliseconds(settings.idle_timeout_ms);
        options.max_connections = settings.max_connections;
        options.max_in_flight = settings.max_in_flight;
        options.max_streams = settings.max_streams;
        options.max_streams_per_client = settings.max_streams_per_client;
        options.stream_heartbeat = milliseconds(settings.stream_heartbeat_ms);
        options.write_rate_limit = {settings.rate_limit_writes, settings.rate_limit_burst,
                                    settings.rate_limit_clients};
        options.trusted_proxies = settings.trusted_proxies;
        options.public_url = settings.public_url;
        options.cors_origins = settings.cors_origins;
        // The request metrics and the access log share the one observer slot.
        options.observer = adapters::http::fan_out(
            {observability.request_observer(),
             adapters::http::AccessLog::observer(std::make_shared<adapters::http::AccessLog>(
                 adapters::http::AccessLogPolicy::parse(settings.access_log)
                     .value_or(adapters::http::AccessLogPolicy{}),
                 milliseconds(settings.access_log_slow_ms)))});
        return options;
    }

    ~Impl() { event_bus.stop(); }

    /// --fault and --review-down into the injector. Throws std::invalid_argument on a bad spec.
    void configure_faults() {
        for (const auto& text : settings.faults) {
            std::string error;
            const auto module_name = text.substr(0, text.find(':'));
            auto parsed = inprocess::FaultInjector::parse(text, faults.get(module_name), error);
            if (!parsed)
                throw std::invalid_argument("--fault " + text + ": " + error);
            bool known = false;
            for (auto* m : modules())
                known = known || m->executor.name() == parsed->first;
            if (!known)
                throw std::invalid_argument("--fault " + text + ": no such module");
            faults.set(parsed->first, parsed->second);
            spdlog::warn("fault injected into {}: {}", parsed->first, text);
        }
        if (settings.review_down) {
            auto spec = faults.get("review");
            spec.down = true;
            faults.set("review", spec);
        }
    }

    std::vector<ModuleStorage*> modules() {
        std::vector<ModuleStorage*> all{&booking_storage, &payment_storage, &ticket_storage,
                                        &review_storage, &mypage_storage};
        if (notifications)
            all.push_back(&notifications->storage);
        return all;
    }

    std::vector<adapters::observability::ModuleView> module_views() {
        std::vector<adapters::observability::ModuleView> views;
        for (auto* m : modules())
            views.push_back({m->executor, m->db, m->relay, m->consumer});
        return views;
    }

    /// The policies of MISSION.md, "Events": who reacts to what. Consumer names are the seed
    /// services' consumer groups.
    void subscribe_policies() {
        namespace booking = domain::booking;
        namespace payment = domain::payment;
        namespace ticket = domain::ticket;
        namespace review = domain::review;
        auto& b = booking_storage.consumer;
        auto& p = payment_storage.consumer;
        auto& t = ticket_storage.consumer;
        auto& m = mypage_storage.consumer;
        runtime::subscribe<ticket::Printed>(
            event_bus, b, "book", [this](const ticket::Printed& e) { bookings.on_printed(e); });
        runtime::subscribe<review::WrittenReview>(
            event_bus, b, "book",
            [this](const review::WrittenReview& e) { bookings.on_review_written(e); });
        runtime::subscribe<booking::Canceled>(
            event_bus, p, "payment",
            [this](const booking::Canceled& e) { payments.on_booking_canceled(e); });
        runtime::subscribe<booking::Booked>(event_bus, t, "ticket",
                                        [this](const booking::Booked& e) { tickets.on_booked(e); });
        runtime::subscribe<booking::Canceled>(
            event_bus, t, "ticket",
            [this](const booking::Canceled& e) { tickets.on_booking_canceled(e); });
        auto to_mypage = [&]<class E>(E*) {
            runtime::subscribe<E>(event_bus, m, "mypage", [this](const E& e) {
                mypages.on(e);
                mypage_feed->changed(e.booking_id);
                // The live views ride on mypage's delivery (no consumer group of their own):
                // Booked and Canceled moved seats, so the screening's streams get a new map.
                if constexpr (std::is_same_v<E, booking::Booked> ||
                              std::is_same_v<E, booking::Canceled>) {
                    seat_feed->changed(e.screening_id);
                }
            });
        };
        to_mypage(static_cast<booking::Booked*>(nullptr));
        to_mypage(static_cast<booking::Canceled*>(nullptr));
        to_mypage(static_cast<payment::Paid*>(nullptr));
        to_mypage(static_cast<payment::PaymentCanceled*>(nullptr));
        to_mypage(static_cast<ticket::Created*>(nullptr));
        to_mypage(static_cast<ticket::Printed*>(nullptr));
        to_mypage(static_cast<review::WaitedReview*>(nullptr));
        to_mypage(static_cast<review::WrittenReview*>(nullptr));
        if (notifications)
            subscribe_notifications();
        // Kafka: a message no module can read is parked in each consumer group's module.
        if (kafka_bus != nullptr) {
            const std::pair<const char*, runtime::EventConsumer*> groups[] = {
                {"book", &b}, {"payment", &p}, {"ticket", &t}, {"mypage", &m}};
            // Not a structured binding: clang 14 cannot capture one in a lambda (P1091R3).
            for (const auto& group : groups) {
                auto* consumer = group.second;
                kafka_bus->on_malformed(
                    group.first,
                    [consumer](bus::kafka::MalformedMessage msg, bus::EventBus::Ack ack) {
                        consumer->park_malformed(std::move(msg.event_id), std::move(msg.event_type),
                                                 msg.booking_id, std::move(msg.payload),
                                                 std::move(msg.error), std::move(ack));
                    });
            }
        }
    }

    /// The notify module consumes what My page consumes, as envelopes: the webhook sends the
    /// event as published. Its own consumer group, inbox and per-booking order.
    void subscribe_notifications() {
        namespace booking = domain::booking;
        namespace payment = domain::payment;
        namespace ticket = domain::ticket;
        namespace review = domain::review;
        auto& n = notifications->storage.consumer;
        auto to_notify = [&]<class E>(E*) {
            n.register_type(E::kType, E::kPublisher, [this](const codec::Envelope& e) {
                notifications->notifier.notify(
                    {e.event_id, e.event_type, e.booking_id, e.timestamp, e.payload});
            });
            event_bus.subscribe("notify", E::kType,
                                [&n](std::shared_ptr<const codec::Envelope> e,
                                     bus::EventBus::Ack ack) { n.deliver(std::move(e), std::move(ack)); });
        };
        to_notify(static_cast<booking::Booked*>(nullptr));
        to_notify(static_cast<booking::Canceled*>(nullptr));
        to_notify(static_cast<payment::Paid*>(nullptr));
        to_notify(static_cast<payment::PaymentCanceled*>(nullptr));
        to_notify(static_cast<ticket::Created*>(nullptr));
        to_notify(static_cast<ticket::Printed*>(nullptr));
        to_notify(static_cast<review::WaitedReview*>(nullptr));
        to_notify(static_cast<review::WrittenReview*>(nullptr));
        if (kafka_bus != nullptr) {
            kafka_bus->on_malformed(
                "notify", [&n](bus::kafka::MalformedMessage msg, bus::EventBus::Ack ack) {
                    n.park_malformed(std::move(msg.event_id), std::move(msg.event_type),
                                     msg.booking_id, std::move(msg.payload), std::move(msg.error),
                                     std::move(ack));
                });
        }
    }

    /// auth = off: every caller is the system principal (the local demo). auth = jwt: the
    /// token verifier of the configured key (throws std::invalid_argument for a key or
    /// algorithm list it cannot use: exit code 2).
    adapters::http::Authenticator make_authenticator() const {
        if (settings.auth == "off") {
            return [](std::string_view) -> domain::Result<domain::Principal> {
                return domain::Principal::system();
            };
        }
        adapters::auth::JwtSettings jwt;
        jwt.hs_secret = settings.jwt_secret;
        jwt.leeway = std::chrono::seconds(settings.jwt_leeway_s);
        jwt.issuer = settings.jwt_issuer;
        jwt.audience = settings.jwt_audience;
        if (!settings.jwt_public_key_file.empty())
            jwt.public_key_pem = read_file(settings.jwt_public_key_file, "--jwt-public-key-file");
        if (!settings.jwt_jwks_file.empty())
            jwt.jwks_json = read_file(settings.jwt_jwks_file, "--jwt-jwks-file");
        if (!settings.jwt_algorithms.empty()) {
            jwt.algorithms = settings.jwt_algorithms;
        } else if (!jwt.public_key_pem.empty() || !jwt.jwks_json.empty()) {
            jwt.algorithms = {"RS256", "ES256"};
        } else {
            jwt.algorithms = {"HS256"};
        }
        std::shared_ptr<const adapters::auth::TokenVerifier> verifier =
            adapters::auth::make_jwt_verifier(jwt);
        std::string algorithms;
        for (const auto& a : jwt.algorithms)
            algorithms += (algorithms.empty() ? "" : ",") + a;
        spdlog::info("auth: jwt ({}; leeway {} s{}{})", algorithms, settings.jwt_leeway_s,
                     jwt.issuer.empty() ? "" : "; iss " + jwt.issuer,
                     jwt.audience.empty() ? "" : "; aud " + jwt.audience);
        return [verifier](std::string_view token) -> domain::Result<domain::Principal> {
            if (token.empty())
                return domain::fail(adapters::auth::TokenError::kMissing);
            return verifier->verify(token);
        };
    }

    /// The whole file, or std::invalid_argument naming the setting.
    static std::string read_file(const std::filesystem::path& path, const char* setting) {
        std::ifstream in(path, std::ios::binary);
        if (!in)
            throw std::invalid_argument(std::string(setting) + " " + path.string() +
                                        ": cannot be read");
        return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    }

    /// The web page's files at / (README "Web page"), behind every API route. A --web-root
    /// that is not a directory stops the start (std::invalid_argument: exit 2); the shipped
    /// default missing (a binary moved away from its source tree) only warns.
    void add_web_page(adapters::http::Router& r) {
        if (settings.web_root == "none")
            return;
        const bool shipped = settings.web_root.empty();
        const std::filesystem::path root = shipped ? MB_DEFAULT_WEB_ROOT : settings.web_root;
        if (shipped && !std::filesystem::is_directory(root)) {
            spdlog::warn("no web page: the shipped web root {} is missing (set --web-root)",
                         root.string());
            return;
        }
        auto files = std::make_shared<const adapters::http::StaticFiles>(
            adapters::http::StaticFiles::Options{root});
        spdlog::info("web page: {} served at /", files->root().string());
        r.set_fallback("/{file}", [files](adapters::http::Request request)
                                      -> asio::awaitable<adapters::http::Response> {
            co_return files->serve(request);
        });
    }

    void build_router() {
        namespace routes = adapters::http::routes;
        auto r = std::make_shared<adapters::http::Router>();
        r->set_authenticator(make_authenticator());
        routes::add_booking_routes(*r, {booking_storage.executor, bookings, booking_saga});
        routes::add_catalogue_routes(*r, {booking_storage.executor, catalogue, settings.admin});
        routes::add_seat_stream_route(*r, seat_feed);
        routes::add_mypage_stream_route(*r, mypage_feed);
        routes::add_payment_routes(*r, {payment_storage.executor, payments});
        routes::add_ticket_routes(*r, {ticket_storage.executor, tickets, print_saga});
        routes::add_review_routes(*r, {review_storage.executor, reviews});
        routes::add_mypage_routes(*r, {mypage_storage.executor, mypages});
        std::vector<runtime::EventConsumer*> consumers;
        for (auto* m : modules())
            consumers.push_back(&m->consumer);
        std::vector<runtime::DeadLetterQueue*> queues;
        if (notifications)
            queues.push_back(&notifications->dispatcher);
        routes::add_admin_routes(*r, {settings.admin, faults, consumers,
                                      {&payment_guard, &review_guard, &ticket_guard}, queues});
        routes::ActuatorRoutes actuator;
        actuator.health = [this] { return observability.health(); };
        actuator.liveness = [this] { return observability.liveness(); };
        actuator.readiness = [this] { return observability.readiness(); };
        actuator.metrics = [this] { return observability.metrics_json(); };
        actuator.prometheus = [this] { return observability.prometheus(); };
        actuator.prometheus_access = settings.prometheus_access == "public"
                                         ? adapters::http::Access::kPublic
                                         : adapters::http::Access::kAdmin;
        routes::add_actuator_routes(*r, std::move(actuator));
        add_web_page(*r);
        router = std::move(r);
    }

    int run() {
        if (!server)
            throw std::logic_error("Application::run() needs Mode::kServe");
        server->start();
        spdlog::info("listening on {}:{} (data {}, {} threads)", settings.address, server->port(),
                     settings.data_dir.string(), settings.threads);
        spawn_start_up();
        signals.add(SIGINT);
        signals.add(SIGTERM);
        wait_for_signal();
        std::vector<std::thread> threads;
        for (unsigned i = 1; i < settings.threads; ++i)
            threads.emplace_back([this] { io.run(); });
        io.run();
        for (auto& t : threads)
            t.join();
        lifecycle.mark_stopped();
        spdlog::info("stopped");
        return 0;
    }

    /// The first SIGTERM/SIGINT drains; a second one ends the process at once (exit code
    /// 128 + signal, as a shell reports a killed process), without closing anything.
    void wait_for_signal() {
        signals.async_wait([this](boost::system::error_code ec, int signal) {
            if (ec)
                return;
            if (!lifecycle.begin_drain()) {
                spdlog::critical("signal {} received while draining: exiting at once", signal);
                spdlog::default_logger()->flush();
                std::_Exit(128 + signal);
            }
            spdlog::info("signal {} received: draining (grace {} ms; a second signal exits at "
                         "once)",
                         signal, settings.shutdown_grace_ms);
            sd_notify(0, "STOPPING=1");
            shutdown();
            wait_for_signal();
        });
    }

    /// The demo catalogue and start-up recovery, then ready; then the periodic jobs.
    void spawn_start_up() {
        asio::co_spawn(
            io,
            [this]() -> asio::awaitable<void> {
                if (settings.demo_data) {
                    auto load = [this] {
                        return catalogue.load_demo_data();
                    };
                    const auto added = co_await booking_storage.executor.execute(std::move(load));
                    spdlog::info("demo catalogue: {} entries added", added);
                }
                // SQLite: this process holds the files exclusively, so every Pending booking
                // is the previous run's and is settled now. PostgreSQL: other replicas share the
                // tables and their live sagas are Pending too: only bookings untouched for the
                // safe age are settled (issue 12), by whichever replica locks them first.
                const auto start_up_age =
                    booking_storage.db.dialect() == persistence::Dialect::kSqlite
                        ? milliseconds(0)
                        : milliseconds(std::chrono::seconds(settings.recovery_min_age_s));
                const auto settled = co_await booking_saga.recover(start_up_age);
                if (settled > 0)
                    spdlog::info("recovery settled {} bookings", settled);
                if (lifecycle.mark_ready()) {
                    spdlog::info("ready");
                    sd_notify(0, "READY=1");
                }
                start_background_jobs();
            },
            [](std::exception_ptr ep) {
                if (!ep)
                    return;
                try {
                    std::rethrow_exception(ep);
                } catch (const std::exception& e) {
                    spdlog::error("start-up recovery failed: {}", e.what());
                }
            });
    }

    /// Periodic recovery, for sagas interrupted without a crash (a lost port answer): only
    /// bookings untouched for longer than any live saga can take. Inbox pruning: each module
    /// forgets applied event ids older than the retention (by the injected clock).
    void start_background_jobs() {
        const milliseconds recovery_period = std::chrono::seconds(settings.recovery_interval_s);
        scheduler.add(
            "saga-recovery", recovery_period,
            [this]() -> asio::awaitable<void> {
                co_await booking_saga.recover(std::chrono::seconds(settings.recovery_min_age_s));
            },
            recovery_period);
        const milliseconds prune_period = std::chrono::seconds(settings.inbox_prune_interval_s);
        scheduler.add(
            "inbox-pruning", prune_period,
            [this]() -> asio::awaitable<void> {
                const auto cutoff = clock.now() - std::chrono::hours(settings.inbox_retention_h);
                for (auto* m : modules()) {
                    try {
                        const auto pruned = co_await m->executor.execute(
                            [m, cutoff] { return m->inbox.prune(cutoff); });
                        if (pruned > 0)
                            spdlog::info("{}: forgot {} old inbox entries", m->executor.name(),
                                         pruned);
                    } catch (const std::exception& e) {
                        spdlog::error("{}: inbox pruning failed: {}", m->executor.name(), e.what());
                    }
                }
            },
            prune_period);
        scheduler.start();  // no-op when a drain has stopped it already
    }

    /// Readiness 503 at once; after --shutdown-delay-ms the listener closes; in-flight
    /// requests and queued jobs get --shutdown-grace-ms; then relays stop, the bus leaves its
    /// consumer groups and flushes, and the io_context stops (the databases close, WAL
    /// checkpointed, when the Application is destroyed).
    void shutdown() {
        scheduler.stop();
        DrainPlan plan;
        plan.delay = milliseconds(settings.shutdown_delay_ms);
        plan.grace = milliseconds(settings.shutdown_grace_ms);
        plan.stop_accepting = [this] { server->stop(); };
        plan.idle = [this] {
            bool idle = server->active_connections() == 0;
            for (auto* m : modules())
                idle = idle && m->executor.stats().queued == 0;
            return idle;
        };
        plan.finish = [this](bool drained) {
            if (!drained) {
                spdlog::warn("drain: grace of {} ms over with {} connection(s) still open",
                             settings.shutdown_grace_ms, server->active_connections());
            }
            for (auto* m : modules())
                m->relay.stop();
            if (notifications)
                notifications->dispatcher.stop();
            event_bus.stop();  // consumers leave their groups; the producer flushes
            io.stop();
        };
        drain(io.get_executor(), std::move(plan));
    }

    Settings settings;
    persistence::ProcessIdentity identity;  ///< this replica and this run (shared tables)
    ListenSocket listener;  ///< kServe: bound (or inherited) first, then given to the server
    asio::io_context io;
    adapters::system::SystemClock clock;
    std::unique_ptr<bus::kafka::MockCluster> mock_cluster;  ///< --kafka-mock only
    std::unique_ptr<bus::EventBus> event_bus_owner;
    bus::EventBus& event_bus;
    bus::kafka::KafkaEventBus* kafka_bus;  ///< the same bus when --bus kafka, else null
    inprocess::FaultInjector faults;
    ModuleStorage booking_storage, payment_storage, ticket_storage, review_storage, mypage_storage;
    /// --webhook only (else null); before `observability`, which reads modules().
    std::unique_ptr<Notifications> notifications =
        settings.webhooks.empty()
            ? nullptr
            : std::make_unique<Notifications>(io.get_executor(), settings, identity, event_bus);

    persistence::SqlBookingRepository booking_repository;
    persistence::SqlCatalogueRepository catalogue_repository;
    persistence::SqliteSeatInventory seat_inventory;
    persistence::SqlOutbox<domain::booking::BookingEvent> booking_outbox;
    app::booking::BookingService bookings;
    app::booking::CatalogueService catalogue;
    persistence::SqlPaymentRepository payment_repository;
    persistence::SqlOutbox<domain::payment::PaymentEvent> payment_outbox;
    adapters::system::SimulatedPaymentProvider provider;
    app::payment::PaymentService payments;
    persistence::SqlTicketRepository ticket_repository;
    persistence::SqlOutbox<domain::ticket::TicketEvent> ticket_outbox;
    app::ticket::TicketService tickets;
    persistence::SqlReviewRepository review_repository;
    persistence::SqlOutbox<domain::review::ReviewEvent> review_outbox;
    app::review::ReviewService reviews;
    persistence::SqlMyPageRepository mypage_repository;
    app::mypage::MyPageProjection mypages;

    inprocess::PortGuard payment_guard;
    inprocess::PortGuard review_guard;
    inprocess::PortGuard ticket_guard;
    inprocess::InProcessPaymentPort payment_port;
    inprocess::InProcessReviewPort review_port;
    inprocess::InProcessTicketPort ticket_port;
    sagas::BookingSaga booking_saga;
    sagas::PrintSaga print_saga;
    /// The open seat-map streams (issue 13), fed by the events that move seats.
    std::shared_ptr<adapters::http::routes::SeatMapFeed> seat_feed =
        std::make_shared<adapters::http::routes::SeatMapFeed>(booking_storage.executor, catalogue);
    /// The open My page streams (issue 13), fed after the projection applied an event.
    std::shared_ptr<adapters::http::routes::MyPageFeed> mypage_feed =
        std::make_shared<adapters::http::routes::MyPageFeed>(mypage_storage.executor, mypages);
    adapters::observability::Observability observability;

    std::shared_ptr<const adapters::http::Router> router;
    std::unique_ptr<adapters::http::Server> server;  ///< Mode::kServe only
    Lifecycle lifecycle;
    Scheduler scheduler;       ///< periodic recovery and inbox pruning, on the injected clock
    asio::signal_set signals;  ///< SIGINT and SIGTERM, added by run() only
};

Application::Application(Settings settings, Mode mode) {
    std::filesystem::create_directories(settings.data_dir);
    impl_ = std::make_unique<Impl>(std::move(settings), mode);
}

Application::~Application() = default;

int Application::run() {
    return impl_->run();
}

std::shared_ptr<const adapters::http::Router> Application::router() const {
    return impl_->router;
}

adapters::http::ServerOptions Application::server_options() const {
    return impl_->server_options();
}

boost::asio::io_context& Application::io_context() {
    return impl_->io;
}

bool Application::ready() const {
    return impl_->lifecycle.ready();
}

}  // namespace mb::app::exe
