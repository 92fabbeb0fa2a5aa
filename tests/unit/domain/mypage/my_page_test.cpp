// My page read model: status derivation per booking, and convergence — events from different
// modules arrive in any order and may be redelivered, and the row must end in the same state
// whatever the interleaving (MISSION.md, "Events").
#include "domain/mypage/my_page.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace mb::domain::mypage {
namespace {

const BookingFacts kFacts{"customer-1", "soul", "1A,2B", 2, 10000, 0, ""};

/// Every field of a row's state, printable, so two states compare in one CHECK.
std::string dump(const MyPage& p) {
    const auto s = p.state();
    std::ostringstream out;
    out << "id=" << s.id << " booking=" << s.booking_id << " booked=" << s.booked << " facts={"
        << s.facts.customer_id << "," << s.facts.movie_name << "," << s.facts.seat << ","
        << s.facts.qty << "," << s.facts.total_price << "}"
        << " booking_status=" << s.booking_status << " payment=" << s.payment_id << "/"
        << s.payment_status << " ticket=" << s.ticket_id << "/" << s.ticket_status
        << " review=" << s.review_id << "/" << s.review_status
        << " score=" << (s.score ? std::to_string(*s.score) : "null") << " contents=" << s.contents
        << " | status=" << p.status() << " ticket_status=" << p.ticket_status()
        << " visible=" << p.visible();
    return out.str();
}

struct NamedEvent {
    const char* name;
    std::function<void(MyPage&)> apply;
};

/// The eight event kinds of the published language, for one booking.
std::array<NamedEvent, 8> all_events() {
    return {{
        {"Booked",
         [](MyPage& p) {
             p.on_booked(kFacts);
         }},
        {"Canceled",
         [](MyPage& p) {
             p.on_booking_canceled(kFacts);
         }},
        {"Paid",
         [](MyPage& p) {
             p.on_paid(11);
         }},
        {"PaymentCanceled",
         [](MyPage& p) {
             p.on_payment_canceled(11);
         }},
        {"Created",
         [](MyPage& p) {
             p.on_ticket_created(21);
         }},
        {"Printed",
         [](MyPage& p) {
             p.on_ticket_printed(21);
         }},
        {"WaitedReview",
         [](MyPage& p) {
             p.on_review_opened(31);
         }},
        {"WrittenReview",
         [](MyPage& p) {
             p.on_review_written(31, 10, "VeryGood");
         }},
    }};
}

/// Applies every permutation of `events` to a fresh row; returns the distinct final states
/// (one element when the row converges) and counts the permutations tried.
std::vector<std::string> final_states(const std::vector<NamedEvent>& events,
                                      std::size_t& permutations) {
    std::vector<std::size_t> order(events.size());
    std::iota(order.begin(), order.end(), 0);
    std::vector<std::string> states;
    permutations = 0;
    do {
        auto row = MyPage::for_booking(1);
        for (auto i : order)
            events[i].apply(row);
        auto state = dump(row);
        if (std::find(states.begin(), states.end(), state) == states.end()) {
            std::string sequence;
            for (auto i : order)
                sequence += std::string(events[i].name) + " ";
            UNSCOPED_INFO("order " << sequence << "-> " << state);
            states.push_back(std::move(state));
        }
        ++permutations;
    } while (std::next_permutation(order.begin(), order.end()));
    return states;
}

std::vector<NamedEvent> pick(std::initializer_list<const char*> names) {
    std::vector<NamedEvent> out;
    const auto all = all_events();
    for (const auto* n : names) {
        for (const auto& e : all) {
            if (std::string(e.name) == n)
                out.push_back(e);
        }
    }
    return out;
}

// --- status derivation ------------------------------------------------------------------

TEST_CASE("MyPage: a row before Booked is invisible and has no status", "[mypage]") {
    auto row = MyPage::for_booking(1);
    CHECK_FALSE(row.visible());
    CHECK(row.status().empty());
    row.on_paid(11);
    row.on_ticket_created(21);
    CHECK_FALSE(row.visible());  // a payment whose booking never completed shows nothing
    CHECK(row.status().empty());
    CHECK(row.payment_status() == "Paid");
}

TEST_CASE("MyPage: Booked makes the row visible as PaidComplete with the booking's facts",
          "[mypage]") {
    auto row = MyPage::for_booking(1);
    row.on_booked(kFacts);
    CHECK(row.visible());
    CHECK(row.status() == "PaidComplete");
    CHECK(row.booking_id() == 1);
    CHECK(row.facts().customer_id == "customer-1");
    CHECK(row.facts().movie_name == "soul");
    CHECK(row.facts().seat == "1A,2B");
    CHECK(row.facts().qty == 2);
    CHECK(row.facts().total_price == 10000);
    row.on_paid(11);
    row.on_ticket_created(21);
    row.on_review_opened(31);
    CHECK(row.status() == "PaidComplete");
    CHECK(row.payment_id() == 11);
    CHECK(row.ticket_id() == 21);
    CHECK(row.ticket_status() == "Waiting");
    CHECK(row.review_id() == 31);
    CHECK(row.review_status() == "Waiting Review");
}

TEST_CASE(
    "MyPage: Printed -> PrintComplete, then WrittenReview -> ReviewComplete with score "
    "and contents",
    "[mypage]") {
    auto row = MyPage::for_booking(1);
    row.on_booked(kFacts);
    row.on_ticket_printed(21);
    CHECK(row.status() == "PrintComplete");
    CHECK(row.ticket_status() == "Printed");
    row.on_review_written(31, 10, "VeryGood");
    CHECK(row.status() == "ReviewComplete");
    CHECK(row.score() == 10);
    CHECK(row.contents() == "VeryGood");
    CHECK(row.review_status() == "Written");
}

TEST_CASE(
    "MyPage: an event without an id (a seed service's message) keeps the id an earlier event "
    "gave",
    "[mypage]") {
    auto row = MyPage::for_booking(1);
    row.on_booked(kFacts);
    row.on_review_opened(31);
    row.on_review_written(0, 10, "VeryGood");  // {"eventType":"WrittenReview", no "id"}
    CHECK(row.review_id() == 31);
    CHECK(row.score() == 10);
    row.on_ticket_created(21);
    row.on_ticket_printed(0);
    CHECK(row.ticket_id() == 21);
    CHECK(row.ticket_status() == "Printed");
}

TEST_CASE("MyPage: a later write of the same review replaces score and contents", "[mypage]") {
    auto row = MyPage::for_booking(1);
    row.on_booked(kFacts);
    row.on_review_written(31, 3, "meh");
    row.on_review_written(31, 9, "better");
    CHECK(row.score() == 9);
    CHECK(row.contents() == "better");
}

TEST_CASE("MyPage: Canceled wins over every other status and voids a Waiting ticket", "[mypage]") {
    auto row = MyPage::for_booking(1);
    row.on_booked(kFacts);
    row.on_ticket_created(21);
    row.on_booking_canceled(kFacts);
    CHECK(row.status() == "Canceled");
    CHECK(row.ticket_status() == "Canceled");
    row.on_booked(kFacts);  // a redelivered Booked does not resurrect it
    CHECK(row.status() == "Canceled");
    row.on_payment_canceled(11);
    CHECK(row.payment_status() == "Canceled");
    row.on_paid(11);  // Paid arriving after PaymentCanceled does not move it back
    CHECK(row.payment_status() == "Canceled");
}

TEST_CASE("MyPage: a Canceled that arrives before Booked still shows the booking, Canceled",
          "[mypage]") {
    auto row = MyPage::for_booking(1);
    row.on_booking_canceled(kFacts);
    CHECK(row.visible());
    CHECK(row.status() == "Canceled");
    CHECK(row.facts().movie_name == "soul");
}

TEST_CASE("MyPage: state() and restore() round-trip every field", "[mypage]") {
    auto row = MyPage::for_booking(4);
    row.assign_id(9);
    row.on_booked(kFacts);
    row.on_paid(11);
    row.on_ticket_printed(21);
    row.on_review_written(31, 7, "fine");
    const auto copy = MyPage::restore(row.state());
    CHECK(dump(copy) == dump(row));
    CHECK(copy.id() == 9);
}

// --- convergence ------------------------------------------------------------------------

TEST_CASE(
    "MyPage convergence: every permutation of the 8 event kinds for one booking ends in "
    "the same state",
    "[mypage][convergence]") {
    const auto events = all_events();
    std::size_t permutations = 0;
    const auto states =
        final_states(std::vector<NamedEvent>(events.begin(), events.end()), permutations);
    CHECK(permutations == 40320);  // 8!
    REQUIRE(states.size() == 1);
    // Canceled dominates the customer-facing status; each source keeps its highest status.
    auto expected = MyPage::for_booking(1);
    for (const auto& e : events)
        e.apply(expected);
    CHECK(states.front() == dump(expected));
    CHECK(expected.status() == "Canceled");
    CHECK(expected.payment_status() == "Canceled");
    CHECK(expected.review_status() == "Written");
}

TEST_CASE("MyPage convergence: the happy path in any order ends ReviewComplete",
          "[mypage][convergence]") {
    std::size_t permutations = 0;
    const auto states = final_states(
        pick({"Booked", "Paid", "Created", "WaitedReview", "Printed", "WrittenReview"}),
        permutations);
    CHECK(permutations == 720);
    REQUIRE(states.size() == 1);
    CHECK(states.front().find("status=ReviewComplete ") != std::string::npos);
    CHECK(states.front().find("ticket_status=Printed ") != std::string::npos);
}

TEST_CASE(
    "MyPage convergence: the cancel path in any order ends Canceled, ticket Canceled, "
    "payment Canceled",
    "[mypage][convergence]") {
    std::size_t permutations = 0;
    const auto states = final_states(
        pick({"Booked", "Paid", "Created", "Canceled", "PaymentCanceled"}), permutations);
    CHECK(permutations == 120);
    REQUIRE(states.size() == 1);
    CHECK(states.front().find("status=Canceled ticket_status=Canceled") != std::string::npos);
    CHECK(states.front().find("payment=11/Canceled") != std::string::npos);
}

TEST_CASE("MyPage convergence: a redelivered event (any kind, at any point) changes nothing",
          "[mypage][convergence]") {
    const auto events = all_events();
    auto once = MyPage::for_booking(1);
    for (const auto& e : events)
        e.apply(once);
    for (std::size_t dup = 0; dup < events.size(); ++dup) {
        for (std::size_t at = 0; at <= events.size(); ++at) {
            auto twice = MyPage::for_booking(1);
            for (std::size_t i = 0; i <= events.size(); ++i) {
                if (i == at)
                    events[dup].apply(twice);
                if (i < events.size())
                    events[i].apply(twice);
            }
            INFO("duplicate " << events[dup].name << " at position " << at);
            CHECK(dump(twice) == dump(once));
        }
    }
}

}  // namespace
}  // namespace mb::domain::mypage
