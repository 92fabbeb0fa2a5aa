#pragma once
// The callers the use-case tests act as (README "Security"): two customers, the counter, admin.
#include "domain/common/principal.hpp"

namespace mb::test {

inline domain::Principal staff() {
    return domain::Principal::user("desk", static_cast<std::uint8_t>(domain::Role::kStaff));
}
inline domain::Principal admin() {
    return domain::Principal::user("root", static_cast<std::uint8_t>(domain::Role::kAdmin));
}

}  // namespace mb::test
