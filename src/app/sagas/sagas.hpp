#pragma once
// The process managers that drive multi-module use cases across module strands
// (ARCHITECTURE.md, "Sagas make the multi-module invariants hold"). The rules stay in the app
// and domain layers; these coroutines only sequence steps, await ports and compensate:
//
//  - BookingSaga::place   booking.place (Pending) -> PaymentPort.pay -> booking.confirm,
//                         or booking.discard (+ refund whatever was charged). MISSION.md,
//                         invariant 1: a failed booking leaves nothing.
//  - BookingSaga::cancel  booking.request_cancel (intent stored) -> TicketPort.withdraw ->
//                         booking.cancel, or abandon_cancel when the ticket was printed.
//                         MISSION.md, invariant 2: cancel and print, exactly one wins.
//  - BookingSaga::recover at start-up and periodically: every booking a crash left Pending is
//                         refunded (if it was charged) and discarded — its customer never got a
//                         201 —, and every cancel intent left behind is driven to its end.
//  - PrintSaga::print     ticket.begin_print (lease) -> ReviewPort.open -> ticket.complete_print,
//                         or abort_print and "print again shortly" (MISSION.md, fault isolation).
//
// Thread-safety: coroutines may run concurrently; each step runs on its module's executor.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "adapters/runtime/module_executor.hpp"
#include "app/booking/booking_service.hpp"
#include "app/booking/payment_port.hpp"
#include "app/booking/ticket_port.hpp"
#include "app/ticket/review_port.hpp"
#include "app/ticket/ticket_service.hpp"

namespace mb::app::sagas {

class BookingSaga {
public:
    BookingSaga(adapters::runtime::ModuleExecutor& booking_executor,
                app::booking::BookingService& bookings, app::booking::PaymentPort& payment,
                app::booking::TicketPort& ticket);

    /// Books and pays for `caller` (BookingService::place decides the customer). Errors:
    /// kOtherCustomer (403), kInvalidBooking (400), kUnlistedMovie (404), seat and price
    /// conflicts (409; `details` says which seats / what amount), payment declined (402), port
    /// errors (503: nothing kept). Rethrows infrastructure failures after compensating.
    /// `request_id` (X-Request-Id) goes into the saga's log lines and every event it causes.
    boost::asio::awaitable<domain::Result<domain::booking::Booking>> place(
        domain::Principal caller, domain::booking::BookingRequest request,
        std::shared_ptr<app::booking::PlaceDetails> details = nullptr, std::string request_id = {});
    /// Cancels for `caller`. Errors: kNotFound (also: not visible to the caller), kForbidden,
    /// kAlreadyCanceled, kAlreadyPrinted, kPrintInProgress, port errors.
    boost::asio::awaitable<domain::Result<domain::booking::Booking>> cancel(
        domain::Principal caller, std::int64_t booking_id, std::string request_id = {});
    /// Settles bookings left Pending and cancels left half-done whose last change is at least
    /// `min_age` old (0 at start-up; longer than any live saga when periodic). Returns how many
    /// bookings it settled.
    boost::asio::awaitable<std::size_t> recover(std::chrono::milliseconds min_age);

private:
    // `request_id` by reference: both are awaited at once by the caller, which owns it ("" for
    // recovery, which no request caused).
    boost::asio::awaitable<void> compensate(std::int64_t booking_id, const std::string& request_id);
    boost::asio::awaitable<domain::Result<domain::booking::Booking>> finish_cancel(
        std::int64_t booking_id, const std::string& request_id);

    adapters::runtime::ModuleExecutor& executor_;
    app::booking::BookingService& bookings_;
    app::booking::PaymentPort& payment_;
    app::booking::TicketPort& ticket_;
};

class PrintSaga {
public:
    PrintSaga(adapters::runtime::ModuleExecutor& ticket_executor,
              app::ticket::TicketService& tickets, app::ticket::ReviewPort& review);

    /// Prints for `caller` (the ticket's customer, staff, admin). Errors: kNotFound (also: not
    /// visible to the caller), kAlreadyPrinted, kCanceled, kPrintInProgress,
    /// kReviewUnavailable (503 + Retry-After: the ticket stays Waiting).
    boost::asio::awaitable<domain::Result<domain::ticket::Ticket>> print(domain::Principal caller,
                                                                         std::int64_t ticket_id);

private:
    adapters::runtime::ModuleExecutor& executor_;
    app::ticket::TicketService& tickets_;
    app::ticket::ReviewPort& review_;
};

}  // namespace mb::app::sagas
