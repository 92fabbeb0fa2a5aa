#include "adapters/inprocess/fault_injector.hpp"

#include <charconv>

namespace mb::adapters::inprocess {
namespace {

std::optional<std::int64_t> number(std::string_view s) {
    std::int64_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v < 0)
        return std::nullopt;
    return v;
}

}  // namespace

std::optional<std::pair<std::string, FaultSpec>> FaultInjector::parse(std::string_view text,
                                                                      const FaultSpec& base,
                                                                      std::string& error) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0) {
        error = "expected MODULE:KEY=VALUE (e.g. review:latency=400-620), got \"" +
                std::string(text) + "\"";
        return std::nullopt;
    }
    std::string module(text.substr(0, colon));
    FaultSpec spec = base;
    auto rest = text.substr(colon + 1);
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        const auto item = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        const auto eq = item.find('=');
        const auto key = item.substr(0, eq);
        const auto value = eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1);
        if (key == "latency") {
            const auto dash = value.find('-');
            auto lo = number(value.substr(0, dash));
            auto hi = dash == std::string_view::npos ? lo : number(value.substr(dash + 1));
            if (!lo || !hi || *hi < *lo || *hi > 600000) {
                error = "latency must be MS or MIN-MAX in ms, got \"" + std::string(value) + "\"";
                return std::nullopt;
            }
            spec.latency_min = std::chrono::milliseconds(*lo);
            spec.latency_max = std::chrono::milliseconds(*hi);
        } else if (key == "error-rate") {
            double rate = -1;
            auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), rate);
            if (ec != std::errc() || p != value.data() + value.size() || !(rate >= 0.0 && rate <= 1.0)) {
                error =
                    "error-rate must be a number from 0 to 1, got \"" + std::string(value) + "\"";
                return std::nullopt;
            }
            spec.error_rate = rate;
        } else if (key == "down") {
            if (value.empty() || value == "true") {
                spec.down = true;
            } else if (value == "false") {
                spec.down = false;
            } else {
                error = "down takes no value, true or false";
                return std::nullopt;
            }
        } else {
            error = "unknown fault \"" + std::string(key) + "\" (latency, error-rate, down)";
            return std::nullopt;
        }
    }
    return std::make_pair(std::move(module), spec);
}

void FaultInjector::set(const std::string& module, const FaultSpec& spec) {
    std::lock_guard lock(mutex_);
    faults_[module] = spec;
}

void FaultInjector::clear(const std::string& module) {
    std::lock_guard lock(mutex_);
    faults_.erase(module);
}

std::map<std::string, FaultSpec> FaultInjector::all() const {
    std::lock_guard lock(mutex_);
    return faults_;
}

FaultSpec FaultInjector::get(const std::string& module) const {
    std::lock_guard lock(mutex_);
    auto it = faults_.find(module);
    return it == faults_.end() ? FaultSpec{} : it->second;
}

FaultInjector::Decision FaultInjector::decide(const std::string& module) {
    std::lock_guard lock(mutex_);
    auto it = faults_.find(module);
    if (it == faults_.end())
        return {};
    const auto& f = it->second;
    Decision d;
    if (f.down) {
        d.down = true;
        d.fail = true;
        return d;
    }
    if (f.latency_max.count() > 0) {
        std::uniform_int_distribution<std::int64_t> dist(f.latency_min.count(),
                                                         f.latency_max.count());
        d.delay = std::chrono::milliseconds(dist(random_));
    }
    if (f.error_rate > 0.0)
        d.fail = std::bernoulli_distribution(f.error_rate)(random_);
    return d;
}

}  // namespace mb::adapters::inprocess
