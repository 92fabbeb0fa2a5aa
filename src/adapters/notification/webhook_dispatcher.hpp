#pragma once
// The webhook dispatcher (README "Notifications (webhooks)"): one delivery loop per endpoint,
// on its own strand of the io context, that works the endpoint's outbox rows off in id order,
// one at a time — so a booking's notifications arrive in the order its events were consumed —
// with retries and exponential backoff, a circuit breaker per endpoint (a refused permit waits
// and costs no attempt), and dead letters after `max_attempts`: a dead delivery's later
// deliveries of the same booking are parked behind it, and an operator's retry
// (/admin/dead-letters/webhook/{id}/retry) requeues them all, in order. Every request is
// signed (webhook_signature.hpp) and carries the event id for the receiver's idempotency:
// delivery is at least once, exactly once by event id for a receiver that remembers ids.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "adapters/inprocess/circuit_breaker.hpp"
#include "adapters/notification/webhook_client.hpp"
#include "adapters/notification/webhook_outbox.hpp"
#include "adapters/runtime/dead_letter_queue.hpp"
#include "adapters/runtime/module_executor.hpp"

namespace mb::adapters::notification {

struct WebhookOptions {
    std::string secret;  ///< the HMAC key (>= 1 byte; README asks for >= 32)
    std::int64_t max_attempts = 10;
    std::chrono::milliseconds first_backoff{1000};
    std::chrono::milliseconds max_backoff{60000};
    std::chrono::milliseconds timeout{5000};  ///< one POST, connect to answer
    std::chrono::milliseconds poll{1000};     ///< look at the outbox this often when not woken
    inprocess::CircuitBreakerOptions breaker;
};

/// The wait after the `attempt`-th failed attempt (>= 1): first * 2^(attempt-1), capped at
/// `max` (1 s, 2 s, 4 s ... 60 s with the defaults). Deterministic: deliveries of one endpoint
/// are sequential, so there is no herd to spread with jitter.
[[nodiscard]] std::chrono::milliseconds webhook_backoff(std::int64_t attempt,
                                                        std::chrono::milliseconds first,
                                                        std::chrono::milliseconds max);

/// The headers of one attempt: X-Event-Id, X-Event-Type, X-Timestamp (Unix seconds),
/// X-Signature (over timestamp and body), X-Delivery-Id (the outbox id: grows in the order
/// deliveries are sent to one endpoint), X-Delivery-Attempt (1, 2 ...).
[[nodiscard]] std::vector<std::pair<std::string, std::string>> webhook_headers(
    const WebhookDelivery& delivery, std::int64_t attempt, std::int64_t unix_seconds,
    const std::string& secret);

/// Thread-safe: wake() and the DeadLetterQueue calls from any thread. start() once; must
/// outlive the io context's run (its loops refer to it) or be stopped first.
class WebhookDispatcher final : public runtime::DeadLetterQueue {
public:
    WebhookDispatcher(boost::asio::any_io_executor io, runtime::ModuleExecutor& executor,
                      WebhookOutbox& outbox, std::vector<WebhookEndpoint> endpoints,
                      WebhookOptions options);
    ~WebhookDispatcher() override;
    WebhookDispatcher(const WebhookDispatcher&) = delete;
    WebhookDispatcher& operator=(const WebhookDispatcher&) = delete;
    WebhookDispatcher(WebhookDispatcher&&) = delete;
    WebhookDispatcher& operator=(WebhookDispatcher&&) = delete;

    /// Spawns the delivery loops.
    void start();
    /// Ends the loops at their next step (an attempt in flight finishes or times out first).
    void stop();
    /// New deliveries were queued: loops that wait look at the outbox now.
    void wake();

    [[nodiscard]] const std::vector<WebhookEndpoint>& endpoints() const noexcept {
        return endpoints_;
    }

    // DeadLetterQueue: the dead deliveries, under the name "webhook".
    [[nodiscard]] const std::string& name() const noexcept override { return name_; }
    boost::asio::awaitable<std::vector<persistence::DeadLetter>> dead_letters(
        std::int64_t limit) override;
    boost::asio::awaitable<domain::Result<std::int64_t>> retry(std::int64_t letter_id) override;
    boost::asio::awaitable<domain::Result<void>> discard(std::int64_t letter_id) override;

private:
    struct Lane;
    boost::asio::awaitable<void> run(std::shared_ptr<Lane> lane);
    /// Attempts `delivery` until it is delivered or dead (or the dispatcher stops). Returns
    /// whether it ended dead.
    boost::asio::awaitable<bool> deliver(Lane& lane, WebhookDelivery delivery);
    boost::asio::awaitable<void> pause(boost::asio::steady_timer& timer,
                                       std::chrono::milliseconds how_long);

    boost::asio::any_io_executor io_;
    runtime::ModuleExecutor& executor_;
    WebhookOutbox& outbox_;
    const std::vector<WebhookEndpoint> endpoints_;
    const WebhookOptions options_;
    const std::string name_ = "webhook";
    std::vector<std::shared_ptr<Lane>> lanes_;
    std::atomic<bool> stopping_{false};
};

}  // namespace mb::adapters::notification
