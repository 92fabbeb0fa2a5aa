#pragma once
// Logging set-up (README "Logs"): one sink on stdout shared by the default logger and one
// named logger per module, in the JSON or the text line format.
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <spdlog/logger.h>

namespace mb::adapters::logging {

enum class LogFormat { kJson, kText };

/// "json" -> kJson, "text" -> kText, "auto" -> kText when stdout is a terminal, else kJson;
/// nullopt for anything else.
[[nodiscard]] std::optional<LogFormat> resolve_log_format(std::string_view setting,
                                                          bool stdout_is_terminal);

/// Replaces the sinks of the default logger and of every module logger (existing and future)
/// by one stdout sink with `format`, and sets their level ("trace" ... "off", spdlog's names;
/// an unknown one means "off", as spdlog::level::from_str). Call once at start-up, before
/// threads log; not thread-safe with concurrent logging.
void setup_logging(LogFormat format, const std::string& level);

/// The logger of `module` ("http", "booking", "payment", "ticket", "review", "mypage", "bus",
/// "kafka", "sqlite", "saga", ...): its name is the `module` field of each line. Created on
/// first use with the default logger's sinks and level. Thread-safe; cache the result in a
/// function-local static at hot call sites (the lookup takes a lock).
[[nodiscard]] std::shared_ptr<spdlog::logger> module_logger(const std::string& module);

}  // namespace mb::adapters::logging
