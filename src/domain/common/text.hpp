#pragma once
// Text measures shared by the contexts' validation rules.
#include <cstddef>
#include <string_view>

namespace mb::domain {

/// Number of Unicode code points in UTF-8 text: what "characters" means in every length rule
/// (a 200-character Korean title is 600 bytes). Pure; thread-safe.
[[nodiscard]] std::size_t utf8_length(std::string_view text) noexcept;

/// True when `bytes` is a sequence of complete UTF-8 characters (a lead byte followed by as
/// many continuation bytes as it announces, up to 4): text that can be shown in JSON as is.
/// Pure; thread-safe.
[[nodiscard]] bool is_utf8(std::string_view bytes) noexcept;

}  // namespace mb::domain
