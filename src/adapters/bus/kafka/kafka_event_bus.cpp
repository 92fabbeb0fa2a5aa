#include "adapters/bus/kafka/kafka_event_bus.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include "adapters/bus/kafka/offset_tracker.hpp"
#include "adapters/codec/event_codec.hpp"
#include "adapters/logging/logging.hpp"

namespace mb::adapters::bus::kafka {
namespace {

spdlog::logger& kafka_log() {
    static const auto logger = logging::module_logger("kafka");
    return *logger;
}

struct ConfDeleter {
    void operator()(rd_kafka_conf_t* c) const { rd_kafka_conf_destroy(c); }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

struct ListDeleter {
    void operator()(rd_kafka_topic_partition_list_t* l) const {
        rd_kafka_topic_partition_list_destroy(l);
    }
};
using ListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;

void set(rd_kafka_conf_t* conf, const std::string& key, const std::string& value) {
    char error[512];
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), error, sizeof error) !=
        RD_KAFKA_CONF_OK) {
        throw KafkaError("kafka property " + key + "=" + value + ": " + error);
    }
}

/// librdkafka's syslog levels into spdlog: connection trouble is a warning, chatter is debug.
void log_line(const rd_kafka_t* rk, int level, const char* facility, const char* text) {
    const char* name = rk != nullptr ? rd_kafka_name(rk) : "kafka";
    if (level <= 4) {
        kafka_log().warn("{} [{}]: {}", name, facility, text);
    } else {
        kafka_log().debug("{} [{}]: {}", name, facility, text);
    }
}

/// Settings shared by the producer and the consumers.
ConfPtr base_config(const KafkaOptions& o, const std::string& client_suffix) {
    ConfPtr conf(rd_kafka_conf_new());
    set(conf.get(), "bootstrap.servers", o.brokers);
    set(conf.get(), "client.id", o.client_id + "-" + client_suffix);
    // Brokers down (at start or later): reconnect with backoff, 100 ms doubling to 5 s.
    set(conf.get(), "reconnect.backoff.ms", "100");
    set(conf.get(), "reconnect.backoff.max.ms", "5000");
    set(conf.get(), "topic.metadata.refresh.interval.ms", "10000");
    rd_kafka_conf_set_log_cb(conf.get(), log_line);
    return conf;
}

/// The user's --kafka-property settings, applied last so they override ours.
void apply_properties(rd_kafka_conf_t* conf, const KafkaOptions& o) {
    for (const auto& [key, value] : o.properties)
        set(conf, key, value);
}

std::string_view header(const rd_kafka_message_t* m, const char* name) {
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR)
        return {};
    const void* value = nullptr;
    std::size_t size = 0;
    if (rd_kafka_header_get_last(headers, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        value == nullptr) {
        return {};
    }
    return {static_cast<const char*>(value), size};
}

/// The requestId header when it is 1..128 visible ASCII characters (as the HTTP adapter
/// accepts it), else "": a foreign producer's header must not forge log lines.
std::string request_id_header(const rd_kafka_message_t* m) {
    constexpr std::size_t kMaxLength = 128;
    const auto value = header(m, "requestId");
    const bool valid =
        !value.empty() && value.size() <= kMaxLength &&
        std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
    return valid ? std::string(value) : std::string();
}

/// The stable id of a message that carries no eventId: "kafka:<topic>:<partition>:<offset>@<ms>".
/// The timestamp (the log's, identical on every redelivery) keeps a recreated topic's message
/// at a reused offset from being taken for an old one the inbox remembers.
std::string message_position(const std::string& topic, const rd_kafka_message_t* m) {
    std::string out =
        "kafka:" + topic + ":" + std::to_string(m->partition) + ":" + std::to_string(m->offset);
    rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    const auto ms = rd_kafka_message_timestamp(m, &type);
    if (type != RD_KAFKA_TIMESTAMP_NOT_AVAILABLE && ms >= 0)
        out += "@" + std::to_string(ms);
    return out;
}

