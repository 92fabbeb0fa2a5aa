#include "domain/booking/booking.hpp"

#include <cassert>
#include <set>

#include "domain/common/seats.hpp"
#include "domain/common/text.hpp"

namespace mb::domain::booking {

std::string_view to_string(BookingStatus s) noexcept {
    switch (s) {
        case BookingStatus::kPending:
            return "Pending";
        case BookingStatus::kPaidComplete:
            return "PaidComplete";
        case BookingStatus::kPrintComplete:
            return "PrintComplete";
        case BookingStatus::kReviewComplete:
            return "ReviewComplete";
        case BookingStatus::kCanceled:
            return "Canceled";
    }
    return "Unknown";
}

std::optional<BookingStatus> booking_status_from(std::string_view s) noexcept {
    for (auto st :
         {BookingStatus::kPending, BookingStatus::kPaidComplete, BookingStatus::kPrintComplete,
          BookingStatus::kReviewComplete, BookingStatus::kCanceled}) {
        if (to_string(st) == s)
            return st;
    }
    return std::nullopt;
}

FieldErrors validate(const BookingRequest& r) {
    FieldErrors errors;
    if (r.movie_name.empty()) {
        errors.push_back({"movieName", "must not be empty"});
    } else if (utf8_length(r.movie_name) > kMaxMovieNameLength) {
        errors.push_back({"movieName", "must be at most 200 characters"});
    }
    const auto seats = split_seats(r.seat);
    bool seats_ok = true;
    if (r.seat.empty()) {
        errors.push_back({"seat", "must list at least one seat, e.g. \"1A,2B\""});
        seats_ok = false;
    } else if (static_cast<std::int64_t>(seats.size()) > kMaxSeatsPerBooking) {
        errors.push_back({"seat", "must list at most 100 seats"});
        seats_ok = false;
    } else {
        std::set<std::string> seen;
        for (const auto& s : seats) {
            if (!is_valid_seat_label(s)) {
                errors.push_back({"seat", "\"" + s +
                                              "\" is not a seat label (1 to 8 letters or digits, "
                                              "comma separated)"});
                seats_ok = false;
                break;
            }
            if (!seen.insert(s).second) {
                errors.push_back({"seat", "seat " + s + " is listed twice"});
                seats_ok = false;
                break;
            }
        }
    }
    if (r.qty <= 0) {
        errors.push_back({"qty", "must be at least 1"});
    } else if (seats_ok && r.qty != static_cast<std::int64_t>(seats.size())) {
        errors.push_back(
            {"qty", "must equal the number of seats (" + std::to_string(seats.size()) + ")"});
    }
    if (r.total_price < 0)
        errors.push_back({"totalPrice", "must not be negative"});
    return errors;
}

Result<Booking> Booking::place(const BookingRequest& request, TimePoint now) {
    if (!validate(request).empty())
        return fail(BookingError::kInvalidBooking);
    Booking b;
    b.request_ = request;
    b.request_.seat = join_seats(split_seats(request.seat));  // normalised "1A,2B"
    b.status_ = BookingStatus::kPending;
    b.created_at_ = now;
    b.updated_at_ = now;
    return b;
}

Booking Booking::restore(std::int64_t id, BookingRequest request, BookingStatus status,
                         std::int64_t payment_id, bool cancel_requested, TimePoint created_at,
                         TimePoint updated_at) {
    Booking b;
    b.id_ = id;
    b.request_ = std::move(request);
    b.status_ = status;
    b.payment_id_ = payment_id;
    b.cancel_requested_ = cancel_requested;
    b.created_at_ = created_at;
    b.updated_at_ = updated_at;
    return b;
}

Result<Booked> Booking::confirm(std::int64_t payment_id, TimePoint now) {
    if (status_ == BookingStatus::kCanceled)
        return fail(BookingError::kAlreadyCanceled);
    if (status_ != BookingStatus::kPending)
        return fail(BookingError::kNotConfirmed);
    status_ = BookingStatus::kPaidComplete;
    payment_id_ = payment_id;
    updated_at_ = now;
    return Booked{id_,
                  request_.customer_id,
                  request_.movie_name,
                  request_.seat,
                  request_.qty,
                  request_.total_price,
                  payment_id_,
                  std::string(to_string(status_)),
                  request_.screening_id,
                  split_seats(request_.seat),
                  {}};
}

namespace {
Result<void> cancellable(BookingStatus status) {
    switch (status) {
        case BookingStatus::kPending:
            return fail(BookingError::kNotConfirmed);
        case BookingStatus::kCanceled:
            return fail(BookingError::kAlreadyCanceled);
        case BookingStatus::kPrintComplete:
        case BookingStatus::kReviewComplete:
            return fail(BookingError::kAlreadyPrinted);
        case BookingStatus::kPaidComplete:
            break;
    }
    return {};
}
}  // namespace

Result<void> Booking::request_cancel(TimePoint now) {
    if (auto ok = cancellable(status_); !ok)
        return ok;
    cancel_requested_ = true;
    updated_at_ = now;
    return {};
}

void Booking::abandon_cancel(TimePoint now) {
    if (!cancel_requested_)
        return;
    cancel_requested_ = false;
    updated_at_ = now;
}

Result<Canceled> Booking::cancel(TimePoint now) {
    if (auto ok = cancellable(status_); !ok)
        return domain::Unexpected(ok.error());
    status_ = BookingStatus::kCanceled;
    cancel_requested_ = false;
    updated_at_ = now;
    return Canceled{id_,
                    request_.customer_id,
                    request_.movie_name,
                    request_.seat,
                    request_.qty,
                    request_.total_price,
                    std::string(to_string(status_)),
                    request_.screening_id,
                    split_seats(request_.seat)};
}

bool Booking::mark_printed(TimePoint now) {
    if (status_ != BookingStatus::kPaidComplete)
        return false;
    status_ = BookingStatus::kPrintComplete;
    updated_at_ = now;
    return true;
}

bool Booking::mark_review_written(TimePoint now) {
    if (status_ != BookingStatus::kPaidComplete && status_ != BookingStatus::kPrintComplete) {
        return false;
    }
    status_ = BookingStatus::kReviewComplete;
    updated_at_ = now;
    return true;
}

}  // namespace mb::domain::booking
