// BookingService with fakes, legacy bookings (no screening in the catalogue): the Pending
// booking of a running saga is invisible; confirm and cancel record their events in the outbox;
// the policies on Printed / WrittenReview are idempotent. Screening bookings and the seat
// inventory: booking_service_screening_test.cpp.
#include "app/booking/booking_service.hpp"

#include <chrono>

#include <catch2/catch.hpp>

#include "fakes/fixed_clock.hpp"
#include "fakes/in_memory_booking_repository.hpp"
#include "fakes/in_memory_catalogue_repository.hpp"
#include "fakes/in_memory_outbox.hpp"
#include "fakes/in_memory_seat_inventory.hpp"

namespace mb::app::booking {
namespace {

using namespace std::chrono_literals;
using domain::booking::Booked;
using domain::booking::BookingError;
using domain::booking::BookingRequest;
using domain::booking::BookingStatus;
using domain::booking::Canceled;

struct Fixture {
    test::FixedClock clock;
    test::InMemoryBookingRepository repository;
    test::InMemoryCatalogueRepository catalogue;  // empty: every booking here is a legacy one
    test::InMemorySeatInventory inventory;
    test::InMemoryOutbox<domain::booking::BookingEvent> outbox;
    BookingService service{repository, catalogue, inventory, outbox, clock, BookingPolicy{true}};

    static BookingRequest request() { return {"customer-1", "soul", "1A,2B", 2, 10000}; }