std::int64_t numeric_key(const rd_kafka_message_t* m) {
    if (m->key == nullptr || m->key_len == 0 || m->key_len > 19)
        return 0;
    std::int64_t out = 0;
    const auto* p = static_cast<const char*>(m->key);
    for (std::size_t i = 0; i < m->key_len; ++i) {
        if (p[i] < '0' || p[i] > '9')
            return 0;
        out = out * 10 + (p[i] - '0');
    }
    return out;
}

}  // namespace

struct KafkaEventBus::Impl {
    /// One subscriber name = one consumer group.
    struct Group {
        Impl* owner = nullptr;
        std::string name;
        std::map<std::string, std::vector<Handler>, std::less<>> handlers;
        MalformedHandler malformed;
        rd_kafka_t* rk = nullptr;
        std::shared_ptr<OffsetTracker> tracker = std::make_shared<OffsetTracker>();
        std::thread thread;
        bool partitions_paused = false;  // consumer thread only
        std::atomic<std::uint64_t> received{0}, ignored{0}, malformed_count{0}, rebalances{0};
        std::atomic<std::size_t> assigned{0};
        std::atomic<bool> joined{false};
        /// Last position this member stored per partition (consumer thread only).
        std::map<std::int32_t, std::int64_t> stored;
        mutable std::mutex lag_mutex;
        std::map<std::int32_t, PartitionLag> lag;  // guarded by lag_mutex
    };

