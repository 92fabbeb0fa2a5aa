#pragma once
// Booking use cases and policies. Every method runs inside the booking module's unit of work
// (one transaction per batch, a savepoint per call: see adapters/persistence); results are
// values, infrastructure failures throw. Not thread-safe: the booking strand serialises calls.
//
// The saga around POST /books (adapters/inprocess/sagas) calls place() -> PaymentPort ->
// confirm() or discard(); cancel goes request_cancel() -> TicketPort::withdraw -> cancel()
// or abandon_cancel().
#include <chrono>
#include <cstdint>
#include <optional>
#include <vector>

#include "app/common/outbox.hpp"
#include "domain/booking/booking.hpp"
#include "domain/booking/booking_repository.hpp"
#include "domain/booking/catalogue_repository.hpp"
#include "domain/booking/events.hpp"
#include "domain/common/clock.hpp"
#include "domain/review/events.hpp"
#include "domain/ticket/events.hpp"

namespace mb::app::booking {

/// Why a place() failed, beyond its error code: the offending fields (400), the seats that are
/// blocked or taken (409), the amount the server expected (409 price mismatch, KRW).
struct PlaceDetails {
    domain::FieldErrors errors;
    std::vector<std::string> seats;
    std::int64_t expected_price = -1;
};

class BookingService {
public:
    BookingService(domain::booking::BookingRepository& repository,
                   domain::booking::CatalogueRepository& catalogue,
                   domain::booking::SeatInventory& inventory,
                   Outbox<domain::booking::BookingEvent>& outbox, const domain::Clock& clock);

    /// Stores a Pending booking (invisible to clients) and, for a screening, holds its seats —
    /// the seat inventory's unique key makes a second sale of a seat impossible (issue 3).
    /// A request without screeningId whose movieName has an upcoming screening books that
    /// screening; otherwise it is a legacy booking (any labels, the client's price).
    /// Errors: kInvalidBooking (details->errors), kUnknownScreening, kScreeningStarted,
    /// kSeatBlocked / kSeatTaken (details->seats), kPriceMismatch (details->expected_price).
    domain::Result<domain::booking::Booking> place(domain::booking::BookingRequest request,
                                                   PlaceDetails* details = nullptr);
    /// Payment approved: Pending -> PaidComplete, `Booked` into the outbox. Errors: kNotFound.
    domain::Result<domain::booking::Booking> confirm(std::int64_t booking_id,
                                                     std::int64_t payment_id);
    /// Payment failed or timed out: the Pending booking is removed (MISSION.md, invariant 1).
    /// Confirmed bookings are never touched. Idempotent.
    void discard(std::int64_t booking_id);
    /// Records the intent to cancel (before asking ticket to withdraw), so recovery can finish
    /// a cancel a crash interrupted. Errors: kNotFound, kNotConfirmed, kAlreadyCanceled,
    /// kAlreadyPrinted.
    domain::Result<domain::booking::Booking> request_cancel(std::int64_t booking_id);
    /// The ticket could not be withdrawn: the intent is dropped, the booking stays as it was.
    void abandon_cancel(std::int64_t booking_id);
    /// Cancels (ticket already withdrawn): -> Canceled, `Canceled` into the outbox.
    domain::Result<domain::booking::Booking> cancel(std::int64_t booking_id);

    /// Policy on ticket's `Printed`: -> PrintComplete (idempotent; unknown booking ignored).
    void on_printed(const domain::ticket::Printed& event);
    /// Policy on review's `WrittenReview`: -> ReviewComplete (idempotent).
    void on_review_written(const domain::review::WrittenReview& event);

    /// A visible booking (Pending ones are not found).
    std::optional<domain::booking::Booking> find(std::int64_t booking_id);
    domain::Page<domain::booking::Booking> list(const domain::PageRequest& page);
    /// Bookings left Pending whose last change is at least `min_age` old (recovery).
    std::vector<domain::booking::Booking> pending(std::chrono::milliseconds min_age);
    /// Bookings with a cancel intent at least `min_age` old (recovery).
    std::vector<domain::booking::Booking> cancel_requested(std::chrono::milliseconds min_age);

private:
    domain::booking::BookingRepository& repository_;
    domain::booking::CatalogueRepository& catalogue_;
    domain::booking::SeatInventory& inventory_;
    Outbox<domain::booking::BookingEvent>& outbox_;
    const domain::Clock& clock_;
};

}  // namespace mb::app::booking
