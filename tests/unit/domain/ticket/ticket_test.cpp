// Ticket aggregate: issue, the print lease (begin_print .. complete_print / abort_print) and
// withdraw, so that a cancel racing a print has exactly one winner (MISSION.md, invariant 2).
// Time only moves when the FixedClock is advanced.
#include "domain/ticket/ticket.hpp"

#include <chrono>
#include <string>
#include <system_error>

#include <catch2/catch.hpp>

#include "fakes/fixed_clock.hpp"

namespace mb::domain::ticket {
namespace {

using namespace std::chrono_literals;

constexpr std::chrono::milliseconds kLease = 2000ms;

TicketDetails details() {
    return TicketDetails{7, "customer-1", "soul", "1A,2B", 2};
}

Ticket waiting(test::FixedClock& clock) {
    auto t = Ticket::issue(details(), clock.now());
    t.assign_id(5);
    return t;
}

TEST_CASE("issue: a new ticket is Waiting, unleased, showing its booking's details", "[ticket]") {
    test::FixedClock clock;
    const auto t = Ticket::issue(details(), clock.now());
    CHECK(t.id() == 0);
    CHECK(t.status() == TicketStatus::kWaiting);
    CHECK_FALSE(t.print_lease_until().has_value());
    CHECK(t.booking_id() == 7);
    CHECK(t.details().customer_id == "customer-1");
    CHECK(t.details().movie_name == "soul");
    CHECK(t.details().seat == "1A,2B");
    CHECK(t.details().qty == 2);
    CHECK(t.created_at() == clock.now());
}

TEST_CASE("created_event: announces the issued ticket with status Waiting", "[ticket]") {
    test::FixedClock clock;
    const auto e = waiting(clock).created_event();
    CHECK(e.ticket_id == 5);
    CHECK(e.booking_id == 7);
    CHECK(e.customer_id == "customer-1");
    CHECK(e.movie_name == "soul");
    CHECK(e.seat == "1A,2B");
    CHECK(e.qty == 2);
    CHECK(e.status == "Waiting");
    CHECK(std::string(Created::kType) == "Created");
}

TEST_CASE("begin_print: takes the lease until now + lease, the ticket stays Waiting",
          "[ticket][print]") {
    test::FixedClock clock;
    auto t = waiting(clock);
    REQUIRE(t.begin_print(clock.now(), kLease));
    CHECK(t.status() == TicketStatus::kWaiting);
    REQUIRE(t.print_lease_until().has_value());
    CHECK(*t.print_lease_until() == clock.now() + kLease);
}

TEST_CASE("begin_print: a second print while the lease is held gets kPrintInProgress",
          "[ticket][print]") {
    test::FixedClock clock;
    auto t = waiting(clock);
    REQUIRE(t.begin_print(clock.now(), kLease));
    const auto lease = t.print_lease_until();
    clock.advance(kLease - 1ms);  // the last instant the lease still holds
    const auto second = t.begin_print(clock.now(), kLease);
    REQUIRE_FALSE(second);
    CHECK(second.error() == TicketError::kPrintInProgress);
    CHECK(t.print_lease_until() == lease);
}

TEST_CASE("begin_print: an expired lease no longer blocks a new print", "[ticket][print]") {
    test::FixedClock clock;
    auto t = waiting(clock);
    REQUIRE(t.begin_print(clock.now(), kLease));
    clock.advance(kLease);  // the lease ends exactly now
    REQUIRE(t.begin_print(clock.now(), kLease));
    CHECK(*t.print_lease_until() == clock.now() + kLease);
}

TEST_CASE("begin_print: a Printed ticket gets kAlreadyPrinted, a Canceled one kCanceled",
          "[ticket][print]") {
    test::FixedClock clock;
    auto printed = waiting(clock);
    REQUIRE(printed.complete_print(clock.now()));
    auto r = printed.begin_print(clock.now(), kLease);
    REQUIRE_FALSE(r);
    CHECK(r.error() == TicketError::kAlreadyPrinted);

    auto canceled = waiting(clock);
    REQUIRE(canceled.withdraw(clock.now()));
    r = canceled.begin_print(clock.now(), kLease);
    REQUIRE_FALSE(r);
    CHECK(r.error() == TicketError::kCanceled);
}

TEST_CASE("complete_print: the lease holder completes: Printed, lease released, Printed event",
          "[ticket][print]") {
    test::FixedClock clock;
    auto t = waiting(clock);
    REQUIRE(t.begin_print(clock.now(), kLease));
    clock.advance(100ms);
    const auto printed = t.complete_print(clock.now());
    REQUIRE(printed);
    CHECK(t.status() == TicketStatus::kPrinted);
    CHECK_FALSE(t.print_lease_until().has_value());
    CHECK(t.updated_at() == clock.now());
    CHECK(printed->ticket_id == 5);
    CHECK(printed->booking_id == 7);
    CHECK(printed->status == "Printed");
    CHECK(std::string(Printed::kType) == "Printed");
}

TEST_CASE("complete_print: a ticket is printed once (second: kAlreadyPrinted)", "[ticket][print]") {
    test::FixedClock clock;
    auto t = waiting(clock);
    REQUIRE(t.complete_print(clock.now()));
    const auto again = t.complete_print(clock.now());
    REQUIRE_FALSE(again);
    CHECK(again.error() == TicketError::kAlreadyPrinted);
}

TEST_CASE(
    "complete_print: a print whose lease expired and lost to a withdraw fails with "
    "kCanceled",
    "[ticket][print]") {
    test::FixedClock clock;
    auto t = waiting(clock);
    REQUIRE(t.begin_print(clock.now(), kLease));
    clock.advance(kLease + 1ms);
    REQUIRE(t.withdraw(clock.now()));
    const auto late = t.complete_print(clock.now());
    REQUIRE_FALSE(late);
    CHECK(late.error() == TicketError::kCanceled);
    CHECK(t.status() == TicketStatus::kCanceled);
}

TEST_CASE("abort_print: the lease holder gives up, the ticket stays Waiting and unleased",
          "[ticket][print]") {
    test::FixedClock clock;
    auto t = waiting(clock);
    REQUIRE(t.begin_print(clock.now(), kLease));
    t.abort_print(clock.now());
    CHECK(t.status() == TicketStatus::kWaiting);
    CHECK_FALSE(t.print_lease_until().has_value());
    CHECK(t.begin_print(clock.now(), kLease));  // printing again shortly works
}

TEST_CASE("abort_print: a Printed or Canceled ticket is left as it is", "[ticket][print]") {
    test::FixedClock clock;
    auto printed = waiting(clock);
    REQUIRE(printed.complete_print(clock.now()));
    const auto updated = printed.updated_at();
    clock.advance(1s);
    printed.abort_print(clock.now());
    CHECK(printed.status() == TicketStatus::kPrinted);
    CHECK(printed.updated_at() == updated);

    auto canceled = waiting(clock);
    REQUIRE(canceled.withdraw(clock.now()));
    canceled.abort_print(clock.now());
    CHECK(canceled.status() == TicketStatus::kCanceled);
}

TEST_CASE("withdraw: a Waiting, unleased ticket becomes Canceled", "[ticket][withdraw]") {
    test::FixedClock clock;
    auto t = waiting(clock);
    clock.advance(1s);
    REQUIRE(t.withdraw(clock.now()));
    CHECK(t.status() == TicketStatus::kCanceled);
    CHECK(t.updated_at() == clock.now());
}

TEST_CASE("withdraw: while a print holds the lease the cancel loses (kPrintInProgress)",
          "[ticket][withdraw]") {
    test::FixedClock clock;
    auto t = waiting(clock);
    REQUIRE(t.begin_print(clock.now(), kLease));
    clock.advance(kLease - 1ms);
    const auto r = t.withdraw(clock.now());
    REQUIRE_FALSE(r);
    CHECK(r.error() == TicketError::kPrintInProgress);
    CHECK(t.status() == TicketStatus::kWaiting);
    // ... and the print still completes: exactly one of them wins.
    CHECK(t.complete_print(clock.now()));
}

TEST_CASE("withdraw: an expired lease does not protect the ticket any more", "[ticket][withdraw]") {
    test::FixedClock clock;
    auto t = waiting(clock);
    REQUIRE(t.begin_print(clock.now(), kLease));
    clock.advance(kLease);
    REQUIRE(t.withdraw(clock.now()));
    CHECK(t.status() == TicketStatus::kCanceled);
    CHECK_FALSE(t.print_lease_until().has_value());
}

TEST_CASE("withdraw: after the print the cancel loses (kAlreadyPrinted)", "[ticket][withdraw]") {
    test::FixedClock clock;
    auto t = waiting(clock);
    REQUIRE(t.complete_print(clock.now()));
    const auto r = t.withdraw(clock.now());
    REQUIRE_FALSE(r);
    CHECK(r.error() == TicketError::kAlreadyPrinted);
    CHECK(t.status() == TicketStatus::kPrinted);
}

TEST_CASE("withdraw: withdrawing a Canceled ticket again succeeds and changes nothing",
          "[ticket][withdraw]") {
    test::FixedClock clock;
    auto t = waiting(clock);
    REQUIRE(t.withdraw(clock.now()));
    const auto updated = t.updated_at();
    clock.advance(1s);
    CHECK(t.withdraw(clock.now()));
    CHECK(t.status() == TicketStatus::kCanceled);
    CHECK(t.updated_at() == updated);
}

TEST_CASE(
    "voided: a ticket withdrawn before issue is born Canceled and stays so when it "
    "learns its details",
    "[ticket]") {
    test::FixedClock clock;
    auto t = Ticket::voided(7, clock.now());
    CHECK(t.status() == TicketStatus::kCanceled);
    CHECK(t.booking_id() == 7);
    CHECK(t.details().qty == 0);
    t.fill_details(details());
    CHECK(t.status() == TicketStatus::kCanceled);
    CHECK(t.details().movie_name == "soul");
    const auto r = t.begin_print(clock.now(), kLease);
    REQUIRE_FALSE(r);
    CHECK(r.error() == TicketError::kCanceled);
}

TEST_CASE("restore: rebuilds a stored ticket, lease included", "[ticket]") {
    test::FixedClock clock;
    const auto lease = clock.now() + kLease;
    auto t = Ticket::restore(5, details(), TicketStatus::kWaiting, lease, clock.now(), clock.now());
    CHECK(t.id() == 5);
    CHECK(t.print_lease_until() == lease);
    const auto r = t.begin_print(clock.now(), kLease);  // the restored lease still holds
    REQUIRE_FALSE(r);
    CHECK(r.error() == TicketError::kPrintInProgress);
}

TEST_CASE("Ticket status names are the seed's (Waiting, Printed, Canceled) and parse back",
          "[ticket]") {
    CHECK(to_string(TicketStatus::kWaiting) == "Waiting");
    CHECK(to_string(TicketStatus::kPrinted) == "Printed");
    CHECK(to_string(TicketStatus::kCanceled) == "Canceled");
    CHECK(ticket_status_from("Waiting") == TicketStatus::kWaiting);
    CHECK(ticket_status_from("Printed") == TicketStatus::kPrinted);
    CHECK(ticket_status_from("Canceled") == TicketStatus::kCanceled);
    CHECK_FALSE(ticket_status_from("printed").has_value());
}

TEST_CASE("TicketError category: name mb.ticket, a message per value, mapped to conditions",
          "[ticket][errors][category]") {
    using E = TicketError;
    struct Row {
        E error;
        Condition condition;
        const char* message_part;
    };
    const Row rows[] = {
        {E::kNotFound, Condition::kNotFound, "no ticket"},
        {E::kAlreadyPrinted, Condition::kConflict, "already printed"},
        {E::kCanceled, Condition::kConflict, "canceled"},
        {E::kPrintInProgress, Condition::kConflict, "being printed"},
        {E::kInvalidStatusChange, Condition::kInvalidInput, "Printed"},
        {E::kReviewUnavailable, Condition::kUnavailable, "print your ticket again shortly"},
    };
    CHECK(static_cast<int>(E::kNotFound) == 1);
    for (const auto& row : rows) {
        const std::error_code ec = row.error;
        INFO("value " << ec.value() << ": " << ec.message());
        CHECK(std::string(ec.category().name()) == "mb.ticket");
        CHECK(ec.message().find(row.message_part) != std::string::npos);
        CHECK(ec == row.condition);
    }
    const std::error_code unknown(99, make_error_code(E::kNotFound).category());
    CHECK(unknown.message() == "unknown ticket error");
}

}  // namespace
}  // namespace mb::domain::ticket
