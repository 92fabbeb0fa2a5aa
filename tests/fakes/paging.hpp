#pragma once
// Shared by the in-memory repositories: cuts one page out of an id-ordered list.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "domain/common/page.hpp"

namespace mb::test {

template <class T>
domain::Page<T> page_of(const std::vector<T>& all, const domain::PageRequest& page) {
    domain::Page<T> out;
    out.total = static_cast<std::int64_t>(all.size());
    const auto size = static_cast<std::int64_t>(all.size());
    const auto begin = std::clamp<std::int64_t>(page.offset(), 0, size);
    const auto end = std::clamp<std::int64_t>(begin + page.size, begin, size);
    out.items.assign(all.begin() + begin, all.begin() + end);
    return out;
}

}  // namespace mb::test
