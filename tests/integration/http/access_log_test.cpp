// README "Logs": the access log's line, what it never contains, and which requests get one.
#include "adapters/http/access_log.hpp"

#include <algorithm>
#include <memory>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "adapters/logging/json_formatter.hpp"
#include "adapters/logging/logging.hpp"

namespace mb::adapters::http::test {
namespace {

using namespace std::chrono_literals;

RequestRecord record(unsigned status, std::chrono::microseconds duration = 100us) {
    RequestRecord r;
    r.method = "POST";
    r.route = "/books/{id}";
    r.status = status;
    r.duration = duration;
    r.body_bytes = 321;
    r.routed = true;
    r.request_id = "rid-7";
    return r;
}

std::size_t admitted(AccessLog& log, unsigned status, int n,
                     std::chrono::microseconds duration = 100us) {
    std::size_t count = 0;
    for (int i = 0; i < n; ++i)
        count += log.admit(record(status, duration)) ? 1 : 0;
    return count;
}

}  // namespace

TEST_CASE("access log policy: the --access-log syntax", "[http][access-log]") {
    using Mode = AccessLogPolicy::Mode;
    CHECK(AccessLogPolicy::parse("all")->mode == Mode::kAll);
    CHECK(AccessLogPolicy::parse("errors")->mode == Mode::kErrors);
    CHECK(AccessLogPolicy::parse("off")->mode == Mode::kOff);
    CHECK(AccessLogPolicy::parse("sample:10")->every == 10);
    CHECK(AccessLogPolicy::parse("sample:1000000")->every == 1000000);
    for (const auto* bad : {"", "ALL", "sample", "sample:", "sample:0", "sample:-1",
                            "sample:1000001", "sample:10x", "sample: 10", "some"}) {
        INFO(bad);
        CHECK_FALSE(AccessLogPolicy::parse(bad));
    }
}

TEST_CASE("access log: sampling keeps every error and every slow request", "[http][access-log]") {
    AccessLog all(*AccessLogPolicy::parse("all"), 1s);
    CHECK(admitted(all, 200, 100) == 100);
    AccessLog off(*AccessLogPolicy::parse("off"), 1s);
    CHECK(admitted(off, 500, 10) == 0);
    AccessLog errors(*AccessLogPolicy::parse("errors"), 1s);
    CHECK(admitted(errors, 201, 100) == 0);
    CHECK(admitted(errors, 409, 10) == 10);
    CHECK(admitted(errors, 503, 10) == 10);
    CHECK(admitted(errors, 200, 10, 2s) == 10);
    AccessLog sample(*AccessLogPolicy::parse("sample:10"), 1s);
    CHECK(admitted(sample, 201, 1000) == 100);
    CHECK(admitted(sample, 400, 10) == 10);
    CHECK(admitted(sample, 200, 10, 1s) == 10);
}

TEST_CASE("access log: one line with method, route template, status, duration, bytes, id",
          "[http][access-log]") {
    std::ostringstream out;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
    sink->set_formatter(std::make_unique<logging::JsonFormatter>());
    const auto logger = logging::module_logger("access");
    const auto saved = logger->sinks();
    logger->sinks().assign(1, sink);
    logger->set_level(spdlog::level::info);

    AccessLog log(*AccessLogPolicy::parse("all"), 1s);
    log.observe(record(201, 1234us));
    logger->sinks() = saved;
    const auto line = out.str();
    INFO(line);
    CHECK(line.find(R"("module":"access")") != std::string::npos);
    CHECK(line.find(R"("message":"method=POST route=/books/{id} status=201 durationUs=1234 )"
                    R"(bytes=321")") != std::string::npos);
    CHECK(line.find(R"("requestId":"rid-7")") != std::string::npos);
    CHECK(std::count(line.begin(), line.end(), '\n') == 1);
}

}  // namespace mb::adapters::http::test
