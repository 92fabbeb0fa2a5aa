#include "domain/common/text.hpp"

namespace mb::domain {

std::size_t utf8_length(std::string_view text) noexcept {
    std::size_t n = 0;
    for (const char c : text) {
        if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U)
            ++n;  // not a continuation byte
    }
    return n;
}

bool is_utf8(std::string_view bytes) noexcept {
    std::size_t i = 0;
    while (i < bytes.size()) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        const std::size_t n = c < 0x80U              ? 1
                              : (c & 0xE0U) == 0xC0U ? 2
                              : (c & 0xF0U) == 0xE0U ? 3
                              : (c & 0xF8U) == 0xF0U ? 4
                                                     : 0;
        if (n == 0 || i + n > bytes.size())
            return false;
        for (std::size_t k = 1; k < n; ++k) {
            if ((static_cast<unsigned char>(bytes[i + k]) & 0xC0U) != 0x80U)
                return false;
        }
        i += n;
    }
    return true;
}

}  // namespace mb::domain
