#pragma once
// Text measures shared by the contexts' validation rules.
#include <cstddef>
#include <string_view>

namespace mb::domain {

/// Number of Unicode code points in UTF-8 text: what "characters" means in every length rule
/// (a 200-character Korean title is 600 bytes). Pure; thread-safe.
[[nodiscard]] std::size_t utf8_length(std::string_view text) noexcept;

}  // namespace mb::domain
