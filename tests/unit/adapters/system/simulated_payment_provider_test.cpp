// The simulated acquirer honours idempotency keys (issue 12, item 3): one charge per key, the
// first answer repeated, a reused key with other parameters or after a refund declined, and a
// bounded memory of keys.
#include "adapters/system/simulated_payment_provider.hpp"

#include <string>

#include <catch2/catch.hpp>

#include "domain/payment/errors.hpp"

namespace mb::adapters::system {
namespace {

using domain::payment::ChargeRequest;
using domain::payment::PaymentError;

const ChargeRequest kRequest{7, "alice", 10000};

TEST_CASE("Simulated provider: a repeated key gets the first authorization, charged once",
          "[payment][provider]") {
    SimulatedPaymentProvider provider(1'000'000, 0);
    const auto first = provider.charge(kRequest, "booking-7");
    REQUIRE(first);
    const auto again = provider.charge(kRequest, "booking-7");
    REQUIRE(again);
    CHECK(*again == *first);
    CHECK(provider.charges_taken() == 1);
    const auto other = provider.charge(kRequest, "booking-8");
    REQUIRE(other);
    CHECK(*other != *first);
    CHECK(provider.charges_taken() == 2);

    const auto found = provider.find_charge("booking-7");
    REQUIRE(found);
    REQUIRE(found->has_value());
    CHECK((*found)->authorization == *first);
    CHECK((*found)->amount == 10000);
    const auto none = provider.find_charge("booking-9");
    REQUIRE(none);
    CHECK_FALSE(none->has_value());
}

TEST_CASE("Simulated provider: a declined key stays declined and is not found",
          "[payment][provider]") {
    SimulatedPaymentProvider provider(5000, 0);  // 10,000 KRW is above the limit
    CHECK(provider.charge(kRequest, "booking-7").error() == PaymentError::kDeclined);
    CHECK(provider.charge(kRequest, "booking-7").error() == PaymentError::kDeclined);
    CHECK(provider.charges_taken() == 0);
    CHECK_FALSE(provider.find_charge("booking-7")->has_value());
}

TEST_CASE("Simulated provider: a key reused with other parameters or after a refund is declined",
          "[payment][provider]") {
    SimulatedPaymentProvider provider(1'000'000, 0);
    const auto first = provider.charge(kRequest, "booking-7");
    REQUIRE(first);
    CHECK(provider.charge({7, "alice", 20000}, "booking-7").error() == PaymentError::kDeclined);
    CHECK(provider.charge({7, "bob", 10000}, "booking-7").error() == PaymentError::kDeclined);
    REQUIRE(provider.refund(*first, 10000));
    CHECK_FALSE(provider.find_charge("booking-7")->has_value());
    CHECK(provider.charge(kRequest, "booking-7").error() == PaymentError::kDeclined);
    CHECK(provider.charges_taken() == 1);
}

TEST_CASE("Simulated provider: it remembers the most recent keys only", "[payment][provider]") {
    SimulatedPaymentProvider provider(1'000'000, 0, 2);
    const auto a = provider.charge(kRequest, "k1");
    REQUIRE(a);
    REQUIRE(provider.charge(kRequest, "k2"));
    REQUIRE(provider.charge(kRequest, "k3"));  // k1 is forgotten now
    CHECK_FALSE(provider.find_charge("k1")->has_value());
    CHECK(provider.find_charge("k3")->has_value());
    const auto again = provider.charge(kRequest, "k1");  // a new charge, as after the window
    REQUIRE(again);
    CHECK(*again != *a);
    CHECK(provider.charges_taken() == 4);
}

TEST_CASE("Simulated provider: every decline_every-th new key is declined", "[payment][provider]") {
    SimulatedPaymentProvider provider(1'000'000, 3);
    CHECK(provider.charge(kRequest, "k1"));
    CHECK(provider.charge(kRequest, "k1"));  // a repeat is not a new charge
    CHECK(provider.charge(kRequest, "k2"));
    CHECK(provider.charge(kRequest, "k3").error() == PaymentError::kDeclined);
    CHECK(provider.charge(kRequest, "k4"));
}

}  // namespace
}  // namespace mb::adapters::system
