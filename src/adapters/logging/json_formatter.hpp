#pragma once
// The two line formats of the log (README "Logs").
#include <memory>

#include <spdlog/formatter.h>

namespace mb::adapters::logging {

/// One JSON object per line (JSON Lines), keys in this order:
///   time       RFC 3339 UTC with microseconds, "2026-12-02T04:30:00.123456Z"
///   level      trace | debug | info | warning | error | critical
///   module     the logger's name (http, booking, payment, ...; "main" for the default logger)
///   thread     the OS thread id
///   message    the formatted message, made valid UTF-8 (ill-formed bytes become U+FFFD)
///   requestId  when the thread's LogContext has one
///   bookingId  when known (a number)
///   error      for the error condition being reported, when set
/// Strings are escaped by Boost.JSON's serializer, so any message yields one valid JSON line.
/// Thread-safety: as any spdlog formatter, one instance per sink (clone()).
class JsonFormatter final : public spdlog::formatter {
public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override;
    [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override;
};

/// The text format for terminals: today's "2026-12-02T13:30:00.123+0900 info [1234] " prefix,
/// then "module: " (not for the default logger), the message, and " requestId=... bookingId=...
/// error=..." for the context fields that are set.
[[nodiscard]] std::unique_ptr<spdlog::formatter> make_text_formatter();

}  // namespace mb::adapters::logging
