#pragma once
// Text measures shared by the contexts' validation rules.
#include <cstddef>
#include <string>
#include <string_view>

namespace mb::domain {

/// Number of Unicode code points in UTF-8 text: what "characters" means in every length rule
/// (a 200-character Korean title is 600 bytes). Pure; thread-safe.
[[nodiscard]] std::size_t utf8_length(std::string_view text) noexcept;

/// True when `bytes` is well-formed UTF-8 (RFC 3629, Unicode table 3-7): every character a lead
/// byte followed by the continuation bytes it announces, no overlong form, no surrogate
/// (U+D800..U+DFFF), nothing above U+10FFFF — text that can be shown in JSON as is and that
/// any strict decoder accepts. Pure; thread-safe.
[[nodiscard]] bool is_utf8(std::string_view bytes) noexcept;

/// `bytes` with every ill-formed sequence replaced by U+FFFD (EF BF BD), one per maximal
/// subpart as Unicode §3.9 and the WHATWG decoder do ("\xE2\x82" -> one U+FFFD, "\xFF\xFE" ->
/// two). Well-formed input comes back unchanged; ASCII bytes are never touched, so applying it
/// to serialized JSON keeps the JSON structure. Throws only std::bad_alloc; thread-safe.
[[nodiscard]] std::string to_valid_utf8(std::string_view bytes);

/// Longest customer id, characters.
inline constexpr std::size_t kMaxCustomerIdLength = 64;

/// A customer id: 1 to 64 of `A-Z a-z 0-9 . _ @ -`. The one rule for the body's customerId and
/// the token's `sub` (README "Security"), so a token's subject always owns what it books.
/// Pure; thread-safe.
[[nodiscard]] bool is_customer_id(std::string_view text) noexcept;

}  // namespace mb::domain
