#include "adapters/inprocess/circuit_breaker.hpp"

#include <cassert>
#include <optional>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "adapters/logging/logging.hpp"

namespace mb::adapters::inprocess {
namespace {

bool is_fraction(double value) {
    return value > 0.0 && value <= 1.0;
}

double rate(std::size_t part, std::size_t whole) {
    return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

CircuitBreakerOptions validated(const std::string& name, CircuitBreakerOptions options) {
    const auto refuse = [&name](const char* what) {
        throw std::invalid_argument(fmt::format("circuit breaker {}: {}", name, what));
    };
    if (options.window == 0) {
        refuse("window must be >= 1");
    }
    if (options.minimum_calls == 0 || options.minimum_calls > options.window) {
        refuse("minimum_calls must be in 1..window");
    }
    if (!is_fraction(options.failure_rate_threshold)) {
        refuse("failure_rate_threshold must be in (0, 1]");
    }
    if (!is_fraction(options.slow_call_rate_threshold)) {
        refuse("slow_call_rate_threshold must be in (0, 1]");
    }
    if (options.slow_call_duration.count() < 0) {
        refuse("slow_call_duration must be >= 0");
    }
    if (options.open_duration.count() < 0) {
        refuse("open_duration must be >= 0");
    }
    if (options.half_open_calls == 0) {
        refuse("half_open_calls must be >= 1");
    }
    return options;
}

}  // namespace

const char* to_string(BreakerState state) noexcept {
    switch (state) {
        case BreakerState::kClosed:
            return "closed";
        case BreakerState::kOpen:
            return "open";
        case BreakerState::kHalfOpen:
            return "half_open";
    }
    return "unknown";
}

CircuitBreaker::CircuitBreaker(std::string name, CircuitBreakerOptions options, Now now)
    : name_(std::move(name)),
      options_(validated(name_, options)),
      now_(now ? std::move(now) : Now([] { return std::chrono::steady_clock::now(); })) {}

bool CircuitBreaker::try_acquire() {
    const auto now = now_();
    std::optional<BreakerTransition> changed;
    std::shared_ptr<const Listener> listener;
    bool permitted = false;
    {
        const std::lock_guard lock(mutex_);
        if (state_ == BreakerState::kOpen && now - opened_at_ >= options_.open_duration) {
            changed = transition_to(
                BreakerState::kHalfOpen, now,
                fmt::format(
                    "open for {} ms; allowing {} probe(s)",
                    std::chrono::duration_cast<std::chrono::milliseconds>(now - opened_at_).count(),
                    options_.half_open_calls));
            listener = listener_;
        }
        switch (state_) {
            case BreakerState::kClosed:
                permitted = true;
                break;
            case BreakerState::kOpen:
                permitted = false;
                break;
            case BreakerState::kHalfOpen:
                permitted = probes_given_ < options_.half_open_calls;
                if (permitted) {
                    ++probes_given_;
                }
                break;
        }
        if (!permitted) {
            ++rejected_;
        }
    }
    if (changed) {
        publish(*changed, listener);
    }
    return permitted;
}

void CircuitBreaker::on_result(bool success, std::chrono::nanoseconds duration) {
    const auto now = now_();
    const Outcome outcome{!success, duration >= options_.slow_call_duration};
    std::optional<BreakerTransition> changed;
    std::shared_ptr<const Listener> listener;
    {
        const std::lock_guard lock(mutex_);
        ++calls_;
        if (outcome.failed) {
            ++failures_;
        }
        if (outcome.slow) {
            ++slow_calls_;
        }
        switch (state_) {
            case BreakerState::kClosed: {
                record_in_window(outcome);
                const auto n = window_.size();
                if (n < options_.minimum_calls) {
                    break;
                }
                const double failure_rate = rate(window_failures_, n);
                const double slow_rate = rate(window_slow_, n);
                if (failure_rate >= options_.failure_rate_threshold) {
                    changed = transition_to(
                        BreakerState::kOpen, now,
                        fmt::format("failure rate {:.1f}% >= {:.1f}% ({} of the last {} calls)",
                                    failure_rate * 100, options_.failure_rate_threshold * 100,
                                    window_failures_, n));
                } else if (slow_rate >= options_.slow_call_rate_threshold) {
                    changed = transition_to(
                        BreakerState::kOpen, now,
                        fmt::format(
                            "slow-call rate {:.1f}% >= {:.1f}% ({} of the last {} calls took "
                            ">= {} ms)",
                            slow_rate * 100, options_.slow_call_rate_threshold * 100, window_slow_,
                            n, options_.slow_call_duration.count()));
                }
                break;
            }
            case BreakerState::kOpen:
                break;  // a call permitted before opening: totals only
            case BreakerState::kHalfOpen:
                record_in_window(outcome);
                if (outcome.failed || outcome.slow) {
                    changed = transition_to(
                        BreakerState::kOpen, now,
                        outcome.failed ? std::string("a half-open probe failed")
                                       : fmt::format("a half-open probe was slow (>= {} ms)",
                                                     options_.slow_call_duration.count()));
                } else if (++probes_succeeded_ >= options_.half_open_calls) {
                    changed = transition_to(
                        BreakerState::kClosed, now,
                        fmt::format("all {} half-open probes succeeded", probes_succeeded_));
                }
                break;
        }
        if (changed) {
            listener = listener_;
        }
    }
    if (changed) {
        publish(*changed, listener);
    }
}

void CircuitBreaker::on_cancel() {
    const std::lock_guard lock(mutex_);
    if (state_ == BreakerState::kHalfOpen && probes_given_ > probes_succeeded_) {
        --probes_given_;
    }
}

BreakerState CircuitBreaker::state() const {
    const std::lock_guard lock(mutex_);
    return state_;
}

CircuitBreaker::Stats CircuitBreaker::stats() const {
    const std::lock_guard lock(mutex_);
    const auto n = window_.size();
    return Stats{state_,
                 calls_,
                 failures_,
                 slow_calls_,
                 rejected_,
                 rate(window_failures_, n),
                 rate(window_slow_, n),
                 n};
}

std::vector<BreakerTransition> CircuitBreaker::transitions() const {
    const std::lock_guard lock(mutex_);
    return {transitions_.begin(), transitions_.end()};
}

void CircuitBreaker::on_transition(std::function<void(const BreakerTransition&)> listener) {
    auto shared = listener ? std::make_shared<const Listener>(std::move(listener)) : nullptr;
    const std::lock_guard lock(mutex_);
    listener_ = std::move(shared);
}

void CircuitBreaker::record_in_window(Outcome outcome) {
    if (window_.size() == options_.window) {
        const Outcome oldest = window_.front();
        window_.pop_front();
        if (oldest.failed) {
            --window_failures_;
        }
        if (oldest.slow) {
            --window_slow_;
        }
    }
    window_.push_back(outcome);
    if (outcome.failed) {
        ++window_failures_;
    }
    if (outcome.slow) {
        ++window_slow_;
    }
    assert(window_.size() <= options_.window);
}

BreakerTransition CircuitBreaker::transition_to(BreakerState to,
                                                std::chrono::steady_clock::time_point at,
                                                std::string reason) {
    assert(to != state_);
    BreakerTransition transition{state_, to, at, std::move(reason)};
    state_ = to;
    window_.clear();
    window_failures_ = 0;
    window_slow_ = 0;
    probes_given_ = 0;
    probes_succeeded_ = 0;
    if (to == BreakerState::kOpen) {
        opened_at_ = at;
    }
    if (transitions_.size() == kTransitionHistory) {
        transitions_.pop_front();
    }
    transitions_.push_back(transition);
    return transition;
}

void CircuitBreaker::publish(const BreakerTransition& transition,
                             const std::shared_ptr<const Listener>& listener) const {
    logging::module_logger("breaker")->warn("{}: {} -> {}: {}", name_, to_string(transition.from),
                                            to_string(transition.to), transition.reason);
    if (listener) {
        (*listener)(transition);
    }
}

}  // namespace mb::adapters::inprocess
