#pragma once
// Review aggregate (MISSION.md, scenario 8): opened ("Waiting Review") when the ticket is
// printed — printing needs it (synchronous call ticket -> review) — then written with a score
// 0..10 and contents of at most 2000 characters; may be rewritten. Not thread-safe.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/common/clock.hpp"
#include "domain/common/result.hpp"
#include "domain/common/validation.hpp"
#include "domain/review/errors.hpp"
#include "domain/review/events.hpp"

namespace mb::domain::review {

enum class ReviewStatus { kWaitingReview, kWritten };

[[nodiscard]] std::string_view to_string(ReviewStatus s) noexcept;
[[nodiscard]] std::optional<ReviewStatus> review_status_from(std::string_view s) noexcept;

inline constexpr std::int64_t kMinScore = 0;
inline constexpr std::int64_t kMaxScore = 10;
inline constexpr std::size_t kMaxContentsLength = 2000;

/// Field errors for a write (empty = valid): score 0..10, contents at most 2000 characters
/// (counted as Unicode code points of the UTF-8 text).
[[nodiscard]] FieldErrors validate_write(std::int64_t score, const std::string& contents);

class Review {
public:
    /// A new review record for a booking of `customer_id` (its owner: access.hpp), carrying the
    /// configured weather (the seed's ConfigMap demo: WEATHER read at start-up).
    [[nodiscard]] static Review open(std::int64_t booking_id, std::string customer_id,
                                     std::string weather, TimePoint now);
    [[nodiscard]] static Review restore(std::int64_t id, std::int64_t booking_id,
                                        std::string customer_id,
                                        std::optional<std::int64_t> score, std::string contents,
                                        std::string weather, ReviewStatus status,
                                        TimePoint created_at, TimePoint updated_at);

    [[nodiscard]] WaitedReview waited_event() const;
    /// Writes (or rewrites) the review. kInvalidReview when validate_write reports errors.
    [[nodiscard]] Result<WrittenReview> write(std::int64_t score, std::string contents,
                                              TimePoint now);

    void assign_id(std::int64_t id) noexcept { id_ = id; }
    [[nodiscard]] std::int64_t id() const noexcept { return id_; }
    [[nodiscard]] std::int64_t booking_id() const noexcept { return booking_id_; }
    /// The booking's customer ("" for a review opened before version 5 of the schema: only
    /// admin sees those).
    [[nodiscard]] const std::string& customer_id() const noexcept { return customer_id_; }
    [[nodiscard]] std::optional<std::int64_t> score() const noexcept { return score_; }
    [[nodiscard]] const std::string& contents() const noexcept { return contents_; }
    [[nodiscard]] const std::string& weather() const noexcept { return weather_; }
    [[nodiscard]] ReviewStatus status() const noexcept { return status_; }
    [[nodiscard]] TimePoint created_at() const noexcept { return created_at_; }
    [[nodiscard]] TimePoint updated_at() const noexcept { return updated_at_; }

private:
    Review() = default;
    std::int64_t id_ = 0;
    std::int64_t booking_id_ = 0;
    std::string customer_id_;
    std::optional<std::int64_t> score_;
    std::string contents_;
    std::string weather_;
    ReviewStatus status_ = ReviewStatus::kWaitingReview;
    TimePoint created_at_{};
    TimePoint updated_at_{};
};

}  // namespace mb::domain::review
