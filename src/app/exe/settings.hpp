#pragma once
// The effective configuration, read once at the composition root and passed inward as plain
// values (CONVENTIONS.md, userver). Precedence: command-line flags > MOVIE_* environment >
// TOML file (--config, default config/movie-booking.toml when present) > built-in defaults.
#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/persistence/database.hpp"

namespace mb::app::exe {

struct Settings {
    // server
    std::string address = "0.0.0.0";
    std::uint16_t port = 8088;           ///< 0 picks a free port (logged)
    unsigned threads = 2;                ///< io_context threads
    std::size_t body_limit = 64 * 1024;  ///< bytes
    std::int64_t read_timeout_ms = 30000;
    std::int64_t idle_timeout_ms = 60000;
    // limits (README "Operating" > "Limits")
    std::size_t header_limit = 8 * 1024;  ///< bytes of request line + headers
    std::size_t max_header_count = 100;   ///< header fields per request
    std::int64_t header_timeout_ms = 10000;
    std::size_t max_connections = 10000;
    std::size_t max_in_flight = 1024;       ///< requests handled at once; 0 = no cap
    std::size_t max_streams = 1000;         ///< event streams open at once; 0 = no cap
    std::size_t max_streams_per_client = 8;  ///< event streams per client; 0 = no cap
    std::int64_t stream_heartbeat_ms = 15000;  ///< comment line after this much silence
    double rate_limit_writes = 0;           ///< writes per second per client; 0 = off
    double rate_limit_burst = 0;            ///< bucket capacity; 0 = max(1, rate)
    std::size_t rate_limit_clients = 100000;  ///< clients remembered (LRU)
    std::vector<std::string> trusted_proxies;  ///< addresses / CIDRs whose X-Forwarded-For counts
    std::string public_url;                 ///< base of links and Location; empty: from Host
    std::vector<std::string> cors_origins;  ///< origins allowed cross-origin; empty: CORS off
    /// Directory of the web page served at / (README "Web page"); empty: the app shipped with
    /// this build (the source tree's web/, compiled in); "none": no web page.
    std::string web_root;
    // lifecycle (README "Signals and graceful shutdown", "Rolling restart")
    std::int64_t shutdown_grace_ms = 10000;  ///< in-flight requests may finish this long
    std::int64_t shutdown_delay_ms = 0;      ///< readiness 503 but still serving, before closing
    bool reuse_port = false;                 ///< SO_REUSEPORT: the next process may bind too
    std::int64_t data_lock_timeout_ms = 60000;  ///< wait this long for another process's files
    // storage
    std::filesystem::path data_dir = "./var";
    /// --db (issue 12, README "Scaling out"): "postgresql://USER@HOST:PORT/DBNAME" puts every
    /// module in its own schema of that database; "MODULE=postgresql://…" (booking, payment,
    /// ticket, review, mypage) overrides one. Empty: SQLite files under data_dir.
    std::vector<std::string> databases;
    /// Names this replica in shared tables (outbox claims, Pending bookings); must differ
    /// between live replicas. Empty: host name + ":" + absolute data_dir.
    std::string instance_id;
    /// A relay's claim on its outbox rows lasts this long unless renewed (every third of it);
    /// a dead replica's rows are taken over after it (PostgreSQL only), ms.
    std::int64_t outbox_lease_ms = 30000;
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
    // resilience of the synchronous ports (circuit breaker per callee, bulkhead)
    std::int64_t breaker_window = 20;
    std::int64_t breaker_min_calls = 10;
    double breaker_failure_rate = 0.5;
    std::int64_t breaker_slow_call_ms = 600;
    double breaker_slow_call_rate = 0.5;
    std::int64_t breaker_open_ms = 5000;
    std::int64_t breaker_half_open_calls = 3;
    std::int64_t bulkhead = 1024;  ///< concurrent calls into one module at most
    // fault injection and operations
    std::vector<std::string> faults;         ///< "module:latency=400-620,error-rate=0.2,down"
    std::vector<std::string> paused;         ///< modules paused at start
    std::int64_t consumer_max_attempts = 5;  ///< then an event is parked as a dead letter
    // notifications (README "Notifications (webhooks)")
    std::vector<std::string> webhooks;        ///< receiver URLs (http://); empty: none
    std::filesystem::path webhook_secret_file;  ///< the HMAC key's file (required with webhooks)
    std::string webhook_secret;               ///< read from webhook_secret_file, never a flag
    std::int64_t webhook_max_attempts = 10;   ///< then a delivery is a dead letter
    std::int64_t webhook_backoff_ms = 1000;   ///< after the first failed attempt; doubles
    std::int64_t webhook_backoff_max_ms = 60000;  ///< the longest wait between attempts
    std::int64_t webhook_timeout_ms = 5000;   ///< one POST, connect to answer
    // recovery (sagas a crash or a lost answer left half-done)
    std::int64_t recovery_interval_s = 30;
    std::int64_t recovery_min_age_s = 60;
    // events
    std::int64_t redelivery_ms = 5000;
    std::int64_t inbox_retention_h = 168;  ///< applied event ids are remembered this long
    std::int64_t inbox_prune_interval_s = 600;  ///< period of forgetting expired inbox entries
    std::string bus = "memory";            ///< "memory" (embedded) or "kafka"
    // kafka (--bus kafka; README "Kafka mode")
    std::string kafka_brokers;          ///< bootstrap servers "host:port,..."
    std::string kafka_topic = "movie";  ///< every event type on one topic (the seed's)
    std::int64_t kafka_mock = 0;        ///< >0: start an in-process mock cluster
    std::int64_t kafka_partitions = 4;  ///< of the topic the mock cluster creates
    std::int64_t kafka_session_timeout_ms = 10000;
    std::int64_t kafka_fetch_wait_ms = 0;  ///< fetch.wait.max.ms; 0 = 5 with --kafka-mock, else 500
    std::int64_t kafka_linger_ms = 1;      ///< linger.ms of the producer
    std::string kafka_client_id = "movie-booking";
    std::vector<std::string> kafka_properties;  ///< extra librdkafka "key=value" settings
    // catalogue
    bool admin = false;      ///< catalogue registration over REST (POST /movies ...)
    bool demo_data = false;  ///< load the demo catalogue at start (idempotent)
    // review
    std::string weather;  ///< from WEATHER (the seed's ConfigMap demo)
    // logging
    std::string log_level = "info";
    // observability (README "Operating")
    std::int64_t readiness_bus_down_ms = 30000;  ///< readiness 503 once the bus is down this long
    std::int64_t probe_deadline_ms = 2000;  ///< health's database probes and liveness's no-op, ms
    std::string prometheus_access = "admin";     ///< who may GET /actuator/prometheus: admin|public
    std::string log_format = "auto";   ///< "json", "text", "auto" (text on a terminal)
    std::string access_log = "all";    ///< AccessLogPolicy::parse syntax
    std::int64_t access_log_slow_ms = 1000;  ///< slower requests are always logged
    // security (README "Security"; issue 9)
    std::string auth = "jwt";  ///< "jwt" (bearer tokens) or "off" (local demo: loopback only)
    bool insecure = false;     ///< allow auth = off on a non-loopback address
    std::filesystem::path jwt_secret_file;      ///< HS256 secret (or env MOVIE_JWT_SECRET)
    std::filesystem::path jwt_public_key_file;  ///< RS256/ES256: SubjectPublicKeyInfo PEM
    std::filesystem::path jwt_jwks_file;        ///< RS256/ES256: a JWKS document
    std::vector<std::string> jwt_algorithms;    ///< allow-list; empty = by the key source
    std::int64_t jwt_leeway_s = 30;             ///< clock skew on exp / nbf, s
    std::string jwt_issuer;                     ///< `iss` required when set
    std::string jwt_audience;                   ///< `aud` must contain it when set
    bool accept_unlisted_movies = false;  ///< legacy: book uncatalogued movies at the client's
                                          ///< price (refused with auth = jwt)
    /// The HS256 secret itself: read from MOVIE_JWT_SECRET or --jwt-secret-file, never from a
    /// flag value (a command line is visible to every user of the machine). Not printed.
    std::string jwt_secret;
};

/// `movie-booking token --sub alice --role customer --ttl 1h`: mints a local HS256 token from
/// the configured secret and prints it (README "Security").
struct TokenCommand {
    std::string subject;
    std::vector<std::string> roles{"customer"};
    std::int64_t ttl_s = 3600;
};

/// Parses flags, environment and the TOML file. Returns the process exit code when the
/// program should exit now (--help, --print-config, a bad flag: message printed), else nullopt.
/// `token` (when the token subcommand was given) is filled instead of starting a server.
[[nodiscard]] std::optional<int> parse_settings(int argc, char** argv, Settings& settings,
                                                std::optional<TokenCommand>* token = nullptr);

/// Whether `address` is a loopback address (127.0.0.0/8, ::1, "localhost").
[[nodiscard]] bool is_loopback(const std::string& address);

/// The modules (MISSION.md's bounded contexts), in start-up order.
inline constexpr std::array<std::string_view, 5> kModules{"booking", "payment", "ticket",
                                                           "review", "mypage"};

/// Where `module`'s tables live under `settings.databases` (--db): its own `MODULE=URL`, else
/// the URL for every module, each in the schema named after the module; else the SQLite file
/// `data_dir/MODULE.db`. Throws std::invalid_argument: an unknown module name, two URLs for one
/// module (or two for all), a URL postgresql_conninfo refuses.
[[nodiscard]] adapters::persistence::DatabaseLocation database_location(const Settings& settings,
                                                                       std::string_view module);

/// The checks that need several settings together (README "Security"): a message for the
/// operator, or "" when the combination is fine. auth = off on a non-loopback address without
/// --insecure; auth = jwt without a secret, key or JWKS; --accept-unlisted-movies with
/// auth = jwt; a secret from both MOVIE_JWT_SECRET and --jwt-secret-file.
[[nodiscard]] std::string check_security(const Settings& settings);

}  // namespace mb::app::exe
