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

}  // namespace mb::domain
