#pragma once
// Booking aggregate: a customer's seats for a movie, paid in the same step (MISSION.md,
// scenario 1-2 and 5). Statuses as the seed named them: Pending (only while its payment runs;
// never visible to clients) -> PaidComplete -> PrintComplete -> ReviewComplete, or Canceled.
// Not thread-safe: one module strand owns it at a time.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/booking/errors.hpp"
#include "domain/booking/events.hpp"
#include "domain/common/clock.hpp"
#include "domain/common/result.hpp"
#include "domain/common/validation.hpp"

namespace mb::domain::booking {

enum class BookingStatus { kPending, kPaidComplete, kPrintComplete, kReviewComplete, kCanceled };

[[nodiscard]] std::string_view to_string(BookingStatus s) noexcept;
[[nodiscard]] std::optional<BookingStatus> booking_status_from(std::string_view s) noexcept;

/// What a customer asks for. Amounts in KRW; `seat` in the wire form "1A,2B".
/// `screening_id` 0 means "no screening named": the booking service resolves `movie_name` to
/// that movie's next open screening when the catalogue has one, else the booking is a legacy
/// one (the seed's shape: any seat labels, the client's price).
struct BookingRequest {
    std::string customer_id;
    std::string movie_name;
    std::string seat;
    std::int64_t qty = 0;
    std::int64_t total_price = 0;
    std::int64_t screening_id = 0;
    bool total_price_given = true;  ///< a screening booking may leave the price to the server
};

inline constexpr std::size_t kMaxMovieNameLength = 200;
inline constexpr std::int64_t kMaxSeatsPerBooking = 100;

/// Every rule a booking request must satisfy, as field errors with wire names (empty = valid):
/// movieName 1..200 chars; seat a comma list of 1..100 distinct labels (seats.hpp); qty >= 1 and
/// equal to the number of seats; totalPrice >= 0 KRW.
[[nodiscard]] FieldErrors validate(const BookingRequest& request);

class Booking {
public:
    /// A new Pending booking (id 0 until the repository assigns one), or kInvalidBooking.
    [[nodiscard]] static Result<Booking> place(const BookingRequest& request, TimePoint now);

    /// Rebuilds a stored booking (repositories only).
    [[nodiscard]] static Booking restore(std::int64_t id, BookingRequest request,
                                         BookingStatus status, std::int64_t payment_id,
                                         bool cancel_requested, TimePoint created_at,
                                         TimePoint updated_at);

    /// Pending -> PaidComplete once its payment was approved; yields `Booked`.
    /// Errors: kAlreadyCanceled (canceled meanwhile), kNotConfirmed (not Pending: confirming
    /// twice changes nothing).
    [[nodiscard]] Result<Booked> confirm(std::int64_t payment_id, TimePoint now);

    /// First step of the cancel saga: records the intent to cancel, so that a crash between
    /// withdrawing the ticket and cancelling the booking is finished by recovery instead of
    /// leaving a paid booking without a printable ticket. Idempotent.
    /// Errors: kNotConfirmed (Pending), kAlreadyCanceled, kAlreadyPrinted.
    [[nodiscard]] Result<void> request_cancel(TimePoint now);
    /// The ticket could not be withdrawn (printed, or being printed): the intent is dropped.
    void abandon_cancel(TimePoint now);
    /// Cancels a confirmed booking whose ticket is not printed (MISSION.md, scenario 5).
    /// Errors: kNotConfirmed (Pending), kAlreadyCanceled, kAlreadyPrinted.
    [[nodiscard]] Result<Canceled> cancel(TimePoint now);

    /// The ticket was printed (event `Printed`): PaidComplete -> PrintComplete. Returns whether
    /// the status changed (idempotent; a Canceled booking stays Canceled).
    bool mark_printed(TimePoint now);

    /// The review was written (event `WrittenReview`): -> ReviewComplete unless Canceled.
    /// Returns whether the status changed (idempotent).
    bool mark_review_written(TimePoint now);

    void assign_id(std::int64_t id) noexcept { id_ = id; }

    [[nodiscard]] std::int64_t id() const noexcept { return id_; }
    [[nodiscard]] const BookingRequest& details() const noexcept { return request_; }
    [[nodiscard]] const std::string& customer_id() const noexcept { return request_.customer_id; }
    [[nodiscard]] BookingStatus status() const noexcept { return status_; }
    [[nodiscard]] std::int64_t payment_id() const noexcept { return payment_id_; }
    [[nodiscard]] std::int64_t screening_id() const noexcept { return request_.screening_id; }
    [[nodiscard]] bool cancel_requested() const noexcept { return cancel_requested_; }
    [[nodiscard]] TimePoint created_at() const noexcept { return created_at_; }
    [[nodiscard]] TimePoint updated_at() const noexcept { return updated_at_; }

private:
    Booking() = default;
    std::int64_t id_ = 0;
    BookingRequest request_;
    BookingStatus status_ = BookingStatus::kPending;
    std::int64_t payment_id_ = 0;
    bool cancel_requested_ = false;
    TimePoint created_at_{};
    TimePoint updated_at_{};
};

}  // namespace mb::domain::booking
