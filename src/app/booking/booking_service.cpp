#include "app/booking/booking_service.hpp"

#include "domain/common/seats.hpp"

namespace mb::app::booking {

using domain::fail;
using domain::Result;
using domain::booking::Booking;
using domain::booking::BookingError;
using domain::booking::BookingStatus;

BookingService::BookingService(domain::booking::BookingRepository& repository,
                               domain::booking::CatalogueRepository& catalogue,
                               domain::booking::SeatInventory& inventory,
                               Outbox<domain::booking::BookingEvent>& outbox,
                               const domain::Clock& clock, BookingPolicy policy)
    : repository_(repository),
      catalogue_(catalogue),
      inventory_(inventory),
      outbox_(outbox),
      clock_(clock),
      policy_(policy) {}

Result<Booking> BookingService::place(const domain::Principal& caller,
                                      domain::booking::BookingRequest request,
                                      PlaceDetails* details) {
    PlaceDetails scratch;
    PlaceDetails& d = details != nullptr ? *details : scratch;
    auto customer = domain::booking::customer_for_new_booking(caller, request.customer_id);
    if (!customer) {
        d.errors.push_back({"customerId", "must be the token's subject (" + caller.subject() +
                                              ") or left out"});
        return domain::Unexpected(customer.error());
    }
    request.customer_id = std::move(*customer);
    const auto now = clock_.now();
    const char* seat_field = request.screening_id != 0 ? "seats" : "seat";
    if (request.screening_id == 0 && !request.movie_name.empty()) {
        // The seed's shape: the movie's next open screening. The client's price is never taken
        // for a movie the catalogue does not sell, unless the operator opted in (legacy).
        auto movie = catalogue_.movie_by_title(request.movie_name);
        if (movie) {
            if (auto next = catalogue_.next_screening(movie->id, now)) {
                request.screening_id = next->id;
            }
        }
        if (request.screening_id == 0 && !policy_.accept_unlisted_movies) {
            if (!movie) {
                d.errors.push_back({"movieName", "is not in the catalogue"});
                return fail(BookingError::kUnlistedMovie);
            }
            return fail(BookingError::kNoOpenScreening);
        }
    }
    if (request.screening_id != 0) {
        auto screening = catalogue_.screening(request.screening_id);
        if (!screening) {
            d.errors.push_back({"screeningId", "no screening with that id"});
            return fail(BookingError::kUnknownScreening);
        }
        if (screening->starts_at <= now)
            return fail(BookingError::kScreeningStarted);
        auto screen = catalogue_.screen(screening->screen_id);
        auto movie = catalogue_.movie(screening->movie_id);
        if (!screen || !movie)
            return fail(BookingError::kUnknownScreening);
        auto selection = domain::booking::select_seats(
            screen->seat_map, domain::split_seats(request.seat), seat_field, d.errors, d.seats);
        if (!selection)
            return fail(BookingError::kInvalidBooking);
        if (!d.seats.empty())
            return fail(BookingError::kSeatBlocked);
        const auto n = static_cast<std::int64_t>(selection->seats.size());
        if (request.qty != n) {
            d.errors.push_back(
                {"qty", "must equal the number of seats (" + std::to_string(n) + ")"});
            return fail(BookingError::kInvalidBooking);
        }
        d.expected_price = n * screening->price;
        if (request.total_price_given && request.total_price != d.expected_price) {
            return fail(BookingError::kPriceMismatch);
        }
        request.total_price = d.expected_price;
        request.movie_name = movie->title;
        request.seat = domain::join_seats(selection->seats);
    }
    d.errors = domain::booking::validate(request);
    auto booking = Booking::place(request, now);
    if (!booking)
        return booking;
    repository_.add(*booking);
    if (request.screening_id != 0) {
        if (auto taken =
                inventory_.hold(request.screening_id, domain::split_seats(booking->details().seat),
                                booking->id())) {
            d.seats = {*taken};
            return fail(BookingError::kSeatTaken);  // the caller's savepoint undoes the insert
        }
    }
    return booking;
}

Result<Booking> BookingService::confirm(std::int64_t booking_id, std::int64_t payment_id) {
    auto booking = repository_.find(booking_id);
    if (!booking)
        return fail(BookingError::kNotFound);
    auto booked = booking->confirm(payment_id, clock_.now());
    if (!booked)
        return domain::Unexpected(booked.error());
    if (booking->screening_id() != 0) {
        inventory_.take(booking_id);
        if (auto screening = catalogue_.screening(booking->screening_id())) {
            booked->screening_starts_at = domain::booking::format_utc(screening->starts_at);
        }
    }
    repository_.update(*booking);
    outbox_.append(*booked);
    return std::move(*booking);
}

void BookingService::discard(std::int64_t booking_id) {
    auto booking = repository_.find(booking_id);
    if (booking && booking->status() == BookingStatus::kPending) {
        if (booking->screening_id() != 0)
            inventory_.release(booking_id);
        repository_.remove(booking_id);
    }
}

Result<Booking> BookingService::request_cancel(const domain::Principal& caller,
                                               std::int64_t booking_id) {
    auto booking = find_visible(booking_id);
    if (!booking || !domain::booking::may_read(caller, *booking))
        return fail(BookingError::kNotFound);
    if (!domain::booking::may_cancel(caller, *booking))
        return fail(BookingError::kForbidden);
    if (auto requested = booking->request_cancel(clock_.now()); !requested) {
        return domain::Unexpected(requested.error());
    }
    repository_.update(*booking);
    return std::move(*booking);
}

void BookingService::abandon_cancel(std::int64_t booking_id) {
    auto booking = find_visible(booking_id);
    if (!booking || !booking->cancel_requested())
        return;
    booking->abandon_cancel(clock_.now());
    repository_.update(*booking);
}

Result<Booking> BookingService::cancel(std::int64_t booking_id) {
    auto booking = find_visible(booking_id);
    if (!booking)
        return fail(BookingError::kNotFound);
    auto canceled = booking->cancel(clock_.now());
    if (!canceled)
        return domain::Unexpected(canceled.error());
    if (booking->screening_id() != 0)
        inventory_.release(booking_id);
    repository_.update(*booking);
    outbox_.append(*canceled);
    return std::move(*booking);
}

void BookingService::on_printed(const domain::ticket::Printed& event) {
    auto booking = repository_.find(event.booking_id);
    if (booking && booking->mark_printed(clock_.now()))
        repository_.update(*booking);
}

void BookingService::on_review_written(const domain::review::WrittenReview& event) {
    auto booking = repository_.find(event.booking_id);
    if (booking && booking->mark_review_written(clock_.now()))
        repository_.update(*booking);
}

std::optional<Booking> BookingService::find_visible(std::int64_t booking_id) {
    auto booking = repository_.find(booking_id);
    if (!booking || booking->status() == BookingStatus::kPending)
        return std::nullopt;
    return booking;
}

std::optional<Booking> BookingService::find(const domain::Principal& caller,
                                            std::int64_t booking_id) {
    auto booking = find_visible(booking_id);
    if (!booking || !domain::booking::may_read(caller, *booking))
        return std::nullopt;
    return booking;
}

domain::Page<Booking> BookingService::list(const domain::Principal& caller,
                                           const domain::PageRequest& page) {
    if (auto mine = domain::customer_filter(caller, domain::booking::kSeesAllBookings))
        return repository_.list_by_customer(*mine, page);
    return repository_.list(page);
}

std::vector<Booking> BookingService::pending(std::chrono::milliseconds min_age) {
    return repository_.pending(clock_.now() - min_age, 1000);
}

std::vector<Booking> BookingService::cancel_requested(std::chrono::milliseconds min_age) {
    return repository_.cancel_requested(clock_.now() - min_age, 1000);
}

}  // namespace mb::app::booking
