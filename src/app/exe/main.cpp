// movie-booking: entry point. Parses the configuration, sets up logging and runs the
// Application; the one place that catches everything (CONVENTIONS.md, "Errors").
#include <exception>

#include <spdlog/spdlog.h>

#include "app/exe/application.hpp"
#include "app/exe/settings.hpp"

int main(int argc, char** argv) {
    mb::app::exe::Settings settings;
    if (auto exit_code = mb::app::exe::parse_settings(argc, argv, settings))
        return *exit_code;
    spdlog::set_level(spdlog::level::from_str(settings.log_level));
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ [%t] %v");
    try {
        mb::app::exe::Application app(std::move(settings));
        return app.run();
    } catch (const std::exception& e) {
        spdlog::critical("movie-booking cannot start: {}", e.what());
        return 1;
    }
}
