#pragma once
// Seat lists as the seed sends them: one string, labels separated by commas ("1A,2B").
#include <string>
#include <string_view>
#include <vector>

namespace mb::domain {

/// Splits "1A, 2B" into {"1A","2B"} (surrounding blanks trimmed, empty items kept as "" so the
/// caller's validation reports them). Pure; thread-safe.
[[nodiscard]] std::vector<std::string> split_seats(std::string_view seat_list);

/// A seat label is 1..8 ASCII letters or digits ("1A", "A12"). Pure.
[[nodiscard]] bool is_valid_seat_label(std::string_view label) noexcept;

/// Joins labels with "," (the wire form); the inverse of split_seats. Pure.
[[nodiscard]] std::string join_seats(const std::vector<std::string>& seats);

}  // namespace mb::domain
