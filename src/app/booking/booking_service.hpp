#pragma once
// Booking use cases and policies. Every method runs inside the booking module's unit of work
// (one transaction per batch, a savepoint per call: see adapters/persistence); results are
// values, infrastructure failures throw. Not thread-safe: the booking strand serialises calls.
//
// The saga around POST /books (adapters/inprocess/booking_saga) calls place() -> PaymentPort ->
// confirm() or discard(); cancel goes check_cancellable() -> TicketPort::withdraw -> cancel().
#include <cstdint>
#include <optional>
#include <vector>

#include "app/common/outbox.hpp"
#include "domain/booking/booking.hpp"
#include "domain/booking/booking_repository.hpp"
#include "domain/booking/events.hpp"
#include "domain/common/clock.hpp"
#include "domain/review/events.hpp"
#include "domain/ticket/events.hpp"

namespace mb::app::booking {

class BookingService {
public:
    BookingService(domain::booking::BookingRepository& repository,
                   Outbox<domain::booking::BookingEvent>& outbox, const domain::Clock& clock);

    /// Stores a Pending booking (invisible to clients). Errors: kInvalidBooking.
    domain::Result<domain::booking::Booking> place(const domain::booking::BookingRequest& request);
    /// Payment approved: Pending -> PaidComplete, `Booked` into the outbox. Errors: kNotFound.
    domain::Result<domain::booking::Booking> confirm(std::int64_t booking_id,
                                                     std::int64_t payment_id);
    /// Payment failed or timed out: the Pending booking is removed (MISSION.md, invariant 1).
    /// Confirmed bookings are never touched. Idempotent.
    void discard(std::int64_t booking_id);
    /// Whether the booking may be cancelled now (before asking ticket to withdraw).
    /// Errors: kNotFound, kNotConfirmed, kAlreadyCanceled, kAlreadyPrinted.
    domain::Result<domain::booking::Booking> check_cancellable(std::int64_t booking_id);
    /// Cancels (ticket already withdrawn): -> Canceled, `Canceled` into the outbox.
    domain::Result<domain::booking::Booking> cancel(std::int64_t booking_id);

    /// Policy on ticket's `Printed`: -> PrintComplete (idempotent; unknown booking ignored).
    void on_printed(const domain::ticket::Printed& event);
    /// Policy on review's `WrittenReview`: -> ReviewComplete (idempotent).
    void on_review_written(const domain::review::WrittenReview& event);

    /// A visible booking (Pending ones are not found).
    std::optional<domain::booking::Booking> find(std::int64_t booking_id);
    domain::Page<domain::booking::Booking> list(const domain::PageRequest& page);
    /// Bookings a crash left Pending (for the recovery pass at start-up).
    std::vector<domain::booking::Booking> pending();

private:
    domain::booking::BookingRepository& repository_;
    Outbox<domain::booking::BookingEvent>& outbox_;
    const domain::Clock& clock_;
};

}  // namespace mb::app::booking
