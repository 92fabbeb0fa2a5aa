// Failures of a synchronous port call itself (category "mb.port"): all of them are
// "unavailable" to the caller (HTTP 503 + Retry-After).
#include "app/common/port_errors.hpp"

#include <string>
#include <system_error>

#include <catch2/catch.hpp>

namespace mb::app {
namespace {

TEST_CASE("PortError category: name mb.port, a message per value, every value is unavailable",
          "[port][errors][category]") {
    using E = PortError;
    struct Row {
        E error;
        const char* message_part;
    };
    const Row rows[] = {
        {E::kDeadlineExceeded, "in time"},
        {E::kCircuitOpen, "refused for a moment"},
        {E::kBulkheadFull, "saturated"},
        {E::kModuleDown, "unavailable"},
    };
    CHECK(static_cast<int>(E::kDeadlineExceeded) == 1);
    for (const auto& row : rows) {
        const std::error_code ec = row.error;
        INFO("value " << ec.value() << ": " << ec.message());
        CHECK(std::string(ec.category().name()) == "mb.port");
        CHECK(ec.message().find(row.message_part) != std::string::npos);
        CHECK(ec == domain::Condition::kUnavailable);
        CHECK(ec != domain::Condition::kConflict);
    }
    const std::error_code unknown(99, make_error_code(E::kModuleDown).category());
    CHECK(unknown.message() == "unknown port error");
}

}  // namespace
}  // namespace mb::app
