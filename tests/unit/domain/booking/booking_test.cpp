// Booking aggregate: request validation (field errors with wire names) and the status machine
// Pending -> PaidComplete -> PrintComplete -> ReviewComplete, or Canceled (MISSION.md).
#include "domain/booking/booking.hpp"

#include <chrono>
#include <string>

#include <catch2/catch.hpp>

#include "fakes/fixed_clock.hpp"

namespace mb::domain::booking {
namespace {

using namespace std::chrono_literals;

BookingRequest valid_request() {
    return BookingRequest{"customer-1", "soul", "1A,2B", 2, 10000};
}

/// The wire names of the fields reported, in order.
std::vector<std::string> fields_of(const FieldErrors& errors) {
    std::vector<std::string> out;
    for (const auto& e : errors)
        out.push_back(e.field);
    return out;
}

using Fields = std::vector<std::string>;

std::string repeat(const std::string& s, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i)
        out += s;
    return out;
}

std::string seat_list(std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
        if (i > 0)
            out += ',';
        out += "S" + std::to_string(i);
    }
    return out;
}

Booking confirmed_booking(test::FixedClock& clock, std::int64_t id = 7) {
    auto placed = Booking::place(valid_request(), clock.now());
    REQUIRE(placed);
    auto b = std::move(placed).value();
    b.assign_id(id);
    REQUIRE(b.confirm(70, clock.now()));
    return b;
}

// --- validate(): every rule, reported with its wire field name ---------------------------

TEST_CASE("validate: the seed's own request (qty 2, seats 1A,2B, 10000 KRW) is valid",
          "[booking][validate]") {
    CHECK(validate(valid_request()).empty());
}

TEST_CASE("validate: movieName must not be empty", "[booking][validate]") {
    auto r = valid_request();
    r.movie_name = "";
    const auto errors = validate(r);
    REQUIRE(fields_of(errors) == Fields{"movieName"});
    CHECK(errors[0].message == "must not be empty");
}

TEST_CASE("validate: movieName is at most 200 characters", "[booking][validate]") {
    auto r = valid_request();
    r.movie_name = std::string(200, 'm');
    CHECK(validate(r).empty());
    r.movie_name = std::string(201, 'm');
    CHECK(fields_of(validate(r)) == Fields{"movieName"});
}

TEST_CASE(
    "validate: movieName length counts characters (code points), not UTF-8 bytes, so a "
    "200-character Korean title is valid",
    "[booking][validate]") {
    auto r = valid_request();
    r.movie_name = repeat("\xec\x86\x8c", 200);  // U+C18C, 3 bytes each: 200 chars, 600 bytes
    CHECK(validate(r).empty());
    r.movie_name = repeat("\xec\x86\x8c", 201);
    CHECK(fields_of(validate(r)) == Fields{"movieName"});
}

TEST_CASE("validate: seat must list at least one seat", "[booking][validate]") {
    auto r = valid_request();
    r.seat = "";
    r.qty = 1;
    CHECK(fields_of(validate(r)) == Fields{"seat"});
}

TEST_CASE("validate: seat lists at most 100 seats", "[booking][validate]") {
    auto r = valid_request();
    r.seat = seat_list(100);
    r.qty = 100;
    CHECK(validate(r).empty());
    r.seat = seat_list(101);
    r.qty = 101;
    CHECK(fields_of(validate(r)) == Fields{"seat"});
}

TEST_CASE("validate: every seat is a label of 1 to 8 letters or digits (empty items too)",
          "[booking][validate]") {
    auto r = valid_request();
    for (const auto* bad : {"1A,,2B", "1A,", "1-A,2B", "1A,ABCDEFGHI", "1A;2B"}) {
        INFO("seat = " << bad);
        r.seat = bad;
        const auto errors = validate(r);
        REQUIRE_FALSE(errors.empty());
        CHECK(errors[0].field == "seat");
    }
}

TEST_CASE("validate: a seat may be listed only once", "[booking][validate]") {
    auto r = valid_request();
    r.seat = "1A,1A";
    const auto errors = validate(r);
    REQUIRE(fields_of(errors) == Fields{"seat"});
    CHECK(errors[0].message.find("1A") != std::string::npos);
}

TEST_CASE("validate: qty is at least 1", "[booking][validate]") {
    auto r = valid_request();
    r.qty = 0;
    CHECK(fields_of(validate(r)) == Fields{"qty"});
    r.qty = -2;
    CHECK(fields_of(validate(r)) == Fields{"qty"});
}

