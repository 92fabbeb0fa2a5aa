// movie-booking: entry point. Parses the configuration, sets up logging (adapters/logging) and
// runs the Application (or the `token` / `check-config` subcommand); the one place that catches everything
// (CONVENTIONS.md, "Errors"). Exit codes: 0 done, 1 failed while running, 2 bad configuration.
#include <chrono>
#include <exception>
#include <iostream>

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "adapters/auth/token_verifier.hpp"
#include "adapters/logging/logging.hpp"
#include "app/exe/application.hpp"
#include "app/exe/settings.hpp"

namespace {

/// Prints a token minted from the configured HS256 secret (README "Security").
int mint_token(const mb::app::exe::Settings& settings, const mb::app::exe::TokenCommand& command) {
    if (settings.jwt_secret.empty()) {
        std::cerr << "token: no secret configured: set MOVIE_JWT_SECRET or --jwt-secret-file "
                     "(the same one the server uses)\n";
        return 2;
    }
    mb::adapters::auth::MintRequest request;
    request.subject = command.subject;
    request.roles = command.roles;
    request.ttl = std::chrono::seconds(command.ttl_s);
    request.issuer = settings.jwt_issuer;
    request.audience = settings.jwt_audience;
    try {
        std::cout << mb::adapters::auth::mint_hs256(settings.jwt_secret, request,
                                                    std::chrono::system_clock::now())
                  << "\n";
    } catch (const std::invalid_argument& e) {
        std::cerr << "token: " << e.what() << "\n";
        return 2;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    mb::app::exe::Settings settings;
    std::optional<mb::app::exe::TokenCommand> token;
    if (auto exit_code = mb::app::exe::parse_settings(argc, argv, settings, &token))
        return *exit_code;
    if (token)
        return mint_token(settings, *token);
    // --log-format was validated by parse_settings: auto, json or text.
    mb::adapters::logging::setup_logging(
        mb::adapters::logging::resolve_log_format(settings.log_format, isatty(STDOUT_FILENO) != 0)
            .value_or(mb::adapters::logging::LogFormat::kJson),
        settings.log_level);
    if (const auto refusal = mb::app::exe::check_security(settings); !refusal.empty()) {
        spdlog::critical("movie-booking cannot start: {}", refusal);
        return 2;
    }
    if (!settings.jwt_secret_file.empty() &&
        mb::adapters::auth::readable_by_others(settings.jwt_secret_file)) {
        spdlog::warn("--jwt-secret-file {} is readable by group or others (chmod 600 it)",
                     settings.jwt_secret_file.string());
    }
    if (!settings.webhook_secret_file.empty() &&
        mb::adapters::auth::readable_by_others(settings.webhook_secret_file)) {
        spdlog::warn("--webhook-secret-file {} is readable by group or others (chmod 600 it)",
                     settings.webhook_secret_file.string());
    }
    if (settings.auth == "off") {
        spdlog::warn("auth is off: every caller may read, cancel and print every booking "
                     "(local demo only; README \"Security\")");
    }
    try {
        mb::app::exe::Application app(std::move(settings));
        return app.run();
    } catch (const std::invalid_argument& e) {
        spdlog::critical("movie-booking cannot start: {}", e.what());
        return 2;
    } catch (const std::exception& e) {
        spdlog::critical("movie-booking cannot start: {}", e.what());
        return 1;
    }
}
