#pragma once
// A bulkhead bounding the concurrent calls into one module (ARCHITECTURE.md, "Threads and
// synchronous ports"): a caller that finds it full fails fast with app::PortError::kBulkheadFull
// instead of queueing behind a saturated module. Lock-free (a CAS loop on one counter).
#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <utility>

namespace mb::adapters::inprocess {

class BulkheadPermit;

/// At most `limit()` callers inside at once. Thread-safe and lock-free; never blocks.
class Bulkhead {
public:
    /// Throws std::invalid_argument when `max_concurrent` is 0 (it would refuse every call).
    explicit Bulkhead(std::size_t max_concurrent) : limit_(max_concurrent) {
        if (max_concurrent == 0) {
            throw std::invalid_argument("bulkhead limit must be >= 1");
        }
    }

    Bulkhead(const Bulkhead&) = delete;
    Bulkhead& operator=(const Bulkhead&) = delete;
    Bulkhead(Bulkhead&&) = delete;
    Bulkhead& operator=(Bulkhead&&) = delete;
    ~Bulkhead() = default;

    /// Takes a slot: true, or false (counted in rejected()) when all `limit()` are taken.
    /// Every true must be matched by one leave().
    [[nodiscard]] bool try_enter() noexcept {
        std::size_t current = in_use_.load(std::memory_order_relaxed);
        while (current < limit_) {
            if (in_use_.compare_exchange_weak(current, current + 1, std::memory_order_acquire,
                                              std::memory_order_relaxed)) {
                return true;
            }
        }
        rejected_.fetch_add(1, std::memory_order_relaxed);
        return false;
    }

    /// Gives back a slot taken by a successful try_enter().
    void leave() noexcept {
        [[maybe_unused]] const auto before = in_use_.fetch_sub(1, std::memory_order_release);
        assert(before > 0 && "Bulkhead::leave without a matching try_enter");
    }

    /// try_enter() as an RAII permit that leaves when destroyed; empty when full.
    [[nodiscard]] std::optional<BulkheadPermit> enter() noexcept;

    /// Slots taken right now (a snapshot: other threads may change it at once).
    [[nodiscard]] std::size_t in_use() const noexcept {
        return in_use_.load(std::memory_order_relaxed);
    }
    [[nodiscard]] std::size_t limit() const noexcept { return limit_; }
    /// Refused entries since construction.
    [[nodiscard]] std::uint64_t rejected() const noexcept {
        return rejected_.load(std::memory_order_relaxed);
    }

private:
    const std::size_t limit_;
    std::atomic<std::size_t> in_use_{0};
    std::atomic<std::uint64_t> rejected_{0};
};

/// One slot of a Bulkhead, given back on destruction (or release()). Movable, not copyable;
/// a moved-from permit holds nothing. The bulkhead must outlive it. Not thread-safe itself
/// (one owner), though it may be moved to and destroyed on another thread.
class BulkheadPermit {
public:
    BulkheadPermit(const BulkheadPermit&) = delete;
    BulkheadPermit& operator=(const BulkheadPermit&) = delete;
    BulkheadPermit(BulkheadPermit&& other) noexcept
        : bulkhead_(std::exchange(other.bulkhead_, nullptr)) {}
    BulkheadPermit& operator=(BulkheadPermit&& other) noexcept {
        if (this != &other) {
            release();
            bulkhead_ = std::exchange(other.bulkhead_, nullptr);
        }
        return *this;
    }
    ~BulkheadPermit() { release(); }

    /// Leaves the bulkhead now; later calls (and the destructor) do nothing.
    void release() noexcept {
        if (bulkhead_ != nullptr) {
            std::exchange(bulkhead_, nullptr)->leave();
        }
    }
    /// Whether this permit still holds a slot.
    [[nodiscard]] bool held() const noexcept { return bulkhead_ != nullptr; }

private:
    friend class Bulkhead;
    explicit BulkheadPermit(Bulkhead& bulkhead) noexcept : bulkhead_(&bulkhead) {}

    Bulkhead* bulkhead_;
};

inline std::optional<BulkheadPermit> Bulkhead::enter() noexcept {
    if (!try_enter()) {
        return std::nullopt;
    }
    return BulkheadPermit(*this);
}

}  // namespace mb::adapters::inprocess
