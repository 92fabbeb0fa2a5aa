// The booking error category ("mb.booking") and its mapping to the generic conditions that the
// HTTP adapter turns into statuses.
#include <string>
#include <system_error>

#include <catch2/catch.hpp>

#include "domain/booking/errors.hpp"

namespace mb::domain::booking {
namespace {

TEST_CASE("BookingError category: name mb.booking, a message per value, mapped to conditions",
          "[booking][errors][category]") {
    using E = BookingError;
    struct Row {
        E error;
        Condition condition;
        const char* message_part;
    };
    const Row rows[] = {
        {E::kInvalidBooking, Condition::kInvalidInput, "invalid"},
        {E::kNotFound, Condition::kNotFound, "no booking"},
        {E::kAlreadyCanceled, Condition::kConflict, "already canceled"},
        {E::kAlreadyPrinted, Condition::kConflict, "already printed"},
        {E::kNotConfirmed, Condition::kConflict, "not confirmed"},
        {E::kPrintInProgress, Condition::kConflict, "being printed"},
        {E::kInvalidStatusChange, Condition::kInvalidInput, "Canceled"},
    };
    CHECK(static_cast<int>(E::kInvalidBooking) == 1);  // 0 means success
    for (const auto& row : rows) {
        const std::error_code ec = row.error;  // is_error_code_enum
        INFO("value " << ec.value() << ": " << ec.message());
        CHECK(std::string(ec.category().name()) == "mb.booking");
        CHECK(ec.message().find(row.message_part) != std::string::npos);
        CHECK(ec == row.condition);
        CHECK(ec.default_error_condition() == make_error_condition(row.condition));
    }
    const std::error_code unknown(99, make_error_code(E::kNotFound).category());
    CHECK(unknown.message() == "unknown booking error");
    CHECK(make_error_code(E::kNotFound) != make_error_code(E::kAlreadyCanceled));
}

}  // namespace
}  // namespace mb::domain::booking