    explicit Impl(KafkaOptions o) : options(std::move(o)) {
        if (options.brokers.empty())
            throw KafkaError("--kafka-brokers is empty (or use --kafka-mock N)");
        auto conf = base_config(options, "producer");
        set(conf.get(), "enable.idempotence", "true");
        set(conf.get(), "acks", "all");
        // Never give up on a message locally: during an outage they wait, in order.
        set(conf.get(), "message.timeout.ms", "0");
        set(conf.get(), "partitioner", "murmur2_random");  // as the Java clients
        set(conf.get(), "linger.ms", std::to_string(options.linger_ms));
        set(conf.get(), "queue.buffering.max.messages", "2000000");
        set(conf.get(), "queue.buffering.max.kbytes", "2097151");
        apply_properties(conf.get(), options);
        rd_kafka_conf_set_dr_msg_cb(conf.get(), &Impl::on_delivery);
        rd_kafka_conf_set_error_cb(conf.get(), &Impl::on_error);
        rd_kafka_conf_set_opaque(conf.get(), this);
        char error[512];
        producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), error, sizeof error);
        if (producer == nullptr)
            throw KafkaError(std::string("kafka producer: ") + error);
        conf.release();  // owned by the producer now
        probe_topic = rd_kafka_topic_new(producer, options.topic.c_str(), nullptr);
        producer_thread = std::thread([this] {
            while (!producer_stop.load())
                rd_kafka_poll(producer, 100);
        });
        monitor_thread = std::thread([this] { monitor(); });
    }

    ~Impl() {
        stop(std::chrono::milliseconds(0));
        // Whatever is still queued is dropped here (the outboxes still hold it); purged
        // messages' reports free their ids without running callbacks.
        rd_kafka_purge(producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_poll(producer, 0);
        if (probe_topic != nullptr)
            rd_kafka_topic_destroy(probe_topic);
        rd_kafka_destroy(producer);
    }

    // ---------------------------------------------------------------- producing

    void publish(std::shared_ptr<const codec::Envelope> env, std::function<void()> on_delivered) {
        {
            std::lock_guard lock(mutex);
            auto [it, fresh] = in_flight.try_emplace(env->event_id);
            if (on_delivered)
                it->second.push_back(std::move(on_delivered));
            if (!fresh)
                return;  // still in the producer's queue: its report serves both
        }
        auto key = std::to_string(env->booking_id);
        auto* id = new std::string(env->event_id);
        const auto err = produce(key, *env, id);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            // Refused locally (queue full): the relay publishes it again later.
            {
                std::lock_guard lock(mutex);
                in_flight.erase(*id);
            }
            failed.fetch_add(1);
            if (failed_logged.fetch_add(1) % 1000 == 0) {
                kafka_log().warn("cannot queue {} {}: {} (the outbox keeps it)", env->event_type,
                                 *id, rd_kafka_err2str(err));
            }
            delete id;
            return;
        }
        produced.fetch_add(1);
    }

    /// One message: key, value, headers eventType, eventId and (when known) requestId, `id`
    /// as the report's opaque.
    rd_kafka_resp_err_t produce(std::string& key, const codec::Envelope& env, std::string* id) {
        rd_kafka_vu_t v[8] = {};
        v[0].vtype = RD_KAFKA_VTYPE_TOPIC;
        v[0].u.cstr = options.topic.c_str();
        v[1].vtype = RD_KAFKA_VTYPE_KEY;
        v[1].u.mem = {key.data(), key.size()};
        v[2].vtype = RD_KAFKA_VTYPE_VALUE;
        v[2].u.mem = {const_cast<char*>(env.payload.data()), env.payload.size()};
        v[3].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
        v[3].u.i = RD_KAFKA_MSG_F_COPY;
        v[4].vtype = RD_KAFKA_VTYPE_HEADER;
        v[4].u.header = {"eventType", env.event_type.data(),
                         static_cast<ssize_t>(env.event_type.size())};
        v[5].vtype = RD_KAFKA_VTYPE_HEADER;
        v[5].u.header = {"eventId", env.event_id.data(), static_cast<ssize_t>(env.event_id.size())};
        v[6].vtype = RD_KAFKA_VTYPE_OPAQUE;
        v[6].u.ptr = id;
        std::size_t count = 7;
        if (!env.request_id.empty()) {
            v[7].vtype = RD_KAFKA_VTYPE_HEADER;
            v[7].u.header = {"requestId", env.request_id.data(),
                             static_cast<ssize_t>(env.request_id.size())};
            count = 8;
        }
        rd_kafka_error_t* error = rd_kafka_produceva(producer, v, count);
        if (error == nullptr)
            return RD_KAFKA_RESP_ERR_NO_ERROR;
        const auto code = rd_kafka_error_code(error);
        rd_kafka_error_destroy(error);
        return code;
    }

    static void on_delivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* m, void* opaque) {
        auto* self = static_cast<Impl*>(opaque);
        std::unique_ptr<std::string> id(static_cast<std::string*>(m->_private));
        if (!id)
            return;
        std::vector<std::function<void()>> callbacks;
        {
            std::lock_guard lock(self->mutex);
            auto it = self->in_flight.find(*id);
            if (it != self->in_flight.end()) {
                callbacks = std::move(it->second);
                self->in_flight.erase(it);
            }
        }
        if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            self->failed.fetch_add(1);
            if (m->err != RD_KAFKA_RESP_ERR__PURGE_QUEUE &&
                m->err != RD_KAFKA_RESP_ERR__PURGE_INFLIGHT &&
                self->failed_logged.fetch_add(1) % 1000 == 0) {
                kafka_log().warn("delivery of {} failed: {} (the outbox keeps it)", *id,
                                 rd_kafka_err2str(m->err));
            }
            return;
        }
        self->delivered.fetch_add(1);
        self->up.store(true);
        for (auto& cb : callbacks)
            cb();
    }

    static void on_error(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
        auto* self = static_cast<Impl*>(opaque);
        const auto code = static_cast<rd_kafka_resp_err_t>(err);
        if (code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
            self->up.store(false);
            self->set_last_error(reason);
        }
        if (code == RD_KAFKA_RESP_ERR__FATAL) {
            char fatal[512];
            rd_kafka_fatal_error(rk, fatal, sizeof fatal);
            kafka_log().critical("producer fatal error: {}", fatal);
            self->set_last_error(fatal);
            self->up.store(false);
            return;
        }
        kafka_log().warn("{}: {}", rk != nullptr ? rd_kafka_name(rk) : "client", reason);
    }

    void set_last_error(std::string text) {
        std::lock_guard lock(mutex);
        last_error = std::move(text);
    }

    /// Every second: can the producer reach the leaders of the topic's partitions?
    void monitor() {
        bool first_probe = true;
        std::unique_lock lock(stop_mutex);
        while (!producer_stop.load()) {
            lock.unlock();
            const rd_kafka_metadata_t* md = nullptr;
            const auto err = rd_kafka_metadata(producer, 0, probe_topic, &md, 1000);
            bool ok = err == RD_KAFKA_RESP_ERR_NO_ERROR && md != nullptr && md->topic_cnt == 1 &&
                      md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR &&
                      md->topics[0].partition_cnt > 0;
            if (ok) {
                for (int i = 0; i < md->topics[0].partition_cnt; ++i)
                    ok = ok && md->topics[0].partitions[i].leader >= 0;
            }
            if (md != nullptr)
                rd_kafka_metadata_destroy(md);
            const bool was = up.exchange(ok);
            if (was != ok || first_probe) {
                if (ok) {
                    kafka_log().info("{} ({}, topic {})",
                                     first_probe ? "connected" : "brokers reachable again",
                                     options.brokers, options.topic);
                } else {
                    set_last_error(rd_kafka_err2str(err));
                    kafka_log().warn("brokers unreachable ({}): {}; events wait in the outboxes",
                                     options.brokers, rd_kafka_err2str(err));
                }
            }
            first_probe = false;
            lock.lock();
            stop_cv.wait_for(lock, std::chrono::seconds(1),
                             [this] { return producer_stop.load(); });
        }
    }

    // ---------------------------------------------------------------- consuming

    /// The group of subscriber `name`, created on first use (before start()).
    Group& group(const std::string& name) {
        auto& g = groups[name];
        if (!g) {
            g = std::make_unique<Group>();
            g->owner = this;
            g->name = name;
        }
        return *g;
    }

    void start() {
        for (auto& [name, group] : groups) {
            auto& g = *group;
            auto conf = base_config(options, name);
            set(conf.get(), "group.id", name);
            set(conf.get(), "auto.offset.reset", "earliest");
            set(conf.get(), "enable.auto.commit", "true");
            set(conf.get(), "auto.commit.interval.ms", "500");
            set(conf.get(), "enable.auto.offset.store", "false");
            set(conf.get(), "session.timeout.ms", std::to_string(options.session_timeout_ms));
            set(conf.get(), "heartbeat.interval.ms",
                std::to_string(std::max<std::int64_t>(100, options.session_timeout_ms / 4)));
            set(conf.get(), "enable.partition.eof", "false");
            set(conf.get(), "fetch.wait.max.ms", std::to_string(options.fetch_wait_ms));
            apply_properties(conf.get(), options);
            rd_kafka_conf_set_rebalance_cb(conf.get(), &Impl::on_rebalance);
            rd_kafka_conf_set_error_cb(conf.get(), &Impl::on_consumer_error);
            rd_kafka_conf_set_opaque(conf.get(), &g);
            char error[512];
            g.rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), error, sizeof error);
            if (g.rk == nullptr)
                throw KafkaError("kafka consumer " + name + ": " + error);
            conf.release();
            rd_kafka_poll_set_consumer(g.rk);
            ListPtr topics(rd_kafka_topic_partition_list_new(1));
            rd_kafka_topic_partition_list_add(topics.get(), options.topic.c_str(),
                                              RD_KAFKA_PARTITION_UA);
            if (const auto err = rd_kafka_subscribe(g.rk, topics.get()); err)
                throw KafkaError("kafka consumer " + name + ": " + rd_kafka_err2str(err));
        }
        for (auto& [name, group] : groups) {
            auto* g = group.get();
            g->thread = std::thread([this, g] { consume(*g); });
        }
        kafka_log().info("{} consumer groups on topic {} at {}", groups.size(), options.topic,
                         options.brokers);
    }

    static void on_consumer_error(rd_kafka_t* rk, int /*err*/, const char* reason,
                                  void* /*opaque*/) {
        kafka_log().warn("{}: {}", rk != nullptr ? rd_kafka_name(rk) : "consumer", reason);
    }

    static void on_rebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                             rd_kafka_topic_partition_list_t* partitions, void* opaque) {
        auto* g = static_cast<Group*>(opaque);
        std::string list;
        for (int i = 0; i < partitions->cnt; ++i)
            list += (i ? "," : "") + std::to_string(partitions->elems[i].partition);
        g->rebalances.fetch_add(1);
        if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
            for (int i = 0; i < partitions->cnt; ++i)
                g->tracker->forget(partitions->elems[i].partition);
            rd_kafka_assign(rk, partitions);
            g->assigned.store(static_cast<std::size_t>(partitions->cnt));
            g->partitions_paused = false;
            g->joined.store(true);
            kafka_log().info("group {}: assigned partitions [{}]", g->name, list);
            return;
        }
        // Revoked (or an error): commit what this member finished, then let go. Messages
        // still being applied are redelivered to the new owner; the inbox skips them.
        g->owner->store_positions(*g);
        rd_kafka_commit(rk, nullptr, 1);
        g->tracker->forget_all();
        g->stored.clear();
        rd_kafka_assign(rk, nullptr);
        g->assigned.store(0);
        kafka_log().info("group {}: revoked partitions [{}]", g->name, list);
    }

    /// Stores the committable positions (auto-commit sends them every 500 ms).
    void store_positions(Group& g) {
        const auto advanced = g.tracker->take_advanced();
        if (advanced.empty())
            return;
        ListPtr list(rd_kafka_topic_partition_list_new(static_cast<int>(advanced.size())));
        for (const auto& [partition, offset] : advanced) {
            rd_kafka_topic_partition_list_add(list.get(), options.topic.c_str(), partition)
                ->offset = offset;
            g.stored[partition] = offset;
        }
        rd_kafka_offsets_store(g.rk, list.get());  // revoked partitions: refused, ignored
    }

    /// Pauses the assignment while too many messages wait for the module; resumes at half.
    void flow_control(Group& g) {
        const auto outstanding = g.tracker->outstanding();
        const bool pause = !g.partitions_paused && outstanding > options.max_outstanding;
        const bool resume = g.partitions_paused && outstanding <= options.max_outstanding / 2;
        if (!pause && !resume)
            return;
        rd_kafka_topic_partition_list_t* assignment = nullptr;
        if (rd_kafka_assignment(g.rk, &assignment) != RD_KAFKA_RESP_ERR_NO_ERROR)
            return;
        ListPtr owned(assignment);
        if (pause) {
            rd_kafka_pause_partitions(g.rk, assignment);
            kafka_log().info("group {}: {} messages unacknowledged, fetching paused", g.name,
                             outstanding);
        } else {
            rd_kafka_resume_partitions(g.rk, assignment);
            kafka_log().info("group {}: caught up, fetching resumed", g.name);
        }
        g.partitions_paused = pause;
    }

    /// Recomputes the group's lag per assigned partition: the partition's high watermark (as
    /// the last fetch response reported it; no broker round trip) minus the position this
    /// member stored as committable — or, before it stored any, the fetch position.
    void sample_lag(Group& g) {
        std::map<std::int32_t, PartitionLag> lag;
        rd_kafka_topic_partition_list_t* assignment = nullptr;
        if (rd_kafka_assignment(g.rk, &assignment) == RD_KAFKA_RESP_ERR_NO_ERROR) {
            ListPtr owned(assignment);
            rd_kafka_position(g.rk, assignment);
            for (int i = 0; i < assignment->cnt; ++i) {
                const auto& tp = assignment->elems[i];
                std::int64_t low = 0;
                std::int64_t high = 0;
                if (rd_kafka_get_watermark_offsets(g.rk, tp.topic, tp.partition, &low, &high) !=
                        RD_KAFKA_RESP_ERR_NO_ERROR ||
                    high < 0)
                    continue;  // no fetch answered for it yet
                const auto it = g.stored.find(tp.partition);
                std::int64_t committed = it != g.stored.end() ? it->second : tp.offset;
                if (committed < 0)
                    committed = low;  // nothing read yet: everything retained is behind
                lag[tp.partition] = PartitionLag{
                    committed, high,
                    static_cast<std::uint64_t>(std::max<std::int64_t>(0, high - committed))};
            }
        }
        std::lock_guard lock(g.lag_mutex);
        g.lag = std::move(lag);
    }

    void consume(Group& g) {
        // Storing positions and flow control take the tracker's lock: every 10 ms, not per
        // message (auto-commit sends positions every 500 ms anyway).
        auto housekeeping_at = std::chrono::steady_clock::now();
        auto lag_at = housekeeping_at;
        while (!consumers_stop.load()) {
            if (const auto now = std::chrono::steady_clock::now(); now >= housekeeping_at) {
                store_positions(g);
                flow_control(g);
                housekeeping_at = now + std::chrono::milliseconds(10);
                if (now >= lag_at) {
                    sample_lag(g);
                    lag_at = now + std::chrono::seconds(1);
                }
            }
            rd_kafka_message_t* m = rd_kafka_consumer_poll(g.rk, 100);
            if (m == nullptr)
                continue;
            handle(g, m);
            rd_kafka_message_destroy(m);
        }
        store_positions(g);
        rd_kafka_consumer_close(g.rk);  // final commit, leaves the group
        rd_kafka_destroy(g.rk);
        g.rk = nullptr;
    }

    void handle(Group& g, const rd_kafka_message_t* m) {
        if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                kafka_log().warn("group {}: {}", g.name, rd_kafka_message_errstr(m));
            }
            return;
        }
        g.received.fetch_add(1);
        const auto partition = m->partition;
        const auto offset = m->offset;
        // Cheap pre-check: a type this group never subscribed to, named in the header, is
        // skipped without copying or parsing the value (most messages, for most groups).
        const auto header_type = header(m, "eventType");
        if (!header_type.empty() && !g.handlers.contains(header_type)) {
            g.ignored.fetch_add(1);
            g.tracker->skipped(partition, offset);
            return;
        }
        g.tracker->fetched(partition, offset);
        Ack ack = [tracker = g.tracker, partition, offset] {
            tracker->done(partition, offset);
        };
        const auto header_id = header(m, "eventId");
        const std::string_view value =
            m->payload != nullptr ? std::string_view(static_cast<const char*>(m->payload), m->len)
                                  : std::string_view();
        // The position names messages without an eventId (the seed's) and malformed ones; ours
        // carry the header, so the hot path does not build it.
        std::string position;
        if (header_id.empty())
            position = message_position(options.topic, m);
        codec::Envelope env;
        try {
            env =
                codec::read_envelope(value, header_type, header_id.empty() ? position : header_id);
            // Messages of older versions and other producers have no requestId header: "".
            env.request_id = request_id_header(m);
        } catch (const codec::DecodeError& e) {
            g.malformed_count.fetch_add(1);
            if (position.empty())
                position = message_position(options.topic, m);
            MalformedMessage bad{header_id.empty() ? position : std::string(header_id),
                                 std::string(header_type), numeric_key(m), std::string(value),
                                 std::string(e.what()) + " (at " + position + ")"};
            if (g.malformed) {
                g.malformed(std::move(bad), std::move(ack));
            } else {
                kafka_log().error("group {}: skipped malformed message at {}: {}", g.name, position,
                                  bad.error);
                ack();
            }
            return;
        }
        auto it = g.handlers.find(env.event_type);
        if (it == g.handlers.end()) {
            g.ignored.fetch_add(1);
            ack();
            return;
        }
        auto shared = std::make_shared<const codec::Envelope>(std::move(env));
        if (it->second.size() == 1) {
            it->second.front()(std::move(shared), std::move(ack));
            return;
        }
        // Several handlers of one type in one group: acknowledged when all of them are.
        auto each = ack_after(it->second.size(), std::move(ack));
        for (auto& h : it->second)
            h(shared, each);
    }

    // ---------------------------------------------------------------- lifecycle

    void stop(std::chrono::milliseconds flush_timeout) {
        if (stopped.exchange(true))
            return;
        consumers_stop.store(true);
        for (auto& [name, g] : groups) {
            if (g->thread.joinable())
                g->thread.join();
        }
        {
            std::lock_guard lock(stop_mutex);
            producer_stop.store(true);
        }
        stop_cv.notify_all();
        if (producer_thread.joinable())
            producer_thread.join();
        if (monitor_thread.joinable())
            monitor_thread.join();
        if (flush_timeout.count() > 0) {
            const auto err = rd_kafka_flush(producer, static_cast<int>(flush_timeout.count()));
            if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                kafka_log().warn("{} messages not flushed at shutdown (the outboxes keep them)",
                                 rd_kafka_outq_len(producer));
            }
        }
    }

    KafkaOptions options;
    rd_kafka_t* producer = nullptr;
    rd_kafka_topic_t* probe_topic = nullptr;
    std::map<std::string, std::unique_ptr<Group>, std::less<>> groups;

    mutable std::mutex mutex;
    std::unordered_map<std::string, std::vector<std::function<void()>>> in_flight;
    std::string last_error;
    std::atomic<std::uint64_t> produced{0}, delivered{0}, failed{0}, failed_logged{0};
    std::atomic<bool> up{false};

    std::mutex stop_mutex;
    std::condition_variable stop_cv;
    std::atomic<bool> producer_stop{false}, consumers_stop{false}, stopped{false};
    std::thread producer_thread, monitor_thread;
};

