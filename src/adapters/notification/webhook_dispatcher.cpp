#include "adapters/notification/webhook_dispatcher.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "adapters/notification/webhook_signature.hpp"
#include "domain/common/error_category.hpp"

namespace mb::adapters::notification {
namespace {

namespace asio = boost::asio;
constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);
/// How long a loop waits before asking an open breaker again.
constexpr std::chrono::milliseconds kBreakerWait{200};
/// What a job that only writes returns (a bool would not say whether to commit).
struct Written {};
/// Pending deliveries read per look at the outbox.
constexpr std::int64_t kBatch = 64;

std::int64_t now_ms() {
    return persistence::to_epoch_ms(std::chrono::system_clock::now());
}

/// Errors of the webhook dead-letter calls.
enum class WebhookError { kNoSuchDelivery = 1 };

}  // namespace
}  // namespace mb::adapters::notification

template <>
struct std::is_error_code_enum<mb::adapters::notification::WebhookError> : std::true_type {};

template <>
struct mb::domain::ErrorTraits<mb::adapters::notification::WebhookError> {
    static constexpr const char* kName = "mb.webhook";
    static const char* message(mb::adapters::notification::WebhookError) {
        return "no dead webhook delivery with that id";
    }
    static Condition condition(mb::adapters::notification::WebhookError) {
        return Condition::kNotFound;
    }
};

namespace mb::adapters::notification {
namespace {
std::error_code make_error_code(WebhookError e) {
    return domain::make_enum_error_code(e);
}
}  // namespace

std::chrono::milliseconds webhook_backoff(std::int64_t attempt, std::chrono::milliseconds first,
                                          std::chrono::milliseconds max) {
    auto delay = first;
    for (std::int64_t i = 1; i < attempt && delay < max; ++i) {
        delay *= 2;
    }
    return std::min(delay, max);
}

std::vector<std::pair<std::string, std::string>> webhook_headers(const WebhookDelivery& delivery,
                                                                 std::int64_t attempt,
                                                                 std::int64_t unix_seconds,
                                                                 const std::string& secret) {
    const auto timestamp = std::to_string(unix_seconds);
    return {{"X-Event-Id", delivery.event_id},
            {"X-Event-Type", delivery.event_type},
            {"X-Timestamp", timestamp},
            {"X-Signature", webhook_signature(secret, timestamp, delivery.body)},
            {"X-Delivery-Id", std::to_string(delivery.id)},
            {"X-Delivery-Attempt", std::to_string(attempt)}};
}

/// One endpoint's loop state; lives on its strand.
struct WebhookDispatcher::Lane {
    Lane(asio::any_io_executor io, const WebhookEndpoint& e,
         const inprocess::CircuitBreakerOptions& breaker_options)
        : endpoint(e),
          strand(asio::make_strand(io)),
          wait(strand),
          backoff(strand),
          breaker("webhook " + e.url, breaker_options) {}
    WebhookEndpoint endpoint;
    asio::strand<asio::any_io_executor> strand;
    asio::steady_timer wait;     ///< idle: cut short by wake()
    asio::steady_timer backoff;  ///< between attempts: cut short by stop() only
    inprocess::CircuitBreaker breaker;
    std::atomic<bool> woken{false};
};

WebhookDispatcher::WebhookDispatcher(asio::any_io_executor io, runtime::ModuleExecutor& executor,
                                     WebhookOutbox& outbox, std::vector<WebhookEndpoint> endpoints,
                                     WebhookOptions options)
    : io_(std::move(io)),
      executor_(executor),
      outbox_(outbox),
      endpoints_(std::move(endpoints)),
      options_(std::move(options)) {
    for (const auto& e : endpoints_) {
        lanes_.push_back(std::make_shared<Lane>(io_, e, options_.breaker));
    }
}

WebhookDispatcher::~WebhookDispatcher() {
    stop();
}

void WebhookDispatcher::start() {
    for (const auto& lane : lanes_) {
        asio::co_spawn(lane->strand, run(lane), [url = lane->endpoint.url](std::exception_ptr e) {
            if (e) {
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    spdlog::error("webhook {}: the delivery loop ended: {}", url, ex.what());
                }
            }
        });
    }
}

void WebhookDispatcher::stop() {
    stopping_ = true;
    for (const auto& lane : lanes_) {
        asio::post(lane->strand, [lane] {
            lane->wait.cancel();
            lane->backoff.cancel();
        });
    }
}

void WebhookDispatcher::wake() {
    for (const auto& lane : lanes_) {
        lane->woken = true;
        asio::post(lane->strand, [lane] { lane->wait.cancel(); });
    }
}

asio::awaitable<void> WebhookDispatcher::pause(asio::steady_timer& timer,
                                               std::chrono::milliseconds how_long) {
    timer.expires_after(how_long);
    auto [ignored] = co_await timer.async_wait(kAsTuple);
    (void)ignored;
}

