#include "adapters/inprocess/in_process_ports.hpp"

#include <spdlog/spdlog.h>

#include "adapters/inprocess/await_port.hpp"

namespace mb::adapters::inprocess {

using app::booking::PaymentReceipt;
using app::booking::WithdrawOutcome;
using app::ticket::ReviewOpened;

InProcessPaymentPort::InProcessPaymentPort(boost::asio::any_io_executor io,
                                           persistence::ModuleExecutor& executor,
                                           app::payment::PaymentService& service,
                                           PortOptions options,
                                           std::chrono::milliseconds provider_latency)
    : io_(std::move(io)),
      executor_(executor),
      service_(service),
      options_(options),
      provider_latency_(provider_latency) {}

void InProcessPaymentPort::pay(app::booking::PaymentRequest request,
                               std::function<void(domain::Result<PaymentReceipt>)> done) {
    const auto booking_id = request.booking_id;
    auto call = std::make_shared<DeadlineCall<PaymentReceipt>>(
        io_, options_.deadline, std::move(done),
        [this, booking_id](domain::Result<PaymentReceipt> late) {
            if (!late) return;
            spdlog::warn("payment for booking {} completed after the deadline; refunding",
                         booking_id);
            refund_incomplete(booking_id, [booking_id](domain::Result<void> r) {
                if (!r) {
                    spdlog::error("refund of late payment for booking {} failed: {}", booking_id,
                                  r.error().message());
                }
            });
        });
    call->arm();
    auto charge = [this, call, request = std::move(request)]() {
        executor_.run(
            [this, call, request]() -> domain::Result<PaymentReceipt> {
                if (call->expired()) return domain::fail(app::PortError::kDeadlineExceeded);
                auto paid = service_.pay(domain::payment::ChargeRequest{
                    request.booking_id, request.customer_id, request.amount});
                if (!paid) return domain::Unexpected(paid.error());
                return PaymentReceipt{paid->id()};
            },
            [call](std::optional<domain::Result<PaymentReceipt>> r) {
                call->complete(r ? std::move(*r) : domain::fail(app::PortError::kModuleDown));
            });
    };
    if (provider_latency_.count() > 0) {
        auto timer = std::make_shared<boost::asio::steady_timer>(io_, provider_latency_);
        timer->async_wait([timer, charge](boost::system::error_code) { charge(); });
    } else {
        charge();
    }
}

void InProcessPaymentPort::refund_incomplete(std::int64_t booking_id,
                                             std::function<void(domain::Result<void>)> done) {
    executor_.run([this, booking_id] { return service_.refund_incomplete(booking_id); },
                  [done = std::move(done)](std::optional<domain::Result<void>> r) {
                      done(r ? std::move(*r) : domain::fail(app::PortError::kModuleDown));
                  });
}

InProcessReviewPort::InProcessReviewPort(boost::asio::any_io_executor io,
                                         persistence::ModuleExecutor& executor,
                                         app::review::ReviewService& service, PortOptions options)
    : io_(std::move(io)), executor_(executor), service_(service), options_(options) {}

void InProcessReviewPort::open(std::int64_t booking_id,
                               std::function<void(domain::Result<ReviewOpened>)> done) {
    if (down_.load()) {
        done(domain::fail(app::PortError::kModuleDown));
        return;
    }
    auto call = std::make_shared<DeadlineCall<ReviewOpened>>(io_, options_.deadline,
                                                             std::move(done));
    call->arm();
    executor_.run(
        [this, call, booking_id]() -> domain::Result<ReviewOpened> {
            if (call->expired()) return domain::fail(app::PortError::kDeadlineExceeded);
            auto review = service_.open(booking_id);
            if (!review) return domain::Unexpected(review.error());
            return ReviewOpened{review->id()};
        },
        [call](std::optional<domain::Result<ReviewOpened>> r) {
            call->complete(r ? std::move(*r) : domain::fail(app::PortError::kModuleDown));
        });
}

InProcessTicketPort::InProcessTicketPort(boost::asio::any_io_executor io,
                                         persistence::ModuleExecutor& executor,
                                         app::ticket::TicketService& service, PortOptions options)
    : io_(std::move(io)), executor_(executor), service_(service), options_(options) {}

void InProcessTicketPort::withdraw(
    std::int64_t booking_id, std::function<void(domain::Result<WithdrawOutcome>)> done) {
    auto call = std::make_shared<DeadlineCall<WithdrawOutcome>>(io_, options_.deadline,
                                                                std::move(done));
    call->arm();
    executor_.run(
        [this, call, booking_id]() -> domain::Result<WithdrawOutcome> {
            if (call->expired()) return domain::fail(app::PortError::kDeadlineExceeded);
            auto withdrawn = service_.withdraw(booking_id);
            if (withdrawn) return WithdrawOutcome::kWithdrawn;
            return withdrawn.error() == domain::ticket::TicketError::kAlreadyPrinted
                       ? WithdrawOutcome::kAlreadyPrinted
                       : WithdrawOutcome::kPrintInProgress;
        },
        [call](std::optional<domain::Result<WithdrawOutcome>> r) {
            call->complete(r ? std::move(*r) : domain::fail(app::PortError::kModuleDown));
        });
}

}  // namespace mb::adapters::inprocess
