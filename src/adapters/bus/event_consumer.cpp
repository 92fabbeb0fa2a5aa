#include "adapters/bus/event_consumer.hpp"

#include <stdexcept>

#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "domain/common/error_category.hpp"

namespace mb::adapters::bus {
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

std::int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// Errors of the dead-letter admin calls.
enum class DeadLetterError { kNotFound = 1 };

}  // namespace
}  // namespace mb::adapters::bus

template <>
struct std::is_error_code_enum<mb::adapters::bus::DeadLetterError> : std::true_type {};

template <>
struct mb::domain::ErrorTraits<mb::adapters::bus::DeadLetterError> {
    static constexpr const char* kName = "mb.dead_letters";
    static const char* message(mb::adapters::bus::DeadLetterError) {
        return "no dead letter with that id";
    }
    static Condition condition(mb::adapters::bus::DeadLetterError) { return Condition::kNotFound; }
};

namespace mb::adapters::bus {
namespace {
std::error_code make_error_code(DeadLetterError e) {
    return domain::make_enum_error_code(e);
}
}  // namespace

EventConsumer::EventConsumer(persistence::ModuleExecutor& executor, persistence::InboxStore& inbox,
                             persistence::DeadLetterStore& dead_letters, Options options)
    : executor_(executor), inbox_(inbox), store_(dead_letters), options_(options) {}

void EventConsumer::register_type(const std::string& event_type, Apply apply) {
    appliers_[event_type] = [this, apply = std::move(apply)](const Envelope& e) {
        if (fault_check_ && fault_check_()) {
            throw std::runtime_error("injected fault (--fault " + executor_.name() +
                                     ":error-rate)");
        }
        apply(e);
    };
}

void EventConsumer::load() {
    const auto parked = store_.parked_bookings();
    std::lock_guard lock(mutex_);
    parked_bookings_.insert(parked.begin(), parked.end());
    if (!parked.empty()) {
        spdlog::warn("{}: {} bookings have parked events (see GET /admin/dead-letters)",
                     executor_.name(), parked.size());
    }
}

void EventConsumer::deliver(std::shared_ptr<const Envelope> envelope, EventBus::Ack ack) {
    Delivery d{std::move(envelope), std::move(ack), 0, {}};
    const auto key = d.envelope->booking_id;
    bool park_it = false;
    {
        std::lock_guard lock(mutex_);
        if (paused_) {
            if (held_ids_.insert(d.envelope->event_id).second)
                held_.push_back(std::move(d));
            return;
        }
        if (parked_bookings_.contains(key)) {
            park_it = true;  // behind a parked letter of the same booking: keep the order
        } else if (auto it = blocked_.find(key); it != blocked_.end()) {
            for (const auto& waiting : it->second) {
                if (waiting.envelope->event_id == d.envelope->event_id)
                    return;  // redelivery
            }
            it->second.push_back(std::move(d));
            return;
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
    auto it = appliers_.find(delivery.envelope->event_type);
    if (it == appliers_.end()) {  // not ours: nothing to apply
        delivery.ack();
        return;
    }
    auto envelope = delivery.envelope;
    auto shared = std::make_shared<Delivery>(std::move(delivery));
    executor_.deliver(std::move(envelope), it->second,
                      [this, shared](std::exception_ptr ep) { finished(std::move(*shared), ep); });
}

std::chrono::milliseconds EventConsumer::backoff(int attempts) const {
    auto delay = options_.first_backoff;
    for (int i = 1; i < attempts && delay < options_.max_backoff; ++i)
        delay *= 2;
    return std::min(delay, options_.max_backoff);
}

void EventConsumer::finished(Delivery delivery, std::exception_ptr error) {
    const auto key = delivery.envelope->booking_id;
    if (!error) {
        delivery.ack();
        std::optional<Delivery> next;
        {
            std::lock_guard lock(mutex_);
            ++applied_;
            auto it = blocked_.find(key);
            if (it != blocked_.end() &&
                it->second.front().envelope->event_id == delivery.envelope->event_id) {
                it->second.pop_front();
                if (it->second.empty()) {
                    blocked_.erase(it);
                } else {
                    next = it->second.front();  // stays at the front while it is applied
                }
            }
        }
        if (next)
            process(std::move(*next));
        return;
    }
    ++delivery.attempts;
    delivery.last_error = describe(error);
    spdlog::warn("{}: {} {} (booking {}) failed, attempt {} of {}: {}", executor_.name(),
                 delivery.envelope->event_type, delivery.envelope->event_id, key, delivery.attempts,
                 options_.max_attempts, delivery.last_error);
    std::vector<Delivery> to_park;
    {
        std::lock_guard lock(mutex_);
        ++failures_;
        auto& queue = blocked_[key];
        if (queue.empty() || queue.front().envelope->event_id != delivery.envelope->event_id) {
            queue.push_front(delivery);
        } else {
            queue.front() = delivery;
        }
        if (delivery.attempts >= options_.max_attempts) {
            to_park.assign(std::make_move_iterator(queue.begin()),
                           std::make_move_iterator(queue.end()));
            blocked_.erase(key);
            parked_bookings_.insert(key);
        }
    }
    if (!to_park.empty()) {
        park(std::move(to_park), delivery.last_error);
        return;
    }
    auto timer =
        std::make_shared<boost::asio::steady_timer>(executor_.strand(), backoff(delivery.attempts));
    timer->async_wait([this, timer, key](boost::system::error_code ec) {
        if (ec)
            return;
        std::optional<Delivery> front;
        {
            std::lock_guard lock(mutex_);
            auto it = blocked_.find(key);
            if (it == blocked_.end() || it->second.empty())
                return;
            front = it->second.front();
        }
        process(std::move(*front));
    });
}

void EventConsumer::park(std::vector<Delivery> deliveries, std::string first_error) {
    auto shared = std::make_shared<std::vector<Delivery>>(std::move(deliveries));
    executor_.submit(
        [this, shared, first_error] {
            bool first = true;
            for (const auto& d : *shared) {
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
            return true;
        },
        [this, shared](std::exception_ptr ep) {
            if (ep) {
                // Not parked: not acknowledged either, so the publisher redelivers it later.
                spdlog::error("{}: parking failed: {}", executor_.name(), describe(ep));
                return;
            }
            for (auto& d : *shared) {
                spdlog::error("{}: parked {} {} of booking {} as a dead letter", executor_.name(),
                              d.envelope->event_type, d.envelope->event_id, d.envelope->booking_id);
                d.ack();
            }
            std::lock_guard lock(mutex_);
            parked_ += shared->size();
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
    spdlog::info("{}: resumed; applying {} held events", executor_.name(), held.size());
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
    for (const auto& [key, q] : blocked_)
        waiting += q.size();
    return Stats{applied_, failures_, parked_, held_.size(), waiting};
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
        auto apply = it == appliers_.end() ? Apply{} : it->second;
        // Apply and un-park in one savepoint: a crash never loses nor doubles the letter.
        auto job = [this, letter, apply]() -> domain::Result<void> {
            Envelope envelope{
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
            auto keep = [this, letter] {
                store_.update(letter);
                return true;
            };
            co_await executor_.execute(std::move(keep));
            spdlog::warn("{}: retry of dead letter {} failed again: {}", executor_.name(),
                         letter.id, letter.error);
            co_return applied;
        }
    }
    {
        std::lock_guard lock(mutex_);
        parked_bookings_.erase(letters.front().booking_id);
        applied_ += static_cast<std::uint64_t>(applied);
    }
    spdlog::info("{}: {} dead letters of booking {} applied", executor_.name(), applied,
                 letters.front().booking_id);
    co_return applied;
}

}  // namespace mb::adapters::bus
