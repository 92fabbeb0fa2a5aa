#include "adapters/bus/kafka/offset_tracker.hpp"

#include <algorithm>

namespace mb::adapters::bus::kafka {

void OffsetTracker::fetched(std::int32_t partition, std::int64_t offset) {
    std::lock_guard lock(mutex_);
    auto& p = partitions_[partition];
    if (p.pending.insert(offset).second)
        ++outstanding_;
    p.next = std::max(p.next, offset + 1);
}

void OffsetTracker::skipped(std::int32_t partition, std::int64_t offset) {
    std::lock_guard lock(mutex_);
    auto& p = partitions_[partition];
    p.next = std::max(p.next, offset + 1);
}

void OffsetTracker::done(std::int32_t partition, std::int64_t offset) {
    std::lock_guard lock(mutex_);
    auto it = partitions_.find(partition);
    if (it != partitions_.end() && it->second.pending.erase(offset) > 0)
        --outstanding_;
}

void OffsetTracker::forget(std::int32_t partition) {
    std::lock_guard lock(mutex_);
    auto it = partitions_.find(partition);
    if (it == partitions_.end())
        return;
    outstanding_ -= it->second.pending.size();
    partitions_.erase(it);
}

void OffsetTracker::forget_all() {
    std::lock_guard lock(mutex_);
    partitions_.clear();
    outstanding_ = 0;
}

std::vector<std::pair<std::int32_t, std::int64_t>> OffsetTracker::take_advanced() {
    std::vector<std::pair<std::int32_t, std::int64_t>> out;
    std::lock_guard lock(mutex_);
    for (auto& [partition, p] : partitions_) {
        const auto position = p.pending.empty() ? p.next : *p.pending.begin();
        if (position > p.stored) {
            p.stored = position;
            out.emplace_back(partition, position);
        }
    }
    return out;
}

std::size_t OffsetTracker::outstanding() const {
    std::lock_guard lock(mutex_);
    return outstanding_;
}

}  // namespace mb::adapters::bus::kafka
