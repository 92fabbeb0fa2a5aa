#include "app/exe/lifecycle.hpp"

#include <exception>
#include <memory>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace mb::app::exe {
namespace asio = boost::asio;

std::string_view to_string(Phase phase) {
    switch (phase) {
        case Phase::kStarting:
            return "starting";
        case Phase::kReady:
            return "ready";
        case Phase::kDraining:
            return "draining";
        case Phase::kStopped:
            return "stopped";
    }
    return "unknown";
}

bool Lifecycle::mark_ready() {
    auto expected = Phase::kStarting;
    return phase_.compare_exchange_strong(expected, Phase::kReady);
}

bool Lifecycle::begin_drain() {
    auto current = phase_.load();
    while (current == Phase::kStarting || current == Phase::kReady) {
        if (phase_.compare_exchange_weak(current, Phase::kDraining))
            return true;
    }
    return false;
}

namespace {

asio::awaitable<void> run_drain(DrainPlan plan) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    auto sleep = [&timer](std::chrono::milliseconds d) -> asio::awaitable<void> {
        timer.expires_after(d);
        auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        (void)ec;
    };
    if (plan.delay.count() > 0) {
        spdlog::info("draining: readiness 503, still serving for {} ms (--shutdown-delay-ms)",
                     plan.delay.count());
        co_await sleep(plan.delay);
    }
    plan.stop_accepting();
    const auto deadline = std::chrono::steady_clock::now() + plan.grace;
    bool drained = plan.idle();
    while (!drained && std::chrono::steady_clock::now() < deadline) {
        co_await sleep(plan.poll);
        drained = plan.idle();
    }
    plan.finish(drained);
}

}  // namespace

void drain(asio::any_io_executor executor, DrainPlan plan) {
    auto finish = plan.finish;
    asio::co_spawn(std::move(executor), run_drain(std::move(plan)),
                   [finish = std::move(finish)](const std::exception_ptr& ep) {
                       if (!ep)
                           return;
                       try {
                           std::rethrow_exception(ep);
                       } catch (const std::exception& e) {
                           spdlog::error("drain failed: {}", e.what());
                       }
                       finish(false);
                   });
}

}  // namespace mb::app::exe
