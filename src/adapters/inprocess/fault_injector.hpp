#pragma once
// FaultInjector: makes a module slow, flaky or down on purpose, so that every failure path can
// be exercised against the real binary (issue "Delivery guarantees under faults"). Faults act
// on synchronous calls INTO a module (its ports): added latency before the call runs, an error
// rate (the call fails with PortError::kModuleDown), or down (every call fails at once).
// Configured at start-up (--fault review:latency=400-620, repeatable; TOML `fault = [...]`) and
// at runtime (PUT/DELETE /admin/faults/{module} with --admin). Thread-safe.
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>

namespace mb::adapters::inprocess {

struct FaultSpec {
    std::chrono::milliseconds latency_min{0};  ///< added before each call, uniformly in
    std::chrono::milliseconds latency_max{0};  ///< [latency_min, latency_max]
    double error_rate = 0.0;                   ///< 0..1: share of calls that fail
    bool down = false;                         ///< every call fails at once

    [[nodiscard]] bool active() const noexcept {
        return latency_max.count() > 0 || error_rate > 0.0 || down;
    }
    friend bool operator==(const FaultSpec&, const FaultSpec&) = default;
};

class FaultInjector {
public:
    /// What to do with one call into `module`.
    struct Decision {
        std::chrono::milliseconds delay{0};
        bool fail = false;  ///< fail after the delay (error rate) or at once (down)
        bool down = false;
    };

    /// Parses one --fault value, "module:key=value[,key=value]" with keys latency (ms, "400" or
    /// "400-620"), error-rate (0..1), down (no value, or true/false). Returns the module and its
    /// spec merged over `base`, or nullopt with `error` set.
    [[nodiscard]] static std::optional<std::pair<std::string, FaultSpec>> parse(
        std::string_view text, const FaultSpec& base, std::string& error);

    void set(const std::string& module, const FaultSpec& spec);
    void clear(const std::string& module);
    [[nodiscard]] std::map<std::string, FaultSpec> all() const;
    [[nodiscard]] FaultSpec get(const std::string& module) const;
    [[nodiscard]] Decision decide(const std::string& module);

private:
    mutable std::mutex mutex_;
    std::map<std::string, FaultSpec> faults_;
    std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace mb::adapters::inprocess
