// PaymentService with fakes: one charge per booking (invariant 1), a declined charge leaves
// nothing, and a cancelled booking is refunded exactly once however often its Canceled event
// is delivered (invariant 2).
#include "app/payment/payment_service.hpp"

#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <catch2/catch.hpp>

#include "fakes/fake_payment_provider.hpp"
#include "fakes/fixed_clock.hpp"
#include "fakes/in_memory_outbox.hpp"
#include "fakes/in_memory_payment_repository.hpp"
#include "fakes/principals.hpp"

namespace mb::app::payment {
namespace {

using domain::payment::ChargeRequest;
using domain::payment::Paid;
using domain::payment::PaymentCanceled;
using domain::payment::PaymentError;
using domain::payment::PaymentStatus;

struct Fixture {
    test::FixedClock clock;
    test::InMemoryPaymentRepository repository;
    test::InMemoryOutbox<domain::payment::PaymentEvent> outbox;
    test::FakePaymentProvider provider;
    PaymentService service{repository, outbox, provider, clock};

    static ChargeRequest charge(std::int64_t booking_id = 7) {
        return {booking_id, "customer-1", 10000};
    }
    static domain::booking::Canceled canceled(std::int64_t booking_id = 7) {
        return {booking_id, "customer-1", "soul", "1A,2B", 2, 10000, "Canceled", 0, {}};
    }
};

TEST_CASE("PaymentService::pay charges once, stores a Paid payment and appends Paid",
          "[app][payment]") {
    Fixture f;
    const auto p = f.service.pay(Fixture::charge());
    REQUIRE(p);
    CHECK(p->id() == 1);
    CHECK(p->status() == PaymentStatus::kPaid);
    CHECK(p->booking_id() == 7);
    CHECK(p->amount() == 10000);
    CHECK(p->authorization() == "auth-1");
    CHECK(f.provider.charges() == 1);
    REQUIRE(f.provider.charged().size() == 1);
    CHECK(f.provider.charged()[0].amount == 10000);
    CHECK(f.provider.charged()[0].booking_id == 7);

    const auto paid = f.outbox.of<Paid>();
    REQUIRE(paid.size() == 1);
    CHECK(paid[0].payment_id == p->id());
    CHECK(paid[0].booking_id == 7);
    CHECK(paid[0].customer_id == "customer-1");
    CHECK(paid[0].total_price == 10000);
    CHECK(paid[0].status == "Paid");
    REQUIRE(f.service.find_by_booking(mb::domain::Principal::system(), 7).has_value());
    CHECK(f.service.find(mb::domain::Principal::system(), p->id())->authorization() == "auth-1");
}

TEST_CASE(
    "PaymentService::pay is idempotent per booking: a second call charges nothing and "
    "returns the same payment",
    "[app][payment]") {
    Fixture f;
    const auto first = f.service.pay(Fixture::charge());
    REQUIRE(first);
    const auto second = f.service.pay(Fixture::charge());
    REQUIRE(second);
    CHECK(second->id() == first->id());
    CHECK(f.provider.attempts() == 1);
    CHECK(f.provider.charges() == 1);
    CHECK(f.outbox.size() == 1);
    CHECK(f.repository.size() == 1);
}

TEST_CASE("PaymentService::pay declined: kDeclined, nothing stored, nothing appended",
          "[app][payment]") {
    Fixture f;
    f.provider.decline_next();
    const auto p = f.service.pay(Fixture::charge());
    REQUIRE_FALSE(p);
    CHECK(p.error() == PaymentError::kDeclined);
    CHECK(p.error() == domain::Condition::kPaymentDeclined);
    CHECK(f.repository.size() == 0);
    CHECK(f.outbox.empty());
    CHECK(f.provider.charges() == 0);
    // The customer may try again: the next charge goes through.
    REQUIRE(f.service.pay(Fixture::charge()));
    CHECK(f.repository.size() == 1);
}

TEST_CASE("PaymentService::pay with the provider down: kProviderUnavailable, nothing stored",
          "[app][payment]") {
    Fixture f;
    f.provider.script(test::FakePaymentProvider::Outcome::kUnavailable);
    const auto p = f.service.pay(Fixture::charge());
    REQUIRE_FALSE(p);
    CHECK(p.error() == PaymentError::kProviderUnavailable);
    CHECK(f.repository.size() == 0);
    CHECK(f.outbox.empty());
}

TEST_CASE("PaymentService::pay refuses a negative amount without asking the provider",
          "[app][payment]") {
    Fixture f;
    auto r = Fixture::charge();
    r.amount = -1;
    const auto p = f.service.pay(r);
    REQUIRE_FALSE(p);
    CHECK(p.error() == PaymentError::kInvalidAmount);
    CHECK(f.provider.attempts() == 0);
    CHECK(f.repository.size() == 0);
}

TEST_CASE(
    "PaymentService::pay of a booking whose payment was refunded: kAlreadyRefunded, no "
    "new charge",
    "[app][payment]") {
    Fixture f;
    REQUIRE(f.service.pay(Fixture::charge()));
    f.service.on_booking_canceled(Fixture::canceled());
    const auto again = f.service.pay(Fixture::charge());
    REQUIRE_FALSE(again);
    CHECK(again.error() == PaymentError::kAlreadyRefunded);
    CHECK(f.provider.attempts() == 1);
}

TEST_CASE(
    "PaymentService::on_booking_canceled refunds exactly once even when Canceled is "
    "delivered twice",
    "[app][payment][policy]") {
    Fixture f;
    const auto p = f.service.pay(Fixture::charge());
    REQUIRE(p);
    f.outbox.clear();
    f.service.on_booking_canceled(Fixture::canceled());
    f.service.on_booking_canceled(Fixture::canceled());  // redelivered
    REQUIRE(f.provider.refund_count() == 1);
    CHECK(f.provider.refunds()[0].authorization == "auth-1");
    CHECK(f.provider.refunds()[0].amount == 10000);
    const auto canceled = f.outbox.of<PaymentCanceled>();
    REQUIRE(canceled.size() == 1);
    CHECK(f.outbox.size() == 1);
    CHECK(canceled[0].payment_id == p->id());
    CHECK(canceled[0].booking_id == 7);
    CHECK(canceled[0].customer_id == "customer-1");
    CHECK(canceled[0].total_price == 10000);
    CHECK(canceled[0].status == "Canceled");
    CHECK(f.service.find(mb::domain::Principal::system(), p->id())->status() ==
          PaymentStatus::kCanceled);
}

TEST_CASE("PaymentService::on_booking_canceled of a booking without payment does nothing",
          "[app][payment][policy]") {
    Fixture f;
    REQUIRE(f.service.pay(Fixture::charge(7)));
    f.outbox.clear();
    f.service.on_booking_canceled(Fixture::canceled(8));
    CHECK(f.provider.refund_count() == 0);
    CHECK(f.outbox.empty());
    CHECK(f.service.find_by_booking(mb::domain::Principal::system(), 7)->status() ==
          PaymentStatus::kPaid);
}

TEST_CASE(
    "PaymentService refund: a failing provider refund throws and leaves the payment Paid "
    "so a redelivery retries it",
    "[app][payment][policy]") {
    Fixture f;
    REQUIRE(f.service.pay(Fixture::charge()));
    f.outbox.clear();
    f.provider.fail_refunds(true);
    CHECK_THROWS_AS(f.service.on_booking_canceled(Fixture::canceled()), std::system_error);
    CHECK(f.service.find_by_booking(mb::domain::Principal::system(), 7)->status() ==
          PaymentStatus::kPaid);
    CHECK(f.outbox.empty());
    f.provider.fail_refunds(false);
    f.service.on_booking_canceled(Fixture::canceled());
    CHECK(f.provider.refund_count() == 1);
    CHECK(f.service.find_by_booking(mb::domain::Principal::system(), 7)->status() ==
          PaymentStatus::kCanceled);
}

TEST_CASE(
    "PaymentService::refund_incomplete refunds a Paid payment once and succeeds when "
    "there is none",
    "[app][payment][compensation]") {
    Fixture f;
    CHECK(f.service.refund_incomplete(7));  // nothing charged: success, nothing to do
    CHECK(f.provider.refund_count() == 0);

    REQUIRE(f.service.pay(Fixture::charge()));
    f.outbox.clear();
    CHECK(f.service.refund_incomplete(7));
    CHECK(f.service.refund_incomplete(7));  // idempotent
    CHECK(f.provider.refund_count() == 1);
    CHECK(f.outbox.of<PaymentCanceled>().size() == 1);
    CHECK(f.service.find_by_booking(mb::domain::Principal::system(), 7)->status() ==
          PaymentStatus::kCanceled);
}

TEST_CASE("PaymentService::pay charges under the booking's idempotency key", "[app][payment]") {
    Fixture f;
    REQUIRE(f.service.pay(Fixture::charge(7)));
    REQUIRE(f.service.pay(Fixture::charge(8)));
    CHECK(f.provider.keys() == std::vector<std::string>{"booking-7", "booking-8"});
    CHECK(domain::payment::charge_key(42) == "booking-42");
}

TEST_CASE(
    "PaymentService::refund_incomplete refunds a charge whose record was rolled back, found by "
    "its key, once",
    "[app][payment][compensation]") {
    Fixture f;
    // The provider approved booking 7's charge, then the transaction recording it rolled back:
    // the charge exists at the provider, the payment module stores nothing.
    test::InMemoryPaymentRepository rolled_back;
    test::InMemoryOutbox<domain::payment::PaymentEvent> rolled_back_outbox;
    PaymentService lost{rolled_back, rolled_back_outbox, f.provider, f.clock};
    REQUIRE(lost.pay(Fixture::charge(7)));
    REQUIRE(f.provider.charges() == 1);

    f.provider.fail_lookups(true);  // the provider cannot be asked: an error, retried later
    CHECK_FALSE(f.service.refund_incomplete(7));
    CHECK(f.provider.refund_count() == 0);
    f.provider.fail_lookups(false);

    CHECK(f.service.refund_incomplete(7));
    REQUIRE(f.provider.refund_count() == 1);
    CHECK(f.provider.refunds()[0].authorization == "auth-1");
    CHECK(f.provider.refunds()[0].amount == 10000);
    CHECK(f.service.refund_incomplete(7));  // refunded: the provider finds nothing any more
    CHECK(f.provider.refund_count() == 1);
    CHECK(f.outbox.empty());  // no payment was ever recorded: no event either
    CHECK_FALSE(f.repository.find_by_booking(7).has_value());
}

TEST_CASE("PaymentService::pay retried after a rolled-back record takes no second charge",
          "[app][payment]") {
    Fixture f;
    test::InMemoryPaymentRepository rolled_back;
    test::InMemoryOutbox<domain::payment::PaymentEvent> rolled_back_outbox;
    PaymentService lost{rolled_back, rolled_back_outbox, f.provider, f.clock};
    const auto first = lost.pay(Fixture::charge(7));
    REQUIRE(first);
    const auto retried = f.service.pay(Fixture::charge(7));
    REQUIRE(retried);
    CHECK(retried->authorization() == first->authorization());
    CHECK(f.provider.charges() == 1);
    CHECK(f.provider.attempts() == 2);
}

TEST_CASE("PaymentService::list pages payments by id", "[app][payment]") {
    Fixture f;
    for (std::int64_t b = 1; b <= 3; ++b)
        REQUIRE(f.service.pay(Fixture::charge(b)));
    const auto page = f.service.list(mb::domain::Principal::system(), {1, 2});
    CHECK(page.total == 3);
    REQUIRE(page.items.size() == 1);
    CHECK(page.items[0].booking_id() == 3);
}

}  // namespace
}  // namespace mb::app::payment

namespace mb::app::payment {
namespace {

TEST_CASE(
    "PaymentService with a caller: a payment is seen by its customer and admin only "
    "(issue 9)",
    "[app][payment][security]") {
    Fixture f;
    const auto p = f.service.pay(Fixture::charge());
    REQUIRE(p);
    const auto owner = domain::Principal::customer(p->customer_id());
    const auto other = domain::Principal::customer(p->customer_id() + "-other");
    const auto staff = test::staff();
    const auto admin = test::admin();
    CHECK(f.service.find(owner, p->id()).has_value());
    CHECK_FALSE(f.service.find(other, p->id()).has_value());
    CHECK_FALSE(f.service.find_by_booking(staff, 7).has_value());
    CHECK(f.service.find_by_booking(admin, 7).has_value());
    CHECK(f.service.list(other, {0, 20}).total == 0);
    CHECK(f.service.list(owner, {0, 20}).total == 1);
}

}  // namespace
}  // namespace mb::app::payment
