// MyPageProjection with a fake repository: the read model is fed only by events, one row per
// booking, shown once the booking is known confirmed, converging whatever the arrival order.
#include "app/mypage/my_page_projection.hpp"

#include <catch2/catch.hpp>

#include "fakes/principals.hpp"

#include "fakes/in_memory_my_page_repository.hpp"

namespace mb::app::mypage {
namespace {

domain::booking::Booked booked(std::int64_t booking_id, std::string customer = "customer-1") {
    return {booking_id, std::move(customer), "soul", "1A,2B", 2, 10000,
            70,         "PaidComplete",      0,      {},      ""};
}
domain::booking::Canceled canceled(std::int64_t booking_id) {
    return {booking_id, "customer-1", "soul", "1A,2B", 2, 10000, "Canceled", 0, {}};
}

struct Fixture {
    test::InMemoryMyPageRepository repository;
    MyPageProjection projection{repository};
};

TEST_CASE("MyPageProjection: Booked creates a visible PaidComplete row with the booking's facts",
          "[app][mypage]") {
    Fixture f;
    f.projection.on(booked(7));
    const auto row = f.projection.find_by_booking(mb::domain::Principal::system(), 7);
    REQUIRE(row);
    CHECK(row->status() == "PaidComplete");
    CHECK(row->facts().customer_id == "customer-1");
    CHECK(row->facts().movie_name == "soul");
    CHECK(row->facts().seat == "1A,2B");
    CHECK(row->facts().qty == 2);
    CHECK(row->facts().total_price == 10000);
    REQUIRE(f.projection.find(mb::domain::Principal::system(), row->id()).has_value());
    CHECK(f.projection.list(mb::domain::Principal::system(), {0, 20}).total == 1);
}

TEST_CASE("MyPageProjection: events before Booked build an invisible row that Booked reveals",
          "[app][mypage]") {
    Fixture f;
    f.projection.on(domain::payment::Paid{11, 7, "customer-1", 10000, "Paid"});
    f.projection.on(domain::ticket::Created{21, 7, "customer-1", "soul", "1A,2B", 2, "Waiting"});
    CHECK(f.repository.size() == 1);
    CHECK_FALSE(f.projection.find_by_booking(mb::domain::Principal::system(), 7).has_value());
    const auto id = f.repository.find_by_booking(7)->id();
    CHECK_FALSE(f.projection.find(mb::domain::Principal::system(), id).has_value());
    CHECK(f.projection.list(mb::domain::Principal::system(), {0, 20}).items.empty());

    f.projection.on(booked(7));
    const auto row = f.projection.find_by_booking(mb::domain::Principal::system(), 7);
    REQUIRE(row);
    CHECK(row->id() == id);  // the same row, not a second one
    CHECK(row->payment_id() == 11);
    CHECK(row->payment_status() == "Paid");
    CHECK(row->ticket_id() == 21);
    CHECK(row->ticket_status() == "Waiting");
    CHECK(f.repository.size() == 1);
}

TEST_CASE("MyPageProjection: every event kind updates its part of the row", "[app][mypage]") {
    Fixture f;
    f.projection.on(booked(7));
    f.projection.on(domain::payment::Paid{11, 7, "customer-1", 10000, "Paid"});
    f.projection.on(domain::ticket::Created{21, 7, "customer-1", "soul", "1A,2B", 2, "Waiting"});
    f.projection.on(domain::review::WaitedReview{31, 7, "Sunny", "Waiting Review"});
    f.projection.on(domain::ticket::Printed{21, 7, "Printed"});
    CHECK(f.projection.find_by_booking(mb::domain::Principal::system(), 7)->status() == "PrintComplete");
    f.projection.on(domain::review::WrittenReview{31, 7, 10, "VeryGood", "Sunny", "Written"});
    const auto row = f.projection.find_by_booking(mb::domain::Principal::system(), 7);
    REQUIRE(row);
    CHECK(row->status() == "ReviewComplete");
    CHECK(row->review_id() == 31);
    CHECK(row->review_status() == "Written");
    CHECK(row->score() == 10);
    CHECK(row->contents() == "VeryGood");
    CHECK(row->ticket_status() == "Printed");
}

TEST_CASE("MyPageProjection: the cancel path shows Canceled booking, ticket and payment",
          "[app][mypage]") {
    Fixture f;
    f.projection.on(domain::payment::PaymentCanceled{11, 7, "customer-1", 10000, "Canceled"});
    f.projection.on(canceled(7));
    f.projection.on(domain::ticket::Created{21, 7, "customer-1", "soul", "1A,2B", 2, "Waiting"});
    f.projection.on(booked(7));
    f.projection.on(domain::payment::Paid{11, 7, "customer-1", 10000, "Paid"});
    const auto row = f.projection.find_by_booking(mb::domain::Principal::system(), 7);
    REQUIRE(row);
    CHECK(row->status() == "Canceled");
    CHECK(row->ticket_status() == "Canceled");
    CHECK(row->payment_status() == "Canceled");
}

TEST_CASE("MyPageProjection: a redelivered event leaves one unchanged row", "[app][mypage]") {
    Fixture f;
    f.projection.on(booked(7));
    f.projection.on(domain::ticket::Printed{21, 7, "Printed"});
    const auto before = f.projection.find_by_booking(mb::domain::Principal::system(), 7)->state();
    f.projection.on(booked(7));
    f.projection.on(domain::ticket::Printed{21, 7, "Printed"});
    const auto after = f.projection.find_by_booking(mb::domain::Principal::system(), 7)->state();
    CHECK(f.repository.size() == 1);
    CHECK(after.booking_status == before.booking_status);
    CHECK(after.ticket_status == before.ticket_status);
    CHECK(f.projection.find_by_booking(mb::domain::Principal::system(), 7)->status() == "PrintComplete");
}

TEST_CASE("MyPageProjection: list_by_customer shows only that customer's visible rows, paged",
          "[app][mypage]") {
    Fixture f;
    f.projection.on(booked(1, "alice"));
    f.projection.on(booked(2, "bob"));
    f.projection.on(booked(3, "alice"));
    f.projection.on(booked(4, "alice"));
    f.projection.on(domain::payment::Paid{15, 5, "alice", 100, "Paid"});  // never booked
    const auto page = f.projection.list_by_customer(mb::domain::Principal::system(), "alice", {0, 2});
    CHECK(page.total == 3);
    REQUIRE(page.items.size() == 2);
    CHECK(page.items[0].booking_id() == 1);
    CHECK(page.items[1].booking_id() == 3);
    const auto next = f.projection.list_by_customer(mb::domain::Principal::system(), "alice", {1, 2});
    REQUIRE(next.items.size() == 1);
    CHECK(next.items[0].booking_id() == 4);
    CHECK(f.projection.list_by_customer(mb::domain::Principal::system(), "carol", {0, 20}).total == 0);
    CHECK(f.projection.list(mb::domain::Principal::system(), {0, 20}).total == 4);
}

}  // namespace
}  // namespace mb::app::mypage

