// Principal and roles (domain/common/principal.hpp).
#include "domain/common/principal.hpp"

#include <catch2/catch.hpp>

namespace mb::domain {
namespace {

TEST_CASE("Role names round-trip, and unknown names are refused", "[domain][principal]") {
    for (const Role r : {Role::kCustomer, Role::kStaff, Role::kAdmin})
        CHECK(role_from(to_string(r)) == r);
    CHECK_FALSE(role_from("Admin").has_value());
    CHECK_FALSE(role_from("root").has_value());
    CHECK_FALSE(role_from("").has_value());
}

TEST_CASE("A principal holds its roles only, system holds all, anonymous none",
          "[domain][principal]") {
    const auto staff_admin = Principal::user(
        "x", static_cast<std::uint8_t>(Role::kStaff) | static_cast<std::uint8_t>(Role::kAdmin));
    CHECK(staff_admin.has(Role::kStaff));
    CHECK(staff_admin.has(Role::kAdmin));
    CHECK_FALSE(staff_admin.has(Role::kCustomer));
    CHECK(Principal::system().has(Role::kAdmin));
    CHECK_FALSE(Principal::anonymous().has(Role::kCustomer));
}

TEST_CASE("Ownership is the exact subject, an empty subject owns nothing", "[domain][principal]") {
    const auto alice = Principal::customer("alice");
    CHECK(alice.owns("alice"));
    CHECK_FALSE(alice.owns("Alice"));
    CHECK_FALSE(alice.owns("alice "));
    CHECK_FALSE(Principal::customer("").owns(""));
    CHECK(Principal::system().owns("anyone"));
}

}  // namespace
}  // namespace mb::domain