TEST_CASE("validate: qty equals the number of seats", "[booking][validate]") {
    auto r = valid_request();
    r.qty = 3;
    const auto errors = validate(r);
    REQUIRE(fields_of(errors) == Fields{"qty"});
    CHECK(errors[0].message.find('2') != std::string::npos);
    r.qty = 1;
    CHECK(fields_of(validate(r)) == Fields{"qty"});
}

TEST_CASE("validate: totalPrice is not negative (0 KRW is allowed)", "[booking][validate]") {
    auto r = valid_request();
    r.total_price = 0;
    CHECK(validate(r).empty());
    r.total_price = -1;
    CHECK(fields_of(validate(r)) == Fields{"totalPrice"});
}

TEST_CASE("validate: every offending field is reported at once, in form order",
          "[booking][validate]") {
    const BookingRequest r{"c", "", "1A,1A", 0, -5};
    CHECK(fields_of(validate(r)) == Fields{"movieName", "seat", "qty", "totalPrice"});
}

// --- place ------------------------------------------------------------------------------

TEST_CASE("place: a valid request gives a Pending booking without id, seats normalised",
          "[booking][place]") {
    test::FixedClock clock;
    auto r = valid_request();
    r.seat = " 1A , 2B";
    const auto b = Booking::place(r, clock.now());
    REQUIRE(b);
    CHECK(b->status() == BookingStatus::kPending);
    CHECK(b->id() == 0);
    CHECK(b->payment_id() == 0);
    CHECK(b->details().seat == "1A,2B");
    CHECK(b->details().movie_name == "soul");
    CHECK(b->customer_id() == "customer-1");
    CHECK(b->created_at() == clock.now());
    CHECK(b->updated_at() == clock.now());
}

TEST_CASE("place: an invalid request is refused with kInvalidBooking", "[booking][place]") {
    test::FixedClock clock;
    auto r = valid_request();
    r.qty = 5;
    const auto b = Booking::place(r, clock.now());
    REQUIRE_FALSE(b);
    CHECK(b.error() == BookingError::kInvalidBooking);
}

// --- confirm ----------------------------------------------------------------------------

TEST_CASE("confirm: Pending -> PaidComplete yields Booked with every field of the booking",
          "[booking][confirm]") {
    test::FixedClock clock;
    auto b = Booking::place(valid_request(), clock.now()).value();
    b.assign_id(7);
    clock.advance(2s);
    const auto booked = b.confirm(70, clock.now());
    REQUIRE(booked);
    CHECK(b.status() == BookingStatus::kPaidComplete);
    CHECK(b.payment_id() == 70);
    CHECK(b.updated_at() == clock.now());
    CHECK(b.created_at() == clock.now() - 2s);
    CHECK(booked->booking_id == 7);
    CHECK(booked->customer_id == "customer-1");
    CHECK(booked->movie_name == "soul");
    CHECK(booked->seat == "1A,2B");
    CHECK(booked->qty == 2);
    CHECK(booked->total_price == 10000);
    CHECK(booked->payment_id == 70);
    CHECK(booked->status == "PaidComplete");
    CHECK(std::string(Booked::kType) == "Booked");
}

TEST_CASE(
    "confirm: a booking is confirmed once, a second confirm is an error and changes "
    "nothing",
    "[booking][confirm]") {
    test::FixedClock clock;
    auto b = confirmed_booking(clock);
    clock.advance(1s);
    const auto again = b.confirm(71, clock.now());
    CHECK_FALSE(again);
    CHECK(b.status() == BookingStatus::kPaidComplete);
    CHECK(b.payment_id() == 70);
}

TEST_CASE("confirm: a canceled booking cannot be confirmed (kAlreadyCanceled)",
          "[booking][confirm]") {
    test::FixedClock clock;
    auto b = confirmed_booking(clock);
    REQUIRE(b.cancel(clock.now()));
    const auto again = b.confirm(71, clock.now());
    REQUIRE_FALSE(again);
    CHECK(again.error() == BookingError::kAlreadyCanceled);
    CHECK(b.status() == BookingStatus::kCanceled);
}

// --- cancel -----------------------------------------------------------------------------

TEST_CASE("cancel: a PaidComplete booking is canceled and yields Canceled with its fields",
          "[booking][cancel]") {
    test::FixedClock clock;
    auto b = confirmed_booking(clock);
    clock.advance(5s);
    const auto canceled = b.cancel(clock.now());
    REQUIRE(canceled);
    CHECK(b.status() == BookingStatus::kCanceled);
    CHECK(b.updated_at() == clock.now());
    CHECK(canceled->booking_id == 7);
    CHECK(canceled->customer_id == "customer-1");
    CHECK(canceled->movie_name == "soul");
    CHECK(canceled->seat == "1A,2B");
    CHECK(canceled->qty == 2);
    CHECK(canceled->total_price == 10000);
    CHECK(canceled->status == "Canceled");
}

