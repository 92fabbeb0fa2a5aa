#pragma once
// Lifecycle: the process's phase (starting -> ready -> draining -> stopped), the readiness
// probe's answer, and the graceful drain that SIGTERM / SIGINT start (README "Signals and
// graceful shutdown").
#include <atomic>
#include <chrono>
#include <functional>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>

namespace mb::app::exe {

enum class Phase {
    kStarting,  ///< databases opened; demo data and start-up recovery still running
    kReady,     ///< serving; readiness 200
    kDraining,  ///< a stop signal arrived: readiness 503, in-flight work finishing
    kStopped,   ///< drained (or the grace ran out); the io_context is stopping
};

/// "starting", "ready", "draining", "stopped".
[[nodiscard]] std::string_view to_string(Phase phase);

/// The phase, moved forward only (a drain that starts before start-up ends wins: the process
/// never turns ready once draining). Thread-safe (one atomic).
class Lifecycle {
public:
    [[nodiscard]] Phase phase() const { return phase_.load(); }
    /// The readiness probe: true only in kReady.
    [[nodiscard]] bool ready() const { return phase() == Phase::kReady; }
    /// kStarting -> kReady; false (and no change) in any other phase.
    bool mark_ready();
    /// kStarting or kReady -> kDraining; false when already draining or stopped (a second
    /// signal).
    bool begin_drain();
    /// -> kStopped (from any phase).
    void mark_stopped() { phase_.store(Phase::kStopped); }

private:
    std::atomic<Phase> phase_{Phase::kStarting};
};

/// The steps of a graceful drain, in order (all called on the drain's coroutine, on the
/// executor given to drain()):
///  1. wait `delay` while still serving (readiness is already 503: a load balancer stops
///     sending before the listener closes — Kubernetes' preStop pattern);
///  2. stop_accepting();
///  3. poll idle() every `poll` until it returns true or `grace` (counted from step 2) ends;
///  4. finish(drained): drained is false when the grace ran out.
struct DrainPlan {
    std::chrono::milliseconds delay{0};
    std::chrono::milliseconds grace{10000};
    std::chrono::milliseconds poll{20};
    std::function<void()> stop_accepting;
    std::function<bool()> idle;
    std::function<void(bool drained)> finish;
};

/// Spawns the drain on `executor` and returns at once. The plan's functions must stay valid
/// until finish() has run; none may throw (an exception is logged and the drain goes on to
/// finish(false)).
void drain(boost::asio::any_io_executor executor, DrainPlan plan);

}  // namespace mb::app::exe
