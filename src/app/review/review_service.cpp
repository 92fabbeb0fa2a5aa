#include "app/review/review_service.hpp"

namespace mb::app::review {

using domain::fail;
using domain::Result;
using domain::review::Review;
using domain::review::ReviewError;

ReviewService::ReviewService(domain::review::ReviewRepository& repository,
                             Outbox<domain::review::ReviewEvent>& outbox,
                             const domain::Clock& clock, std::string weather)
    : repository_(repository), outbox_(outbox), clock_(clock), weather_(std::move(weather)) {}

Result<Review> ReviewService::open(std::int64_t booking_id) {
    if (auto existing = repository_.find_by_booking(booking_id))
        return std::move(*existing);
    auto review = Review::open(booking_id, weather_, clock_.now());
    repository_.add(review);
    outbox_.append(review.waited_event());
    return review;
}

Result<Review> ReviewService::write(std::int64_t review_id, std::int64_t score,
                                    std::string contents) {
    auto review = repository_.find(review_id);
    if (!review)
        return fail(ReviewError::kNotFound);
    auto written = review->write(score, std::move(contents), clock_.now());
    if (!written)
        return domain::Unexpected(written.error());
    repository_.update(*review);
    outbox_.append(*written);
    return std::move(*review);
}

std::optional<Review> ReviewService::find(std::int64_t review_id) {
    return repository_.find(review_id);
}

std::optional<Review> ReviewService::find_by_booking(std::int64_t booking_id) {
    return repository_.find_by_booking(booking_id);
}

domain::Page<Review> ReviewService::list(const domain::PageRequest& page) {
    return repository_.list(page);
}

}  // namespace mb::app::review