TEST_CASE("cancel: a Pending booking cannot be canceled (kNotConfirmed)", "[booking][cancel]") {
    test::FixedClock clock;
    auto b = Booking::place(valid_request(), clock.now()).value();
    const auto canceled = b.cancel(clock.now());
    REQUIRE_FALSE(canceled);
    CHECK(canceled.error() == BookingError::kNotConfirmed);
    CHECK(b.status() == BookingStatus::kPending);
}

TEST_CASE("cancel: canceling twice fails the second time with kAlreadyCanceled",
          "[booking][cancel]") {
    test::FixedClock clock;
    auto b = confirmed_booking(clock);
    REQUIRE(b.cancel(clock.now()));
    const auto updated = b.updated_at();
    clock.advance(1s);
    const auto again = b.cancel(clock.now());
    REQUIRE_FALSE(again);
    CHECK(again.error() == BookingError::kAlreadyCanceled);
    CHECK(b.updated_at() == updated);
}

TEST_CASE(
    "cancel: after the ticket was printed the booking can no longer be canceled "
    "(kAlreadyPrinted)",
    "[booking][cancel]") {
    test::FixedClock clock;
    auto b = confirmed_booking(clock);
    REQUIRE(b.mark_printed(clock.now()));
    auto canceled = b.cancel(clock.now());
    REQUIRE_FALSE(canceled);
    CHECK(canceled.error() == BookingError::kAlreadyPrinted);
    CHECK(b.status() == BookingStatus::kPrintComplete);

    REQUIRE(b.mark_review_written(clock.now()));
    canceled = b.cancel(clock.now());
    REQUIRE_FALSE(canceled);
    CHECK(canceled.error() == BookingError::kAlreadyPrinted);
    CHECK(b.status() == BookingStatus::kReviewComplete);
}

// --- request_cancel / abandon_cancel (the cancel saga's intent) ---------------------------

TEST_CASE("request_cancel: a PaidComplete booking records the intent and stays PaidComplete",
          "[booking][cancel]") {
    test::FixedClock clock;
    auto b = confirmed_booking(clock);
    CHECK_FALSE(b.cancel_requested());
    clock.advance(1s);
    REQUIRE(b.request_cancel(clock.now()));
    CHECK(b.cancel_requested());
    CHECK(b.status() == BookingStatus::kPaidComplete);
    CHECK(b.updated_at() == clock.now());
    CHECK(b.request_cancel(clock.now()));  // idempotent
    CHECK(b.cancel_requested());
}

TEST_CASE("request_cancel: refused with the cancel rules (Pending, Canceled, printed)",
          "[booking][cancel]") {
    test::FixedClock clock;
    auto pending = Booking::place(valid_request(), clock.now()).value();
    auto r = pending.request_cancel(clock.now());
    REQUIRE_FALSE(r);
    CHECK(r.error() == BookingError::kNotConfirmed);
    CHECK_FALSE(pending.cancel_requested());

    auto canceled = confirmed_booking(clock);
    REQUIRE(canceled.cancel(clock.now()));
    r = canceled.request_cancel(clock.now());
    REQUIRE_FALSE(r);
    CHECK(r.error() == BookingError::kAlreadyCanceled);

    auto printed = confirmed_booking(clock);
    REQUIRE(printed.mark_printed(clock.now()));
    r = printed.request_cancel(clock.now());
    REQUIRE_FALSE(r);
    CHECK(r.error() == BookingError::kAlreadyPrinted);
    CHECK_FALSE(printed.cancel_requested());
}

TEST_CASE("abandon_cancel: drops the intent and leaves the status, a no-op without intent",
          "[booking][cancel]") {
    test::FixedClock clock;
    auto b = confirmed_booking(clock);
    REQUIRE(b.request_cancel(clock.now()));
    clock.advance(1s);
    b.abandon_cancel(clock.now());
    CHECK_FALSE(b.cancel_requested());
    CHECK(b.status() == BookingStatus::kPaidComplete);
    CHECK(b.updated_at() == clock.now());
    clock.advance(1s);
    b.abandon_cancel(clock.now());
    CHECK(b.updated_at() == clock.now() - 1s);  // nothing to drop: unchanged
}

