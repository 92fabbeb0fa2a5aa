#pragma once
// EventConsumer: the consuming side of one module (ARCHITECTURE.md, "Inbox" and "Isolation").
// Every event goes through the module's executor (inbox + apply in one savepoint). On top:
//  - order per booking: events of one publisher about one booking are applied one at a time,
//    in delivery (= commit) order; while one is failing, the later ones wait behind it; other
//    bookings, and other publishers' events, flow on;
//  - retries with exponential backoff; after `max_attempts` the event is parked as a dead
//    letter with its error — and the booking's later events are parked behind it — then
//    acknowledged, so the publisher stops redelivering; an operator retries or discards it;
//  - pause: deliveries are held (in order, duplicates dropped) and applied on resume; nothing
//    is acknowledged meanwhile, so a crash loses nothing (the publishers' outboxes keep them).
//  - a duplicate delivery of an event that is still here (waiting, being applied, held) is not
//    applied twice, but its ack runs together with the original's: a transport that tracks
//    every delivery (Kafka offsets) sees each one acknowledged;
//  - an event that cannot be decoded (DecodeError) is parked at once: retrying cannot help.
// Thread-safety: deliver/pause/resume from any thread; admin calls are coroutines.
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <spdlog/logger.h>

#include "adapters/bus/event_bus.hpp"
#include "adapters/codec/envelope.hpp"
#include "adapters/persistence/dead_letter_store.hpp"
#include "adapters/persistence/inbox_store.hpp"
#include "adapters/runtime/dead_letter_queue.hpp"
#include "adapters/runtime/module_executor.hpp"
#include "domain/common/result.hpp"

namespace mb::adapters::runtime {

class EventConsumer final : public DeadLetterQueue {
public:
    struct Options {
        int max_attempts = 5;
        std::chrono::milliseconds first_backoff{100};
        std::chrono::milliseconds max_backoff{5000};
    };
    struct Stats {
        std::uint64_t applied = 0;
        std::uint64_t failures = 0;
        std::uint64_t parked = 0;
        std::size_t held_while_paused = 0;
        std::size_t waiting_behind_failures = 0;
        std::uint64_t duplicates_joined = 0;  ///< redeliveries of events still in progress
        /// By event type: applied (committed, or skipped by the inbox as already applied),
        /// failed attempts, and parked as dead letters.
        std::map<std::string, std::uint64_t, std::less<>> consumed_by_type;
        std::map<std::string, std::uint64_t, std::less<>> failed_by_type;
        std::map<std::string, std::uint64_t, std::less<>> parked_by_type;
    };
    using Apply = std::function<void(const codec::Envelope&)>;

    EventConsumer(runtime::ModuleExecutor& executor, persistence::InboxStore& inbox,
                  persistence::DeadLetterStore& dead_letters, Options options);

    /// Fault injection (issue 4): when set and it returns true, applying an event fails with
    /// an injected error (exercises retries and dead letters). Call before use.
    void set_fault_check(std::function<bool()> check) { fault_check_ = std::move(check); }

    /// Registers how to apply one event type and which publisher's order it follows (typed
    /// decoding lives in subscribe.hpp). Call before the bus delivers anything.
    void register_type(const std::string& event_type, const std::string& publisher, Apply apply);
    /// Reads which bookings have parked letters (call once at start, before the io runs).
    void load();

    /// Entry point for the bus: applies `envelope` once, acknowledging after the commit.
    void deliver(std::shared_ptr<const codec::Envelope> envelope, bus::EventBus::Ack ack);

    /// A message the transport could not read as an event (not JSON, no eventType or
    /// bookingId): stored as a dead letter with its raw bytes (`payload`; base64 with a
    /// "base64:" prefix when not UTF-8) and `error`, then acknowledged. It holds back no
    /// booking. `event_id` identifies it (e.g. "kafka:movie:2:1041@1763771234123"); a second
    /// delivery of the same id is only acknowledged. Thread-safe.
    void park_malformed(std::string event_id, std::string event_type, std::int64_t booking_id,
                        std::string payload, std::string error, bus::EventBus::Ack ack);

    void pause();
    void resume();
    [[nodiscard]] bool paused() const;
    [[nodiscard]] Stats stats() const;

    /// Operator actions on dead letters. retry applies every parked letter of the letter's
    /// booking, in order, and stops at the first that fails again (kept, with the new error).
    /// Returns how many were applied. Errors: kNotFound (no such letter).
    boost::asio::awaitable<domain::Result<std::int64_t>> retry(std::int64_t letter_id) override;
    boost::asio::awaitable<domain::Result<void>> discard(std::int64_t letter_id) override;
    boost::asio::awaitable<std::vector<persistence::DeadLetter>> dead_letters(
        std::int64_t limit) override;
    [[nodiscard]] const std::string& name() const noexcept override { return executor_.name(); }

private:
    struct Delivery {
        std::shared_ptr<const codec::Envelope> envelope;
        bus::EventBus::Ack ack;
        int attempts = 0;
        std::string last_error;
    };
    void process(Delivery delivery);
    void finished(Delivery delivery, std::exception_ptr error);
    void park(std::vector<Delivery> deliveries, std::string first_error);
    std::chrono::milliseconds backoff(int attempts) const;

    runtime::ModuleExecutor& executor_;
    std::shared_ptr<spdlog::logger> log_;  ///< the module's logger (its executor's name)
    persistence::InboxStore& inbox_;
    persistence::DeadLetterStore& store_;
    Options options_;
    struct Applier {
        Apply apply;
        std::string publisher;
    };
    /// Events of one publisher about one booking form one ordered lane.
    struct Lane {
        std::int64_t booking_id = 0;
        std::string publisher;
        friend auto operator<=>(const Lane&, const Lane&) = default;
    };
    struct LaneState {
        std::string current;  ///< event id being applied (or retried)
        std::vector<bus::EventBus::Ack> current_duplicates;  ///< acks of its duplicate deliveries
        std::deque<Delivery> waiting;
    };
    [[nodiscard]] Lane lane_of(const codec::Envelope& e) const;

    std::map<std::string, Applier, std::less<>> appliers_;
    std::function<bool()> fault_check_;

    mutable std::mutex mutex_;
    bool paused_ = false;
    std::deque<Delivery> held_;
    std::unordered_map<std::string, std::size_t> held_ids_;  ///< event id -> index in held_
    std::map<Lane, LaneState> lanes_;
    std::set<std::int64_t> parked_bookings_;
    std::uint64_t applied_ = 0, failures_ = 0, parked_ = 0, duplicates_ = 0;
    std::map<std::string, std::uint64_t, std::less<>> consumed_by_type_, failed_by_type_,
        parked_by_type_;
};

}  // namespace mb::adapters::runtime
