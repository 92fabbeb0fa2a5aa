#include "adapters/system/ids.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <random>

namespace mb::adapters::system {

std::string new_uuid() {
    thread_local std::mt19937_64 engine = [] {
        std::random_device rd;
        std::seed_seq seq{rd(), rd(), rd(), rd(), rd(), rd(), rd(), rd()};
        return std::mt19937_64(seq);
    }();
    const auto ms =
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count());
    std::uint64_t hi = (ms << 16U) | (engine() & 0x0FFFULL) | 0x7000ULL;  // unix_ts_ms, ver 7
    std::uint64_t lo = engine();
    lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // variant 10
    static constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                  '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
    std::string out;
    out.reserve(36);
    auto put = [&](std::uint64_t v, int nibbles) {
        for (int i = nibbles - 1; i >= 0; --i)
            out += kHex[(v >> (i * 4)) & 0xFU];
    };
    put(hi >> 32, 8);
    out += '-';
    put((hi >> 16) & 0xFFFFU, 4);
    out += '-';
    put(hi & 0xFFFFU, 4);
    out += '-';
    put(lo >> 48, 4);
    out += '-';
    put(lo & 0xFFFFFFFFFFFFULL, 12);
    return out;
}

}  // namespace mb::adapters::system
