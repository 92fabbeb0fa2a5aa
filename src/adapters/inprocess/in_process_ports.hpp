#pragma once
// In-process adapters of the synchronous ports (ARCHITECTURE.md, "Module boundaries" and
// "Threads and synchronous ports"): each implements a port declared by the calling context by
// running the callee's use case on the callee's own executor. Every call is guarded, in this
// order, by a circuit breaker (fail fast while the callee is failing), a bulkhead (a cap on
// concurrent calls), the callee's pause state and injected faults, and a deadline (default
// 610 ms, the seed's Hystrix timeout). Thread-safe.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <system_error>

#include <boost/asio/any_io_executor.hpp>

#include "adapters/inprocess/bulkhead.hpp"
#include "adapters/inprocess/circuit_breaker.hpp"
#include "adapters/inprocess/fault_injector.hpp"
#include "adapters/runtime/module_executor.hpp"
#include "app/booking/payment_port.hpp"
#include "app/booking/ticket_port.hpp"
#include "app/payment/payment_service.hpp"
#include "app/review/review_service.hpp"
#include "app/ticket/review_port.hpp"
#include "app/ticket/ticket_service.hpp"

namespace mb::adapters::inprocess {

/// Settings of one synchronous port (config: --<callee>-deadline-ms, --breaker-*, --bulkhead).
struct PortOptions {
    std::chrono::milliseconds deadline{610};  ///< the seed's Hystrix timeout
    CircuitBreakerOptions breaker;
    std::size_t max_concurrent = 64;  ///< bulkhead
};

/// What guards the calls into one module: its breaker and bulkhead (shared by every port into
/// that module), the fault injector, and the callee's executor. Thread-safe.
class PortGuard {
public:
    PortGuard(boost::asio::any_io_executor io, std::string callee,
              runtime::ModuleExecutor& executor, FaultInjector& faults, PortOptions options);

    [[nodiscard]] CircuitBreaker& breaker() noexcept { return breaker_; }
    [[nodiscard]] const CircuitBreaker& breaker() const noexcept { return breaker_; }
    [[nodiscard]] const Bulkhead& bulkhead() const noexcept { return bulkhead_; }
    [[nodiscard]] const std::string& callee() const noexcept { return callee_; }

    /// One call that reached the callee (not refused by the breaker or the bulkhead): how long
    /// until the caller got its answer, and the answer's error (null on success).
    /// `callee_failed` is what the breaker counted as a failure (unavailable, deadline).
    struct CallRecord {
        std::chrono::nanoseconds duration{0};
        const std::error_code* error = nullptr;
        bool callee_failed = false;
    };
    /// Set once, before the first call: sees every answered call, on the answering thread.
    /// Must be cheap and thread-safe.
    void on_call(std::function<void(const CallRecord&)> observer) {
        call_observer_ = std::move(observer);
    }

    /// Runs `job(done)` on the callee under every guard. `job` must run the use case on the
    /// callee's executor and call `done` exactly once with its result; `expired()` tells the
    /// job whether the caller already gave up. `done` of the caller runs once: with the
    /// result, or a PortError (kCircuitOpen, kBulkheadFull, kModuleDown, kDeadlineExceeded).
    /// A result that arrives after the deadline goes to `late` (e.g. to refund a payment).
    template <class T>
    void call(std::function<void(std::function<bool()> expired,
                                 std::function<void(domain::Result<T>)> done)>
                  job,
              std::function<void(domain::Result<T>)> done,
              std::function<void(domain::Result<T>)> late = {});

private:
    boost::asio::any_io_executor io_;
    std::string callee_;
    runtime::ModuleExecutor& executor_;
    FaultInjector& faults_;
    PortOptions options_;
    CircuitBreaker breaker_;
    Bulkhead bulkhead_;
    std::function<void(const CallRecord&)> call_observer_;
};

/// booking -> payment. `provider_latency` simulates the payment provider's round trip before
/// the charge (config payment-latency-ms); a charge that completes after the deadline is
/// refunded at once, and one whose caller already gave up is not attempted.
class InProcessPaymentPort final : public app::booking::PaymentPort {
public:
    InProcessPaymentPort(boost::asio::any_io_executor io, PortGuard& guard,
                         runtime::ModuleExecutor& executor, app::payment::PaymentService& service,
                         std::chrono::milliseconds provider_latency);
    void pay(app::booking::PaymentRequest request,
             std::function<void(domain::Result<app::booking::PaymentReceipt>)> done) override;
    void refund_incomplete(std::int64_t booking_id,
                           std::function<void(domain::Result<void>)> done) override;

private:
    boost::asio::any_io_executor io_;
    PortGuard& guard_;
    runtime::ModuleExecutor& executor_;
    app::payment::PaymentService& service_;
    std::chrono::milliseconds provider_latency_;
};

/// ticket -> review (opening the review record at print).
class InProcessReviewPort final : public app::ticket::ReviewPort {
public:
    InProcessReviewPort(PortGuard& guard, runtime::ModuleExecutor& executor,
                        app::review::ReviewService& service);
    void open(std::int64_t booking_id, std::string customer_id,
              std::function<void(domain::Result<app::ticket::ReviewOpened>)> done) override;

private:
    PortGuard& guard_;
    runtime::ModuleExecutor& executor_;
    app::review::ReviewService& service_;
};

/// booking -> ticket (cancel withdraws the ticket first).
class InProcessTicketPort final : public app::booking::TicketPort {
public:
    InProcessTicketPort(PortGuard& guard, runtime::ModuleExecutor& executor,
                        app::ticket::TicketService& service);
    void withdraw(std::int64_t booking_id,
                  std::function<void(domain::Result<app::booking::WithdrawOutcome>)> done) override;

private:
    PortGuard& guard_;
    runtime::ModuleExecutor& executor_;
    app::ticket::TicketService& service_;
};

}  // namespace mb::adapters::inprocess
