#pragma once
// Failures of a synchronous port call itself (not of the business operation behind it):
// the callee did not answer within its deadline, its circuit breaker is open, its bulkhead is
// full, or it is down. All map to Condition::kUnavailable (HTTP 503 + Retry-After).
#include <system_error>

#include "domain/common/error_category.hpp"

namespace mb::app {

enum class PortError {
    kDeadlineExceeded = 1,  ///< no answer within the port's deadline (default 610 ms)
    kCircuitOpen,           ///< the circuit breaker is open: failing fast
    kBulkheadFull,          ///< too many concurrent calls to that module
    kModuleDown,            ///< the callee refuses work (down, paused or shutting down)
};

[[nodiscard]] inline std::error_code make_error_code(PortError e) noexcept {
    return domain::make_enum_error_code(e);
}

}  // namespace mb::app

template <>
struct std::is_error_code_enum<mb::app::PortError> : std::true_type {};

template <>
struct mb::domain::ErrorTraits<mb::app::PortError> {
    using E = mb::app::PortError;
    static constexpr const char* kName = "mb.port";
    static const char* message(E e) {
        switch (e) {
            case E::kDeadlineExceeded:
                return "the module did not answer in time";
            case E::kCircuitOpen:
                return "the module is failing; calls are refused for a moment";
            case E::kBulkheadFull:
                return "the module is saturated";
            case E::kModuleDown:
                return "the module is unavailable";
        }
        return "unknown port error";
    }
    static Condition condition(E /*e*/) { return Condition::kUnavailable; }
};
