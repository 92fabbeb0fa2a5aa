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
#include "domain/booking/access.hpp"
#include "domain/booking/booking.hpp"
#include "domain/booking/booking_repository.hpp"
#include "domain/booking/catalogue_repository.hpp"
#include "domain/booking/events.hpp"
#include "domain/common/clock.hpp"
#include "domain/common/principal.hpp"
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

/// How the booking service treats what the catalogue does not list.
struct BookingPolicy {
    /// `--accept-unlisted-movies` (off by default, refused with auth = jwt): a seed-shaped
    /// request whose movie is not in the catalogue, or has no open screening, is booked as a
    /// legacy booking — any seat labels, the client's totalPrice. Off: such a request is
    /// kUnlistedMovie (404) / kNoOpenScreening (409), so prices come only from the catalogue
    /// (issue 9, "No client-set prices").
    bool accept_unlisted_movies = false;
};

class BookingService {
public:
    BookingService(domain::booking::BookingRepository& repository,
                   domain::booking::CatalogueRepository& catalogue,
                   domain::booking::SeatInventory& inventory,
                   Outbox<domain::booking::BookingEvent>& outbox, const domain::Clock& clock,
                   BookingPolicy policy = {});

    /// Stores a Pending booking (invisible to clients) and, for a screening, holds its seats —
    /// the seat inventory's unique key makes a second sale of a seat impossible (issue 3).
    /// The customer is decided by domain::booking::customer_for_new_booking (`request.
    /// customer_id` empty = the caller). A request without screeningId books its movieName's
    /// next open screening; a movie not in the catalogue (or without open screening) is
    /// refused unless BookingPolicy::accept_unlisted_movies.
    /// Errors: kOtherCustomer (403), kInvalidBooking (details->errors), kUnknownScreening,
    /// kScreeningStarted, kUnlistedMovie (404), kNoOpenScreening (409), kSeatBlocked /
    /// kSeatTaken (details->seats), kPriceMismatch (details->expected_price).
    domain::Result<domain::booking::Booking> place(const domain::Principal& caller,
                                                   domain::booking::BookingRequest request,
                                                   PlaceDetails* details = nullptr);
    /// Payment approved: Pending -> PaidComplete, `Booked` into the outbox. Errors: kNotFound.
    domain::Result<domain::booking::Booking> confirm(std::int64_t booking_id,
                                                     std::int64_t payment_id);
    /// Payment failed or timed out: the Pending booking is removed (MISSION.md, invariant 1).
    /// Confirmed bookings are never touched. Idempotent.
    void discard(std::int64_t booking_id);
    /// Records the intent to cancel (before asking ticket to withdraw), so recovery can finish
    /// a cancel a crash interrupted. Errors: kNotFound (also: not visible to `caller`),
    /// kForbidden (visible, but only its customer or admin cancel: access.hpp), kNotConfirmed,
    /// kAlreadyCanceled, kAlreadyPrinted.
    domain::Result<domain::booking::Booking> request_cancel(const domain::Principal& caller,
                                                            std::int64_t booking_id);
    /// The ticket could not be withdrawn: the intent is dropped, the booking stays as it was.
    void abandon_cancel(std::int64_t booking_id);
    /// Cancels (ticket already withdrawn): -> Canceled, `Canceled` into the outbox.
    domain::Result<domain::booking::Booking> cancel(std::int64_t booking_id);

    /// Policy on ticket's `Printed`: -> PrintComplete (idempotent; unknown booking ignored).
    void on_printed(const domain::ticket::Printed& event);
    /// Policy on review's `WrittenReview`: -> ReviewComplete (idempotent).
    void on_review_written(const domain::review::WrittenReview& event);

    /// A booking `caller` may see (access.hpp: its customer, staff, admin); Pending ones are
    /// never found.
    std::optional<domain::booking::Booking> find(const domain::Principal& caller,
                                                 std::int64_t booking_id);
    /// The bookings `caller` may see: staff and admin every one, a customer their own.
    domain::Page<domain::booking::Booking> list(const domain::Principal& caller,
                                                const domain::PageRequest& page);
    /// Bookings left Pending whose last change is at least `min_age` old (recovery).
    std::vector<domain::booking::Booking> pending(std::chrono::milliseconds min_age);
    /// Bookings with a cancel intent at least `min_age` old (recovery).
    std::vector<domain::booking::Booking> cancel_requested(std::chrono::milliseconds min_age);

private:
    std::optional<domain::booking::Booking> find_visible(std::int64_t booking_id);

    domain::booking::BookingRepository& repository_;
    domain::booking::CatalogueRepository& catalogue_;
    domain::booking::SeatInventory& inventory_;
    Outbox<domain::booking::BookingEvent>& outbox_;
    const domain::Clock& clock_;
    BookingPolicy policy_;
};

}  // namespace mb::app::booking
