#pragma once
// Review use cases. Runs inside the review module's unit of work; not thread-safe (the review
// strand serialises calls). Reviews are written 24/7 whatever the state of booking or mypage
// (MISSION.md, "Fault isolation"): nothing here waits on another module.
#include <cstdint>
#include <optional>
#include <string>

#include "app/common/outbox.hpp"
#include "domain/common/clock.hpp"
#include "domain/common/principal.hpp"
#include "domain/review/access.hpp"
#include "domain/review/events.hpp"
#include "domain/review/review.hpp"
#include "domain/review/review_repository.hpp"

namespace mb::app::review {

class ReviewService {
public:
    /// `weather`: the WEATHER value read once at start-up, stored into each review.
    ReviewService(domain::review::ReviewRepository& repository,
                  Outbox<domain::review::ReviewEvent>& outbox, const domain::Clock& clock,
                  std::string weather);

    /// Opens the booking's review record ("Waiting Review", `WaitedReview`) owned by the
    /// booking's customer, for ticket's ReviewPort at print. Idempotent: an existing record is
    /// returned unchanged (one opened before owners were recorded learns its owner).
    domain::Result<domain::review::Review> open(std::int64_t booking_id, std::string customer_id);
    /// Writes score (0..10) and contents (<= 2000 chars); `WrittenReview` into the outbox.
    /// Errors: kNotFound (also: not visible to `caller`), kForbidden (an admin sees it but only
    /// the customer writes it), kInvalidReview.
    domain::Result<domain::review::Review> write(const domain::Principal& caller,
                                                 std::int64_t review_id, std::int64_t score,
                                                 std::string contents);

    /// Reads filtered to `caller` (access.hpp: the booking's customer and admin).
    std::optional<domain::review::Review> find(const domain::Principal& caller,
                                               std::int64_t review_id);
    std::optional<domain::review::Review> find_by_booking(const domain::Principal& caller,
                                                          std::int64_t booking_id);
    /// Admin lists every review, a customer their own.
    domain::Page<domain::review::Review> list(const domain::Principal& caller,
                                              const domain::PageRequest& page);

private:
    domain::review::ReviewRepository& repository_;
    Outbox<domain::review::ReviewEvent>& outbox_;
    const domain::Clock& clock_;
    std::string weather_;
};

}  // namespace mb::app::review
