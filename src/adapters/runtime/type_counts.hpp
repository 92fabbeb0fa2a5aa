#pragma once
// Per-event-type counters of the relay and the consumer (metrics by event type).
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace mb::adapters::runtime {

/// Event type -> how many; heterogeneous lookup by string_view. Not thread-safe: each owner
/// guards its own map.
using TypeCounts = std::map<std::string, std::uint64_t, std::less<>>;

/// Adds one to `type`'s count (inserting it at 1).
inline void count_type(TypeCounts& by_type, std::string_view type) {
    const auto it = by_type.find(type);
    if (it != by_type.end()) {
        ++it->second;
    } else {
        by_type.emplace(std::string(type), 1);
    }
}

}  // namespace mb::adapters::runtime
