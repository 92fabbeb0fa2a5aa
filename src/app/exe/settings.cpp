// The only translation unit that includes CLI11 (expensive to compile: CONVENTIONS.md).
#include "app/exe/settings.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <iostream>
#include <string_view>
#include <vector>

#include <unistd.h>  // environ

#include <CLI/CLI.hpp>

#include "adapters/http/access_log.hpp"

#include "adapters/auth/token_verifier.hpp"

namespace mb::app::exe {
namespace {

/// "90", "90s", "15m", "1h", "7d" -> seconds (1 s .. 366 d), else nullopt.
std::optional<std::int64_t> parse_duration_s(const std::string& text) {
    if (text.empty() || text.size() > 12)
        return std::nullopt;
    std::size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])) != 0)
        ++digits;
    if (digits == 0 || text.size() - digits > 1)
        return std::nullopt;
    const std::int64_t n = std::stoll(text.substr(0, digits));
    std::int64_t unit = 1;
    if (digits < text.size()) {
        switch (text.back()) {
            case 's':
                unit = 1;
                break;
            case 'm':
                unit = 60;
                break;
            case 'h':
                unit = 3600;
                break;
            case 'd':
                unit = 86400;
                break;
            default:
                return std::nullopt;
        }
    }
    if (n <= 0 || n > 366 * 86400 / unit)
        return std::nullopt;
    return n * unit;
}

constexpr std::string_view kEnvPrefix = "MOVIE_";
/// The one MOVIE_* variable that is not a flag (a secret never goes on a command line).
constexpr std::string_view kSecretVariable = "MOVIE_JWT_SECRET";

/// Prints each problem on stderr and returns the exit code of a bad configuration (2).
int report(const std::vector<std::string>& problems) {
    for (const auto& problem : problems)
        std::cerr << "movie-booking: bad configuration: " << problem << "\n";
    return 2;
}

/// "--payment-latency-ms" -> "MOVIE_PAYMENT_LATENCY_MS".
std::string env_name(const std::string& long_name) {
    std::string out = "MOVIE_";
    for (char c : long_name)
        out += c == '-' ? '_' : static_cast<char>(std::toupper(c));
    return out;
}

