#pragma once
// Scheduler: the process's periodic background jobs (saga recovery, inbox pruning) on the
// io_context, timed by the injected domain::Clock so that a test drives them with a fake one.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "domain/common/clock.hpp"

namespace mb::app::exe {

/// Runs named jobs with a fixed delay between the end of one run and the start of the next
/// (Spring's `fixedDelay`): a slow run is never overlapped by the next one. Jobs run one at a
/// time, in the order they are due, on one strand of the given executor. "Due" is judged by
/// the Clock; the real wait in between is a steady timer of (due - clock.now()), re-judged
/// at least every `max_sleep` (so a wall-clock jump is noticed) and at once on wake().
///
/// A job that throws is logged (spdlog error, with the job's name) and keeps its schedule.
/// Thread-safety: add() before start() only; start(), wake() and stop() from any thread.
/// Lifetime: the executor's io_context must outlive the Scheduler; the loop keeps the shared
/// state alive, never the Scheduler object.
class Scheduler {
public:
    using Job = std::function<boost::asio::awaitable<void>()>;

    /// Per-job counters (for tests and health details).
    struct JobStats {
        std::string name;
        std::uint64_t runs = 0;      ///< runs finished, with or without an exception
        std::uint64_t failures = 0;  ///< runs that threw
    };

    Scheduler(boost::asio::any_io_executor executor, const domain::Clock& clock,
              std::chrono::milliseconds max_sleep = std::chrono::seconds(1));
    ~Scheduler();  ///< stop()
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    /// Registers `job`, first due `first_delay` after start(), then `period` after each run
    /// ends. Throws std::invalid_argument for a period <= 0 or a negative first delay, and
    /// std::logic_error after start().
    void add(std::string name, std::chrono::milliseconds period, Job job,
             std::chrono::milliseconds first_delay);
    /// Spawns the loop. Idempotent.
    void start();
    /// Re-judges what is due now (a test after moving its clock). No-op before start().
    void wake();
    /// No job starts after this; a run in progress finishes. Idempotent.
    void stop();

    [[nodiscard]] std::vector<JobStats> stats() const;

private:
    struct State;
    static boost::asio::awaitable<void> run(std::shared_ptr<State> state);
    std::shared_ptr<State> state_;
};

}  // namespace mb::app::exe
