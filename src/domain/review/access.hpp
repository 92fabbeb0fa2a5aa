#pragma once
// Who may see and write a review (issue 9; README "Security"): the booking's customer reads and
// writes it; admin reads it. Pure; thread-safe.
#include <initializer_list>

#include "domain/common/principal.hpp"
#include "domain/review/review.hpp"

namespace mb::domain::review {

/// Roles that list every review; everybody else lists their own.
inline constexpr std::initializer_list<Role> kSeesAllReviews = {Role::kAdmin};

/// Visible to the booking's customer and admin; anyone else gets 404.
[[nodiscard]] inline bool may_read(const Principal& caller, const Review& review) {
    return caller.owns(review.customer_id()) || caller.has(Role::kAdmin);
}

/// Only the booking's customer writes its review (an admin who sees it gets 403).
[[nodiscard]] inline bool may_write(const Principal& caller, const Review& review) {
    return caller.owns(review.customer_id());
}

}  // namespace mb::domain::review
