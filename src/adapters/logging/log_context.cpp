#include "adapters/logging/log_context.hpp"

#include <utility>

namespace mb::adapters::logging {
namespace {

thread_local LogContext tls_context;  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)

}  // namespace

const LogContext& current_log_context() noexcept {
    return tls_context;
}

ScopedLogContext::ScopedLogContext(LogContext context) : previous_(tls_context) {
    if (context.request_id.empty())
        context.request_id = previous_.request_id;
    if (context.booking_id == 0)
        context.booking_id = previous_.booking_id;
    if (context.error.empty())
        context.error = previous_.error;
    tls_context = std::move(context);
}

ScopedLogContext::~ScopedLogContext() {
    tls_context = std::move(previous_);
}

std::string describe_error(std::string_view category, int value, std::string_view message) {
    std::string out(category);
    out += ':';
    out += std::to_string(value);
    out += ' ';
    out += message;
    return out;
}

}  // namespace mb::adapters::logging
