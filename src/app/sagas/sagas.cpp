#include "app/sagas/sagas.hpp"

#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include "adapters/logging/log_context.hpp"
#include "adapters/logging/logging.hpp"
#include "adapters/runtime/await_port.hpp"

namespace mb::app::sagas {

using adapters::logging::LogContext;
using adapters::logging::ScopedLogContext;
using adapters::runtime::await_port;
using domain::Result;
using domain::booking::Booking;
using domain::booking::BookingError;
using domain::ticket::Ticket;

namespace {

/// `f` run with `context` as the thread's log context: a step of a saga runs (or submits its
/// job) synchronously, so its log lines and the events of its job carry the saga's request id
/// and booking (the saga itself is a coroutine and cannot hold a scope across co_await).
template <class F>
auto in_context(LogContext context, F f) {
    return [context = std::move(context), f = std::move(f)](auto&&... args) mutable {
        const ScopedLogContext scope(context);
        return f(std::forward<decltype(args)>(args)...);
    };
}

/// The request id of what recovery does: none caused it.
const std::string kNoRequest;

spdlog::logger& log() {
    static const auto logger = adapters::logging::module_logger("booking");
    return *logger;
}

spdlog::logger& ticket_log() {
    static const auto logger = adapters::logging::module_logger("ticket");
    return *logger;
}

std::string describe(const std::error_code& ec) {
    return adapters::logging::describe_error(ec.category().name(), ec.value(), ec.message());
}

}  // namespace

BookingSaga::BookingSaga(adapters::runtime::ModuleExecutor& booking_executor,
                         app::booking::BookingService& bookings, app::booking::PaymentPort& payment,
                         app::booking::TicketPort& ticket)
    : executor_(booking_executor), bookings_(bookings), payment_(payment), ticket_(ticket) {}

boost::asio::awaitable<void> BookingSaga::compensate(std::int64_t booking_id,
                                                     const std::string& request_id) {
    const LogContext context{request_id, booking_id, {}};
    auto step1 = in_context(context, [this, booking_id](auto cb) {
        payment_.refund_incomplete(booking_id, std::move(cb));
    });
    auto refunded = co_await await_port<void>(std::move(step1));
    if (!refunded) {
        // Leave it Pending: the recovery pass refunds and discards it later.
        const ScopedLogContext scope({context.request_id, booking_id, describe(refunded.error())});
        log().error("booking {}: refund during compensation failed ({}); left for recovery",
                    booking_id, refunded.error().message());
        co_return;
    }
    auto step2 = in_context(context, [this, booking_id] {
        bookings_.discard(booking_id);
        return Result<void>{};
    });
    co_await executor_.execute(std::move(step2));
}

boost::asio::awaitable<Result<Booking>> BookingSaga::place(
    domain::Principal caller, domain::booking::BookingRequest request,
    std::shared_ptr<app::booking::PlaceDetails> details, std::string request_id) {
    auto step3 =
        in_context({request_id, 0, {}}, [this, caller = std::move(caller), request, details] {
            return bookings_.place(caller, request, details.get());
        });
    auto placed = co_await executor_.execute(std::move(step3));
    if (!placed)
        co_return placed;
    const auto booking_id = placed->id();
    const LogContext context{request_id, booking_id, {}};

    auto step4 = in_context(context, [this, booking_id, customer = placed->customer_id(),
                                      amount = placed->details().total_price](auto cb) {
        payment_.pay({booking_id, customer, amount}, std::move(cb));
    });
    auto paid = co_await await_port<app::booking::PaymentReceipt>(std::move(step4));
    if (!paid) {
        // Declined: nothing was charged. Timed out or unavailable: a late charge is refunded by
        // the port; compensate anyway, refunding is idempotent.
        {
            const ScopedLogContext scope({request_id, booking_id, describe(paid.error())});
            log().info("booking {}: not paid ({}); compensating", booking_id,
                       paid.error().message());
        }
        co_await compensate(booking_id, request_id);
        co_return domain::Unexpected(paid.error());
    }

    std::exception_ptr failure;
    try {
        auto step5 = in_context(context, [this, booking_id, payment_id = paid->payment_id] {
            return bookings_.confirm(booking_id, payment_id);
        });
        auto confirmed = co_await executor_.execute(std::move(step5));
        if (confirmed) {
            const ScopedLogContext scope(context);
            log().debug("booking {}: confirmed (payment {})", booking_id, paid->payment_id);
            co_return confirmed;
        }
        {
            const ScopedLogContext scope({request_id, booking_id, describe(confirmed.error())});
            log().error("booking {}: confirm failed after payment ({}); refunding", booking_id,
                        confirmed.error().message());
        }
        co_await compensate(booking_id, request_id);
        co_return domain::Unexpected(confirmed.error());
    } catch (...) {
        failure = std::current_exception();
    }
    co_await compensate(booking_id, request_id);
    std::rethrow_exception(failure);
}

boost::asio::awaitable<Result<Booking>> BookingSaga::cancel(domain::Principal caller,
                                                            std::int64_t booking_id,
                                                            std::string request_id) {
    auto request =
        in_context({request_id, booking_id, {}}, [this, caller = std::move(caller), booking_id] {
            return bookings_.request_cancel(caller, booking_id);
        });
    auto requested = co_await executor_.execute(std::move(request));
    if (!requested)
        co_return requested;
    co_return co_await finish_cancel(booking_id, request_id);
}

boost::asio::awaitable<Result<Booking>> BookingSaga::finish_cancel(std::int64_t booking_id,
                                                                   const std::string& request_id) {
    const LogContext context{request_id, booking_id, {}};
    auto withdraw = in_context(
        context, [this, booking_id](auto cb) { ticket_.withdraw(booking_id, std::move(cb)); });
    auto withdrawn = co_await await_port<app::booking::WithdrawOutcome>(std::move(withdraw));
    // Unknown outcome (deadline, ticket unavailable): the intent stays, recovery finishes it.
    if (!withdrawn)
        co_return domain::Unexpected(withdrawn.error());
    if (*withdrawn != app::booking::WithdrawOutcome::kWithdrawn) {
        auto abandon = in_context(context, [this, booking_id] {
            bookings_.abandon_cancel(booking_id);
            return Result<void>{};
        });
        co_await executor_.execute(std::move(abandon));
        co_return domain::fail(*withdrawn == app::booking::WithdrawOutcome::kAlreadyPrinted
                                   ? BookingError::kAlreadyPrinted
                                   : BookingError::kPrintInProgress);
    }
    auto cancel = in_context(context, [this, booking_id] { return bookings_.cancel(booking_id); });
    co_return co_await executor_.execute(std::move(cancel));
}

boost::asio::awaitable<std::size_t> BookingSaga::recover(std::chrono::milliseconds min_age) {
    auto find_pending = [this, min_age] {
        return bookings_.pending(min_age);
    };
    auto pending = co_await executor_.execute(std::move(find_pending));
    for (const auto& booking : pending) {
        log().warn("recovery: booking {} was left Pending by a crash; refunding and discarding",
                   booking.id());
        co_await compensate(booking.id(), kNoRequest);
    }
    auto find_cancels = [this, min_age] {
        return bookings_.cancel_requested(min_age);
    };
    auto cancels = co_await executor_.execute(std::move(find_cancels));
    for (const auto& booking : cancels) {
        auto done = co_await finish_cancel(booking.id(), kNoRequest);
        log().warn("recovery: finished the interrupted cancel of booking {}: {}", booking.id(),
                   done ? "canceled" : done.error().message());
    }
    co_return pending.size() + cancels.size();
}

PrintSaga::PrintSaga(adapters::runtime::ModuleExecutor& ticket_executor,
                     app::ticket::TicketService& tickets, app::ticket::ReviewPort& review)
    : executor_(ticket_executor), tickets_(tickets), review_(review) {}

boost::asio::awaitable<Result<Ticket>> PrintSaga::print(domain::Principal caller,
                                                        std::int64_t ticket_id) {
    auto step10 = [this, caller = std::move(caller), ticket_id] {
        return tickets_.begin_print(caller, ticket_id);
    };
    auto begun = co_await executor_.execute(std::move(step10));
    if (!begun)
        co_return begun;

    auto step11 = [this, booking_id = begun->booking_id(),
                   customer = begun->details().customer_id](auto cb) {
        review_.open(booking_id, customer, std::move(cb));
    };
    auto opened = co_await await_port<app::ticket::ReviewOpened>(std::move(step11));
    if (!opened) {
        auto step12 = [this, ticket_id] {
            tickets_.abort_print(ticket_id);
            return Result<void>{};
        };
        co_await executor_.execute(std::move(step12));
        ticket_log().info("ticket {}: print refused, review unavailable ({})", ticket_id,
                          opened.error().message());
        co_return domain::fail(domain::ticket::TicketError::kReviewUnavailable);
    }
    auto step13 = [this, ticket_id] {
        return tickets_.complete_print(ticket_id);
    };
    co_return co_await executor_.execute(std::move(step13));
}

}  // namespace mb::app::sagas