KafkaEventBus::KafkaEventBus(KafkaOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

KafkaEventBus::~KafkaEventBus() = default;

void KafkaEventBus::subscribe(const std::string& consumer, const std::string& event_type,
                              Handler handler) {
    impl_->group(consumer).handlers[event_type].push_back(std::move(handler));
}

void KafkaEventBus::on_malformed(const std::string& consumer, MalformedHandler handler) {
    impl_->group(consumer).malformed = std::move(handler);
}

void KafkaEventBus::publish(std::shared_ptr<const codec::Envelope> envelope,
                            std::function<void()> on_delivered) {
    impl_->publish(std::move(envelope), std::move(on_delivered));
}

void KafkaEventBus::start() {
    impl_->start();
}

void KafkaEventBus::stop() {
    impl_->stop(flush_timeout);
}

BusHealth KafkaEventBus::health() const {
    BusHealth h;
    h.type = "kafka";
    h.up = impl_->up.load();
    h.details["brokers"] = impl_->options.brokers;
    h.details["topic"] = impl_->options.topic;
    h.details["producerQueue"] = std::to_string(rd_kafka_outq_len(impl_->producer));
    {
        std::lock_guard lock(impl_->mutex);
        if (!h.up && !impl_->last_error.empty())
            h.details["error"] = impl_->last_error;
    }
    for (const auto& [name, g] : impl_->groups) {
        h.details["group." + name] = "assigned " + std::to_string(g->assigned.load()) +
                                     " partitions, " + std::to_string(g->tracker->outstanding()) +
                                     " unacknowledged";
    }
    return h;
}

KafkaEventBus::Stats KafkaEventBus::stats() const {
    Stats s;
    s.produced = impl_->produced.load();
    s.delivered = impl_->delivered.load();
    s.failed = impl_->failed.load();
    {
        std::lock_guard lock(impl_->mutex);
        s.queued = impl_->in_flight.size();
    }
    for (const auto& [name, g] : impl_->groups) {
        auto& c = s.consumers[name];
        c = ConsumerStats{g->received.load(),        g->ignored.load(),
                          g->malformed_count.load(), g->tracker->outstanding(),
                          g->assigned.load(),        g->rebalances.load(),
                          g->joined.load(),          {}};
        std::lock_guard lock(g->lag_mutex);
        c.lag = g->lag;
    }
    return s;
}

}  // namespace mb::adapters::bus::kafka
