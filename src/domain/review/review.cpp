#include "domain/review/review.hpp"

#include "domain/common/text.hpp"

namespace mb::domain::review {
std::string_view to_string(ReviewStatus s) noexcept {
    return s == ReviewStatus::kWaitingReview ? "Waiting Review" : "Written";
}

std::optional<ReviewStatus> review_status_from(std::string_view s) noexcept {
    if (s == "Waiting Review")
        return ReviewStatus::kWaitingReview;
    if (s == "Written")
        return ReviewStatus::kWritten;
    return std::nullopt;
}

FieldErrors validate_write(std::int64_t score, const std::string& contents) {
    FieldErrors errors;
    if (score < kMinScore || score > kMaxScore) {
        errors.push_back({"score", "must be an integer from 0 to 10"});
    }
    if (utf8_length(contents) > kMaxContentsLength) {
        errors.push_back({"contents", "must be at most 2000 characters"});
    }
    return errors;
}

Review Review::open(std::int64_t booking_id, std::string customer_id, std::string weather,
                    TimePoint now) {
    Review r;
    r.booking_id_ = booking_id;
    r.customer_id_ = std::move(customer_id);
    r.weather_ = std::move(weather);
    r.status_ = ReviewStatus::kWaitingReview;
    r.created_at_ = now;
    r.updated_at_ = now;
    return r;
}

Review Review::restore(std::int64_t id, std::int64_t booking_id, std::string customer_id,
                       std::optional<std::int64_t> score, std::string contents,
                       std::string weather, ReviewStatus status, TimePoint created_at,
                       TimePoint updated_at) {
    Review r;
    r.id_ = id;
    r.booking_id_ = booking_id;
    r.customer_id_ = std::move(customer_id);
    r.score_ = score;
    r.contents_ = std::move(contents);
    r.weather_ = std::move(weather);
    r.status_ = status;
    r.created_at_ = created_at;
    r.updated_at_ = updated_at;
    return r;
}

WaitedReview Review::waited_event() const {
    return WaitedReview{id_, booking_id_, weather_,
                        std::string(to_string(ReviewStatus::kWaitingReview))};
}

Result<WrittenReview> Review::write(std::int64_t score, std::string contents, TimePoint now) {
    if (!validate_write(score, contents).empty())
        return fail(ReviewError::kInvalidReview);
    score_ = score;
    contents_ = std::move(contents);
    status_ = ReviewStatus::kWritten;
    updated_at_ = now;
    return WrittenReview{id_,       booking_id_, score,
                         contents_, weather_,    std::string(to_string(status_))};
}

}  // namespace mb::domain::review
