#pragma once
// Bridges the callback-style ports declared by the app layer (Asio-free) into C++20
// coroutines, and bounds a port call by a deadline (ARCHITECTURE.md: "a synchronous port call
// goes to the other module's strand with a deadline").
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "app/common/port_errors.hpp"
#include "domain/common/result.hpp"

namespace mb::adapters::runtime {

/// Starts `start(callback)` and resumes the coroutine, on its own executor, with the value the
/// port passes to the callback (exactly once, from any thread).
template <class T, class Start>
boost::asio::awaitable<domain::Result<T>> await_port(Start start) {
    auto slot = std::make_shared<std::optional<domain::Result<T>>>();
    // Named, not a temporary: see ModuleExecutor::execute (g++ 12 co_await temporaries).
    auto initiation = [slot, start = std::move(start)](auto handler) mutable {
        auto h = std::make_shared<decltype(handler)>(std::move(handler));
        start([slot, h](domain::Result<T> r) {
            slot->emplace(std::move(r));
            auto ex = boost::asio::get_associated_executor(*h);
            boost::asio::post(ex, [h]() mutable { std::move (*h)(); });
        });
    };
    co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&, void()>(
        std::move(initiation), boost::asio::use_awaitable);
    co_return std::move(**slot);
}

/// One call racing its deadline: whichever finishes first answers `done`; the loser is
/// dropped — except that a result arriving after the deadline is handed to `late` (e.g. to
/// refund a payment that completed too late). `expired()` lets the callee skip work nobody
/// waits for any more. Thread-safe.
template <class T>
class DeadlineCall : public std::enable_shared_from_this<DeadlineCall<T>> {
public:
    using Done = std::function<void(domain::Result<T>)>;

    DeadlineCall(boost::asio::any_io_executor ex, std::chrono::milliseconds deadline, Done done,
                 std::function<void(domain::Result<T>)> late = {})
        : timer_(std::move(ex)),
          deadline_(deadline),
          done_(std::move(done)),
          late_(std::move(late)) {}

    /// Arms the deadline. Call once, before handing complete() to the callee.
    void arm() {
        timer_.expires_after(deadline_);
        timer_.async_wait([self = this->shared_from_this()](boost::system::error_code ec) {
            if (ec)
                return;  // cancelled: the call finished first
            if (!self->finished_.exchange(true)) {
                self->done_(domain::fail(app::PortError::kDeadlineExceeded));
            }
        });
    }

    /// The callee's answer.
    void complete(domain::Result<T> result) {
        if (!finished_.exchange(true)) {
            boost::asio::post(timer_.get_executor(),
                              [self = this->shared_from_this()] { self->timer_.cancel(); });
            done_(std::move(result));
        } else if (late_) {
            late_(std::move(result));
        }
    }

    [[nodiscard]] bool expired() const noexcept { return finished_.load(); }

private:
    boost::asio::steady_timer timer_;
    std::chrono::milliseconds deadline_;
    Done done_;
    std::function<void(domain::Result<T>)> late_;
    std::atomic<bool> finished_{false};
};

}  // namespace mb::adapters::runtime
