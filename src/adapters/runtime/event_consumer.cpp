#include "adapters/runtime/event_consumer.hpp"

#include <stdexcept>

#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "adapters/codec/event_codec.hpp"
#include "adapters/logging/log_context.hpp"
#include "adapters/logging/logging.hpp"
#include "adapters/runtime/type_counts.hpp"
#include "domain/common/error_category.hpp"
#include "domain/common/text.hpp"

namespace mb::adapters::runtime {
namespace {

std::string describe(std::exception_ptr ep) {
    try {
        std::rethrow_exception(ep);
    } catch (const std::exception& e) {
        return e.what();
    } catch (...) {
        return "unknown error";
    }
}

/// Runs both acknowledgements (a duplicate delivery rides on its original's).
bus::EventBus::Ack chain(bus::EventBus::Ack first, bus::EventBus::Ack second) {
    if (!first)
        return second;
    if (!second)
        return first;
    return [first = std::move(first), second = std::move(second)] {
        first();
        second();
    };
}

bool is_decode_error(std::exception_ptr ep) {
    try {
        std::rethrow_exception(ep);
    } catch (const codec::DecodeError&) {
        return true;
    } catch (...) {
        return false;
    }
}

std::string base64(std::string_view in) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < in.size(); i += 3) {
        std::uint32_t v = static_cast<unsigned char>(in[i]) << 16;
        if (i + 1 < in.size())
            v |= static_cast<unsigned char>(in[i + 1]) << 8;
        if (i + 2 < in.size())
            v |= static_cast<unsigned char>(in[i + 2]);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=';
        out += i + 2 < in.size() ? kAlphabet[v & 63] : '=';
    }
    return out;
}

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// Errors of the dead-letter admin calls.
enum class DeadLetterError { kNotFound = 1 };

}  // namespace
}  // namespace mb::adapters::runtime

template <>
struct std::is_error_code_enum<mb::adapters::runtime::DeadLetterError> : std::true_type {};

template <>
struct mb::domain::ErrorTraits<mb::adapters::runtime::DeadLetterError> {
    static constexpr const char* kName = "mb.dead_letters";
    static const char* message(mb::adapters::runtime::DeadLetterError) {
        return "no dead letter with that id";
    }
    static Condition condition(mb::adapters::runtime::DeadLetterError) {
        return Condition::kNotFound;
    }
};

