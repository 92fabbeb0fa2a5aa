#include "app/booking/booking_service.hpp"

namespace mb::app::booking {

using domain::fail;
using domain::Result;
using domain::booking::Booking;
using domain::booking::BookingError;
using domain::booking::BookingStatus;

BookingService::BookingService(domain::booking::BookingRepository& repository,
                               Outbox<domain::booking::BookingEvent>& outbox,
                               const domain::Clock& clock)
    : repository_(repository), outbox_(outbox), clock_(clock) {}

Result<Booking> BookingService::place(const domain::booking::BookingRequest& request) {
    auto booking = Booking::place(request, clock_.now());
    if (!booking) return booking;
    repository_.add(*booking);
    return booking;
}

Result<Booking> BookingService::confirm(std::int64_t booking_id, std::int64_t payment_id) {
    auto booking = repository_.find(booking_id);
    if (!booking) return fail(BookingError::kNotFound);
    auto booked = booking->confirm(payment_id, clock_.now());
    if (!booked) return domain::Unexpected(booked.error());
    repository_.update(*booking);
    outbox_.append(*booked);
    return std::move(*booking);
}

void BookingService::discard(std::int64_t booking_id) {
    auto booking = repository_.find(booking_id);
    if (booking && booking->status() == BookingStatus::kPending) repository_.remove(booking_id);
}

Result<Booking> BookingService::request_cancel(std::int64_t booking_id) {
    auto booking = find(booking_id);
    if (!booking) return fail(BookingError::kNotFound);
    if (auto requested = booking->request_cancel(clock_.now()); !requested) {
        return domain::Unexpected(requested.error());
    }
    repository_.update(*booking);
    return std::move(*booking);
}

void BookingService::abandon_cancel(std::int64_t booking_id) {
    auto booking = find(booking_id);
    if (!booking || !booking->cancel_requested()) return;
    booking->abandon_cancel(clock_.now());
    repository_.update(*booking);
}

Result<Booking> BookingService::cancel(std::int64_t booking_id) {
    auto booking = find(booking_id);
    if (!booking) return fail(BookingError::kNotFound);
    auto canceled = booking->cancel(clock_.now());
    if (!canceled) return domain::Unexpected(canceled.error());
    repository_.update(*booking);
    outbox_.append(*canceled);
    return std::move(*booking);
}

void BookingService::on_printed(const domain::ticket::Printed& event) {
    auto booking = repository_.find(event.booking_id);
    if (booking && booking->mark_printed(clock_.now())) repository_.update(*booking);
}

void BookingService::on_review_written(const domain::review::WrittenReview& event) {
    auto booking = repository_.find(event.booking_id);
    if (booking && booking->mark_review_written(clock_.now())) repository_.update(*booking);
}

std::optional<Booking> BookingService::find(std::int64_t booking_id) {
    auto booking = repository_.find(booking_id);
    if (!booking || booking->status() == BookingStatus::kPending) return std::nullopt;
    return booking;
}

domain::Page<Booking> BookingService::list(const domain::PageRequest& page) {
    return repository_.list(page);
}

std::vector<Booking> BookingService::pending(std::chrono::milliseconds min_age) {
    return repository_.pending(clock_.now() - min_age, 1000);
}

std::vector<Booking> BookingService::cancel_requested(std::chrono::milliseconds min_age) {
    return repository_.cancel_requested(clock_.now() - min_age, 1000);
}

}  // namespace mb::app::booking
