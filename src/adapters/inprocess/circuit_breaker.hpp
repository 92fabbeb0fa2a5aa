#pragma once
// A circuit breaker guarding one synchronous port (ARCHITECTURE.md, "Threads and synchronous
// ports"): closed / open / half-open over a count-based sliding window of the last calls, with
// a failure-rate and a slow-call-rate threshold (the model of Resilience4j, successor of the
// seed's Hystrix). The port asks for a permit before each call and reports its outcome; a
// refused permit is the caller's cue to fail fast with app::PortError::kCircuitOpen.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace mb::adapters::inprocess {

/// Thresholds of one breaker (config: [ports] in movie-booking.toml). Plain values; validated
/// by the CircuitBreaker constructor.
struct CircuitBreakerOptions {
    /// The last `window` calls are considered (count-based sliding window). >= 1.
    std::size_t window = 20;
    /// No decision before the window holds this many calls. 1 .. window.
    std::size_t minimum_calls = 10;
    /// Open when failures / calls >= this (a fraction in (0, 1]).
    double failure_rate_threshold = 0.5;
    /// A call lasting at least this long is "slow" (whether it succeeded or failed).
    std::chrono::milliseconds slow_call_duration{500};
    /// Open when slow calls / calls >= this (a fraction in (0, 1]).
    double slow_call_rate_threshold = 0.8;
    /// Time spent open before the next permit request moves the breaker to half-open.
    std::chrono::milliseconds open_duration{5000};
    /// Probes allowed in half-open. All must succeed (neither failed nor slow) to close; any
    /// failed or slow probe re-opens. >= 1.
    std::size_t half_open_calls = 3;
};

enum class BreakerState { kClosed, kOpen, kHalfOpen };

/// "closed", "open", "half_open" (the wire form in /admin/breakers).
[[nodiscard]] const char* to_string(BreakerState state) noexcept;

/// One change of state. `reason` is for people (logs, the admin page), not for parsing.
struct BreakerTransition {
    BreakerState from;
    BreakerState to;
    std::chrono::steady_clock::time_point at;
    std::string reason;
};

/// A circuit breaker. Thread-safe: every member may be called from any thread (one mutex,
/// held for a few counter updates; neither the clock, the logger nor the listener is called
/// under it). Outcomes are not tied to the permit they answer: a result arriving after the
/// state changed is counted in the totals, and in half-open it counts as a probe's.
class CircuitBreaker {
public:
    using Now = std::function<std::chrono::steady_clock::time_point()>;

    /// Aggregate numbers. `calls`, `failures`, `slow_calls` (results reported, of any state)
    /// and `rejected` (permits refused) are totals since construction; `failure_rate`,
    /// `slow_rate` (fractions, 0 when empty) and `window_size` describe the current window,
    /// which restarts empty on every transition.
    struct Stats {
        BreakerState state;
        std::uint64_t calls;
        std::uint64_t failures;
        std::uint64_t slow_calls;
        std::uint64_t rejected;
        double failure_rate;
        double slow_rate;
        std::size_t window_size;
    };

    /// `now` is the clock (a fake in tests; it is called from any thread, outside the lock).
    /// Throws std::invalid_argument for options outside the ranges documented on
    /// CircuitBreakerOptions.
    CircuitBreaker(
        std::string name, CircuitBreakerOptions options,
        Now now = [] { return std::chrono::steady_clock::now(); });

    CircuitBreaker(const CircuitBreaker&) = delete;
    CircuitBreaker& operator=(const CircuitBreaker&) = delete;
    CircuitBreaker(CircuitBreaker&&) = delete;
    CircuitBreaker& operator=(CircuitBreaker&&) = delete;
    ~CircuitBreaker() = default;

    /// Asks to make a call. Returns true (a permit: report it with on_result or on_cancel) or
    /// false (refused, counted in `rejected`) when open, or half-open with all probes given
    /// out. The move open -> half-open happens here, once open_duration has elapsed.
    [[nodiscard]] bool try_acquire();

    /// Records the outcome of a permitted call: whether it succeeded, and how long it took
    /// (>= slow_call_duration makes it slow; a failed slow call counts as both). In closed
    /// state the window is evaluated once it holds minimum_calls; in half-open a failed or
    /// slow probe re-opens and the half_open_calls-th successful probe closes; in open state
    /// only the totals change.
    void on_result(bool success, std::chrono::nanoseconds duration);

    /// A permitted call abandoned without an outcome (e.g. never started): in half-open it
    /// frees its probe slot; otherwise it changes nothing.
    void on_cancel();

    /// The current state. Open stays open here until a try_acquire after open_duration.
    [[nodiscard]] BreakerState state() const;

    [[nodiscard]] Stats stats() const;

    /// The last transitions (at most 100), oldest first. Each is also logged at warn level.
    [[nodiscard]] std::vector<BreakerTransition> transitions() const;

    /// Calls `listener` on every transition, from the thread that caused it and under no lock
    /// (so two concurrent transitions may be reported out of order; `at` tells). Set it before
    /// the breaker is used; a second call replaces the first listener.
    void on_transition(std::function<void(const BreakerTransition&)> listener);

    [[nodiscard]] const std::string& name() const noexcept { return name_; }

    /// How many transitions transitions() keeps.
    static constexpr std::size_t kTransitionHistory = 100;

private:
    struct Outcome {
        bool failed;
        bool slow;
    };
    using Listener = std::function<void(const BreakerTransition&)>;

    // All below: callers hold mutex_.
    void record_in_window(Outcome outcome);
    BreakerTransition transition_to(BreakerState to, std::chrono::steady_clock::time_point at,
                                    std::string reason);
    // Logs and notifies; callers do NOT hold mutex_.
    void publish(const BreakerTransition& transition,
                 const std::shared_ptr<const Listener>& listener) const;

    const std::string name_;
    const CircuitBreakerOptions options_;
    const Now now_;

    mutable std::mutex mutex_;
    BreakerState state_ = BreakerState::kClosed;
    std::deque<Outcome> window_;  // oldest first, at most options_.window
    std::size_t window_failures_ = 0;
    std::size_t window_slow_ = 0;
    std::chrono::steady_clock::time_point opened_at_{};
    std::size_t probes_given_ = 0;      // half-open permits handed out (minus cancelled)
    std::size_t probes_succeeded_ = 0;  // half-open probes that succeeded, not slow
    std::uint64_t calls_ = 0;
    std::uint64_t failures_ = 0;
    std::uint64_t slow_calls_ = 0;
    std::uint64_t rejected_ = 0;
    std::deque<BreakerTransition> transitions_;
    std::shared_ptr<const Listener> listener_;
};

}  // namespace mb::adapters::inprocess