asio::awaitable<void> WebhookDispatcher::run(std::shared_ptr<Lane> lane) {
    while (!stopping_) {
        lane->woken = false;  // before the read: a wake from now on is seen by the next look
        const auto url = lane->endpoint.url;
        auto read = [this, url] { return outbox_.pending(url, kBatch); };
        std::vector<WebhookDelivery> batch;
        bool failed = false;
        try {
            batch = co_await executor_.execute(std::move(read));
        } catch (const std::exception& e) {
            spdlog::error("webhook {}: reading the outbox failed: {}", url, e.what());
            failed = true;
        }
        if (batch.empty()) {
            if (!lane->woken || failed) {
                co_await pause(lane->wait, options_.poll);
            }
            continue;
        }
        // A booking whose delivery died in this batch: its later ones are parked behind it.
        std::set<std::int64_t> died;
        for (auto& delivery : batch) {
            if (stopping_) {
                co_return;
            }
            if (delivery.behind_dead || died.count(delivery.booking_id) != 0) {
                const auto id = delivery.id;
                auto park = [this, id] {
                    outbox_.record(id, DeliveryState::kDead, 0,
                                   "parked behind an earlier dead delivery of its booking",
                                   now_ms());
                    return Written{};
                };
                co_await executor_.execute(std::move(park));
                continue;
            }
            const auto booking_id = delivery.booking_id;
            if (co_await deliver(*lane, std::move(delivery))) {
                died.insert(booking_id);
            }
        }
    }
}

asio::awaitable<bool> WebhookDispatcher::deliver(Lane& lane, WebhookDelivery delivery) {
    auto attempts = delivery.attempts;
    while (!stopping_) {
        if (!lane.breaker.try_acquire()) {
            co_await pause(lane.backoff, kBreakerWait);  // open: costs no attempt
            continue;
        }
        ++attempts;
        const auto unix_seconds =
            std::chrono::duration_cast<std::chrono::seconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
        auto headers = webhook_headers(delivery, attempts, unix_seconds, options_.secret);
        auto body = delivery.body;
        const auto started = std::chrono::steady_clock::now();
        const auto answer =
            co_await post_webhook(lane.endpoint, std::move(headers), std::move(body),
                                  options_.timeout);
        lane.breaker.on_result(answer.delivered(), std::chrono::steady_clock::now() - started);
        const auto state = answer.delivered()              ? DeliveryState::kDelivered
                           : attempts >= options_.max_attempts ? DeliveryState::kDead
                                                               : DeliveryState::kPending;
        const auto error = answer.delivered() ? std::string() : answer.describe();
        const auto id = delivery.id;
        auto record = [this, id, state, attempts, error] {
            outbox_.record(id, state, attempts, error, now_ms());
            return Written{};
        };
        co_await executor_.execute(std::move(record));
        if (state == DeliveryState::kDelivered) {
            co_return false;
        }
        if (state == DeliveryState::kDead) {
            spdlog::warn("webhook {}: delivery {} of event {} is a dead letter after {} "
                         "attempts: {}",
                         lane.endpoint.url, id, delivery.event_id, attempts, error);
            co_return true;
        }
        co_await pause(lane.backoff,
                       webhook_backoff(attempts, options_.first_backoff, options_.max_backoff));
    }
    co_return false;
}

asio::awaitable<std::vector<persistence::DeadLetter>> WebhookDispatcher::dead_letters(
    std::int64_t limit) {
    auto read = [this, limit] { return outbox_.dead(limit); };
    const auto rows = co_await executor_.execute(std::move(read));
    std::vector<persistence::DeadLetter> letters;
    letters.reserve(rows.size());
    for (const auto& row : rows) {
        persistence::DeadLetter l;
        l.id = row.id;
        l.event_id = row.event_id;
        l.event_type = row.event_type;
        l.booking_id = row.booking_id;
        l.payload = row.body;
        l.error = row.endpoint + ": " + row.last_error;
        l.attempts = row.attempts;
        l.parked_at = row.updated_at;
        letters.push_back(std::move(l));
    }
    co_return letters;
}

asio::awaitable<domain::Result<std::int64_t>> WebhookDispatcher::retry(std::int64_t letter_id) {
    auto revive = [this, letter_id]() -> domain::Result<std::int64_t> {
        auto row = outbox_.find(letter_id);
        if (!row || row->state != DeliveryState::kDead) {
            return domain::fail(WebhookError::kNoSuchDelivery);
        }
        return outbox_.revive(row->endpoint, row->booking_id, now_ms());
    };
    auto revived = co_await executor_.execute(std::move(revive));
    if (revived) {
        wake();
    }
    co_return revived;
}

asio::awaitable<domain::Result<void>> WebhookDispatcher::discard(std::int64_t letter_id) {
    auto drop = [this, letter_id]() -> domain::Result<void> {
        if (!outbox_.discard(letter_id, now_ms())) {
            return domain::fail(WebhookError::kNoSuchDelivery);
        }
        return {};
    };
    co_return co_await executor_.execute(std::move(drop));
}

}  // namespace mb::adapters::notification
