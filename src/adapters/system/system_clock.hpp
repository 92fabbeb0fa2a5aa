#pragma once
// SystemClock: the production Clock (wall-clock time). Thread-safe.
#include "domain/common/clock.hpp"

namespace mb::adapters::system {

class SystemClock final : public domain::Clock {
public:
    [[nodiscard]] domain::TimePoint now() const override {
        return std::chrono::system_clock::now();
    }
};

}  // namespace mb::adapters::system
