// The generic error conditions every context maps onto (category "mb.condition").
#include "domain/common/errors.hpp"

#include <string>
#include <system_error>

#include <catch2/catch.hpp>

namespace mb::domain {
namespace {

TEST_CASE("Condition category: name mb.condition, one message per condition, values from 1",
          "[errors][category]") {
    const auto& cat = condition_category();
    CHECK(std::string(cat.name()) == "mb.condition");
    CHECK(cat.message(static_cast<int>(Condition::kInvalidInput)) == "invalid input");
    CHECK(cat.message(static_cast<int>(Condition::kNotFound)) == "not found");
    CHECK(cat.message(static_cast<int>(Condition::kConflict)) == "conflict");
    CHECK(cat.message(static_cast<int>(Condition::kPaymentDeclined)) == "payment declined");
    CHECK(cat.message(static_cast<int>(Condition::kUnavailable)) == "unavailable");
    CHECK(cat.message(static_cast<int>(Condition::kForbidden)) == "forbidden");
    CHECK(cat.message(999) == "unknown condition");
    CHECK(static_cast<int>(Condition::kInvalidInput) == 1);  // 0 means success

    const std::error_condition c = Condition::kConflict;  // is_error_condition_enum
    CHECK(&c.category() == &cat);
    CHECK(c.value() == static_cast<int>(Condition::kConflict));
    CHECK(make_error_condition(Condition::kNotFound) == std::error_condition(Condition::kNotFound));
    CHECK(make_error_condition(Condition::kNotFound) != Condition::kConflict);
}

}  // namespace
}  // namespace mb::domain