/// Every setting as a long flag of `app` bound to `s`; `names` gets each long name (its
/// MOVIE_* variable and TOML key are derived from it).
void add_settings(CLI::App& app, Settings& s, std::vector<std::string>& names) {
    auto opt = [&](const std::string& name, auto& value, const std::string& help) {
        names.push_back(name);
        return app.add_option("--" + name, value, help + " [env " + env_name(name) + "]");
    };
    opt("address", s.address, "Address to listen on");
    opt("port", s.port, "HTTP port (0 = any free port)")->check(CLI::Range(0, 65535));
    opt("threads", s.threads, "io_context threads")->check(CLI::Range(1, 64));
    opt("body-limit", s.body_limit, "Largest request body, bytes")
        ->check(CLI::Range(1024, 16 * 1024 * 1024));
    opt("read-timeout-ms", s.read_timeout_ms, "Time to read one request, ms")
        ->check(CLI::Range(100, 600000));
    opt("idle-timeout-ms", s.idle_timeout_ms, "Keep-alive idle timeout, ms")
        ->check(CLI::Range(100, 3600000));
    opt("header-limit", s.header_limit, "Largest request line + headers, bytes (more: 431)")
        ->check(CLI::Range(1024, 1024 * 1024));
    opt("max-header-count", s.max_header_count, "Most header fields in a request (more: 431)")
        ->check(CLI::Range(1, 10000));
    opt("header-timeout-ms", s.header_timeout_ms,
        "Time to send a request header, and a new connection's first byte, ms (slower: closed)")
        ->check(CLI::Range(100, 600000));
    opt("max-connections", s.max_connections,
        "Most open connections; one more is closed unanswered")
        ->check(CLI::Range(1, 1000000));
    opt("max-in-flight", s.max_in_flight,
        "Most requests handled at once (more: 503 + Retry-After; /actuator exempt; 0 = no cap)")
        ->check(CLI::Range(0, 1000000));
    opt("max-streams", s.max_streams,
        "Most event streams open at once (more: 503 + Retry-After; 0 = no cap)")
        ->check(CLI::Range(0, 1000000));
    opt("max-streams-per-client", s.max_streams_per_client,
        "Most event streams one client may hold open (more: 429 + Retry-After; 0 = no cap)")
        ->check(CLI::Range(0, 1000000));
    opt("stream-heartbeat-ms", s.stream_heartbeat_ms,
        "An event stream silent this long gets a comment line (keeps proxies and clients in touch), ms")
        ->check(CLI::Range(100, 3600000));
    opt("rate-limit-writes", s.rate_limit_writes,
        "Per-client POST/PUT/PATCH/DELETE per second (more: 429 + Retry-After; 0 = off)")
        ->check(CLI::Range(0.0, 1e6));
    opt("rate-limit-burst", s.rate_limit_burst,
        "Writes a client may send at once before the rate applies (0 = the rate, at least 1)")
        ->check(CLI::Range(0.0, 1e6));
    opt("rate-limit-clients", s.rate_limit_clients,
        "Clients the rate limiter remembers (least recently seen forgotten first)")
        ->check(CLI::Range(1, 10000000));
    opt("trusted-proxy", s.trusted_proxies,
        "Proxy address or network (10.0.0.0/8) whose X-Forwarded-For names the client, "
        "repeatable or comma-separated (default: none, X-Forwarded-For ignored)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->delimiter(',');
    opt("public-url", s.public_url,
        "Base URL of every link and Location, scheme://host[:port] (default: http:// + Host)");
    opt("cors-origin", s.cors_origins,
        "Origin allowed to call cross-origin (CORS), repeatable or comma-separated (default: "
        "none, CORS off)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->delimiter(',');
    opt("web-root", s.web_root,
        "Directory of the web page served at / (default: the app shipped with this build, the "
        "source tree's web/; none = no web page)");
    opt("shutdown-grace-ms", s.shutdown_grace_ms,
        "On SIGTERM/SIGINT: in-flight requests and queued jobs may finish this long, ms")
        ->check(CLI::Range(0, 3600000));
    opt("shutdown-delay-ms", s.shutdown_delay_ms,
        "On SIGTERM/SIGINT: readiness 503 but still serving this long before the listener "
        "closes (a load balancer stops sending first), ms")
        ->check(CLI::Range(0, 3600000));
    names.push_back("reuse-port");
    app.add_flag("--reuse-port", s.reuse_port,
                 "Listen with SO_REUSEPORT, so the next process can bind the port while this one "
                 "drains (rolling restart) [env MOVIE_REUSE_PORT]");
    opt("data-dir", s.data_dir, "Directory of the modules' SQLite files");
    opt("db", s.databases,
        "PostgreSQL for every module, postgresql://USER@HOST:PORT/DBNAME (each module in its "
        "own schema), or MODULE=postgresql://... for one; repeatable (default: SQLite files "
        "under --data-dir)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    opt("outbox-lease-ms", s.outbox_lease_ms,
        "PostgreSQL: a relay's claim on its outbox rows lasts this long unless renewed; a dead "
        "replica's rows are published by another after it, ms")
        ->check(CLI::Range(1000, 3600000));
    opt("instance-id", s.instance_id,
        "Names this replica in the tables replicas share (outbox claims, recovery); unique per "
        "live replica (default: host name + \":\" + absolute --data-dir)");
    opt("data-lock-timeout-ms", s.data_lock_timeout_ms,
        "Wait this long for database files another process still holds (rolling restart), "
        "then fail, ms")
        ->check(CLI::Range(0, 3600000));
    opt("max-batch", s.max_batch, "Jobs per group commit")->check(CLI::Range(1, 10000));
    opt("payment-decline-above", s.payment_decline_above,
        "Simulated provider declines charges above this amount, KRW")
        ->check(CLI::NonNegativeNumber);
    opt("payment-decline-every", s.payment_decline_every,
        "Simulated provider declines every n-th charge (0 = never)")
        ->check(CLI::NonNegativeNumber);
    opt("payment-latency-ms", s.payment_latency_ms, "Simulated provider latency, ms")
        ->check(CLI::Range(0, 60000));
    opt("payment-deadline-ms", s.payment_deadline_ms, "Deadline of booking -> payment, ms")
        ->check(CLI::Range(1, 600000));
    opt("review-deadline-ms", s.review_deadline_ms, "Deadline of ticket -> review, ms")
        ->check(CLI::Range(1, 600000));
    opt("ticket-deadline-ms", s.ticket_deadline_ms, "Deadline of booking -> ticket, ms")
        ->check(CLI::Range(1, 600000));
    opt("print-lease-ms", s.print_lease_ms, "How long a print holds its ticket, ms")
        ->check(CLI::Range(1, 600000));
    opt("recovery-interval-s", s.recovery_interval_s,
        "Period of the recovery pass over half-done sagas, s")
        ->check(CLI::Range(1, 86400));
    opt("recovery-min-age-s", s.recovery_min_age_s,
        "The periodic pass settles bookings untouched for at least this long, s")
        ->check(CLI::Range(1, 86400));
    opt("breaker-window", s.breaker_window, "Circuit breaker: calls in its sliding window")
        ->check(CLI::Range(1, 10000));
    opt("breaker-min-calls", s.breaker_min_calls, "Circuit breaker: calls before it judges")
        ->check(CLI::Range(1, 10000));
    opt("breaker-failure-rate", s.breaker_failure_rate,
        "Circuit breaker: opens at this share of failed calls (0..1)")
        ->check(CLI::Range(0.0, 1.0));
    opt("breaker-slow-call-ms", s.breaker_slow_call_ms,
        "Circuit breaker: a call at least this long is slow, ms")
        ->check(CLI::Range(1, 600000));
    opt("breaker-slow-call-rate", s.breaker_slow_call_rate,
        "Circuit breaker: opens at this share of slow calls (0..1)")
        ->check(CLI::Range(0.0, 1.0));
    opt("breaker-open-ms", s.breaker_open_ms, "Circuit breaker: stays open this long, ms")
        ->check(CLI::Range(1, 3600000));
    opt("breaker-half-open-calls", s.breaker_half_open_calls,
        "Circuit breaker: probe calls when half-open")
        ->check(CLI::Range(1, 1000));
    opt("bulkhead", s.bulkhead, "Concurrent synchronous calls into one module at most")
        ->check(CLI::Range(1, 100000));
    opt("consumer-max-attempts", s.consumer_max_attempts,
        "Attempts at an event before it is parked as a dead letter")
        ->check(CLI::Range(1, 1000));
    opt("webhook", s.webhooks,
        "Notification receiver: every booking's events are POSTed there, signed (http:// URL, "
        "repeatable or comma-separated; default: none)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->delimiter(',');
    opt("webhook-secret-file", s.webhook_secret_file,
        "The webhooks' HMAC-SHA256 key, read from this file (at least 32 bytes; needed with "
        "--webhook)");
    opt("webhook-max-attempts", s.webhook_max_attempts,
        "Attempts at a webhook delivery before it is a dead letter")
        ->check(CLI::Range(1, 1000));
    opt("webhook-backoff-ms", s.webhook_backoff_ms,
        "Wait after a webhook delivery's first failed attempt, doubling after each, ms")
        ->check(CLI::Range(10, 3600000));
    opt("webhook-backoff-max-ms", s.webhook_backoff_max_ms,
        "Longest wait between two attempts of a webhook delivery, ms")
        ->check(CLI::Range(10, 86400000));
    opt("webhook-timeout-ms", s.webhook_timeout_ms,
        "One webhook POST, connect to answer, ms (longer: a failed attempt)")
        ->check(CLI::Range(100, 600000));
    opt("fault", s.faults,
        "Fault injection, repeatable: MODULE:latency=MS|MIN-MAX,error-rate=0..1,down")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    opt("pause", s.paused, "Start with these modules paused (repeatable)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->check(CLI::IsMember({"booking", "payment", "ticket", "review", "mypage"}));
    opt("redelivery-ms", s.redelivery_ms, "Unacknowledged events are published again after, ms")
        ->check(CLI::Range(100, 3600000));
    opt("inbox-retention-h", s.inbox_retention_h,
        "How long each module remembers applied event ids (duplicate detection), hours")
        ->check(CLI::Range(1, 87600));
    opt("inbox-prune-interval-s", s.inbox_prune_interval_s,
        "Period of forgetting inbox entries older than the retention, s")
        ->check(CLI::Range(1, 86400));
    opt("bus", s.bus, "Event bus: memory (in-process) or kafka")
        ->check(CLI::IsMember({"memory", "kafka"}));
    opt("kafka-brokers", s.kafka_brokers, "Kafka bootstrap servers host:port,... (--bus kafka)");
    opt("kafka-topic", s.kafka_topic, "Kafka topic of every event");
    opt("kafka-mock", s.kafka_mock,
        "Start librdkafka's in-memory mock cluster with N brokers and use it (implies --bus "
        "kafka; local demos and tests only, nothing survives the process)")
        ->check(CLI::Range(0, 16));
    opt("kafka-partitions", s.kafka_partitions, "Partitions of the topic the mock cluster creates")
        ->check(CLI::Range(1, 256));
    opt("kafka-session-timeout-ms", s.kafka_session_timeout_ms,
        "Consumer group session timeout, ms (a dead member's partitions move after it)")
        ->check(CLI::Range(3000, 300000));
    opt("kafka-fetch-wait-ms", s.kafka_fetch_wait_ms,
        "Longest a broker holds a consumer's fetch when there is nothing new, ms (0 = 5 with "
        "--kafka-mock, whose broker always waits this long, else Kafka's 500)")
        ->check(CLI::Range(0, 60000));
    opt("kafka-linger-ms", s.kafka_linger_ms,
        "Longest the producer waits to fill a batch, ms (added to every event's latency when "
        "idle)")
        ->check(CLI::Range(0, 60000));
    opt("kafka-client-id", s.kafka_client_id, "Kafka client.id prefix");
    opt("kafka-property", s.kafka_properties,
        "Extra librdkafka property KEY=VALUE for every Kafka client, repeatable "
        "(security.protocol=SASL_SSL, ...)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    opt("log-level", s.log_level, "trace, debug, info, warn, error")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
    opt("readiness-bus-down-ms", s.readiness_bus_down_ms,
        "Readiness answers 503 once the bus has been unable to deliver for this long, ms")
        ->check(CLI::Range(0, 86400000));
    opt("probe-deadline-ms", s.probe_deadline_ms,
        "A module's database probe (health) and the posted no-op (liveness) must finish within "
        "this, else DOWN, ms")
        ->check(CLI::Range(1, 600000));
    opt("prometheus-access", s.prometheus_access,
        "Who may scrape GET /actuator/prometheus: admin (a bearer token with the admin role) or "
        "public (no token; for a port only the monitoring network reaches)")
        ->check(CLI::IsMember({"admin", "public"}));
    opt("log-format", s.log_format,
        "Log lines: json (one object per line), text, or auto (text on a terminal, else json)")
        ->check(CLI::IsMember({"auto", "json", "text"}));
    opt("access-log", s.access_log,
        "Access log (one info line per request): all, errors (status >= 400 and slow ones), "
        "sample:N (every N-th request, plus errors and slow ones), or off")
        ->check(CLI::Validator(
            [](std::string& value) -> std::string {
                return adapters::http::AccessLogPolicy::parse(value)
                           ? std::string{}
                           : "expected all, errors, off or sample:N with N in 1..1000000";
            },
            "all|errors|sample:N|off"));
    opt("access-log-slow-ms", s.access_log_slow_ms,
        "A request at least this slow is always in the access log, ms")
        ->check(CLI::Range(1, 3600000));
    names.push_back("admin");
    app.add_flag("--admin", s.admin,
                 "Enable catalogue registration (POST /movies, /screens, /screenings) [env "
                 "MOVIE_ADMIN]");
    names.push_back("demo-data");
    app.add_flag("--demo-data", s.demo_data,
                 "Load the demo catalogue (movies incl. \"soul\", screens, screenings) at start "
                 "[env MOVIE_DEMO_DATA]");
    opt("auth", s.auth,
        "Authentication: jwt (bearer tokens; default) or off (local demo: every caller may do "
        "everything; refused on a non-loopback address without --insecure)")
        ->check(CLI::IsMember({"jwt", "off"}));
    opt("jwt-secret-file", s.jwt_secret_file,
        "HS256 secret, read from this file (at least 32 bytes; or env MOVIE_JWT_SECRET)");
    opt("jwt-public-key-file", s.jwt_public_key_file,
        "RS256/ES256: the identity provider's public key (PEM)");
    opt("jwt-jwks-file", s.jwt_jwks_file, "RS256/ES256: the identity provider's JWKS (JSON)");
    opt("jwt-algorithm", s.jwt_algorithms,
        "Accepted token algorithm, repeatable (HS256 | RS256 | ES256 ...; default: HS256 with a "
        "secret, RS256 and ES256 with a key)")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->delimiter(',');
    opt("jwt-leeway-s", s.jwt_leeway_s, "Clock skew allowed on exp / nbf, s")
        ->check(CLI::Range(0, 3600));
    opt("jwt-issuer", s.jwt_issuer, "Required iss claim (empty: not checked)");
    opt("jwt-audience", s.jwt_audience, "Required aud claim (empty: not checked)");
    names.push_back("insecure");
    app.add_flag("--insecure", s.insecure,
                 "Allow --auth off on a non-loopback address [env MOVIE_INSECURE]");
    names.push_back("accept-unlisted-movies");
    app.add_flag("--accept-unlisted-movies", s.accept_unlisted_movies,
                 "Legacy: book a movie that is not in the catalogue at the client's totalPrice "
                 "(refused with --auth jwt) [env MOVIE_ACCEPT_UNLISTED_MOVIES]");
    names.push_back("review-down");
    app.add_flag("--review-down", s.review_down,
                 "Fault injection: the review module refuses to open reviews [env "
                 "MOVIE_REVIEW_DOWN]");
}

}  // namespace

bool is_loopback(const std::string& address) {
    if (address == "localhost" || address == "::1")
        return true;
    return address.rfind("127.", 0) == 0;
}

std::string check_security(const Settings& s) {
    if (s.auth == "off") {
        if (!is_loopback(s.address) && !s.insecure) {
            return "--auth off would let anyone who reaches " + s.address +
                   " read, cancel and print every customer's bookings; listen on 127.0.0.1, "
                   "use --auth jwt, or add --insecure";
        }
        return {};
    }
    if (s.accept_unlisted_movies) {
        return "--accept-unlisted-movies takes the client's price for movies the catalogue does "
               "not list; it is for the local demo only and refused with --auth jwt";
    }
    if (s.jwt_secret.empty() && s.jwt_public_key_file.empty() && s.jwt_jwks_file.empty()) {
        return "--auth jwt needs a key: MOVIE_JWT_SECRET or --jwt-secret-file (HS256), or "
               "--jwt-public-key-file / --jwt-jwks-file (RS256, ES256); for a local demo use "
               "--auth off on 127.0.0.1";
    }
    return {};
}

std::optional<int> parse_settings(int argc, char** argv, Settings& s,
                                  std::optional<TokenCommand>* token) {
    CLI::App app{
        "movie-booking: a movie-booking backend (booking, payment, ticket, review, "
        "mypage) in one process.",
        "movie-booking"};
    app.option_defaults()->always_capture_default()->multi_option_policy(
        CLI::MultiOptionPolicy::TakeLast);
    const std::string default_config =
        std::filesystem::exists("config/movie-booking.toml") ? "config/movie-booking.toml" : "";
    app.set_config("--config", default_config,
                   "TOML file; keys are the long flag names (port = 8088)", false);

    bool print_config = false;
    app.add_flag("--print-config", print_config, "Print the effective configuration and exit")
        ->configurable(false);

    std::vector<std::string> names;
    add_settings(app, s, names);

    // `movie-booking token --sub alice --role customer --ttl 1h`: mint a local token.
    TokenCommand command;
    std::string ttl = "1h";
    auto* token_app = app.add_subcommand("token", "Mint a local HS256 token from the configured "
                                                  "secret, print it and exit");
    token_app->add_option("--sub", command.subject, "Subject: the customer id")->required();
    token_app->add_option("--role", command.roles, "Role, repeatable: customer, staff, admin")
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->check(CLI::IsMember({"customer", "staff", "admin"}));
    token_app->add_option("--ttl", ttl, "Lifetime: N with s, m, h or d (1h)");
    token_app->fallthrough();  // --jwt-secret-file etc. may follow the subcommand
    token_app->configurable(false);

    // `movie-booking check-config --config FILE`: validate file + environment, do not start.
    auto* check_app = app.add_subcommand(
        "check-config",
        "Validate the configuration (file, environment, flags) without starting: prints ok "
        "(exit 0) or what is wrong (exit 2)");
    check_app->fallthrough();
    check_app->configurable(false);

    // An unknown TOML key is refused, not ignored (README "Configuration").
    app.allow_config_extras(CLI::config_extras_mode::error);

    // Strictness (README "Configuration"): a MOVIE_* variable that names no setting is a typo
    // that would otherwise be silently ignored.
    std::vector<std::string> problems;
    for (char** e = environ; *e != nullptr; ++e) {
        const std::string_view entry(*e);
        if (entry.rfind(kEnvPrefix, 0) != 0)
            continue;
        const auto variable = std::string(entry.substr(0, entry.find('=')));
        if (variable == kSecretVariable)
            continue;
        if (std::none_of(names.begin(), names.end(),
                         [&](const std::string& n) { return env_name(n) == variable; })) {
            problems.push_back("environment: unknown variable " + variable +
                               " (no such setting; see --help)");
        }
    }

    // Precedence flags > environment > file: CLI11 lets the file fill only what the command
    // line did not set, so environment values are passed as leading arguments and real flags
    // after them win (TakeLast).
    std::vector<std::string> env_args;
    for (const auto& name : names) {
        if (const char* v = std::getenv(env_name(name).c_str()); v != nullptr && *v != '\0') {
            env_args.push_back("--" + name + "=" + v);
        }
    }
    // The environment alone first, on a scratch copy, so that a bad value is reported with
    // the variable it came from rather than as if it were a flag.
    {
        CLI::App scratch_app;
        scratch_app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
        Settings scratch;
        std::vector<std::string> scratch_names;
        add_settings(scratch_app, scratch, scratch_names);
        for (const auto& arg : env_args) {
            try {
                scratch_app.parse(std::vector<std::string>{arg});
            } catch (const CLI::ParseError& e) {
                const auto name = arg.substr(2, arg.find('=') - 2);
                problems.push_back("environment: " + env_name(name) + ": " + e.what());
            }
            scratch_app.clear();
        }
    }
    if (!problems.empty())
        return report(problems);

    std::vector<std::string> args = env_args;
    for (int i = 1; i < argc; ++i)
        args.emplace_back(argv[i]);
    std::reverse(args.begin(), args.end());  // CLI11 parses a reversed vector

    try {
        app.parse(args);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        // The environment was checked above: the value came from a flag or from the file.
        const std::string what = e.what();
        const auto config = app.get_config_ptr()->as<std::string>();
        const bool from_flag = std::any_of(argv + 1, argv + argc, [&](const char* arg) {
            const std::string_view a(arg);
            return a.size() > 2 && a.rfind("--", 0) == 0 &&
                   what.find(std::string(a.substr(0, a.find('=')))) != std::string::npos;
        });
        if (from_flag || config.empty() || dynamic_cast<const CLI::FileError*>(&e) != nullptr)
            return report({"command line: " + what});
        constexpr std::string_view kExtra = "INI was not able to parse ";
        if (what.rfind(kExtra, 0) == 0) {
            return report({"config file " + config + ": unknown key '" +
                           what.substr(kExtra.size()) + "' (no such setting; see --help)"});
        }
        return report({"config file " + config + ": " + what});
    }
    if (const char* secret = std::getenv("MOVIE_JWT_SECRET"); secret != nullptr && *secret != 0) {
        if (!s.jwt_secret_file.empty()) {
            std::cerr << "the HS256 secret is given twice: MOVIE_JWT_SECRET and "
                         "--jwt-secret-file; keep one\n";
            return 2;
        }
        s.jwt_secret = secret;
    }
    if (!s.jwt_secret_file.empty()) {
        try {
            s.jwt_secret = adapters::auth::read_secret_file(s.jwt_secret_file);
        } catch (const std::runtime_error& e) {
            std::cerr << "--jwt-secret-file: " << e.what() << "\n";
            return 2;
        }
    }
    if (!s.webhook_secret_file.empty()) {
        try {
            s.webhook_secret = adapters::auth::read_secret_file(s.webhook_secret_file);
        } catch (const std::runtime_error& e) {
            std::cerr << "--webhook-secret-file: " << e.what() << "\n";
            return 2;
        }
    }
    if (!s.webhooks.empty() && s.webhook_secret.size() < 32) {
        std::cerr << "--webhook needs --webhook-secret-file with a key of at least 32 bytes\n";
        return 2;
    }
    if (*token_app) {
        if (token == nullptr) {
            std::cerr << "the token subcommand is not available here\n";
            return 2;
        }
        const auto seconds = parse_duration_s(ttl);
        if (!seconds) {
            std::cerr << "--ttl " << ttl << ": expected N followed by s, m, h or d (e.g. 1h)\n";
            return 2;
        }
        command.ttl_s = *seconds;
        *token = std::move(command);
        return std::nullopt;
    }
    if (s.kafka_mock > 0)
        s.bus = "kafka";
    if (s.bus == "kafka" && s.kafka_mock == 0 && s.kafka_brokers.empty()) {
        std::cerr << "--bus kafka needs --kafka-brokers host:port,... (or --kafka-mock N)\n";
        return 2;
    }
    for (const auto& module : kModules) {
        try {
            (void)database_location(s, module);
        } catch (const std::invalid_argument& e) {
            std::cerr << "--db: " << e.what() << "\n";
            return 2;
        }
    }
    for (const auto& p : s.kafka_properties) {
        if (p.find('=') == std::string::npos || p.front() == '=') {
            std::cerr << "--kafka-property " << p << ": expected KEY=VALUE\n";
            return 2;
        }
    }
    if (const char* weather = std::getenv("WEATHER"))
        s.weather = weather;
    if (*check_app) {
        if (auto refusal = check_security(s); !refusal.empty())
            return report({refusal});
        std::cout << "ok\n";
        return 0;
    }
    if (print_config) {
        // CLI11 prints an empty list's captured default as the string "[]", which it cannot
        // read back (nor an empty TOML array): comment such lines out, so the output stays a
        // valid --config file.
        auto text = app.config_to_str(true, true);
        for (std::size_t at = 0; (at = text.find("=\"[]\"\n", at)) != std::string::npos;) {
            const auto line = text.rfind('\n', at) + 1;
            text.replace(at, 5, "=[]");
            text.insert(line, "# ");
            at = line;
        }
        std::cout << text;
        std::cout << "# environment\n# WEATHER=\"" << s.weather << "\"\n";
        if (std::getenv("MOVIE_JWT_SECRET") != nullptr)
            std::cout << "# MOVIE_JWT_SECRET=<redacted>\n";
        return 0;
    }
    return std::nullopt;
}

}  // namespace mb::app::exe