TEST_CASE("cancel: completing a requested cancel clears the intent", "[booking][cancel]") {
    test::FixedClock clock;
    auto b = confirmed_booking(clock);
    REQUIRE(b.request_cancel(clock.now()));
    REQUIRE(b.cancel(clock.now()));
    CHECK(b.status() == BookingStatus::kCanceled);
    CHECK_FALSE(b.cancel_requested());
}

// --- mark_printed / mark_review_written (policies on other contexts' events) -------------

TEST_CASE("mark_printed: PaidComplete -> PrintComplete once, repeating it changes nothing",
          "[booking][policy]") {
    test::FixedClock clock;
    auto b = confirmed_booking(clock);
    clock.advance(1s);
    CHECK(b.mark_printed(clock.now()));
    CHECK(b.status() == BookingStatus::kPrintComplete);
    CHECK(b.updated_at() == clock.now());
    clock.advance(1s);
    CHECK_FALSE(b.mark_printed(clock.now()));
    CHECK(b.status() == BookingStatus::kPrintComplete);
    CHECK(b.updated_at() == clock.now() - 1s);
}

TEST_CASE("mark_printed: a Canceled or Pending booking keeps its status", "[booking][policy]") {
    test::FixedClock clock;
    auto canceled = confirmed_booking(clock);
    REQUIRE(canceled.cancel(clock.now()));
    CHECK_FALSE(canceled.mark_printed(clock.now()));
    CHECK(canceled.status() == BookingStatus::kCanceled);

    auto pending = Booking::place(valid_request(), clock.now()).value();
    CHECK_FALSE(pending.mark_printed(clock.now()));
    CHECK(pending.status() == BookingStatus::kPending);
}

TEST_CASE("mark_review_written: PaidComplete or PrintComplete -> ReviewComplete, idempotent",
          "[booking][policy]") {
    test::FixedClock clock;
    auto printed = confirmed_booking(clock);
    REQUIRE(printed.mark_printed(clock.now()));
    CHECK(printed.mark_review_written(clock.now()));
    CHECK(printed.status() == BookingStatus::kReviewComplete);
    CHECK_FALSE(printed.mark_review_written(clock.now()));
    CHECK(printed.status() == BookingStatus::kReviewComplete);

    // Events from different modules arrive in any order: a review may precede Printed.
    auto paid = confirmed_booking(clock);
    CHECK(paid.mark_review_written(clock.now()));
    CHECK(paid.status() == BookingStatus::kReviewComplete);
    CHECK_FALSE(paid.mark_printed(clock.now()));
    CHECK(paid.status() == BookingStatus::kReviewComplete);
}

TEST_CASE("mark_review_written: a Canceled or Pending booking keeps its status",
          "[booking][policy]") {
    test::FixedClock clock;
    auto canceled = confirmed_booking(clock);
    REQUIRE(canceled.cancel(clock.now()));
    CHECK_FALSE(canceled.mark_review_written(clock.now()));
    CHECK(canceled.status() == BookingStatus::kCanceled);

    auto pending = Booking::place(valid_request(), clock.now()).value();
    CHECK_FALSE(pending.mark_review_written(clock.now()));
    CHECK(pending.status() == BookingStatus::kPending);
}

// --- restore and status names -----------------------------------------------------------

TEST_CASE("restore: rebuilds every field of a stored booking", "[booking]") {
    test::FixedClock clock;
    const auto created = clock.now();
    const auto updated = created + 3s;
    const auto b = Booking::restore(9, valid_request(), BookingStatus::kPrintComplete, 90, true,
                                    created, updated);
    CHECK(b.id() == 9);
    CHECK(b.status() == BookingStatus::kPrintComplete);
    CHECK(b.payment_id() == 90);
    CHECK(b.cancel_requested());
    CHECK(b.details().qty == 2);
    CHECK(b.details().total_price == 10000);
    CHECK(b.created_at() == created);
    CHECK(b.updated_at() == updated);
}

TEST_CASE("Booking status names are the seed's and parse back", "[booking]") {
    using S = BookingStatus;
    for (auto [status, name] :
         {std::pair{S::kPending, "Pending"}, std::pair{S::kPaidComplete, "PaidComplete"},
          std::pair{S::kPrintComplete, "PrintComplete"},
          std::pair{S::kReviewComplete, "ReviewComplete"}, std::pair{S::kCanceled, "Canceled"}}) {
        CHECK(to_string(status) == name);
        CHECK(booking_status_from(name) == status);
    }
    CHECK_FALSE(booking_status_from("Cancelled").has_value());
    CHECK_FALSE(booking_status_from("").has_value());
}

}  // namespace
}  // namespace mb::domain::booking
