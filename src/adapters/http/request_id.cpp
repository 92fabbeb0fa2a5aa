#include "adapters/http/request_id.hpp"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <random>

#include <fmt/format.h>

namespace mb::adapters::http {
namespace {

std::uint64_t process_prefix() {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32U) ^ device();
}

}  // namespace

bool is_valid_request_id(std::string_view id) noexcept {
    return !id.empty() && id.size() <= kMaxRequestIdLength &&
           std::all_of(id.begin(), id.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
}

std::string new_request_id() {
    static const std::uint64_t prefix = process_prefix();
    static std::atomic<std::uint64_t> counter{0};
    return fmt::format("{:016x}-{:x}", prefix, counter.fetch_add(1, std::memory_order_relaxed) + 1);
}

std::string accept_request_id(std::string_view header) {
    return is_valid_request_id(header) ? std::string(header) : new_request_id();
}

}  // namespace mb::adapters::http