namespace mb::app::mypage {
namespace {

TEST_CASE("MyPageProjection with a caller: a customer sees their own rows only, searching by "
          "another customer's id finds nothing, admin sees every row (issue 9)",
          "[app][mypage][security]") {
    Fixture f;
    f.projection.on(booked(7, "alice"));
    f.projection.on(booked(8, "bob"));
    const auto alice = domain::Principal::customer("alice");
    const auto bob = domain::Principal::customer("bob");
    const auto admin = test::admin();
    const auto alices_row = f.projection.find_by_booking(admin, 7);
    REQUIRE(alices_row);
    CHECK(f.projection.find(alice, alices_row->id()).has_value());
    CHECK_FALSE(f.projection.find(bob, alices_row->id()).has_value());
    CHECK_FALSE(f.projection.find_by_booking(bob, 7).has_value());
    const auto bobs = f.projection.list(bob, {0, 20});
    REQUIRE(bobs.items.size() == 1);
    CHECK(bobs.items[0].booking_id() == 8);
    CHECK(f.projection.list_by_customer(bob, "alice", {0, 20}).items.empty());
    CHECK(f.projection.list_by_customer(alice, "alice", {0, 20}).total == 1);
    CHECK(f.projection.list_by_customer(admin, "alice", {0, 20}).total == 1);
    CHECK(f.projection.list(admin, {0, 20}).total == 2);
}

}  // namespace
}  // namespace mb::app::mypage
