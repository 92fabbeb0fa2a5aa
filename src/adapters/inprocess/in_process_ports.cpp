#include "adapters/inprocess/in_process_ports.hpp"

#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "adapters/logging/logging.hpp"
#include "adapters/runtime/await_port.hpp"
#include "domain/common/errors.hpp"

namespace mb::adapters::inprocess {

using app::booking::PaymentReceipt;
using app::booking::WithdrawOutcome;
using app::ticket::ReviewOpened;

namespace {

spdlog::logger& payment_log() {
    static const auto logger = logging::module_logger("payment");
    return *logger;
}

/// Business answers (declined, already printed ...) are successes of the callee; only its
/// unavailability counts against the breaker.
template <class T>
bool callee_failed(const domain::Result<T>& r) {
    return !r.has_value() && r.error().default_error_condition() ==
                                 domain::make_error_condition(domain::Condition::kUnavailable);
}

}  // namespace

PortGuard::PortGuard(boost::asio::any_io_executor io, std::string callee,
                     runtime::ModuleExecutor& executor, FaultInjector& faults, PortOptions options)
    : io_(std::move(io)),
      callee_(std::move(callee)),
      executor_(executor),
      faults_(faults),
      options_(options),
      breaker_(callee_, options.breaker),
      bulkhead_(options.max_concurrent) {}

template <class T>
void PortGuard::call(
    std::function<void(std::function<bool()>, std::function<void(domain::Result<T>)>)> job,
    std::function<void(domain::Result<T>)> done, std::function<void(domain::Result<T>)> late) {
    if (!breaker_.try_acquire()) {
        done(domain::fail(app::PortError::kCircuitOpen));
        return;
    }
    auto permit = bulkhead_.enter();
    if (!permit) {
        breaker_.on_cancel();
        done(domain::fail(app::PortError::kBulkheadFull));
        return;
    }
    const auto started = std::chrono::steady_clock::now();
    // The caller's answer also records the outcome (a deadline counts as a failure).
    auto answer = [this, started, done = std::move(done)](domain::Result<T> r) {
        const auto duration = std::chrono::steady_clock::now() - started;
        const bool failed = callee_failed(r);
        breaker_.on_result(!failed, duration);
        if (call_observer_)
            call_observer_(CallRecord{duration, r ? nullptr : &r.error(), failed});
        done(std::move(r));
    };
    auto deadline = std::make_shared<runtime::DeadlineCall<T>>(io_, options_.deadline,
                                                               std::move(answer), std::move(late));
    deadline->arm();
    // The permit is held until the callee really finished (even after the deadline), so the
    // bulkhead bounds the work in the callee, not only the waiting callers.
    auto permit_holder = std::make_shared<BulkheadPermit>(std::move(*permit));
    auto complete = [deadline, permit_holder](domain::Result<T> r) {
        permit_holder->release();
        deadline->complete(std::move(r));
    };
    const auto decision = faults_.decide(callee_);
    if (executor_.paused() || decision.down) {
        complete(domain::fail(app::PortError::kModuleDown));
        return;
    }
    auto run = [deadline, job = std::move(job), complete, fail = decision.fail]() mutable {
        if (fail) {
            complete(domain::fail(app::PortError::kModuleDown));
            return;
        }
        job([deadline] { return deadline->expired(); }, complete);
    };
    if (decision.delay.count() > 0) {
        auto timer = std::make_shared<boost::asio::steady_timer>(io_, decision.delay);
        timer->async_wait(
            [timer, run = std::move(run)](boost::system::error_code) mutable { run(); });
    } else {
        run();
    }
}

InProcessPaymentPort::InProcessPaymentPort(boost::asio::any_io_executor io, PortGuard& guard,
                                           runtime::ModuleExecutor& executor,
                                           app::payment::PaymentService& service,
                                           std::chrono::milliseconds provider_latency)
    : io_(std::move(io)),
      guard_(guard),
      executor_(executor),
      service_(service),
      provider_latency_(provider_latency) {}

void InProcessPaymentPort::pay(app::booking::PaymentRequest request,
                               std::function<void(domain::Result<PaymentReceipt>)> done) {
    const auto booking_id = request.booking_id;
    auto late = [this, booking_id](domain::Result<PaymentReceipt> r) {
        if (!r)
            return;
        payment_log().warn("payment for booking {} completed after the deadline; refunding",
                           booking_id);
        refund_incomplete(booking_id, [booking_id](domain::Result<void> refunded) {
            if (!refunded) {
                payment_log().error("refund of late payment for booking {} failed: {}", booking_id,
                                    refunded.error().message());
            }
        });
    };
    auto job = [this, request = std::move(request)](
                   std::function<bool()> expired,
                   std::function<void(domain::Result<PaymentReceipt>)> complete) {
        auto charge = [this, request, expired, complete]() {
            executor_.run(
                [this, request, expired]() -> domain::Result<PaymentReceipt> {
                    if (expired())
                        return domain::fail(app::PortError::kDeadlineExceeded);
                    auto paid = service_.pay(domain::payment::ChargeRequest{
                        request.booking_id, request.customer_id, request.amount});
                    if (!paid)
                        return domain::Unexpected(paid.error());
                    return PaymentReceipt{paid->id()};
                },
                [complete](std::optional<domain::Result<PaymentReceipt>> r) {
                    complete(r ? std::move(*r) : domain::fail(app::PortError::kModuleDown));
                });
        };
        if (provider_latency_.count() > 0) {
            auto timer = std::make_shared<boost::asio::steady_timer>(io_, provider_latency_);
            timer->async_wait([timer, charge](boost::system::error_code) { charge(); });
        } else {
            charge();
        }
    };
    guard_.call<PaymentReceipt>(std::move(job), std::move(done), std::move(late));
}

void InProcessPaymentPort::refund_incomplete(std::int64_t booking_id,
                                             std::function<void(domain::Result<void>)> done) {
    // Compensation is not guarded: it must happen even while payment is failing (it is
    // queued on payment's executor and retried by the recovery pass if it fails).
    executor_.run([this, booking_id] { return service_.refund_incomplete(booking_id); },
                  [done = std::move(done)](std::optional<domain::Result<void>> r) {
                      done(r ? std::move(*r) : domain::fail(app::PortError::kModuleDown));
                  });
}

InProcessReviewPort::InProcessReviewPort(PortGuard& guard, runtime::ModuleExecutor& executor,
                                         app::review::ReviewService& service)
    : guard_(guard), executor_(executor), service_(service) {}

void InProcessReviewPort::open(std::int64_t booking_id, std::string customer_id,
                               std::function<void(domain::Result<ReviewOpened>)> done) {
    auto job = [this, booking_id, customer_id = std::move(customer_id)](
                   std::function<bool()> expired,
                   std::function<void(domain::Result<ReviewOpened>)> complete) {
        executor_.run(
            [this, booking_id, customer_id, expired]() -> domain::Result<ReviewOpened> {
                if (expired())
                    return domain::fail(app::PortError::kDeadlineExceeded);
                auto review = service_.open(booking_id, customer_id);
                if (!review)
                    return domain::Unexpected(review.error());
                return ReviewOpened{review->id()};
            },
            [complete](std::optional<domain::Result<ReviewOpened>> r) {
                complete(r ? std::move(*r) : domain::fail(app::PortError::kModuleDown));
            });
    };
    guard_.call<ReviewOpened>(std::move(job), std::move(done));
}

InProcessTicketPort::InProcessTicketPort(PortGuard& guard, runtime::ModuleExecutor& executor,
                                         app::ticket::TicketService& service)
    : guard_(guard), executor_(executor), service_(service) {}

void InProcessTicketPort::withdraw(std::int64_t booking_id,
                                   std::function<void(domain::Result<WithdrawOutcome>)> done) {
    auto job = [this, booking_id](std::function<bool()> expired,
                                  std::function<void(domain::Result<WithdrawOutcome>)> complete) {
        executor_.run(
            [this, booking_id, expired]() -> domain::Result<WithdrawOutcome> {
                if (expired())
                    return domain::fail(app::PortError::kDeadlineExceeded);
                auto withdrawn = service_.withdraw(booking_id);
                if (withdrawn)
                    return WithdrawOutcome::kWithdrawn;
                return withdrawn.error() == domain::ticket::TicketError::kAlreadyPrinted
                           ? WithdrawOutcome::kAlreadyPrinted
                           : WithdrawOutcome::kPrintInProgress;
            },
            [complete](std::optional<domain::Result<WithdrawOutcome>> r) {
                complete(r ? std::move(*r) : domain::fail(app::PortError::kModuleDown));
            });
    };
    guard_.call<WithdrawOutcome>(std::move(job), std::move(done));
}

}  // namespace mb::adapters::inprocess
