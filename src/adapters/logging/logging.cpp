#include "adapters/logging/logging.hpp"

#include <mutex>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "adapters/logging/json_formatter.hpp"

namespace mb::adapters::logging {
namespace {

std::mutex& registry_mutex() {
    static std::mutex mutex;
    return mutex;
}

}  // namespace

std::optional<LogFormat> resolve_log_format(std::string_view setting, bool stdout_is_terminal) {
    if (setting == "json")
        return LogFormat::kJson;
    if (setting == "text")
        return LogFormat::kText;
    if (setting == "auto")
        return stdout_is_terminal ? LogFormat::kText : LogFormat::kJson;
    return std::nullopt;
}

void setup_logging(LogFormat format, const std::string& level) {
    const std::lock_guard lock(registry_mutex());
    spdlog::sink_ptr sink;
    if (format == LogFormat::kJson) {
        sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
    } else {
        sink = std::make_shared<spdlog::sinks::stdout_color_sink_mt>();
    }
    spdlog::apply_all([&sink](const std::shared_ptr<spdlog::logger>& logger) {
        logger->sinks().assign(1, sink);
    });
    auto default_logger = spdlog::default_logger();
    default_logger->sinks().assign(1, sink);
    if (format == LogFormat::kJson) {
        spdlog::set_formatter(std::make_unique<JsonFormatter>());
    } else {
        spdlog::set_formatter(make_text_formatter());
    }
    spdlog::set_level(spdlog::level::from_str(level));
}

std::shared_ptr<spdlog::logger> module_logger(const std::string& module) {
    const std::lock_guard lock(registry_mutex());
    if (auto existing = spdlog::get(module))
        return existing;
    const auto& sinks = spdlog::default_logger()->sinks();
    auto logger = std::make_shared<spdlog::logger>(module, sinks.begin(), sinks.end());
    spdlog::initialize_logger(logger);  // the registry's formatter and level; registers it
    return logger;
}

}  // namespace mb::adapters::logging
