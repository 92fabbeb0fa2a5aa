// Payment aggregate: one approved charge per booking, refunded at most once (MISSION.md,
// invariants 1-2), and the payment error category.
#include "domain/payment/payment.hpp"

#include <chrono>
#include <string>
#include <system_error>

#include <catch2/catch.hpp>

#include "fakes/fixed_clock.hpp"

namespace mb::domain::payment {
namespace {

using namespace std::chrono_literals;

TEST_CASE("approve: an approved payment is Paid, without id, with every field kept", "[payment]") {
    test::FixedClock clock;
    const auto p = Payment::approve(7, "customer-1", 10000, "auth-1", clock.now());
    REQUIRE(p);
    CHECK(p->id() == 0);
    CHECK(p->booking_id() == 7);
    CHECK(p->customer_id() == "customer-1");
    CHECK(p->amount() == 10000);
    CHECK(p->authorization() == "auth-1");
    CHECK(p->status() == PaymentStatus::kPaid);
    CHECK(p->created_at() == clock.now());
    CHECK(p->updated_at() == clock.now());
}

TEST_CASE("approve: the amount must not be negative (0 KRW is a valid payment)", "[payment]") {
    test::FixedClock clock;
    const auto negative = Payment::approve(7, "c", -1, "auth", clock.now());
    REQUIRE_FALSE(negative);
    CHECK(negative.error() == PaymentError::kInvalidAmount);
    CHECK(Payment::approve(7, "c", 0, "auth", clock.now()));
}

TEST_CASE("paid_event: announces the stored payment (its id, booking, customer, amount, Paid)",
          "[payment]") {
    test::FixedClock clock;
    auto p = Payment::approve(7, "customer-1", 10000, "auth-1", clock.now()).value();
    p.assign_id(3);
    const auto e = p.paid_event();
    CHECK(e.payment_id == 3);
    CHECK(e.booking_id == 7);
    CHECK(e.customer_id == "customer-1");
    CHECK(e.total_price == 10000);
    CHECK(e.status == "Paid");
    CHECK(std::string(Paid::kType) == "Paid");
}

TEST_CASE("refund: Paid -> Canceled, yielding PaymentCanceled with the payment's fields",
          "[payment][refund]") {
    test::FixedClock clock;
    auto p = Payment::approve(7, "customer-1", 10000, "auth-1", clock.now()).value();
    p.assign_id(3);
    clock.advance(10s);
    const auto refunded = p.refund(clock.now());
    REQUIRE(refunded);
    CHECK(p.status() == PaymentStatus::kCanceled);
    CHECK(p.updated_at() == clock.now());
    CHECK(refunded->payment_id == 3);
    CHECK(refunded->booking_id == 7);
    CHECK(refunded->customer_id == "customer-1");
    CHECK(refunded->total_price == 10000);
    CHECK(refunded->status == "Canceled");
    CHECK(std::string(PaymentCanceled::kType) == "PaymentCanceled");
}

TEST_CASE("refund: a payment is refunded at most once (second refund: kAlreadyRefunded)",
          "[payment][refund]") {
    test::FixedClock clock;
    auto p = Payment::approve(7, "customer-1", 10000, "auth-1", clock.now()).value();
    REQUIRE(p.refund(clock.now()));
    const auto first_update = p.updated_at();
    clock.advance(1s);
    const auto again = p.refund(clock.now());
    REQUIRE_FALSE(again);
    CHECK(again.error() == PaymentError::kAlreadyRefunded);
    CHECK(p.status() == PaymentStatus::kCanceled);
    CHECK(p.updated_at() == first_update);
}

TEST_CASE("restore: rebuilds every field of a stored payment", "[payment]") {
    test::FixedClock clock;
    const auto p = Payment::restore(4, 8, "c", 500, "auth-9", PaymentStatus::kCanceled, clock.now(),
                                    clock.now() + 1s);
    CHECK(p.id() == 4);
    CHECK(p.booking_id() == 8);
    CHECK(p.customer_id() == "c");
    CHECK(p.amount() == 500);
    CHECK(p.authorization() == "auth-9");
    CHECK(p.status() == PaymentStatus::kCanceled);
    CHECK(p.updated_at() == clock.now() + 1s);
}

TEST_CASE("Payment status names are the seed's (Paid, Canceled) and parse back", "[payment]") {
    CHECK(to_string(PaymentStatus::kPaid) == "Paid");
    CHECK(to_string(PaymentStatus::kCanceled) == "Canceled");
    CHECK(payment_status_from("Paid") == PaymentStatus::kPaid);
    CHECK(payment_status_from("Canceled") == PaymentStatus::kCanceled);
    CHECK_FALSE(payment_status_from("Refunded").has_value());
}

TEST_CASE("PaymentError category: name mb.payment, a message per value, mapped to conditions",
          "[payment][errors][category]") {
    using E = PaymentError;
    struct Row {
        E error;
        Condition condition;
        const char* message_part;
    };
    const Row rows[] = {
        {E::kDeclined, Condition::kPaymentDeclined, "declined"},
        {E::kNotFound, Condition::kNotFound, "no payment"},
        {E::kAlreadyRefunded, Condition::kConflict, "already refunded"},
        {E::kAlreadyPaid, Condition::kConflict, "already has an approved payment"},
        {E::kInvalidAmount, Condition::kInvalidInput, "negative"},
        {E::kProviderUnavailable, Condition::kUnavailable, "unavailable"},
    };
    CHECK(static_cast<int>(E::kDeclined) == 1);
    for (const auto& row : rows) {
        const std::error_code ec = row.error;
        INFO("value " << ec.value() << ": " << ec.message());
        CHECK(std::string(ec.category().name()) == "mb.payment");
        CHECK(ec.message().find(row.message_part) != std::string::npos);
        CHECK(ec == row.condition);
    }
    const std::error_code unknown(99, make_error_code(E::kDeclined).category());
    CHECK(unknown.message() == "unknown payment error");
}

}  // namespace
}  // namespace mb::domain::payment
