#pragma once
// Who may see a payment (issue 9; README "Security"): its customer and admin. Pure; thread-safe.
#include <initializer_list>

#include "domain/common/principal.hpp"
#include "domain/payment/payment.hpp"

namespace mb::domain::payment {

/// Roles that list every payment; everybody else lists their own.
inline constexpr std::initializer_list<Role> kSeesAllPayments = {Role::kAdmin};

/// Visible to the payment's customer and admin; anyone else gets 404.
[[nodiscard]] inline bool may_read(const Principal& caller, const Payment& payment) {
    return caller.owns(payment.customer_id()) || caller.has(Role::kAdmin);
}

}  // namespace mb::domain::payment