    std::int64_t placed() {
        auto b = service.place(mb::domain::Principal::system(), request());
        REQUIRE(b);
        return b->id();
    }
    std::int64_t confirmed(std::int64_t payment_id = 70) {
        const auto id = placed();
        REQUIRE(service.confirm(id, payment_id));
        return id;
    }
};

TEST_CASE("BookingService::place stores a Pending booking that find and list do not show",
          "[app][booking]") {
    Fixture f;
    const auto b = f.service.place(mb::domain::Principal::system(), Fixture::request());
    REQUIRE(b);
    CHECK(b->id() == 1);
    CHECK(b->status() == BookingStatus::kPending);
    CHECK(f.repository.size() == 1);
    CHECK_FALSE(f.service.find(mb::domain::Principal::system(), b->id()).has_value());
    const auto page = f.service.list(mb::domain::Principal::system(), {0, 20});
    CHECK(page.items.empty());
    CHECK(page.total == 0);
    CHECK(f.outbox.empty());  // nothing is announced before the payment is known
    REQUIRE(f.service.pending(0ms).size() == 1);
    CHECK(f.service.pending(0ms)[0].id() == b->id());
}

TEST_CASE("BookingService::place refuses an invalid request and stores nothing", "[app][booking]") {
    Fixture f;
    auto r = Fixture::request();
    r.seat = "1A,1A";
    const auto b = f.service.place(mb::domain::Principal::system(), r);
    REQUIRE_FALSE(b);
    CHECK(b.error() == BookingError::kInvalidBooking);
    CHECK(f.repository.size() == 0);
    CHECK(f.outbox.empty());
}

TEST_CASE(
    "BookingService::confirm makes the booking PaidComplete and appends Booked with its "
    "fields",
    "[app][booking]") {
    Fixture f;
    const auto id = f.placed();
    f.clock.advance(1s);
    const auto b = f.service.confirm(id, 70);
    REQUIRE(b);
    CHECK(b->status() == BookingStatus::kPaidComplete);
    CHECK(b->payment_id() == 70);

    const auto booked = f.outbox.of<Booked>();
    REQUIRE(booked.size() == 1);
    REQUIRE(f.outbox.size() == 1);
    CHECK(booked[0].booking_id == id);
    CHECK(booked[0].customer_id == "customer-1");
    CHECK(booked[0].movie_name == "soul");
    CHECK(booked[0].seat == "1A,2B");
    CHECK(booked[0].qty == 2);
    CHECK(booked[0].total_price == 10000);
    CHECK(booked[0].payment_id == 70);
    CHECK(booked[0].status == "PaidComplete");
    // A legacy booking names no screening and holds no seat of the inventory.
    CHECK(booked[0].screening_id == 0);
    CHECK(booked[0].screening_starts_at.empty());
    CHECK(f.inventory.size() == 0);

    const auto stored = f.service.find(mb::domain::Principal::system(), id);
    REQUIRE(stored);
    CHECK(stored->status() == BookingStatus::kPaidComplete);
    CHECK(stored->updated_at() == f.clock.now());
    const auto page = f.service.list(mb::domain::Principal::system(), {0, 20});
    REQUIRE(page.items.size() == 1);
    CHECK(page.total == 1);
    CHECK(f.service.pending(0ms).empty());
}

TEST_CASE("BookingService::confirm of an unknown booking is kNotFound and appends nothing",
          "[app][booking]") {
    Fixture f;
    const auto b = f.service.confirm(42, 70);
    REQUIRE_FALSE(b);
    CHECK(b.error() == BookingError::kNotFound);
    CHECK(f.outbox.empty());
}

TEST_CASE("BookingService::confirm twice announces Booked once", "[app][booking]") {
    Fixture f;
    const auto id = f.confirmed();
    CHECK_FALSE(f.service.confirm(id, 71));
    CHECK(f.outbox.size() == 1);
    CHECK(f.service.find(mb::domain::Principal::system(), id)->payment_id() == 70);
}

TEST_CASE("BookingService::discard removes a Pending booking and nothing else", "[app][booking]") {
    Fixture f;
    const auto pending = f.placed();
    const auto confirmed = f.confirmed();
    f.service.discard(pending);
    CHECK(f.repository.size() == 1);
    CHECK_FALSE(f.repository.find(pending).has_value());

    f.service.discard(confirmed);  // a confirmed booking is never touched
    REQUIRE(f.service.find(mb::domain::Principal::system(), confirmed).has_value());
    CHECK(f.service.find(mb::domain::Principal::system(), confirmed)->status() == BookingStatus::kPaidComplete);

    f.service.discard(pending);  // idempotent
    f.service.discard(999);      // unknown: nothing to do
    CHECK(f.repository.size() == 1);
    CHECK(f.outbox.size() == 1);  // only the confirmed booking's Booked
}

TEST_CASE("BookingService::discard keeps a canceled booking", "[app][booking]") {
    Fixture f;
    const auto id = f.confirmed();
    REQUIRE(f.service.cancel(id));
    f.service.discard(id);
    REQUIRE(f.repository.find(id).has_value());
    CHECK(f.repository.find(id)->status() == BookingStatus::kCanceled);
}

TEST_CASE(
    "BookingService::request_cancel records the intent only: status unchanged, nothing "
    "appended",
    "[app][booking][cancel]") {
    Fixture f;
    const auto id = f.confirmed();
    const auto b = f.service.request_cancel(mb::domain::Principal::system(), id);
    REQUIRE(b);
    CHECK(b->status() == BookingStatus::kPaidComplete);
    CHECK(b->cancel_requested());
    const auto stored = f.repository.find(id);
    CHECK(stored->cancel_requested());  // stored, so recovery can finish it
    CHECK(stored->status() == BookingStatus::kPaidComplete);
    CHECK(f.outbox.size() == 1);  // Booked only
}

TEST_CASE("BookingService::request_cancel is refused by the cancel rules",
          "[app][booking][cancel]") {
    Fixture f;
    const auto id = f.confirmed();
    f.service.on_printed({1, id, "Printed"});
    const auto printed = f.service.request_cancel(mb::domain::Principal::system(), id);
    REQUIRE_FALSE(printed);
    CHECK(printed.error() == BookingError::kAlreadyPrinted);
    CHECK_FALSE(f.repository.find(id)->cancel_requested());

    const auto unknown = f.service.request_cancel(mb::domain::Principal::system(), 999);
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error() == BookingError::kNotFound);

