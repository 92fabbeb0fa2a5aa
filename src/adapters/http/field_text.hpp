#pragma once
// Small helpers for header field values, shared by the server and the limits.
#include <string_view>

namespace mb::adapters::http {

/// `text` without leading and trailing optional whitespace (OWS: SP and HTAB, RFC 9110 §5.6.3),
/// as around the elements of a comma-separated field value. Pure; thread-safe.
[[nodiscard]] constexpr std::string_view trim_ows(std::string_view text) noexcept {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

}  // namespace mb::adapters::http
