#include "app/exe/scheduler.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace mb::app::exe {
namespace asio = boost::asio;

struct Scheduler::State {
    State(asio::any_io_executor executor, const domain::Clock& c, std::chrono::milliseconds sleep)
        : strand(asio::make_strand(std::move(executor))), timer(strand), clock(c), max_sleep(sleep) {}

    struct Entry {
        std::string name;
        std::chrono::milliseconds period;
        Job job;
        std::chrono::milliseconds first_delay;
        domain::TimePoint due{};
        std::uint64_t runs = 0;
        std::uint64_t failures = 0;
    };

    asio::strand<asio::any_io_executor> strand;
    asio::steady_timer timer;  ///< used on the strand only
    const domain::Clock& clock;
    const std::chrono::milliseconds max_sleep;
    mutable std::mutex mutex;  ///< guards the counters of `jobs` (read by stats())
    std::vector<Entry> jobs;   ///< fixed after start()
    std::atomic<bool> started{false};
    std::atomic<bool> stopped{false};
};

Scheduler::Scheduler(asio::any_io_executor executor, const domain::Clock& clock,
                     std::chrono::milliseconds max_sleep)
    : state_(std::make_shared<State>(std::move(executor), clock, max_sleep)) {}

Scheduler::~Scheduler() {
    stop();
}

void Scheduler::add(std::string name, std::chrono::milliseconds period, Job job,
                    std::chrono::milliseconds first_delay) {
    if (state_->started)
        throw std::logic_error("Scheduler::add after start: " + name);
    if (period <= std::chrono::milliseconds::zero() || first_delay.count() < 0)
        throw std::invalid_argument("Scheduler::add " + name + ": period must be > 0 and the "
                                    "first delay >= 0");
    state_->jobs.push_back({std::move(name), period, std::move(job), first_delay});
}

void Scheduler::start() {
    if (state_->started.exchange(true) || state_->stopped)
        return;
    const auto now = state_->clock.now();
    for (auto& e : state_->jobs)
        e.due = now + e.first_delay;
    asio::co_spawn(state_->strand, run(state_), [](const std::exception_ptr& ep) {
        if (!ep)
            return;
        try {
            std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            spdlog::error("scheduler stopped: {}", e.what());
        }
    });
}

void Scheduler::wake() {
    if (!state_->started)
        return;
    asio::post(state_->strand, [s = state_] { s->timer.cancel(); });
}

void Scheduler::stop() {
    if (state_->stopped.exchange(true))
        return;
    asio::post(state_->strand, [s = state_] { s->timer.cancel(); });
}

std::vector<Scheduler::JobStats> Scheduler::stats() const {
    const std::lock_guard lock(state_->mutex);
    std::vector<JobStats> out;
    out.reserve(state_->jobs.size());
    for (const auto& e : state_->jobs)
        out.push_back({e.name, e.runs, e.failures});
    return out;
}

asio::awaitable<void> Scheduler::run(std::shared_ptr<State> s) {
    while (!s->stopped && !s->jobs.empty()) {
        const auto now = s->clock.now();
        auto next = std::min_element(s->jobs.begin(), s->jobs.end(),
                                     [](const auto& a, const auto& b) { return a.due < b.due; });
        if (next->due <= now) {
            bool failed = false;
            try {
                co_await next->job();
            } catch (const std::exception& e) {
                failed = true;
                spdlog::error("scheduled job {} failed: {}", next->name, e.what());
            }
            {
                const std::lock_guard lock(s->mutex);
                ++next->runs;
                next->failures += failed ? 1 : 0;
            }
            next->due = s->clock.now() + next->period;
            continue;
        }
        const auto wait = std::min<std::chrono::steady_clock::duration>(next->due - now,
                                                                        s->max_sleep);
        s->timer.expires_after(wait);
        auto [ec] = co_await s->timer.async_wait(asio::as_tuple(asio::use_awaitable));
        (void)ec;  // cancelled: wake() or stop(); either way judge again
    }
}

}  // namespace mb::app::exe
