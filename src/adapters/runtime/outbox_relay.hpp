#pragma once
// OutboxRelay: moves one module's committed outbox entries onto the bus (ARCHITECTURE.md,
// "Relay"). After each commit it publishes the batch's entries in commit order; at start-up it
// first publishes what a crash left behind. An entry stays in the outbox until the bus reports
// it delivered (every subscriber committed it, or the broker has it); entries not delivered
// within `redelivery_after` are published again (consumers skip duplicates by their inbox),
// then after twice as long, and so on up to `max_redelivery_after` — a paused or failing
// consumer is not flooded with the same events.
// Thread-safety: publish/ack paths are internally synchronised; start/stop from one thread.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "adapters/bus/event_bus.hpp"
#include "adapters/persistence/outbox_store.hpp"
#include "adapters/runtime/module_executor.hpp"

namespace mb::adapters::runtime {

class OutboxRelay {
public:
    struct Options {
        std::chrono::milliseconds redelivery_after{5000};
        std::chrono::milliseconds sweep_interval{500};
        std::size_t delete_batch = 256;  ///< delivered entries removed per job
        std::chrono::milliseconds max_redelivery_after{60000};
    };
    struct Stats {
        std::uint64_t published = 0;
        std::uint64_t delivered = 0;
        std::uint64_t republished = 0;
        std::size_t in_flight = 0;
        /// When the oldest entry still in flight was committed (its envelope's timestamp,
        /// second resolution, UTC); nullopt when nothing is in flight.
        std::optional<std::chrono::system_clock::time_point> oldest_committed_at;
        /// Entries published (first time) and delivered, by event type.
        std::map<std::string, std::uint64_t, std::less<>> published_by_type;
        std::map<std::string, std::uint64_t, std::less<>> delivered_by_type;
        /// The longest redelivery back-off in force after the last sweep (0 before any
        /// redelivery): at most Options::max_redelivery_after.
        std::chrono::milliseconds longest_backoff{0};
    };

    OutboxRelay(runtime::ModuleExecutor& executor, persistence::OutboxStore& store,
                bus::EventBus& bus, Options options);

    /// Publishes entries left by an earlier run, then follows the executor's commits and
    /// starts the redelivery sweep. Call before the io_context runs (the store is read
    /// directly, nothing else uses it yet). Throws soci::soci_error.
    void start();
    void stop();
    [[nodiscard]] Stats stats() const;

private:
    struct InFlight {
        std::shared_ptr<const codec::Envelope> envelope;
        std::chrono::steady_clock::time_point next_at;  ///< when to publish it again
        std::chrono::milliseconds backoff;              ///< doubles per redelivery
    };
    void publish(std::vector<persistence::OutboxRecord> records);
    void delivered(std::int64_t seq);
    void flush_delivered();
    void arm_sweep();
    void sweep();
    /// Claims (shared outbox, OutboxClaims::enabled): renews this relay's leases and takes over
    /// rows whose lease has passed (a replica that died), each as a job of its own.
    void tend_claims();

    runtime::ModuleExecutor& executor_;
    persistence::OutboxStore& store_;
    bus::EventBus& bus_;
    Options options_;
    boost::asio::steady_timer timer_;
    bool stopped_ = false;
    std::chrono::steady_clock::time_point last_renewal_{}, last_takeover_{};
    bool claim_job_running_ = false;  ///< strand only

    mutable std::mutex mutex_;
    std::map<std::int64_t, InFlight> in_flight_;
    std::vector<std::int64_t> delivered_;
    std::uint64_t published_ = 0, delivered_count_ = 0, republished_ = 0;
    std::map<std::string, std::uint64_t, std::less<>> published_by_type_, delivered_by_type_;
    std::chrono::milliseconds longest_backoff_{0};
};

}  // namespace mb::adapters::runtime
