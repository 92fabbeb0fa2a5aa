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

Result<Review> ReviewService::open(std::int64_t booking_id, std::string customer_id) {
    if (auto existing = repository_.find_by_booking(booking_id))
        return std::move(*existing);
    auto review = Review::open(booking_id, std::move(customer_id), weather_, clock_.now());
    repository_.add(review);
    outbox_.append(review.waited_event());
    return review;
}

Result<Review> ReviewService::write(const domain::Principal& caller, std::int64_t review_id,
                                    std::int64_t score, std::string contents) {
    auto review = repository_.find(review_id);
    if (!review || !domain::review::may_read(caller, *review))
        return fail(ReviewError::kNotFound);
    if (!domain::review::may_write(caller, *review))
        return fail(ReviewError::kForbidden);
    auto written = review->write(score, std::move(contents), clock_.now());
    if (!written)
        return domain::Unexpected(written.error());
    repository_.update(*review);
    outbox_.append(*written);
    return std::move(*review);
}

namespace {
std::optional<Review> visible_to(const domain::Principal& caller, std::optional<Review> r) {
    if (r && !domain::review::may_read(caller, *r))
        return std::nullopt;
    return r;
}
}  // namespace

std::optional<Review> ReviewService::find(const domain::Principal& caller,
                                          std::int64_t review_id) {
    return visible_to(caller, repository_.find(review_id));
}

std::optional<Review> ReviewService::find_by_booking(const domain::Principal& caller,
                                                     std::int64_t booking_id) {
    return visible_to(caller, repository_.find_by_booking(booking_id));
}

domain::Page<Review> ReviewService::list(const domain::Principal& caller,
                                         const domain::PageRequest& page) {
    if (auto mine = domain::customer_filter(caller, domain::review::kSeesAllReviews))
        return repository_.list_by_customer(*mine, page);
    return repository_.list(page);
}

}  // namespace mb::app::review
