// The review context's ownership rules (domain/review/access.hpp; README "Security").
#include "domain/review/access.hpp"

#include <catch2/catch.hpp>

namespace mb::domain::review {
namespace {

TEST_CASE("A review is read by the booking's customer and admin, written by the customer only",
          "[domain][review][access]") {
    const auto r = Review::open(7, "alice", "Sunny", TimePoint{});
    const auto alice = Principal::customer("alice");
    const auto bob = Principal::customer("bob");
    const auto staff = Principal::user("desk", static_cast<std::uint8_t>(Role::kStaff));
    const auto admin = Principal::user("root", static_cast<std::uint8_t>(Role::kAdmin));
    CHECK(may_read(alice, r));
    CHECK(may_write(alice, r));
    CHECK_FALSE(may_read(bob, r));
    CHECK_FALSE(may_write(bob, r));
    CHECK_FALSE(may_read(staff, r));
    CHECK(may_read(admin, r));
    CHECK_FALSE(may_write(admin, r));
    CHECK(may_write(Principal::system(), r));
}

TEST_CASE("A review opened before owners were recorded is seen by admin only",
          "[domain][review][access]") {
    const auto r = Review::open(7, "", "Sunny", TimePoint{});
    CHECK_FALSE(may_read(Principal::customer("alice"), r));
    CHECK_FALSE(may_read(Principal::anonymous(), r));
    CHECK(may_read(Principal::user("root", static_cast<std::uint8_t>(Role::kAdmin)), r));
}

}  // namespace
}  // namespace mb::domain::review
