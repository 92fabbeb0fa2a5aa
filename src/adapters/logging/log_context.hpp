#pragma once
// The fields a log line carries besides its message (README "Logs"): the request id of the
// HTTP request (or event) being handled, the booking concerned and, for errors, the error
// condition. Kept per thread and set around synchronous code only: a coroutine must not hold a
// ScopedLogContext across a co_await (another coroutine may run on the thread meanwhile).
#include <cstdint>
#include <string>
#include <string_view>

namespace mb::adapters::logging {

/// What the current thread is working on. Empty strings and 0 mean "not known".
struct LogContext {
    std::string request_id;  ///< X-Request-Id of the request that caused the work
    std::int64_t booking_id = 0;
    std::string error;  ///< "category:value message" of the error being reported
};

/// The calling thread's context (all fields empty when none is set). Thread-safe: each thread
/// has its own. The reference is valid until the thread's current ScopedLogContext ends.
[[nodiscard]] const LogContext& current_log_context() noexcept;

/// Sets the calling thread's context for its lifetime and restores the previous one after
/// (scopes nest). Fields left empty/0 are inherited from the enclosing scope. Not movable;
/// must be destroyed on the thread that created it, before the next co_await.
class ScopedLogContext {
public:
    explicit ScopedLogContext(LogContext context);
    ~ScopedLogContext();
    ScopedLogContext(const ScopedLogContext&) = delete;
    ScopedLogContext& operator=(const ScopedLogContext&) = delete;
    ScopedLogContext(ScopedLogContext&&) = delete;
    ScopedLogContext& operator=(ScopedLogContext&&) = delete;

private:
    LogContext previous_;
};

/// "mb.booking:3 seat already taken": an error condition as the `error` field shows it.
[[nodiscard]] std::string describe_error(std::string_view category, int value,
                                         std::string_view message);

}  // namespace mb::adapters::logging
