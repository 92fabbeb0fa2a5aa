#pragma once
// Clock: the driven port for "now". Domain and app code never read the system clock directly,
// so time-dependent rules (print lease expiry, timestamps) are testable with a fixed clock.
#include <chrono>

namespace mb::domain {

using TimePoint = std::chrono::system_clock::time_point;

/// Thread-safety: implementations must be safe to call from any thread.
class Clock {
public:
    virtual ~Clock() = default;
    [[nodiscard]] virtual TimePoint now() const = 0;
};

}  // namespace mb::domain
