#pragma once
// FixedClock: a Clock whose time only moves when a test moves it (set / advance), so rules
// that depend on time (print leases, timestamps) are checked without sleeping. Thread-safe.
#include <chrono>
#include <mutex>

#include "domain/common/clock.hpp"

namespace mb::test {

class FixedClock final : public domain::Clock {
public:
    /// 2021-02-23 23:32:24 UTC: the timestamp of the seed's own sample messages.
    static domain::TimePoint seed_time() {
        return domain::TimePoint(std::chrono::seconds(1614123144));
    }

    explicit FixedClock(domain::TimePoint start = seed_time()) : now_(start) {}

    [[nodiscard]] domain::TimePoint now() const override {
        std::lock_guard lock(mutex_);
        return now_;
    }
    void set(domain::TimePoint t) {
        std::lock_guard lock(mutex_);
        now_ = t;
    }
    template <class Rep, class Period>
    void advance(std::chrono::duration<Rep, Period> d) {
        std::lock_guard lock(mutex_);
        now_ += std::chrono::duration_cast<domain::TimePoint::duration>(d);
    }

private:
    mutable std::mutex mutex_;
    domain::TimePoint now_;
};

}  // namespace mb::test
