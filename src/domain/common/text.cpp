#include "domain/common/text.hpp"

namespace mb::domain {
namespace {

/// The length of the well-formed character at the start of `bytes` (1 to 4), or 0 when it is
/// ill-formed; then `subpart` is the length of its maximal subpart (1 to 3: the bytes to
/// replace by one U+FFFD). `bytes` must not be empty.
std::size_t utf8_character(std::string_view bytes, std::size_t& subpart) noexcept {
    const auto byte = [&bytes](std::size_t i) {
        return static_cast<unsigned char>(bytes[i]);
    };
    const unsigned lead = byte(0);
    subpart = 1;
    if (lead < 0x80U) {
        return 1;
    }
    std::size_t length = 0;
    unsigned low = 0x80U;  // the range of the second byte (Unicode table 3-7)
    unsigned high = 0xBFU;
    if (lead >= 0xC2U && lead <= 0xDFU) {
        length = 2;
    } else if (lead >= 0xE0U && lead <= 0xEFU) {
        length = 3;
        low = lead == 0xE0U ? 0xA0U : 0x80U;   // no overlong
        high = lead == 0xEDU ? 0x9FU : 0xBFU;  // no surrogate
    } else if (lead >= 0xF0U && lead <= 0xF4U) {
        length = 4;
        low = lead == 0xF0U ? 0x90U : 0x80U;   // no overlong
        high = lead == 0xF4U ? 0x8FU : 0xBFU;  // nothing above U+10FFFF
    } else {
        return 0;  // C0, C1, F5..FF, or a continuation byte alone
    }
    for (std::size_t k = 1; k < length; ++k) {
        if (k >= bytes.size()) {
            return 0;
        }
        const unsigned next = byte(k);
        if (next < (k == 1 ? low : 0x80U) || next > (k == 1 ? high : 0xBFU)) {
            return 0;
        }
        subpart = k + 1;
    }
    return length;
}

}  // namespace

std::size_t utf8_length(std::string_view text) noexcept {
    std::size_t n = 0;
    for (const char c : text) {
        if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U)
            ++n;  // not a continuation byte
    }
    return n;
}

bool is_utf8(std::string_view bytes) noexcept {
    std::size_t subpart = 0;
    while (!bytes.empty()) {
        const auto n = utf8_character(bytes, subpart);
        if (n == 0) {
            return false;
        }
        bytes.remove_prefix(n);
    }
    return true;
}

std::string to_valid_utf8(std::string_view bytes) {
    constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
    std::string out;
    out.reserve(bytes.size() + 8);
    std::size_t subpart = 0;
    while (!bytes.empty()) {
        const auto n = utf8_character(bytes, subpart);
        if (n == 0) {
            out.append(kReplacement);
            bytes.remove_prefix(subpart);
        } else {
            out.append(bytes.substr(0, n));
            bytes.remove_prefix(n);
        }
    }
    return out;
}

bool is_customer_id(std::string_view text) noexcept {
    if (text.empty() || text.size() > kMaxCustomerIdLength)
        return false;
    for (const char c : text) {
        const bool ok = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
                        (c >= 'a' && c <= 'z') || c == '.' || c == '_' || c == '@' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

}  // namespace mb::domain
