// Module boundaries (ARCHITECTURE.md), checked on the real source tree: every #include in
// src/domain and src/app is scanned and each forbidden one is listed as file:line. One test
// case per rule, plus self-checks that feed the checker forbidden includes, so a broken
// checker cannot pass silently.
#include "include_rules.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace mb::architecture {
namespace {

namespace fs = std::filesystem;

const fs::path kSourceRoot{MB_SOURCE_DIR};

std::vector<Violation> check_tree(const std::string& subdir, bool angle) {
    return violations(scan(kSourceRoot, subdir), angle);
}

Include inc(std::string file, std::string target, bool angle) {
    return Include{std::move(file), 1, std::move(target), angle};
}

bool forbidden(const std::string& file, const std::string& target, bool angle) {
    return check(inc(file, target, angle)).has_value();
}

// --- the rules, on the real tree ----------------------------------------------------------

TEST_CASE(
    "Architecture: the scanner sees the real src/ tree (domain and app files with "
    "includes)",
    "[architecture]") {
    INFO("source root: " << kSourceRoot);
    REQUIRE(fs::is_directory(kSourceRoot / "domain"));
    REQUIRE(fs::is_directory(kSourceRoot / "app"));
    const auto domain = scan(kSourceRoot, "domain");
    const auto app = scan(kSourceRoot, "app");
    CHECK(domain.size() > 50);
    CHECK(app.size() > 20);
    const auto has = [](const std::vector<Include>& all, const std::string& file,
                        const std::string& target) {
        return std::any_of(all.begin(), all.end(),
                           [&](const Include& i) { return i.file == file && i.target == target; });
    };
    CHECK(has(domain, "domain/booking/booking.hpp", "domain/common/result.hpp"));
    CHECK(has(app, "app/payment/payment_service.hpp", "domain/booking/events.hpp"));
}

TEST_CASE(
    "Architecture rule: src/domain/<ctx> includes only C++ standard library headers "
    "among <...> includes (no Boost, SOCI, spdlog, fmt, CLI11, Catch)",
    "[architecture][domain]") {
    const auto found = check_tree("domain", true);
    INFO("forbidden includes:\n" << report(found));
    CHECK(found.empty());
}

TEST_CASE(
    "Architecture rule: src/domain/<ctx> includes only \"domain/common/...\" and its own "
    "\"domain/<ctx>/...\"",
    "[architecture][domain]") {
    const auto found = check_tree("domain", false);
    INFO("forbidden includes:\n" << report(found));
    CHECK(found.empty());
}

TEST_CASE(
    "Architecture rule: src/app/<ctx> includes only C++ standard library headers among "
    "<...> includes (Asio and SOCI live in adapters)",
    "[architecture][app]") {
    const auto found = check_tree("app", true);
    INFO("forbidden includes:\n" << report(found));
    CHECK(found.empty());
}

TEST_CASE(
    "Architecture rule: src/app/<ctx> includes only app/common, its own app and domain, "
    "domain/common and other contexts' events.hpp",
    "[architecture][app]") {
    const auto found = check_tree("app", false);
    INFO("forbidden includes:\n" << report(found));
    CHECK(found.empty());
}

// --- self-checks: the checker reports what it must ----------------------------------------

TEST_CASE(
    "Architecture self-check: third-party and non-standard angle includes are reported "
    "in domain and app, standard ones are not",
    "[architecture][self-check]") {
    for (const auto* file : {"domain/booking/booking.cpp", "app/ticket/ticket_service.hpp"}) {
        INFO(file);
        for (const auto* bad : {"boost/asio.hpp", "boost/json.hpp", "soci/soci.h", "sqlite3.h",
                                "spdlog/spdlog.h", "fmt/core.h", "CLI/CLI.hpp", "catch2/catch.hpp",
                                "librdkafka/rdkafkacpp.h", "unistd.h", "stdio.h", "gsl", ""}) {
            INFO("<" << bad << ">");
            CHECK(forbidden(file, bad, true));
        }
        for (const auto* ok : {"vector", "string", "system_error", "chrono", "cstdint", "optional",
                               "variant", "climits", "cinttypes"}) {
            INFO("<" << ok << ">");
            CHECK_FALSE(forbidden(file, ok, true));
        }
    }
}

TEST_CASE(
    "Architecture self-check: a domain context including another context, app, adapters "
    "or a relative path is reported",
    "[architecture][self-check]") {
    const std::string file = "domain/booking/booking.hpp";
    CHECK(forbidden(file, "domain/payment/payment.hpp", false));
    CHECK(forbidden(file, "domain/payment/events.hpp", false));  // not even events
    CHECK(forbidden(file, "app/common/outbox.hpp", false));
    CHECK(forbidden(file, "adapters/codec/envelope.hpp", false));
    CHECK(forbidden(file, "booking.hpp", false));
    CHECK(forbidden(file, "../payment/payment.hpp", false));
    CHECK_FALSE(forbidden(file, "domain/common/result.hpp", false));
    CHECK_FALSE(forbidden(file, "domain/booking/errors.hpp", false));
    CHECK(forbidden("domain/common/errors.hpp", "domain/booking/errors.hpp", false));
}

TEST_CASE(
    "Architecture self-check: an app context including another context's aggregate, "
    "repository or service, adapters, or a relative path is reported",
    "[architecture][self-check]") {
    const std::string file = "app/booking/booking_service.cpp";
    CHECK(forbidden(file, "domain/payment/payment.hpp", false));
    CHECK(forbidden(file, "domain/payment/payment_repository.hpp", false));
    CHECK(forbidden(file, "domain/ticket/errors.hpp", false));
    CHECK(forbidden(file, "app/payment/payment_service.hpp", false));
    CHECK(forbidden(file, "adapters/runtime/module_executor.hpp", false));
    CHECK(forbidden(file, "adapters/bus/event_bus.hpp", false));
    CHECK(forbidden(file, "booking_service.hpp", false));
    CHECK(forbidden(file, "domain/payment/sub/events.hpp", false));
    CHECK_FALSE(forbidden(file, "domain/payment/events.hpp", false));
    CHECK_FALSE(forbidden(file, "domain/ticket/events.hpp", false));
    CHECK_FALSE(forbidden(file, "domain/booking/booking_repository.hpp", false));
    CHECK_FALSE(forbidden(file, "domain/common/clock.hpp", false));
    CHECK_FALSE(forbidden(file, "app/common/outbox.hpp", false));
    CHECK_FALSE(forbidden(file, "app/booking/payment_port.hpp", false));
    // The composition root and the adapters are outside these rules.
    CHECK_FALSE(forbidden("app/exe/application.cpp", "adapters/http/server.hpp", false));
    CHECK_FALSE(forbidden("adapters/http/server.cpp", "boost/asio.hpp", true));
}

TEST_CASE(
    "Architecture rule: prometheus-cpp only in adapters/observability, which only the "
    "composition root includes",
    "[architecture]") {
    std::vector<Include> all;
    for (const auto* dir : {"domain", "app", "adapters"}) {
        auto found = scan(kSourceRoot, dir);
        all.insert(all.end(), found.begin(), found.end());
    }
    const auto found = observability_violations(all);
    INFO(report(found));
    CHECK(found.empty());
    const auto uses = [&](const std::string& file, const std::string& target) {
        return std::any_of(all.begin(), all.end(),
                           [&](const Include& i) { return i.file == file && i.target == target; });
    };
    CHECK(uses("app/exe/application.cpp", "adapters/observability/observability.hpp"));
    CHECK(uses("adapters/observability/observability.cpp", "prometheus/registry.h"));
}

TEST_CASE("Architecture self-check: the observability rule refuses what it should",
          "[architecture][self-check]") {
    CHECK(check_observability(inc("adapters/http/server.cpp", "prometheus/counter.h", true)));
    CHECK(check_observability(inc("app/exe/main.cpp", "prometheus/counter.h", true)));
    CHECK(check_observability(inc("adapters/http/routes/actuator_routes.cpp",
                                  "adapters/observability/observability.hpp", false)));
    CHECK_FALSE(check_observability(
        inc("adapters/observability/observability.cpp", "prometheus/counter.h", true)));
    CHECK_FALSE(check_observability(
        inc("app/exe/application.cpp", "adapters/observability/observability.hpp", false)));
    CHECK_FALSE(check_observability(inc("adapters/http/server.cpp", "boost/asio.hpp", true)));
}

TEST_CASE(
    "Architecture rule: adapters depend one way — persistence and bus know only the codec, the "
    "runtime joins them, ports and sagas sit on the runtime, routes on those",
    "[architecture][adapters]") {
    std::vector<Include> all;
    for (const auto* dir : {"adapters", "app"}) {
        auto found = scan(kSourceRoot, dir);
        all.insert(all.end(), found.begin(), found.end());
    }
    const auto found = part_violations(all);
    INFO("forbidden includes:\n" << report(found));
    CHECK(found.empty());
    // The rule has something to check: the edges it allows are there.
    const auto uses = [&](const std::string& file, const std::string& target) {
        return std::any_of(all.begin(), all.end(),
                           [&](const Include& i) { return i.file == file && i.target == target; });
    };
    CHECK(uses("adapters/runtime/module_executor.hpp", "adapters/persistence/outbox_store.hpp"));
    CHECK(uses("adapters/runtime/outbox_relay.hpp", "adapters/bus/event_bus.hpp"));
    CHECK(uses("adapters/persistence/outbox_store.hpp", "adapters/codec/envelope.hpp"));
    CHECK(uses("app/sagas/sagas.hpp", "adapters/runtime/module_executor.hpp"));
    // Every part the rules name exists, so a moved folder cannot make a rule vacuous.
    for (const auto& rule : kPartRules) {
        INFO(rule.part);
        CHECK(fs::is_directory(kSourceRoot / std::string(rule.part)));
    }
}

TEST_CASE("Architecture self-check: the one-way rule between adapters refuses what it should",
          "[architecture][self-check]") {
    const auto refused = [](const std::string& file, const std::string& target) {
        return check_part(inc(file, target, false)).has_value();
    };
    // Storage knows nothing of transport or runtime, nor of anything above.
    CHECK(refused("adapters/persistence/outbox_store.hpp", "adapters/bus/event_bus.hpp"));
    CHECK(refused("adapters/persistence/inbox_store.cpp", "adapters/runtime/module_executor.hpp"));
    CHECK(refused("adapters/persistence/database.cpp", "adapters/http/server.hpp"));
    CHECK(refused("adapters/persistence/x.cpp", "adapters/bus/kafka/kafka_event_bus.hpp"));
    CHECK(refused("adapters/persistence/x.cpp", "app/sagas/sagas.hpp"));
    // Transport knows nothing of storage or runtime.
    CHECK(refused("adapters/bus/in_memory_event_bus.cpp", "adapters/persistence/outbox_store.hpp"));
    CHECK(refused("adapters/bus/event_bus.hpp", "adapters/runtime/event_consumer.hpp"));
    CHECK(
        refused("adapters/bus/kafka/kafka_event_bus.cpp", "adapters/persistence/inbox_store.hpp"));
    CHECK(refused("adapters/bus/kafka/kafka_event_bus.cpp", "adapters/runtime/outbox_relay.hpp"));
    // The codec, logging: nothing above them.
    CHECK(refused("adapters/codec/event_codec.cpp", "adapters/bus/event_bus.hpp"));
    CHECK(refused("adapters/logging/logging.cpp", "adapters/persistence/database.hpp"));
    // The runtime: not a particular transport, not HTTP, not the ports.
    CHECK(refused("adapters/runtime/event_consumer.cpp", "adapters/bus/kafka/kafka_event_bus.hpp"));
    CHECK(refused("adapters/runtime/module_executor.cpp", "adapters/http/server.hpp"));
    CHECK(refused("adapters/runtime/module_executor.cpp", "adapters/inprocess/bulkhead.hpp"));
    CHECK(refused("adapters/runtime/module_executor.cpp", "app/sagas/sagas.hpp"));
    // The sagas orchestrate services and ports: no repositories, no bus, no in-process adapter.
    CHECK(refused("app/sagas/sagas.cpp", "adapters/persistence/sql_booking_repository.hpp"));
    CHECK(refused("app/sagas/sagas.cpp", "adapters/bus/event_bus.hpp"));
    CHECK(refused("app/sagas/sagas.cpp", "adapters/inprocess/in_process_ports.hpp"));
    // The in-process ports sit on the runtime, not on storage; the routes go through use cases.
    CHECK(refused("adapters/inprocess/in_process_ports.cpp",
                  "adapters/persistence/outbox_store.hpp"));
    CHECK(refused("adapters/http/routes/booking_routes.cpp",
                  "adapters/persistence/outbox_store.hpp"));
    CHECK(refused("adapters/http/routes/booking_routes.cpp", "adapters/bus/event_bus.hpp"));
    CHECK(refused("adapters/http/router.cpp", "adapters/http/routes/routes.hpp"));
    // What the rules allow.
    CHECK_FALSE(refused("adapters/runtime/outbox_relay.hpp", "adapters/bus/event_bus.hpp"));
    CHECK_FALSE(
        refused("adapters/runtime/module_executor.hpp", "adapters/persistence/outbox_store.hpp"));
    CHECK_FALSE(refused("adapters/persistence/outbox_store.hpp", "adapters/codec/envelope.hpp"));
    CHECK_FALSE(refused("adapters/bus/kafka/kafka_event_bus.hpp", "adapters/bus/event_bus.hpp"));
    CHECK_FALSE(refused("app/sagas/sagas.hpp", "adapters/runtime/await_port.hpp"));
    CHECK_FALSE(refused("adapters/http/routes/routes.hpp", "app/sagas/sagas.hpp"));
    CHECK_FALSE(refused("adapters/persistence/x.cpp", "domain/booking/booking.hpp"));
    // The composition root and observability are outside this rule.
    CHECK_FALSE(refused("app/exe/application.cpp", "adapters/persistence/outbox_store.hpp"));
    CHECK_FALSE(refused("adapters/observability/observability.cpp", "adapters/bus/kafka/x.hpp"));
    // And the app/<ctx> rules still refuse the runtime and the sagas to the contexts.
    CHECK(forbidden("app/booking/booking_service.cpp", "adapters/runtime/module_executor.hpp",
                    false));
    CHECK(forbidden("app/booking/booking_service.cpp", "app/sagas/sagas.hpp", false));
}

TEST_CASE(
    "Architecture self-check: a forbidden include written to a file is reported with its "
    "file and line",
    "[architecture][self-check]") {
    std::random_device rd;
    const auto root = fs::temp_directory_path() / ("mb-architecture-" + std::to_string(rd()));
    struct Cleanup {
        fs::path path;
        ~Cleanup() {
            std::error_code ec;
            fs::remove_all(path, ec);
        }
    } cleanup{root};
    fs::create_directories(root / "domain" / "booking");
    fs::create_directories(root / "app" / "booking");
    {
        std::ofstream out(root / "domain" / "booking" / "bad.hpp");
        out << "#pragma once\n"
               "// #include <boost/commented_out.hpp>\n"
               "#include <vector>\n"
               "#include <boost/asio.hpp>\n"
               "/* #include \"domain/payment/hidden.hpp\" */\n"
               "#  include \"domain/payment/payment.hpp\"  // comment\n"
               "#include \"domain/booking/ok.hpp\"\n";
    }
    {
        std::ofstream out(root / "app" / "booking" / "bad.cpp");
        out << "#include \"app/booking/bad.hpp\"\n"
               "\n"
               "#include \"adapters/runtime/module_executor.hpp\"\n"
               "#include <soci/soci.h>\n";
    }
    const auto domain = scan(root, "domain");
    REQUIRE(domain.size() == 4);  // the commented-out ones are not includes

    auto found = violations(domain, true);
    REQUIRE(found.size() == 1);
    CHECK(found[0].describe().rfind("domain/booking/bad.hpp:4: #include <boost/asio.hpp>", 0) == 0);
    found = violations(domain, false);
    REQUIRE(found.size() == 1);
    CHECK(found[0].include.line == 6);
    CHECK(found[0].include.target == "domain/payment/payment.hpp");

    const auto app = scan(root, "app");
    found = violations(app, false);
    REQUIRE(found.size() == 1);
    CHECK(report(found).find("app/booking/bad.cpp:3:") != std::string::npos);
    found = violations(app, true);
    REQUIRE(found.size() == 1);
    CHECK(found[0].include.line == 4);
}

}  // namespace
}  // namespace mb::architecture
