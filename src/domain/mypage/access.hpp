#pragma once
// Who may see a My page row (issue 9; README "Security"): its customer and admin.
// Pure; thread-safe.
#include <initializer_list>
#include <optional>
#include <string>

#include "domain/common/principal.hpp"
#include "domain/mypage/my_page.hpp"

namespace mb::domain::mypage {

/// Roles that list every row; everybody else lists their own.
inline constexpr std::initializer_list<Role> kSeesAllMyPages = {Role::kAdmin};

/// Visible to the row's customer and admin; anyone else gets 404.
[[nodiscard]] inline bool may_read(const Principal& caller, const MyPage& row) {
    return caller.owns(row.facts().customer_id) || caller.has(Role::kAdmin);
}

}  // namespace mb::domain::mypage
