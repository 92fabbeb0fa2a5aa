// Each Sqlite*Repository against a real SQLite file: add assigns increasing ids, find returns
// every field as stored, update changes what the aggregate changed, list pages by id with the
// total, and the UNIQUE rules of the schema hold.
#include <chrono>
#include <string>

#include <catch2/catch.hpp>

#include "adapters/persistence/sql_booking_repository.hpp"
#include "adapters/persistence/sql_my_page_repository.hpp"
#include "adapters/persistence/sql_payment_repository.hpp"
#include "adapters/persistence/sql_review_repository.hpp"
#include "adapters/persistence/sql_ticket_repository.hpp"
#include "adapters/persistence/unreadable_row.hpp"
#include "fakes/fixed_clock.hpp"
#include "persistence_test_support.hpp"

namespace mb::adapters::persistence::test {
namespace {

using mb::test::FixedClock;
namespace booking = domain::booking;
namespace payment = domain::payment;
namespace ticket = domain::ticket;
namespace review = domain::review;
namespace mypage = domain::mypage;

/// A UNIQUE violation surfaces as soci_error with SQLite's SQLITE_CONSTRAINT (19).
template <class F>
void check_unique_violation(F f) {
    try {
        f();
        FAIL("expected a UNIQUE constraint violation");
    } catch (const soci::soci_error& e) {
        INFO(e.what());
        CHECK(is_unique_violation(e));  // SQLite 2067/1555, PostgreSQL 23505
    }
}

booking::Booking new_booking(FixedClock& clock, const std::string& customer = "customer-1") {
    return booking::Booking::place({customer, "soul", "1A,2B", 2, 10000}, clock.now()).value();
}

// --- bookings ---------------------------------------------------------------------------

TEST_CASE("SqlBookingRepository: add assigns ids from 1, find returns every field",
          "[persistence][booking]") {
    TempDir dir;
    Database db(at(dir.file("booking.db")), booking_migrations());
    SqlBookingRepository repo(db);
    FixedClock clock;
    auto first = new_booking(clock);
    repo.add(first);
    auto second = new_booking(clock);
    repo.add(second);
    CHECK(first.id() == 1);
    CHECK(second.id() == 2);

    const auto found = repo.find(1);
    REQUIRE(found);
    CHECK(found->id() == 1);
    CHECK(found->customer_id() == "customer-1");
    CHECK(found->details().movie_name == "soul");
    CHECK(found->details().seat == "1A,2B");
    CHECK(found->details().qty == 2);
    CHECK(found->details().total_price == 10000);
    CHECK(found->status() == booking::BookingStatus::kPending);
    CHECK(found->payment_id() == 0);
    CHECK_FALSE(found->cancel_requested());
    CHECK(found->created_at() == clock.now());
    CHECK(found->updated_at() == clock.now());
    CHECK_FALSE(repo.find(3).has_value());
}

TEST_CASE("SqlBookingRepository: update stores status, payment, cancel intent and time",
          "[persistence][booking]") {
    TempDir dir;
    Database db(at(dir.file("booking.db")), booking_migrations());
    SqlBookingRepository repo(db);
    FixedClock clock;
    auto b = new_booking(clock);
    repo.add(b);
    clock.advance(std::chrono::seconds(3));
    REQUIRE(b.confirm(70, clock.now()));
    REQUIRE(b.request_cancel(clock.now()));
    repo.update(b);
    auto found = repo.find(b.id());
    REQUIRE(found);
    CHECK(found->status() == booking::BookingStatus::kPaidComplete);
    CHECK(found->payment_id() == 70);
    CHECK(found->cancel_requested());
    CHECK(found->updated_at() == clock.now());
    CHECK(found->created_at() == clock.now() - std::chrono::seconds(3));

    REQUIRE(found->cancel(clock.now()));
    repo.update(*found);
    CHECK(repo.find(b.id())->status() == booking::BookingStatus::kCanceled);
    CHECK_FALSE(repo.find(b.id())->cancel_requested());
}

TEST_CASE("SqlBookingRepository: remove deletes, ids are never reused",
          "[persistence][booking]") {
    TempDir dir;
    Database db(at(dir.file("booking.db")), booking_migrations());
    SqlBookingRepository repo(db);
    FixedClock clock;
    auto a = new_booking(clock);
    repo.add(a);
    auto b = new_booking(clock);
    repo.add(b);
    repo.remove(b.id());
    CHECK_FALSE(repo.find(b.id()).has_value());
    CHECK(repo.find(a.id()).has_value());
    auto c = new_booking(clock);
    repo.add(c);
    CHECK(c.id() == 3);  // AUTOINCREMENT: 2 is not handed out again
}

TEST_CASE(
    "SqlBookingRepository: list pages visible bookings by id, Pending ones hidden and "
    "not counted",
    "[persistence][booking]") {
    TempDir dir;
    Database db(at(dir.file("booking.db")), booking_migrations());
    SqlBookingRepository repo(db);
    FixedClock clock;
    for (int i = 0; i < 7; ++i) {
        auto b = new_booking(clock);
        repo.add(b);
        if (i != 3) {  // booking 4 stays Pending
            REQUIRE(b.confirm(100 + i, clock.now()));
            repo.update(b);
        }
    }
    const auto p0 = repo.list({0, 4});
    CHECK(p0.total == 6);
    REQUIRE(p0.items.size() == 4);
    CHECK(p0.items[0].id() == 1);
    CHECK(p0.items[2].id() == 3);
    CHECK(p0.items[3].id() == 5);
    const auto p1 = repo.list({1, 4});
    REQUIRE(p1.items.size() == 2);
    CHECK(p1.items[0].id() == 6);
    CHECK(p1.items[1].id() == 7);
    CHECK(p1.total == 6);
    CHECK(repo.list({5, 4}).items.empty());
}

TEST_CASE(
    "SqlBookingRepository::pending: an earlier run of this instance is settled whatever its "
    "age, another replica's or this run's booking only past the safe age",
    "[persistence][booking][replicas]") {
    // Issue 12: replicas share the bookings on PostgreSQL; a start-up recovery with no minimum
    // age would refund another replica's live saga.
    TempDir dir;
    Database db(at(dir.file("booking.db")), booking_migrations());
    FixedClock clock;
    SqlBookingRepository crashed(db, {"replica-1", "run-a"});
    SqlBookingRepository other(db, {"replica-2", "run-x"});
    auto left = new_booking(clock);
    crashed.add(left);  // replica 1's run a died with it Pending
    auto live = new_booking(clock);
    other.add(live);  // replica 2 is working on it
    SqlBookingRepository restarted(db, {"replica-1", "run-b"});
    auto mine = new_booking(clock);
    restarted.add(mine);
    const auto before = clock.now() - std::chrono::seconds(60);  // nothing is that old
    const auto settle = restarted.pending(before, 10);
    REQUIRE(settle.size() == 1);
    CHECK(settle[0].id() == left.id());
    CHECK(other.pending(before, 10).empty());  // replica 1's run a is not replica 2's
    // Past the safe age, every Pending booking is settled, whoever wrote it.
    CHECK(restarted.pending(clock.now(), 10).size() == 3);
    // The last writer counts: once replica 2 has touched it, it is replica 2's live saga.
    other.update(left);
    CHECK(restarted.pending(before, 10).empty());
}

TEST_CASE(
    "SqlBookingRepository: pending and cancel_requested list by last change, oldest "
    "first, limited",
    "[persistence][booking]") {
    TempDir dir;
    Database db(at(dir.file("booking.db")), booking_migrations());
    SqlBookingRepository repo(db);
    FixedClock clock;
    auto old_pending = new_booking(clock);
    repo.add(old_pending);
    auto intent = new_booking(clock);
    repo.add(intent);
    REQUIRE(intent.confirm(1, clock.now()));
    REQUIRE(intent.request_cancel(clock.now()));
    repo.update(intent);
    const auto cutoff = clock.now();
    clock.advance(std::chrono::seconds(10));
    auto young_pending = new_booking(clock);
    repo.add(young_pending);
    auto third = new_booking(clock);
    repo.add(third);

    auto pending = repo.pending(cutoff, 100);
    REQUIRE(pending.size() == 1);
    CHECK(pending[0].id() == old_pending.id());
    pending = repo.pending(clock.now(), 100);
    REQUIRE(pending.size() == 3);
    CHECK(pending[0].id() == old_pending.id());
    CHECK(pending[1].id() == young_pending.id());
    CHECK(repo.pending(clock.now(), 2).size() == 2);

    const auto intents = repo.cancel_requested(cutoff, 100);
    REQUIRE(intents.size() == 1);
    CHECK(intents[0].id() == intent.id());
    CHECK(repo.cancel_requested(cutoff - std::chrono::seconds(1), 100).empty());
}

// --- payments ---------------------------------------------------------------------------

TEST_CASE("SqlPaymentRepository: add/find/find_by_booking/update keep every field",
          "[persistence][payment]") {
    TempDir dir;
    Database db(at(dir.file("payment.db")), payment_migrations());
    SqlPaymentRepository repo(db);
    FixedClock clock;
    auto p = payment::Payment::approve(7, "customer-1", 10000, "auth-1", clock.now()).value();
    repo.add(p);
    CHECK(p.id() == 1);
    auto found = repo.find(1);
    REQUIRE(found);
    CHECK(found->booking_id() == 7);
    CHECK(found->customer_id() == "customer-1");
    CHECK(found->amount() == 10000);
    CHECK(found->authorization() == "auth-1");
    CHECK(found->status() == payment::PaymentStatus::kPaid);
    CHECK(found->created_at() == clock.now());
    REQUIRE(repo.find_by_booking(7).has_value());
    CHECK(repo.find_by_booking(7)->id() == 1);
    CHECK_FALSE(repo.find_by_booking(8).has_value());
    CHECK_FALSE(repo.find(2).has_value());

    clock.advance(std::chrono::seconds(1));
    REQUIRE(found->refund(clock.now()));
    repo.update(*found);
    const auto refunded = repo.find(1);
    CHECK(refunded->status() == payment::PaymentStatus::kCanceled);
    CHECK(refunded->updated_at() == clock.now());
}

TEST_CASE("SqlPaymentRepository: one payment per booking is a database rule",
          "[persistence][payment]") {
    TempDir dir;
    Database db(at(dir.file("payment.db")), payment_migrations());
    SqlPaymentRepository repo(db);
    FixedClock clock;
    auto p = payment::Payment::approve(7, "c", 1, "auth-1", clock.now()).value();
    repo.add(p);
    auto twin = payment::Payment::approve(7, "c", 1, "auth-2", clock.now()).value();
    check_unique_violation([&] { repo.add(twin); });
}

TEST_CASE("SqlPaymentRepository: list pages by id with the total", "[persistence][payment]") {
    TempDir dir;
    Database db(at(dir.file("payment.db")), payment_migrations());
    SqlPaymentRepository repo(db);
    FixedClock clock;
    for (std::int64_t b = 1; b <= 5; ++b) {
        auto p = payment::Payment::approve(b, "c", b * 100, "auth", clock.now()).value();
        repo.add(p);
    }
    const auto page = repo.list({1, 2});
    CHECK(page.total == 5);
    REQUIRE(page.items.size() == 2);
    CHECK(page.items[0].id() == 3);
    CHECK(page.items[1].amount() == 400);
}

// --- tickets ----------------------------------------------------------------------------

TEST_CASE(
    "SqlTicketRepository: add/find/find_by_booking/update keep every field, the print "
    "lease included",
    "[persistence][ticket]") {
    TempDir dir;
    Database db(at(dir.file("ticket.db")), ticket_migrations());
    SqlTicketRepository repo(db);
    FixedClock clock;
    auto t = ticket::Ticket::issue({7, "customer-1", "soul", "1A,2B", 2}, clock.now());
    repo.add(t);
    CHECK(t.id() == 1);
    auto found = repo.find_by_booking(7);
    REQUIRE(found);
    CHECK(found->id() == 1);
    CHECK(found->status() == ticket::TicketStatus::kWaiting);
    CHECK_FALSE(found->print_lease_until().has_value());  // NULL column
    CHECK(found->details().customer_id == "customer-1");
    CHECK(found->details().movie_name == "soul");
    CHECK(found->details().seat == "1A,2B");
    CHECK(found->details().qty == 2);

    REQUIRE(found->begin_print(clock.now(), std::chrono::milliseconds(1500)));
    repo.update(*found);
    found = repo.find(1);
    REQUIRE(found->print_lease_until().has_value());
    CHECK(*found->print_lease_until() == clock.now() + std::chrono::milliseconds(1500));

    REQUIRE(found->complete_print(clock.now()));
    repo.update(*found);
    found = repo.find(1);
    CHECK(found->status() == ticket::TicketStatus::kPrinted);
    CHECK_FALSE(found->print_lease_until().has_value());
    CHECK_FALSE(repo.find(2).has_value());
    CHECK_FALSE(repo.find_by_booking(8).has_value());
}

TEST_CASE("SqlTicketRepository: a placeholder's late details are stored by update",
          "[persistence][ticket]") {
    TempDir dir;
    Database db(at(dir.file("ticket.db")), ticket_migrations());
    SqlTicketRepository repo(db);
    FixedClock clock;
    auto t = ticket::Ticket::voided(7, clock.now());
    repo.add(t);
    t.fill_details({7, "customer-1", "soul", "1A,2B", 2});
    repo.update(t);
    const auto found = repo.find_by_booking(7);
    REQUIRE(found);
    CHECK(found->status() == ticket::TicketStatus::kCanceled);
    CHECK(found->details().movie_name == "soul");
    CHECK(found->details().qty == 2);
}

TEST_CASE("SqlTicketRepository: one ticket per booking, list pages by id",
          "[persistence][ticket]") {
    TempDir dir;
    Database db(at(dir.file("ticket.db")), ticket_migrations());
    SqlTicketRepository repo(db);
    FixedClock clock;
    for (std::int64_t b = 1; b <= 3; ++b) {
        auto t = ticket::Ticket::issue({b, "c", "m", "A1", 1}, clock.now());
        repo.add(t);
    }
    auto twin = ticket::Ticket::issue({2, "c", "m", "A1", 1}, clock.now());
    check_unique_violation([&] { repo.add(twin); });
    const auto page = repo.list({0, 2});
    CHECK(page.total == 3);
    REQUIRE(page.items.size() == 2);
    CHECK(page.items[0].booking_id() == 1);
    CHECK(page.items[1].booking_id() == 2);
    CHECK(repo.list({1, 2}).items.size() == 1);
}

// --- reviews ----------------------------------------------------------------------------

TEST_CASE(
    "SqlReviewRepository: an opened review has no score (NULL), a written one keeps "
    "score, contents and weather",
    "[persistence][review]") {
    TempDir dir;
    Database db(at(dir.file("review.db")), review_migrations());
    SqlReviewRepository repo(db);
    FixedClock clock;
    auto r = review::Review::open(7, "alice", "Sunny", clock.now());
    repo.add(r);
    CHECK(r.id() == 1);
    auto found = repo.find(1);
    REQUIRE(found);
    CHECK(found->booking_id() == 7);
    CHECK_FALSE(found->score().has_value());
    CHECK(found->weather() == "Sunny");
    CHECK(found->status() == review::ReviewStatus::kWaitingReview);

    const std::string contents = "\xec\xa2\x8b\xec\x95\x84\xec\x9a\x94 VeryGood";
    REQUIRE(found->write(0, contents, clock.now()));  // score 0 is a score, not NULL
    repo.update(*found);
    found = repo.find_by_booking(7);
    REQUIRE(found);
    CHECK(found->score() == 0);
    CHECK(found->contents() == contents);
    CHECK(found->status() == review::ReviewStatus::kWritten);
    CHECK_FALSE(repo.find_by_booking(8).has_value());
}

TEST_CASE("SqlReviewRepository: one review per booking, list pages by id",
          "[persistence][review]") {
    TempDir dir;
    Database db(at(dir.file("review.db")), review_migrations());
    SqlReviewRepository repo(db);
    FixedClock clock;
    for (std::int64_t b = 1; b <= 3; ++b) {
        auto r = review::Review::open(b, "alice", "Rainy", clock.now());
        repo.add(r);
    }
    auto twin = review::Review::open(3, "alice", "Rainy", clock.now());
    check_unique_violation([&] { repo.add(twin); });
    const auto page = repo.list({1, 2});
    CHECK(page.total == 3);
    REQUIRE(page.items.size() == 1);
    CHECK(page.items[0].booking_id() == 3);
}

// --- filtered to a customer (issue 9) ---------------------------------------------------

TEST_CASE(
    "list_by_customer: bookings, payments, tickets and reviews of one customer only, "
    "paged by id with that customer's total",
    "[persistence][security]") {
    TempDir dir;
    FixedClock clock;
    const std::vector<std::string> owners{"alice", "bob", "alice", "carol", "alice"};
    {
        Database db(at(dir.file("booking.db")), booking_migrations());
        SqlBookingRepository repo(db);
        for (const auto& who : owners) {
            auto b = new_booking(clock, who);
            repo.add(b);
            REQUIRE(b.confirm(9, clock.now()));
            repo.update(b);
        }
        auto pending = new_booking(clock, "alice");  // Pending bookings are never listed
        repo.add(pending);
        const auto page = repo.list_by_customer("alice", {1, 2});
        CHECK(page.total == 3);
        REQUIRE(page.items.size() == 1);
        CHECK(page.items[0].id() == 5);
        CHECK(repo.list_by_customer("nobody", {0, 20}).total == 0);
    }
    {
        Database db(at(dir.file("payment.db")), payment_migrations());
        SqlPaymentRepository repo(db);
        for (std::size_t i = 0; i < owners.size(); ++i) {
            auto p = payment::Payment::approve(static_cast<std::int64_t>(i + 1), owners[i], 100,
                                               "auth", clock.now())
                         .value();
            repo.add(p);
        }
        const auto page = repo.list_by_customer("alice", {0, 20});
        CHECK(page.total == 3);
        REQUIRE(page.items.size() == 3);
        CHECK(page.items[1].booking_id() == 3);
        for (const auto& p : page.items)
            CHECK(p.customer_id() == "alice");
        CHECK(repo.list({0, 20}).total == 5);
    }
    {
        Database db(at(dir.file("ticket.db")), ticket_migrations());
        SqlTicketRepository repo(db);
        for (std::size_t i = 0; i < owners.size(); ++i) {
            auto t = ticket::Ticket::issue(
                {static_cast<std::int64_t>(i + 1), owners[i], "soul", "1A", 1}, clock.now());
            repo.add(t);
        }
        const auto page = repo.list_by_customer("bob", {0, 20});
        REQUIRE(page.items.size() == 1);
        CHECK(page.items[0].booking_id() == 2);
        CHECK(page.total == 1);
    }
    {
        Database db(at(dir.file("review.db")), review_migrations());
        SqlReviewRepository repo(db);
        for (std::size_t i = 0; i < owners.size(); ++i) {
            auto r = review::Review::open(static_cast<std::int64_t>(i + 1), owners[i], "Rainy",
                                          clock.now());
            repo.add(r);
        }
        const auto page = repo.list_by_customer("alice", {0, 2});
        CHECK(page.total == 3);
        REQUIRE(page.items.size() == 2);
        CHECK(repo.find(page.items[0].id())->customer_id() == "alice");
    }
}

// --- my page ----------------------------------------------------------------------------

mypage::MyPage row_for(std::int64_t booking_id, const std::string& customer, bool booked) {
    auto row = mypage::MyPage::for_booking(booking_id);
    if (booked)
        row.on_booked({customer, "soul", "1A,2B", 2, 10000, 0, ""});
    row.on_paid(booking_id * 10);
    return row;
}

TEST_CASE(
    "SqlMyPageRepository: save inserts then updates the row of its booking, every "
    "field is kept",
    "[persistence][mypage]") {
    TempDir dir;
    Database db(at(dir.file("mypage.db")), mypage_migrations());
    SqlMyPageRepository repo(db);
    auto row = mypage::MyPage::for_booking(7);
    repo.save(row);
    CHECK(row.id() == 1);
    auto found = repo.find_by_booking(7);
    REQUIRE(found);
    CHECK_FALSE(found->visible());
    CHECK_FALSE(found->score().has_value());

    found->on_booked({"customer-1", "soul", "A1,B2", 2, 10000, 3, "2030-01-01T10:00:00Z"});
    found->on_paid(11);
    found->on_ticket_printed(21);
    found->on_review_written(31, 10, "VeryGood");
    repo.save(*found);
    CHECK(found->id() == 1);  // updated, not inserted again
    const auto again = repo.find(1);
    REQUIRE(again);
    const auto s = again->state();
    const auto expected = found->state();
    CHECK(s.booking_id == 7);
    CHECK(s.booked);
    CHECK(s.facts.customer_id == "customer-1");
    CHECK(s.facts.movie_name == "soul");
    CHECK(s.facts.seat == "A1,B2");
    CHECK(s.facts.qty == 2);
    CHECK(s.facts.total_price == 10000);
    CHECK(s.facts.screening_id == 3);
    CHECK(s.facts.screening_starts_at == "2030-01-01T10:00:00Z");
    CHECK(s.booking_status == expected.booking_status);
    CHECK(s.payment_id == 11);
    CHECK(s.payment_status == "Paid");
    CHECK(s.ticket_id == 21);
    CHECK(s.ticket_status == "Printed");
    CHECK(s.review_id == 31);
    CHECK(s.review_status == "Written");
    CHECK(s.score == 10);
    CHECK(s.contents == "VeryGood");
    CHECK(again->status() == "ReviewComplete");
    CHECK_FALSE(repo.find(2).has_value());
}

TEST_CASE("SqlMyPageRepository: list shows visible rows only, paged by id, with the total",
          "[persistence][mypage]") {
    TempDir dir;
    Database db(at(dir.file("mypage.db")), mypage_migrations());
    SqlMyPageRepository repo(db);
    for (std::int64_t b = 1; b <= 6; ++b) {
        auto row = row_for(b, b % 2 == 0 ? "alice" : "bob", b != 4);  // booking 4 never booked
        repo.save(row);
    }
    const auto p0 = repo.list({0, 3});
    CHECK(p0.total == 5);
    REQUIRE(p0.items.size() == 3);
    CHECK(p0.items[0].booking_id() == 1);
    CHECK(p0.items[2].booking_id() == 3);
    const auto p1 = repo.list({1, 3});
    REQUIRE(p1.items.size() == 2);
    CHECK(p1.items[0].booking_id() == 5);
    CHECK(p1.items[1].booking_id() == 6);
}

TEST_CASE(
    "SqlMyPageRepository: list_by_customer filters by customer, visible rows only, "
    "paged",
    "[persistence][mypage]") {
    TempDir dir;
    Database db(at(dir.file("mypage.db")), mypage_migrations());
    SqlMyPageRepository repo(db);
    for (std::int64_t b = 1; b <= 6; ++b) {
        auto row = row_for(b, b % 2 == 0 ? "alice" : "bob", b != 4);
        repo.save(row);
    }
    const auto alice = repo.list_by_customer("alice", {0, 1});
    CHECK(alice.total == 2);  // bookings 2 and 6 (4 is invisible)
    REQUIRE(alice.items.size() == 1);
    CHECK(alice.items[0].booking_id() == 2);
    const auto alice_next = repo.list_by_customer("alice", {1, 1});
    REQUIRE(alice_next.items.size() == 1);
    CHECK(alice_next.items[0].booking_id() == 6);
    CHECK(repo.list_by_customer("bob", {0, 20}).total == 3);
    CHECK(repo.list_by_customer("carol", {0, 20}).items.empty());
}

}  // namespace
// --- rows this version cannot read (issue 12, item 7) ----------------------------------

namespace {

/// Overwrites one row's status with a name no version of the domain knows.
void corrupt_status(Database& db, const std::string& table, std::int64_t id) {
    db.session() << "UPDATE " + table + " SET status = 'Bogus' WHERE id = " + std::to_string(id);
}

/// `read` throws UnreadableRow naming table, id and column, and the process-wide count grows.
template <class F>
void check_unreadable(F read, const std::string& table, std::int64_t id) {
    const auto before = unreadable_rows();
    try {
        read();
        FAIL("expected UnreadableRow, got a row with a guessed status");
    } catch (const UnreadableRow& e) {
        CHECK(e.table() == table);
        CHECK(e.id() == id);
        CHECK(e.column() == "status");
        CHECK(std::string(e.what()).find("Bogus") != std::string::npos);
    }
    CHECK(unreadable_rows() == before + 1);
}

}  // namespace

TEST_CASE("Repositories: a stored status no version knows is an error, never a default",
          "[persistence]") {
    TempDir dir;
    FixedClock clock;
    SECTION("booking (a guessed Pending would be refunded and deleted by recovery)") {
        Database db(at(dir.file("booking.db")), booking_migrations());
        SqlBookingRepository repo(db);
        auto b = new_booking(clock);
        repo.add(b);
        corrupt_status(db, "bookings", b.id());
        check_unreadable([&] { (void)repo.find(b.id()); }, "bookings", b.id());
    }
    SECTION("payment") {
        Database db(at(dir.file("payment.db")), payment_migrations());
        SqlPaymentRepository repo(db);
        auto p = payment::Payment::approve(7, "customer-1", 10000, "auth-1", clock.now()).value();
        repo.add(p);
        corrupt_status(db, "payments", p.id());
        check_unreadable([&] { (void)repo.find_by_booking(7); }, "payments", p.id());
    }
    SECTION("ticket") {
        Database db(at(dir.file("ticket.db")), ticket_migrations());
        SqlTicketRepository repo(db);
        auto t = ticket::Ticket::issue({7, "customer-1", "soul", "1A,2B", 2}, clock.now());
        repo.add(t);
        corrupt_status(db, "tickets", t.id());
        check_unreadable([&] { (void)repo.find(t.id()); }, "tickets", t.id());
    }
    SECTION("review") {
        Database db(at(dir.file("review.db")), review_migrations());
        SqlReviewRepository repo(db);
        auto r = review::Review::open(7, "alice", "Sunny", clock.now());
        repo.add(r);
        corrupt_status(db, "reviews", r.id());
        check_unreadable([&] { (void)repo.find_by_booking(7); }, "reviews", r.id());
    }
}

}  // namespace mb::adapters::persistence::test
