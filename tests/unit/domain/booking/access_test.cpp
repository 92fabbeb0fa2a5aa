// The booking context's ownership rules (domain/booking/access.hpp; README "Security").
#include "domain/booking/access.hpp"

#include <catch2/catch.hpp>

namespace mb::domain::booking {
namespace {

Booking booking_of(const std::string& customer) {
    return Booking::restore(1, BookingRequest{customer, "soul", "A1", 1, 5000, 7, true},
                            BookingStatus::kPaidComplete, 3, false, TimePoint{}, TimePoint{});
}

const auto kAlice = Principal::customer("alice");
const auto kBob = Principal::customer("bob");
const auto kStaff = Principal::user("desk", static_cast<std::uint8_t>(Role::kStaff));
const auto kAdmin = Principal::user("root", static_cast<std::uint8_t>(Role::kAdmin));

TEST_CASE("A booking is seen by its customer, staff and admin, and by no other customer",
          "[domain][booking][access]") {
    const auto b = booking_of("alice");
    CHECK(may_read(kAlice, b));
    CHECK_FALSE(may_read(kBob, b));
    CHECK(may_read(kStaff, b));
    CHECK(may_read(kAdmin, b));
    CHECK(may_read(Principal::system(), b));
    CHECK_FALSE(may_read(Principal::anonymous(), b));
}

TEST_CASE("A booking is cancelled by its customer or an admin, not by staff or another customer",
          "[domain][booking][access]") {
    const auto b = booking_of("alice");
    CHECK(may_cancel(kAlice, b));
    CHECK_FALSE(may_cancel(kBob, b));
    CHECK_FALSE(may_cancel(kStaff, b));
    CHECK(may_cancel(kAdmin, b));
}

TEST_CASE("An anonymous principal owns no booking, not even one with an empty customer id",
          "[domain][booking][access]") {
    CHECK_FALSE(may_read(Principal::anonymous(), booking_of("")));
    CHECK_FALSE(may_cancel(Principal::anonymous(), booking_of("")));
}

TEST_CASE("A customer books only for themselves, the counter books for a named customer",
          "[domain][booking][access]") {
    CHECK(customer_for_new_booking(kAlice, "").value() == "alice");
    CHECK(customer_for_new_booking(kAlice, "alice").value() == "alice");
    const auto other = customer_for_new_booking(kAlice, "bob");
    REQUIRE_FALSE(other);
    CHECK(other.error() == BookingError::kOtherCustomer);
    CHECK(other.error() == Condition::kForbidden);
    CHECK(customer_for_new_booking(kStaff, "bob").value() == "bob");
    CHECK(customer_for_new_booking(kStaff, "").value() == "desk");
    CHECK(customer_for_new_booking(kAdmin, "bob").value() == "bob");
    // auth = off (the local demo): the request names the customer, as the seed's clients did.
    CHECK(customer_for_new_booking(Principal::system(), "bob").value() == "bob");
    CHECK(customer_for_new_booking(Principal::system(), "").value() == "anonymous");
}

TEST_CASE("Only admins change the catalogue", "[domain][booking][access]") {
    CHECK(may_change_catalogue(kAdmin));
    CHECK(may_change_catalogue(Principal::system()));
    CHECK_FALSE(may_change_catalogue(kStaff));
    CHECK_FALSE(may_change_catalogue(kAlice));
}

TEST_CASE("Collections: staff and admin list every booking, a customer their own",
          "[domain][booking][access]") {
    CHECK_FALSE(customer_filter(kStaff, kSeesAllBookings).has_value());
    CHECK_FALSE(customer_filter(kAdmin, kSeesAllBookings).has_value());
    CHECK_FALSE(customer_filter(Principal::system(), kSeesAllBookings).has_value());
    CHECK(customer_filter(kAlice, kSeesAllBookings) == std::optional<std::string>("alice"));
}

}  // namespace
}  // namespace mb::domain::booking
