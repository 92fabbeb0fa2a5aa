// TicketService with fakes: one ticket per Booked; a withdraw (or Canceled) that arrives before
// Booked stores a placeholder so no ticket is issued later; the print flow with its lease; a
// cancel and a print racing have one winner.
#include "app/ticket/ticket_service.hpp"

#include <chrono>

#include <catch2/catch.hpp>

#include "fakes/principals.hpp"

#include "fakes/fixed_clock.hpp"
#include "fakes/in_memory_outbox.hpp"
#include "fakes/in_memory_ticket_repository.hpp"

namespace mb::app::ticket {
namespace {

using namespace std::chrono_literals;
using domain::ticket::Created;
using domain::ticket::Printed;
using domain::ticket::TicketError;
using domain::ticket::TicketStatus;

constexpr std::chrono::milliseconds kLease = 2000ms;

struct Fixture {
    test::FixedClock clock;
    test::InMemoryTicketRepository repository;
    test::InMemoryOutbox<domain::ticket::TicketEvent> outbox;
    TicketService service{repository, outbox, clock, kLease};

    static domain::booking::Booked booked(std::int64_t booking_id = 7) {
        return {booking_id, "customer-1", "soul", "1A,2B", 2, 10000, 70, "PaidComplete", 0, {}, ""};
    }
    static domain::booking::Canceled canceled(std::int64_t booking_id = 7) {
        return {booking_id, "customer-1", "soul", "1A,2B", 2, 10000, "Canceled", 0, {}};
    }
    std::int64_t issued(std::int64_t booking_id = 7) {
        service.on_booked(booked(booking_id));
        auto t = service.find_by_booking(mb::domain::Principal::system(), booking_id);
        REQUIRE(t);
        return t->id();
    }
};

TEST_CASE("TicketService::on_booked issues a Waiting ticket and appends Created", "[app][ticket]") {
    Fixture f;
    f.service.on_booked(Fixture::booked());
    const auto t = f.service.find_by_booking(mb::domain::Principal::system(), 7);
    REQUIRE(t);
    CHECK(t->status() == TicketStatus::kWaiting);
    CHECK(t->details().customer_id == "customer-1");
    CHECK(t->details().movie_name == "soul");
    CHECK(t->details().seat == "1A,2B");
    CHECK(t->details().qty == 2);
    const auto created = f.outbox.of<Created>();
    REQUIRE(created.size() == 1);
    CHECK(created[0].ticket_id == t->id());
    CHECK(created[0].booking_id == 7);
    CHECK(created[0].customer_id == "customer-1");
    CHECK(created[0].movie_name == "soul");
    CHECK(created[0].seat == "1A,2B");
    CHECK(created[0].qty == 2);
    CHECK(created[0].status == "Waiting");
}

TEST_CASE("TicketService::on_booked issues once however often Booked is delivered",
          "[app][ticket]") {
    Fixture f;
    f.service.on_booked(Fixture::booked());
    f.service.on_booked(Fixture::booked());
    CHECK(f.repository.size() == 1);
    CHECK(f.outbox.size() == 1);
}

TEST_CASE(
    "TicketService::withdraw before issue stores a Canceled placeholder, so a later "
    "Booked issues nothing",
    "[app][ticket][withdraw]") {
    Fixture f;
    REQUIRE(f.service.withdraw(7));
    auto t = f.service.find_by_booking(mb::domain::Principal::system(), 7);
    REQUIRE(t);
    CHECK(t->status() == TicketStatus::kCanceled);

    f.service.on_booked(Fixture::booked());
    CHECK(f.outbox.empty());  // no Created
    CHECK(f.repository.size() == 1);
    t = f.service.find_by_booking(mb::domain::Principal::system(), 7);
    REQUIRE(t);
    CHECK(t->status() == TicketStatus::kCanceled);
    CHECK(t->details().movie_name == "soul");  // learns what it would have shown
    CHECK(t->details().qty == 2);

    const auto print = f.service.begin_print(mb::domain::Principal::system(), t->id());
    REQUIRE_FALSE(print);
    CHECK(print.error() == TicketError::kCanceled);
}

TEST_CASE(
    "TicketService::on_booking_canceled before Booked stores a placeholder with the "
    "booking's details, a later Booked issues nothing",
    "[app][ticket][policy]") {
    Fixture f;
    f.service.on_booking_canceled(Fixture::canceled());
    auto t = f.service.find_by_booking(mb::domain::Principal::system(), 7);
    REQUIRE(t);
    CHECK(t->status() == TicketStatus::kCanceled);
    CHECK(t->details().seat == "1A,2B");
    f.service.on_booked(Fixture::booked());
    CHECK(f.outbox.empty());
    CHECK(f.service.find_by_booking(mb::domain::Principal::system(), 7)->status() == TicketStatus::kCanceled);
}

TEST_CASE(
    "TicketService::on_booking_canceled voids a Waiting ticket, is idempotent, and "
    "leaves a Printed ticket alone",
    "[app][ticket][policy]") {
    Fixture f;
    f.issued(7);
    f.service.on_booking_canceled(Fixture::canceled(7));
    f.service.on_booking_canceled(Fixture::canceled(7));
    CHECK(f.service.find_by_booking(mb::domain::Principal::system(), 7)->status() == TicketStatus::kCanceled);

    const auto printed = f.issued(8);
    REQUIRE(f.service.complete_print(printed));
    f.service.on_booking_canceled(Fixture::canceled(8));
    CHECK(f.service.find(mb::domain::Principal::system(), printed)->status() == TicketStatus::kPrinted);
    CHECK(f.outbox.of<Printed>().size() == 1);
}

TEST_CASE("TicketService::on_booking_canceled leaves a ticket being printed to the print",
          "[app][ticket][policy]") {
    Fixture f;
    const auto id = f.issued();
    REQUIRE(f.service.begin_print(mb::domain::Principal::system(), id));
    f.service.on_booking_canceled(Fixture::canceled());
    CHECK(f.service.find(mb::domain::Principal::system(), id)->status() == TicketStatus::kWaiting);
    CHECK(f.service.complete_print(id));
}

TEST_CASE(
    "TicketService print flow: begin_print leases, complete_print prints and appends "
    "Printed",
    "[app][ticket][print]") {
    Fixture f;
    const auto id = f.issued();
    f.outbox.clear();
    const auto leased = f.service.begin_print(mb::domain::Principal::system(), id);
    REQUIRE(leased);
    REQUIRE(leased->print_lease_until().has_value());
    CHECK(*leased->print_lease_until() == f.clock.now() + kLease);
    CHECK(f.service.find(mb::domain::Principal::system(), id)->print_lease_until() == leased->print_lease_until());  // stored
    CHECK(f.outbox.empty());

    const auto printed = f.service.complete_print(id);
    REQUIRE(printed);
    CHECK(printed->status() == TicketStatus::kPrinted);
    CHECK(f.service.find(mb::domain::Principal::system(), id)->status() == TicketStatus::kPrinted);
    const auto events = f.outbox.of<Printed>();
    REQUIRE(events.size() == 1);
    CHECK(events[0].ticket_id == id);
    CHECK(events[0].booking_id == 7);
    CHECK(events[0].status == "Printed");

    const auto again = f.service.begin_print(mb::domain::Principal::system(), id);
    REQUIRE_FALSE(again);
    CHECK(again.error() == TicketError::kAlreadyPrinted);
    const auto twice = f.service.complete_print(id);
    REQUIRE_FALSE(twice);
    CHECK(twice.error() == TicketError::kAlreadyPrinted);
    CHECK(f.outbox.size() == 1);
}

TEST_CASE("TicketService::begin_print while another print holds the lease: kPrintInProgress",
          "[app][ticket][print]") {
    Fixture f;
    const auto id = f.issued();
    REQUIRE(f.service.begin_print(mb::domain::Principal::system(), id));
    const auto second = f.service.begin_print(mb::domain::Principal::system(), id);
    REQUIRE_FALSE(second);
    CHECK(second.error() == TicketError::kPrintInProgress);
    f.clock.advance(kLease);  // the first print's lease ran out
    CHECK(f.service.begin_print(mb::domain::Principal::system(), id));
}

TEST_CASE("TicketService::abort_print releases the lease, the ticket stays Waiting",
          "[app][ticket][print]") {
    Fixture f;
    const auto id = f.issued();
    REQUIRE(f.service.begin_print(mb::domain::Principal::system(), id));
    f.service.abort_print(id);
    const auto t = f.service.find(mb::domain::Principal::system(), id);
    CHECK(t->status() == TicketStatus::kWaiting);
    CHECK_FALSE(t->print_lease_until().has_value());
    CHECK(f.service.begin_print(mb::domain::Principal::system(), id));
    f.service.abort_print(999);  // unknown: nothing happens
    CHECK(f.repository.size() == 1);
}

TEST_CASE("TicketService print of an unknown ticket: kNotFound", "[app][ticket][print]") {
    Fixture f;
    auto r = f.service.begin_print(mb::domain::Principal::system(), 42);
    REQUIRE_FALSE(r);
    CHECK(r.error() == TicketError::kNotFound);
    r = f.service.complete_print(42);
    REQUIRE_FALSE(r);
    CHECK(r.error() == TicketError::kNotFound);
}

TEST_CASE(
    "TicketService::withdraw: a Waiting ticket is Canceled, while printing or after print "
    "the cancel loses",
    "[app][ticket][withdraw]") {
    Fixture f;
    const auto waiting = f.issued(7);
    REQUIRE(f.service.withdraw(7));
    CHECK(f.service.find(mb::domain::Principal::system(), waiting)->status() == TicketStatus::kCanceled);
    CHECK(f.service.withdraw(7));  // idempotent

    const auto leased = f.issued(8);
    REQUIRE(f.service.begin_print(mb::domain::Principal::system(), leased));
    auto r = f.service.withdraw(8);
    REQUIRE_FALSE(r);
    CHECK(r.error() == TicketError::kPrintInProgress);
    CHECK(f.service.find(mb::domain::Principal::system(), leased)->status() == TicketStatus::kWaiting);

    REQUIRE(f.service.complete_print(leased));
    r = f.service.withdraw(8);
    REQUIRE_FALSE(r);
    CHECK(r.error() == TicketError::kAlreadyPrinted);
    CHECK(f.service.find(mb::domain::Principal::system(), leased)->status() == TicketStatus::kPrinted);
}

TEST_CASE(
    "TicketService::withdraw wins over a print whose lease expired, that print then "
    "fails with kCanceled",
    "[app][ticket][withdraw]") {
    Fixture f;
    const auto id = f.issued();
    REQUIRE(f.service.begin_print(mb::domain::Principal::system(), id));
    f.clock.advance(kLease + 1ms);
    REQUIRE(f.service.withdraw(7));
    const auto late = f.service.complete_print(id);
    REQUIRE_FALSE(late);
    CHECK(late.error() == TicketError::kCanceled);
    CHECK(f.outbox.of<Printed>().empty());
}

}  // namespace
}  // namespace mb::app::ticket

namespace mb::app::ticket {
namespace {

TEST_CASE("TicketService with a caller: another customer neither sees nor prints the ticket, "
          "staff and its customer do (issue 9)",
          "[app][ticket][security]") {
    Fixture f;
    const auto id = f.issued();  // customer-1's
    const auto owner = domain::Principal::customer("customer-1");
    const auto other = domain::Principal::customer("customer-2");
    const auto staff = test::staff();
    CHECK_FALSE(f.service.find(other, id).has_value());
    CHECK_FALSE(f.service.find_by_booking(other, 7).has_value());
    CHECK(f.service.list(other, {0, 20}).total == 0);
    CHECK(f.service.begin_print(other, id).error() == TicketError::kNotFound);
    CHECK(f.service.find(owner, id)->status() == TicketStatus::kWaiting);
    CHECK(f.service.list(owner, {0, 20}).total == 1);
    CHECK(f.service.list(staff, {0, 20}).total == 1);
    CHECK(f.service.begin_print(staff, id));
}

}  // namespace
}  // namespace mb::app::ticket
