// BookingService with a caller (issue 9; README "Security"): a customer books for themselves,
// sees and cancels only their own bookings; another customer's ids are not found.
#include <catch2/catch.hpp>

#include "fakes/principals.hpp"

#include "app/booking/booking_service.hpp"
#include "fakes/fixed_clock.hpp"
#include "fakes/in_memory_booking_repository.hpp"
#include "fakes/in_memory_catalogue_repository.hpp"
#include "fakes/in_memory_outbox.hpp"
#include "fakes/in_memory_seat_inventory.hpp"

namespace mb::app::booking {
namespace {

using domain::Principal;
using domain::Role;
using domain::booking::BookingError;
using domain::booking::BookingRequest;

const auto kAlice = Principal::customer("alice");
const auto kBob = Principal::customer("bob");
const auto kStaff = test::staff();
const auto kAdmin = test::admin();

struct Fixture {
    test::FixedClock clock;
    test::InMemoryBookingRepository repository;
    test::InMemoryCatalogueRepository catalogue;
    test::InMemorySeatInventory inventory;
    test::InMemoryOutbox<domain::booking::BookingEvent> outbox;
    BookingService service{repository, catalogue, inventory, outbox, clock, BookingPolicy{true}};

    /// A confirmed booking placed by `caller` naming `customer` ("" = none).
    std::int64_t confirmed(const Principal& caller, const std::string& customer = "") {
        auto b = service.place(caller, BookingRequest{customer, "soul", "1A", 1, 5000});
        REQUIRE(b);
        REQUIRE(service.confirm(b->id(), 9));
        return b->id();
    }
};

TEST_CASE("BookingService::place: a customer's booking is theirs, naming another customer is "
          "kOtherCustomer and stores nothing",
          "[app][booking][security]") {
    Fixture f;
    auto own = f.service.place(kAlice, BookingRequest{"", "soul", "1A", 1, 5000});
    REQUIRE(own);
    CHECK(own->customer_id() == "alice");
    PlaceDetails details;
    auto other = f.service.place(kAlice, BookingRequest{"bob", "soul", "1A", 1, 5000}, &details);
    REQUIRE_FALSE(other);
    CHECK(other.error() == BookingError::kOtherCustomer);
    REQUIRE(details.errors.size() == 1);
    CHECK(details.errors[0].field == "customerId");
    CHECK(f.repository.size() == 1);
    auto counter = f.service.place(kStaff, BookingRequest{"bob", "soul", "1A", 1, 5000});
    REQUIRE(counter);
    CHECK(counter->customer_id() == "bob");
}

TEST_CASE("BookingService::find and list: another customer's booking is not found and not "
          "listed, staff and admin see every booking",
          "[app][booking][security]") {
    Fixture f;
    const auto alices = f.confirmed(kAlice);
    const auto bobs = f.confirmed(kBob);
    CHECK(f.service.find(kAlice, alices).has_value());
    CHECK_FALSE(f.service.find(kBob, alices).has_value());
    CHECK(f.service.find(kStaff, alices).has_value());
    CHECK(f.service.find(kAdmin, alices).has_value());
    const auto bob_page = f.service.list(kBob, {0, 20});
    REQUIRE(bob_page.items.size() == 1);
    CHECK(bob_page.items[0].id() == bobs);
    CHECK(bob_page.total == 1);
    CHECK(f.service.list(kStaff, {0, 20}).total == 2);
    CHECK(f.service.list(kAdmin, {0, 20}).total == 2);
}

TEST_CASE("BookingService::request_cancel: another customer gets kNotFound, staff kForbidden, "
          "and the booking is unchanged, its customer and admin cancel",
          "[app][booking][security]") {
    Fixture f;
    const auto id = f.confirmed(kAlice);
    const auto writes = f.repository.writes();
    CHECK(f.service.request_cancel(kBob, id).error() == BookingError::kNotFound);
    CHECK(f.service.request_cancel(kStaff, id).error() == BookingError::kForbidden);
    CHECK(f.repository.writes() == writes);
    CHECK_FALSE(f.service.find(kAlice, id)->cancel_requested());
    CHECK(f.service.request_cancel(kAlice, id));
    const auto second = f.confirmed(kAlice);
    CHECK(f.service.request_cancel(kAdmin, second));
}

}  // namespace
}  // namespace mb::app::booking
