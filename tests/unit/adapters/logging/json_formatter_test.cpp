// README "Logs": one JSON object per line whatever the message holds, with time, level, module,
// message and the context fields; the text format keeps today's shape.
#include "adapters/logging/json_formatter.hpp"

#include <chrono>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <catch2/catch.hpp>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "adapters/logging/log_context.hpp"
#include "adapters/logging/logging.hpp"

namespace mb::adapters::logging::test {
namespace {

/// A logger called `name` writing `formatter`'s lines into a string.
struct Captured {
    explicit Captured(const std::string& name, std::unique_ptr<spdlog::formatter> formatter =
                                                   std::make_unique<JsonFormatter>()) {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
        sink->set_formatter(std::move(formatter));
        logger = std::make_shared<spdlog::logger>(name, sink);
        logger->set_level(spdlog::level::trace);
    }

    [[nodiscard]] std::vector<std::string> lines() const {
        std::vector<std::string> result;
        std::istringstream in(out.str());
        for (std::string line; std::getline(in, line);)
            result.push_back(line);
        return result;
    }

    /// The only line, parsed (fails the test when it is not exactly one JSON object).
    [[nodiscard]] boost::json::object only_object() const {
        const auto all = lines();
        REQUIRE(all.size() == 1);
        boost::system::error_code ec;
        auto value = boost::json::parse(all.front(), ec);
        INFO(all.front());
        REQUIRE_FALSE(ec);
        REQUIRE(value.is_object());
        return value.as_object();
    }

