#pragma once
// In-process adapters of the synchronous ports (ARCHITECTURE.md, "Module boundaries"): each
// implements a port declared by the calling context by running the callee's use case on the
// callee's own executor, bounded by a deadline. Thread-safe.
#include <atomic>
#include <chrono>

#include <boost/asio/any_io_executor.hpp>

#include "adapters/persistence/module_executor.hpp"
#include "app/booking/payment_port.hpp"
#include "app/booking/ticket_port.hpp"
#include "app/payment/payment_service.hpp"
#include "app/review/review_service.hpp"
#include "app/ticket/review_port.hpp"
#include "app/ticket/ticket_service.hpp"

namespace mb::adapters::inprocess {

/// Settings of one synchronous port (config: [ports] in movie-booking.toml).
struct PortOptions {
    std::chrono::milliseconds deadline{610};  ///< the seed's Hystrix timeout
};

/// booking -> payment. `provider_latency` simulates the payment provider's round trip before
/// the charge (config payment.latency_ms); a charge that completes after the deadline is
/// refunded at once, and one whose caller already gave up is not attempted.
class InProcessPaymentPort final : public app::booking::PaymentPort {
public:
    InProcessPaymentPort(boost::asio::any_io_executor io, persistence::ModuleExecutor& executor,
                         app::payment::PaymentService& service, PortOptions options,
                         std::chrono::milliseconds provider_latency);
    void pay(app::booking::PaymentRequest request,
             std::function<void(domain::Result<app::booking::PaymentReceipt>)> done) override;
    void refund_incomplete(std::int64_t booking_id,
                           std::function<void(domain::Result<void>)> done) override;

private:
    boost::asio::any_io_executor io_;
    persistence::ModuleExecutor& executor_;
    app::payment::PaymentService& service_;
    PortOptions options_;
    std::chrono::milliseconds provider_latency_;
};

/// ticket -> review. When `down` is set (--review-down, fault injection), opens fail at once
/// with PortError::kModuleDown.
class InProcessReviewPort final : public app::ticket::ReviewPort {
public:
    InProcessReviewPort(boost::asio::any_io_executor io, persistence::ModuleExecutor& executor,
                        app::review::ReviewService& service, PortOptions options);
    void open(std::int64_t booking_id,
              std::function<void(domain::Result<app::ticket::ReviewOpened>)> done) override;
    void set_down(bool down) noexcept { down_.store(down); }

private:
    boost::asio::any_io_executor io_;
    persistence::ModuleExecutor& executor_;
    app::review::ReviewService& service_;
    PortOptions options_;
    std::atomic<bool> down_{false};
};

/// booking -> ticket (cancel withdraws the ticket first).
class InProcessTicketPort final : public app::booking::TicketPort {
public:
    InProcessTicketPort(boost::asio::any_io_executor io, persistence::ModuleExecutor& executor,
                        app::ticket::TicketService& service, PortOptions options);
    void withdraw(std::int64_t booking_id,
                  std::function<void(domain::Result<app::booking::WithdrawOutcome>)> done)
        override;

private:
    boost::asio::any_io_executor io_;
    persistence::ModuleExecutor& executor_;
    app::ticket::TicketService& service_;
    PortOptions options_;
};

}  // namespace mb::adapters::inprocess