namespace mb::adapters::runtime {
namespace {
std::error_code make_error_code(DeadLetterError e) {
    return domain::make_enum_error_code(e);
}
}  // namespace

EventConsumer::EventConsumer(runtime::ModuleExecutor& executor, persistence::InboxStore& inbox,
                             persistence::DeadLetterStore& dead_letters, Options options)
    : executor_(executor),
      log_(logging::module_logger(executor.name())),
      inbox_(inbox),
      store_(dead_letters),
      options_(options) {}

void EventConsumer::register_type(const std::string& event_type, const std::string& publisher,
                                  Apply apply) {
    appliers_[event_type] =
        Applier{[this, apply = std::move(apply)](const codec::Envelope& e) {
                    if (fault_check_ && fault_check_()) {
                        throw std::runtime_error("injected fault (--fault " + executor_.name() +
                                                 ":error-rate)");
                    }
                    apply(e);
                    // On the module strand, in the event's log context (request id, booking:
                    // ModuleExecutor::deliver): one id follows a booking to each consumer.
                    if (log_->should_log(spdlog::level::debug))
                        log_->debug("applied {} {}", e.event_type, e.event_id);
                },
                publisher};
}

EventConsumer::Lane EventConsumer::lane_of(const codec::Envelope& e) const {
    auto it = appliers_.find(e.event_type);
    return Lane{e.booking_id, it == appliers_.end() ? e.event_type : it->second.publisher};
}

void EventConsumer::load() {
    const auto parked = store_.parked_bookings();
    std::lock_guard lock(mutex_);
    parked_bookings_.insert(parked.begin(), parked.end());
    if (!parked.empty()) {
        log_->warn("{} bookings have parked events (see GET /admin/dead-letters)", parked.size());
    }
}

void EventConsumer::deliver(std::shared_ptr<const codec::Envelope> envelope,
                            bus::EventBus::Ack ack) {
    if (!appliers_.contains(envelope->event_type)) {  // not ours: nothing to apply
        ack();
        return;
    }
    Delivery d{std::move(envelope), std::move(ack), 0, {}};
    const auto key = d.envelope->booking_id;
    bool park_it = false;
    {
        std::lock_guard lock(mutex_);
        if (paused_) {
            auto [it, fresh] = held_ids_.emplace(d.envelope->event_id, held_.size());
            if (fresh) {
                held_.push_back(std::move(d));
            } else {
                held_[it->second].ack = chain(std::move(held_[it->second].ack), std::move(d.ack));
                ++duplicates_;
            }
            return;
        }
        if (parked_bookings_.contains(key)) {
            park_it = true;  // behind a parked letter of the same booking: keep the order
        } else {
            auto& lane = lanes_[lane_of(*d.envelope)];
            const auto& id = d.envelope->event_id;
            if (!lane.current.empty()) {
                // One event per lane at a time: wait for the one being applied. A redelivery
                // of an event already here is not applied again; it is acknowledged with it.
                if (lane.current == id) {
                    lane.current_duplicates.push_back(std::move(d.ack));
                    ++duplicates_;
                    return;
                }
                for (auto& w : lane.waiting) {
                    if (w.envelope->event_id == id) {
                        w.ack = chain(std::move(w.ack), std::move(d.ack));
                        ++duplicates_;
                        return;
                    }
                }
                lane.waiting.push_back(std::move(d));
                return;
            }
            lane.current = id;
        }
    }
    if (park_it) {
        std::vector<Delivery> one;
        one.push_back(std::move(d));
        park(std::move(one),
             "held behind an earlier parked event of booking " + std::to_string(key));
        return;
    }
    process(std::move(d));
}

void EventConsumer::process(Delivery delivery) {
    const auto& applier = appliers_.find(delivery.envelope->event_type)->second;
    auto envelope = delivery.envelope;
    auto shared = std::make_shared<Delivery>(std::move(delivery));
    executor_.deliver(std::move(envelope), applier.apply,
                      [this, shared](std::exception_ptr ep) { finished(std::move(*shared), ep); });
}

std::chrono::milliseconds EventConsumer::backoff(int attempts) const {
    auto delay = options_.first_backoff;
    for (int i = 1; i < attempts && delay < options_.max_backoff; ++i)
        delay *= 2;
    return std::min(delay, options_.max_backoff);
}

void EventConsumer::finished(Delivery delivery, std::exception_ptr error) {
    const auto lane_key = lane_of(*delivery.envelope);
    if (!error) {
        delivery.ack();
        std::optional<Delivery> next;
        std::vector<bus::EventBus::Ack> duplicates;
        {
            std::lock_guard lock(mutex_);
            ++applied_;
            count_type(consumed_by_type_, delivery.envelope->event_type);
            auto it = lanes_.find(lane_key);
            if (it != lanes_.end()) {
                duplicates.swap(it->second.current_duplicates);
                if (it->second.waiting.empty()) {
                    lanes_.erase(it);
                } else {
                    next = std::move(it->second.waiting.front());
                    it->second.waiting.pop_front();
                    it->second.current = next->envelope->event_id;
                }
            }
        }
        for (auto& ack : duplicates)
            ack();
        if (next)
            process(std::move(*next));
        return;
    }
    ++delivery.attempts;
    if (is_decode_error(error))
        delivery.attempts = std::max(delivery.attempts, options_.max_attempts);
    delivery.last_error = describe(error);
    {
        const logging::ScopedLogContext context(
            {delivery.envelope->request_id, delivery.envelope->booking_id, delivery.last_error});
        log_->warn("{} {} (booking {}) failed, attempt {} of {}: {}", delivery.envelope->event_type,
                   delivery.envelope->event_id, delivery.envelope->booking_id, delivery.attempts,
                   options_.max_attempts, delivery.last_error);
    }
    std::vector<Delivery> to_park;
    {
        std::lock_guard lock(mutex_);
        ++failures_;
        count_type(failed_by_type_, delivery.envelope->event_type);
        if (delivery.attempts >= options_.max_attempts) {
            // Park it and everything of its booking waiting in any lane, in order; the
            // booking stays parked until an operator retries (or discards) its letters.
            const auto booking = delivery.envelope->booking_id;
            if (auto own = lanes_.find(lane_key); own != lanes_.end()) {
                for (auto& ack : own->second.current_duplicates)
                    delivery.ack = chain(std::move(delivery.ack), std::move(ack));
                own->second.current_duplicates.clear();
            }
            to_park.push_back(delivery);
            for (auto it = lanes_.begin(); it != lanes_.end();) {
                if (it->first.booking_id != booking) {
                    ++it;
                    continue;
                }
                for (auto& w : it->second.waiting)
                    to_park.push_back(std::move(w));
                it->second.waiting.clear();
                if (it->first == lane_key || it->second.current.empty()) {
                    it = lanes_.erase(it);
                } else {
                    ++it;  // another lane's event is being applied; it finishes on its own
                }
            }
            parked_bookings_.insert(booking);
        }
    }
    if (!to_park.empty()) {
        park(std::move(to_park), delivery.last_error);
        return;
    }
    auto timer =
        std::make_shared<boost::asio::steady_timer>(executor_.strand(), backoff(delivery.attempts));
    timer->async_wait([this, timer, d = std::move(delivery)](boost::system::error_code ec) mutable {
        if (ec)
            return;
        process(std::move(d));
    });
}

void EventConsumer::park(std::vector<Delivery> deliveries, std::string first_error) {
    // One letter per event, even if a redelivery slipped in twice: a duplicate's ack rides
    // on its original's (acknowledged only once the letter is stored).
    std::vector<Delivery> unique;
    std::map<std::string, std::size_t> index;
    for (auto& d : deliveries) {
        auto [it, fresh] = index.emplace(d.envelope->event_id, unique.size());
        if (fresh) {
            unique.push_back(std::move(d));
        } else {
            auto& original = unique[it->second];
            original.ack = chain(std::move(original.ack), std::move(d.ack));
        }
    }
    auto shared = std::make_shared<std::vector<Delivery>>(std::move(unique));
    executor_.submit(
        [this, shared, first_error] {
            bool first = true;
            for (const auto& d : *shared) {
                // Already parked (a redelivery of a parked event) or already applied: nothing
                // to keep, only to acknowledge.
                if (store_.contains(d.envelope->event_id) ||
                    inbox_.contains(d.envelope->event_id)) {
                    continue;
                }
                persistence::DeadLetter letter{
                    0,
                    d.envelope->event_id,
                    d.envelope->event_type,
                    d.envelope->booking_id,
                    d.envelope->payload,
                    first ? first_error
                          : "held behind an earlier parked event of booking " +
                                std::to_string(d.envelope->booking_id),
                    d.attempts,
                    now_ms()};
                store_.add(letter);
                first = false;
            }
            return Outcome::kCommit;
        },
        [this, shared](std::exception_ptr ep) {
            if (ep) {
                // Not parked: not acknowledged either, so the publisher redelivers it later.
                log_->error("parking failed: {}", describe(ep));
                return;
            }
            for (auto& d : *shared) {
                log_->error("parked {} {} of booking {} as a dead letter", d.envelope->event_type,
                            d.envelope->event_id, d.envelope->booking_id);
                d.ack();
            }
            std::lock_guard lock(mutex_);
            parked_ += shared->size();
            for (const auto& d : *shared)
                count_type(parked_by_type_, d.envelope->event_type);
        });
}

void EventConsumer::park_malformed(std::string event_id, std::string event_type,
                                   std::int64_t booking_id, std::string payload, std::string error,
                                   bus::EventBus::Ack ack) {
    persistence::DeadLetter letter{
        0,
        std::move(event_id),
        std::move(event_type),
        booking_id,
        domain::is_utf8(payload) ? std::move(payload) : "base64:" + base64(payload),
        std::move(error),
        1,
        now_ms()};
    auto shared = std::make_shared<persistence::DeadLetter>(std::move(letter));
    executor_.submit(
        [this, shared] {
            if (!store_.contains(shared->event_id))
                store_.add(*shared);
            return Outcome::kCommit;
        },
        [this, shared, ack = std::move(ack)](std::exception_ptr ep) {
            if (ep) {
                // Not stored, not acknowledged: the transport delivers it again.
                log_->error("parking a malformed message failed: {}", describe(ep));
                return;
            }
            log_->error("parked malformed message {} as a dead letter: {}", shared->event_id,
                        shared->error);
            {
                std::lock_guard lock(mutex_);
                ++parked_;
                count_type(parked_by_type_, shared->event_type);
            }
            if (ack)
                ack();
        });
}

void EventConsumer::pause() {
    executor_.set_paused(true);
    std::lock_guard lock(mutex_);
    paused_ = true;
}

void EventConsumer::resume() {
    std::deque<Delivery> held;
    {
        std::lock_guard lock(mutex_);
        paused_ = false;
        held.swap(held_);
        held_ids_.clear();
    }
    executor_.set_paused(false);
    log_->info("resumed; applying {} held events", held.size());
    for (auto& d : held)
        deliver(std::move(d.envelope), std::move(d.ack));
}

bool EventConsumer::paused() const {
    std::lock_guard lock(mutex_);
    return paused_;
}

EventConsumer::Stats EventConsumer::stats() const {
    std::lock_guard lock(mutex_);
    std::size_t waiting = 0;
    for (const auto& [key, lane] : lanes_)
        waiting += lane.waiting.size();
    return Stats{applied_,    failures_,         parked_,         held_.size(),   waiting,
                 duplicates_, consumed_by_type_, failed_by_type_, parked_by_type_};
}

boost::asio::awaitable<std::vector<persistence::DeadLetter>> EventConsumer::dead_letters(
    std::int64_t limit) {
    auto list = [this, limit] {
        return store_.list(limit);
    };
    co_return co_await executor_.execute(std::move(list));
}

boost::asio::awaitable<domain::Result<void>> EventConsumer::discard(std::int64_t letter_id) {
    auto job = [this, letter_id]() -> std::pair<domain::Result<void>, std::int64_t> {
        auto letter = store_.find(letter_id);
        if (!letter)
            return {domain::fail(DeadLetterError::kNotFound), 0};
        store_.remove(letter_id);
        const auto remaining =
            static_cast<std::int64_t>(store_.for_booking(letter->booking_id).size());
        return {domain::Result<void>{}, remaining == 0 ? letter->booking_id : 0};
    };
    auto [result, released] = co_await executor_.execute(std::move(job));
    if (released != 0) {
        std::lock_guard lock(mutex_);
        parked_bookings_.erase(released);
    }
    co_return result;
}

boost::asio::awaitable<domain::Result<std::int64_t>> EventConsumer::retry(std::int64_t letter_id) {
    auto find = [this, letter_id] {
        std::vector<persistence::DeadLetter> letters;
        if (auto letter = store_.find(letter_id))
            letters = store_.for_booking(letter->booking_id);
        return letters;
    };
    auto letters = co_await executor_.execute(std::move(find));
    if (letters.empty())
        co_return domain::fail(DeadLetterError::kNotFound);
    std::int64_t applied = 0;
    for (auto letter : letters) {
        auto it = appliers_.find(letter.event_type);
        auto apply = it == appliers_.end() ? Apply{} : it->second.apply;
        // Apply and un-park in one savepoint: a crash never loses nor doubles the letter.
        auto job = [this, letter, apply]() -> domain::Result<void> {
            codec::Envelope envelope{
                letter.event_id, letter.event_type, letter.booking_id, {}, letter.payload};
            if (inbox_.record(envelope.event_id) && apply)
                apply(envelope);
            store_.remove(letter.id);
            return {};
        };
        std::exception_ptr failure;
        try {
            co_await executor_.execute(std::move(job));
            ++applied;
        } catch (...) {
            failure = std::current_exception();
        }
        if (failure) {
            letter.error = describe(failure);
            ++letter.attempts;
            auto keep = [this, letter]() -> domain::Result<void> {
                store_.update(letter);
                return {};
            };
            co_await executor_.execute(std::move(keep));
            log_->warn("retry of dead letter {} failed again: {}", letter.id, letter.error);
            co_return applied;
        }
    }
    {
        std::lock_guard lock(mutex_);
        parked_bookings_.erase(letters.front().booking_id);
        applied_ += static_cast<std::uint64_t>(applied);
    }
    log_->info("{} dead letters of booking {} applied", applied, letters.front().booking_id);
    co_return applied;
}

}  // namespace mb::adapters::runtime