    std::ostringstream out;
    std::shared_ptr<spdlog::logger> logger;
};

}  // namespace

TEST_CASE("JSON lines: time, level, module, thread and message", "[logging]") {
    Captured log("booking");
    log.logger->info("booking {} placed", 7);
    const auto line = log.only_object();
    CHECK(line.at("message") == "booking 7 placed");
    CHECK(line.at("level") == "info");
    CHECK(line.at("module") == "booking");
    CHECK(line.at("thread").is_number());
    // RFC 3339, UTC, microseconds.
    const std::string time(line.at("time").as_string());
    CHECK(std::regex_match(time, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)")));
    CHECK_FALSE(line.contains("requestId"));
    CHECK_FALSE(line.contains("bookingId"));
    CHECK_FALSE(line.contains("error"));

    Captured unnamed("");
    unnamed.logger->warn("x");
    const auto other = unnamed.only_object();
    CHECK(other.at("module") == "main");
    CHECK(other.at("level") == "warning");
}

/// The "time" field of the line JsonFormatter writes for a message logged at `time`.
std::string time_field(spdlog::log_clock::time_point time) {
    spdlog::details::log_msg msg(time, spdlog::source_loc{}, "m", spdlog::level::info, "x");
    spdlog::memory_buf_t buffer;
    JsonFormatter formatter;
    formatter.format(msg, buffer);
    const auto value = boost::json::parse(std::string(buffer.data(), buffer.size()));
    return std::string(value.at("time").as_string());
}

TEST_CASE("JSON lines: the time is RFC 3339 in UTC to the microsecond, second after second",
          "[logging]") {
    using std::chrono::microseconds;
    using std::chrono::seconds;
    // 2026-12-02T04:30:00Z = 1,796,185,800 s after the epoch.
    const spdlog::log_clock::time_point base{seconds(1'796'185'800)};
    CHECK(time_field(base) == "2026-12-02T04:30:00.000000Z");
    CHECK(time_field(base + microseconds(7)) == "2026-12-02T04:30:00.000007Z");
    CHECK(time_field(base + microseconds(999'999)) == "2026-12-02T04:30:00.999999Z");
    // The next second, then back to the first one (the per-second prefix is rebuilt each time).
    CHECK(time_field(base + microseconds(1'000'001)) == "2026-12-02T04:30:01.000001Z");
    CHECK(time_field(base + microseconds(120'000)) == "2026-12-02T04:30:00.120000Z");
    CHECK(time_field(base + seconds(86'400 * 30)) == "2027-01-01T04:30:00.000000Z");
}

TEST_CASE("JSON lines: any message stays one valid JSON line", "[logging]") {
    // Quotes, backslashes, newlines (log forging), control bytes, braces, ill-formed UTF-8.
    const std::vector<std::string> messages = {
        R"(say "hi" \ bye)",
        "two\nlines\r\n{\"forged\":1}",
        std::string("nul\0byte", 8),
        "\x01\x1f\x7f",
        "{}",
        "caf\xc3\xa9 \xe2\x82",
        "\xff\xfe",
        std::string(10000, 'x'),
    };
    for (const auto& message : messages) {
        INFO(message);
        Captured log("http");
        log.logger->error("{}", message);
        const auto line = log.only_object();
        const std::string decoded(line.at("message").as_string());
        if (message == "caf\xc3\xa9 \xe2\x82") {
            CHECK(decoded == "caf\xc3\xa9 \xef\xbf\xbd");  // the cut character is U+FFFD
        } else if (message == "\xff\xfe") {
            CHECK(decoded == "\xef\xbf\xbd\xef\xbf\xbd");
        } else {
            CHECK(decoded == message);
        }
    }
}

TEST_CASE("JSON lines: the thread's context gives requestId, bookingId and error", "[logging]") {
    Captured log("mypage");
    {
        const ScopedLogContext outer({"req-\"1\"", 0, {}});
        {
            const ScopedLogContext inner({{}, 42, "mb.booking:3 seat taken"});
            log.logger->info("inner");
        }
        log.logger->info("outer");
    }
    log.logger->info("none");
    const auto lines = log.lines();
    REQUIRE(lines.size() == 3);
    const auto inner = boost::json::parse(lines[0]).as_object();
    CHECK(inner.at("requestId") == "req-\"1\"");  // inherited from the enclosing scope
    CHECK(inner.at("bookingId") == 42);
    CHECK(inner.at("error") == "mb.booking:3 seat taken");
    const auto outer = boost::json::parse(lines[1]).as_object();
    CHECK(outer.at("requestId") == "req-\"1\"");
    CHECK_FALSE(outer.contains("bookingId"));  // restored when the inner scope ended
    CHECK_FALSE(outer.contains("error"));
    CHECK_FALSE(boost::json::parse(lines[2]).as_object().contains("requestId"));
}

TEST_CASE("log context: each thread has its own", "[logging]") {
    const ScopedLogContext here({"main-thread", 1, {}});
    std::string seen_there = "unset";
    std::thread other([&] { seen_there = current_log_context().request_id; });
    other.join();
    CHECK(seen_there.empty());
    CHECK(current_log_context().request_id == "main-thread");
    CHECK(describe_error("mb.payment", 2, "declined") == "mb.payment:2 declined");
}

TEST_CASE("text lines: today's prefix, the module, the message, then the context", "[logging]") {
    Captured log("http", make_text_formatter());
    log.logger->info("listening on 127.0.0.1:1");
    {
        const ScopedLogContext scope({"abc", 9, {}});
        log.logger->warn("slow");
    }
    Captured unnamed("", make_text_formatter());
    unnamed.logger->info("ready");
    const auto lines = log.lines();
    REQUIRE(lines.size() == 2);
    const std::regex prefix(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d.\d{3}[+-]\d\d:\d\d )");
    INFO(lines[0]);
    CHECK(std::regex_search(lines[0], prefix));
    CHECK(lines[0].find("info") != std::string::npos);
    CHECK(lines[0].ends_with("] http: listening on 127.0.0.1:1"));
    CHECK(lines[1].ends_with("] http: slow requestId=abc bookingId=9"));
    const auto other = unnamed.lines();
    REQUIRE(other.size() == 1);
    CHECK(other[0].ends_with("] ready"));
}

TEST_CASE("log format: json, text, or auto by whether stdout is a terminal", "[logging]") {
    CHECK(resolve_log_format("json", true) == LogFormat::kJson);
    CHECK(resolve_log_format("text", false) == LogFormat::kText);
    CHECK(resolve_log_format("auto", true) == LogFormat::kText);
    CHECK(resolve_log_format("auto", false) == LogFormat::kJson);
    CHECK_FALSE(resolve_log_format("xml", false));
}

TEST_CASE("module loggers: one per name, sharing the default logger's sink", "[logging]") {
    const auto a = module_logger("unit-test-module");
    const auto b = module_logger("unit-test-module");
    CHECK(a == b);
    CHECK(a->name() == "unit-test-module");
    CHECK(a->sinks() == spdlog::default_logger()->sinks());
}

}  // namespace mb::adapters::logging::test
