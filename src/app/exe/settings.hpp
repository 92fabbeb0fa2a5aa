#pragma once
// The effective configuration, read once at the composition root and passed inward as plain
// values (CONVENTIONS.md, userver). Precedence: command-line flags > MOVIE_* environment >
// TOML file (--config, default config/movie-booking.toml when present) > built-in defaults.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace mb::app::exe {

struct Settings {
    // server
    std::string address = "0.0.0.0";
    std::uint16_t port = 8088;          ///< 0 picks a free port (logged)
    unsigned threads = 2;               ///< io_context threads
    std::size_t body_limit = 64 * 1024; ///< bytes
    std::int64_t read_timeout_ms = 30000;
    std::int64_t idle_timeout_ms = 60000;
    // storage
    std::filesystem::path data_dir = "./var";
    std::int64_t max_batch = 256;  ///< jobs per group commit
    // payment (simulated provider)
    std::int64_t payment_decline_above = 1'000'000;  ///< KRW; charges above are declined
    std::int64_t payment_decline_every = 0;          ///< decline every n-th charge (0 = never)
    std::int64_t payment_latency_ms = 0;             ///< provider round trip
    // synchronous ports
    std::int64_t payment_deadline_ms = 610;
    std::int64_t review_deadline_ms = 610;
    std::int64_t ticket_deadline_ms = 610;
    std::int64_t print_lease_ms = 5000;
    bool review_down = false;  ///< fault injection: review refuses to open records
    // recovery (sagas a crash or a lost answer left half-done)
    std::int64_t recovery_interval_s = 30;
    std::int64_t recovery_min_age_s = 60;
    // events
    std::int64_t redelivery_ms = 5000;
    std::int64_t inbox_retention_h = 168;  ///< applied event ids are remembered this long
    // review
    std::string weather;  ///< from WEATHER (the seed's ConfigMap demo)
    // logging
    std::string log_level = "info";
};

/// Parses flags, environment and the TOML file. Returns the process exit code when the
/// program should exit now (--help, --print-config, a bad flag: message printed), else nullopt.
[[nodiscard]] std::optional<int> parse_settings(int argc, char** argv, Settings& settings);

}  // namespace mb::app::exe