    // A Pending booking does not exist for clients.
    const auto pending = f.service.request_cancel(mb::domain::Principal::system(), f.placed());
    REQUIRE_FALSE(pending);
    CHECK(pending.error() == BookingError::kNotFound);
}

TEST_CASE("BookingService::abandon_cancel drops the intent, the booking stays as it was",
          "[app][booking][cancel]") {
    Fixture f;
    const auto id = f.confirmed();
    REQUIRE(f.service.request_cancel(mb::domain::Principal::system(), id));
    f.service.abandon_cancel(id);
    const auto stored = f.repository.find(id);
    CHECK_FALSE(stored->cancel_requested());
    CHECK(stored->status() == BookingStatus::kPaidComplete);
    const auto writes = f.repository.writes();
    f.service.abandon_cancel(id);   // nothing to drop
    f.service.abandon_cancel(999);  // unknown
    CHECK(f.repository.writes() == writes);
    CHECK(f.outbox.size() == 1);
}

TEST_CASE("BookingService::cancel_requested lists intents at least min_age old, for recovery",
          "[app][booking][cancel]") {
    Fixture f;
    const auto old_intent = f.confirmed();
    f.confirmed();  // no intent: never listed
    REQUIRE(f.service.request_cancel(mb::domain::Principal::system(), old_intent));
    f.clock.advance(10s);
    const auto fresh_intent = f.confirmed();
    REQUIRE(f.service.request_cancel(mb::domain::Principal::system(), fresh_intent));
    auto due = f.service.cancel_requested(5s);
    REQUIRE(due.size() == 1);
    CHECK(due[0].id() == old_intent);
    due = f.service.cancel_requested(0ms);
    REQUIRE(due.size() == 2);
    CHECK(due[0].id() == old_intent);
    CHECK(due[1].id() == fresh_intent);
    REQUIRE(f.service.cancel(old_intent));
    CHECK(f.service.cancel_requested(0ms).size() == 1);  // a completed cancel is no intent
}

TEST_CASE("BookingService::pending lists Pending bookings at least min_age old, oldest first",
          "[app][booking]") {
    Fixture f;
    const auto old_one = f.placed();
    f.confirmed();
    f.clock.advance(10s);
    const auto young = f.placed();
    auto due = f.service.pending(5s);
    REQUIRE(due.size() == 1);
    CHECK(due[0].id() == old_one);
    due = f.service.pending(0ms);
    REQUIRE(due.size() == 2);
    CHECK(due[0].id() == old_one);
    CHECK(due[1].id() == young);
}

TEST_CASE("BookingService::cancel makes the booking Canceled and appends Canceled",
          "[app][booking]") {
    Fixture f;
    const auto id = f.confirmed();
    REQUIRE(f.service.request_cancel(mb::domain::Principal::system(), id));
    f.outbox.clear();
    const auto b = f.service.cancel(id);
    REQUIRE(b);
    CHECK(b->status() == BookingStatus::kCanceled);
    const auto canceled = f.outbox.of<Canceled>();
    REQUIRE(canceled.size() == 1);
    REQUIRE(f.outbox.size() == 1);
    CHECK(canceled[0].booking_id == id);
    CHECK(canceled[0].customer_id == "customer-1");
    CHECK(canceled[0].movie_name == "soul");
    CHECK(canceled[0].seat == "1A,2B");
    CHECK(canceled[0].qty == 2);
    CHECK(canceled[0].total_price == 10000);
    CHECK(canceled[0].status == "Canceled");
    CHECK(f.service.find(mb::domain::Principal::system(), id)->status() == BookingStatus::kCanceled);
    CHECK_FALSE(f.service.find(mb::domain::Principal::system(), id)->cancel_requested());
}

TEST_CASE("BookingService::cancel twice: kAlreadyCanceled, Canceled appended once",
          "[app][booking]") {
    Fixture f;
    const auto id = f.confirmed();
    REQUIRE(f.service.cancel(id));
    const auto again = f.service.cancel(id);
    REQUIRE_FALSE(again);
    CHECK(again.error() == BookingError::kAlreadyCanceled);
    CHECK(f.outbox.of<Canceled>().size() == 1);
}

TEST_CASE("BookingService::cancel after print: kAlreadyPrinted, nothing appended",
          "[app][booking]") {
    Fixture f;
    const auto id = f.confirmed();
    f.service.on_printed({1, id, "Printed"});
    const auto r = f.service.cancel(id);
    REQUIRE_FALSE(r);
    CHECK(r.error() == BookingError::kAlreadyPrinted);
    CHECK(f.outbox.of<Canceled>().empty());
    CHECK(f.service.find(mb::domain::Principal::system(), id)->status() == BookingStatus::kPrintComplete);
}

TEST_CASE("BookingService::cancel of an unknown or Pending booking is kNotFound",
          "[app][booking]") {
    Fixture f;
    auto r = f.service.cancel(999);
    REQUIRE_FALSE(r);
    CHECK(r.error() == BookingError::kNotFound);
    const auto pending = f.placed();
    r = f.service.cancel(pending);
    REQUIRE_FALSE(r);
    CHECK(r.error() == BookingError::kNotFound);
    CHECK(f.repository.find(pending)->status() == BookingStatus::kPending);
    CHECK(f.outbox.empty());
}

TEST_CASE(
    "BookingService::on_printed is idempotent: PrintComplete once, unknown bookings "
    "ignored, nothing appended",
    "[app][booking][policy]") {
    Fixture f;
    const auto id = f.confirmed();
    const domain::ticket::Printed printed{1, id, "Printed"};
    f.service.on_printed(printed);
    CHECK(f.service.find(mb::domain::Principal::system(), id)->status() == BookingStatus::kPrintComplete);
    const auto writes = f.repository.writes();
    f.service.on_printed(printed);  // redelivered
    CHECK(f.repository.writes() == writes);
    CHECK(f.service.find(mb::domain::Principal::system(), id)->status() == BookingStatus::kPrintComplete);
    f.service.on_printed({2, 999, "Printed"});
    CHECK(f.repository.writes() == writes);
    CHECK(f.outbox.size() == 1);  // Booked only: policies announce nothing
}

TEST_CASE(
    "BookingService::on_review_written is idempotent: ReviewComplete once, in any order "
    "with Printed",
    "[app][booking][policy]") {
    Fixture f;
    const auto id = f.confirmed();
    const domain::review::WrittenReview written{3, id, 10, "VeryGood", "Sunny", "Written"};
    f.service.on_review_written(written);
    CHECK(f.service.find(mb::domain::Principal::system(), id)->status() == BookingStatus::kReviewComplete);
    const auto writes = f.repository.writes();
    f.service.on_review_written(written);
    f.service.on_printed({1, id, "Printed"});  // arrives late: stays ReviewComplete
    CHECK(f.repository.writes() == writes);
    CHECK(f.service.find(mb::domain::Principal::system(), id)->status() == BookingStatus::kReviewComplete);
    f.service.on_review_written({4, 999, 1, "", "", "Written"});
    CHECK(f.repository.writes() == writes);
}

TEST_CASE("BookingService policies leave a canceled booking Canceled", "[app][booking][policy]") {
    Fixture f;
    const auto id = f.confirmed();
    REQUIRE(f.service.cancel(id));
    f.service.on_printed({1, id, "Printed"});
    f.service.on_review_written({3, id, 10, "VeryGood", "Sunny", "Written"});
    CHECK(f.service.find(mb::domain::Principal::system(), id)->status() == BookingStatus::kCanceled);
}

TEST_CASE("BookingService::list pages visible bookings by id", "[app][booking]") {
    Fixture f;
    for (int i = 0; i < 5; ++i)
        f.confirmed(100 + i);
    f.placed();  // Pending: not listed, not counted
    const auto first = f.service.list(mb::domain::Principal::system(), {0, 2});
    REQUIRE(first.items.size() == 2);
    CHECK(first.total == 5);
    CHECK(first.items[0].id() == 1);
    CHECK(first.items[1].id() == 2);
    const auto last = f.service.list(mb::domain::Principal::system(), {2, 2});
    REQUIRE(last.items.size() == 1);
    CHECK(last.items[0].id() == 5);
}

}  // namespace
}  // namespace mb::app::booking
