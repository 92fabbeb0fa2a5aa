#pragma once
// Paging for repository list queries, in the Spring Data shape (zero-based page number).
#include <cstdint>
#include <vector>

namespace mb::domain {

/// A page request: `number` is zero-based, `size` is the page length (1..1000, validated by
/// the HTTP adapter).
struct PageRequest {
    std::int64_t number = 0;
    std::int64_t size = 20;
    [[nodiscard]] std::int64_t offset() const noexcept { return number * size; }
};

/// One page of a repository query plus the total number of matching elements.
template <class T>
struct Page {
    std::vector<T> items;
    std::int64_t total = 0;
};

}  // namespace mb::domain
