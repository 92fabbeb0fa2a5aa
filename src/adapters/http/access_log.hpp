#pragma once
// The access log (README "Logs"): one info line per answered request on the "access" logger,
//   method=POST route=/books/{id} status=201 durationUs=1234 bytes=512
// with the request id in the line's requestId field. Built on ServerOptions::observer. Only
// the method and the route *template* are written: never the raw target (whose query could
// hold a secret), a header (Authorization) or a body.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "adapters/http/server.hpp"

namespace spdlog {
class logger;
}

namespace mb::adapters::http {

/// Which requests get a line. Errors (status >= 400) and slow requests are always logged
/// unless the mode is off; sampling bounds what the log costs under load (README "Logs").
struct AccessLogPolicy {
    enum class Mode { kAll, kErrors, kSample, kOff };
    Mode mode = Mode::kAll;
    std::uint64_t every = 1;  ///< kSample: one request in `every` (1..1000000)

    /// "all", "errors", "off", "sample:N" (N in 1..1000000); nullopt for anything else.
    [[nodiscard]] static std::optional<AccessLogPolicy> parse(std::string_view text);
};

/// Decides and writes access-log lines. Thread-safe (one atomic counter); cheap when a line is
/// skipped (no formatting, no allocation).
class AccessLog {
public:
    /// `slow`: a request at least this long is always logged (mode off excepted).
    AccessLog(AccessLogPolicy policy, std::chrono::microseconds slow);

    /// Whether `record` gets a line (advances the sampling counter).
    [[nodiscard]] bool admit(const RequestRecord& record);

    /// Logs `record` when admit() says so, with record.request_id as the line's requestId.
    void observe(const RequestRecord& record);

    /// A RequestObserver for ServerOptions::observer sharing `log`.
    [[nodiscard]] static RequestObserver observer(std::shared_ptr<AccessLog> log);

private:
    AccessLogPolicy policy_;
    std::chrono::microseconds slow_;
    std::atomic<std::uint64_t> seen_{0};
    std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace mb::adapters::http
