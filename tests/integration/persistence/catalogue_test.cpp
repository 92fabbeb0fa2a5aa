// SqlCatalogueRepository and SqliteSeatInventory against a real SQLite file (booking
// module schema): movies, screens (with their seat maps) and screenings are stored and found
// field for field, listed by id with the total; the seat inventory holds, takes and releases a
// booking's seats and counts every change per screening; "no seat is sold twice" is a database
// rule (primary key screening x seat), and a refused hold leaves nothing behind once the unit of
// work rolls the job back.
#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "adapters/persistence/sql_booking_repository.hpp"
#include "adapters/persistence/sql_catalogue_repository.hpp"
#include "domain/booking/booking.hpp"
#include "domain/booking/errors.hpp"
#include "fakes/fixed_clock.hpp"
#include "persistence_test_support.hpp"

namespace mb::adapters::persistence::test {
namespace {

using mb::test::FixedClock;
using namespace std::chrono_literals;
namespace booking = domain::booking;
using booking::SeatState;
using Labels = std::vector<std::string>;
using States = std::map<std::string, SeatState>;

booking::Movie movie(std::string title = "soul") {
    return booking::Movie{0, std::move(title), 100, "ALL"};
}

booking::Screen screen(std::string name = "Screen 1", std::int64_t rows = 3,
                       std::int64_t per_row = 4, const Labels& blocked = {"C4"},
                       const Labels& gaps = {"B4"}) {
    domain::FieldErrors errors;
    auto map = booking::SeatMap::create(rows, per_row, blocked, gaps, errors);
    REQUIRE(map);
    return booking::Screen{0, std::move(name), std::move(*map)};
}

/// The booking module's database with one movie, one screen and one screening, as most
/// tests need.
struct Catalogue {
    explicit Catalogue(Database& db) : repo(db) {
        repo.add(soul);
        repo.add(hall);
        screening = booking::Screening{0, soul.id, hall.id, FixedClock::seed_time() + 24h, 5000};
        repo.add(screening);
    }
    SqlCatalogueRepository repo;
    booking::Movie soul = movie();
    booking::Screen hall = screen();
    booking::Screening screening;
};

/// The booking holding a seat, read straight from the table.
std::optional<std::int64_t> holder(Database& db, std::int64_t screening_id,
                                   const std::string& seat) {
    std::int64_t booking_id = 0;
    soci::indicator ind = soci::i_null;
    db.session() << "SELECT booking_id FROM seat_reservations WHERE screening_id = :s AND "
                    "seat = :seat",
        soci::into(booking_id, ind), soci::use(screening_id), soci::use(seat);
    if (!db.session().got_data() || ind != soci::i_ok)
        return std::nullopt;
    return booking_id;
}

std::int64_t reservation_count(Database& db) {
    std::int64_t n = 0;
    db.session() << "SELECT COUNT(*) FROM seat_reservations", soci::into(n);
    return n;
}

// --- catalogue ----------------------------------------------------------------------------

TEST_CASE("SqlCatalogueRepository: add assigns ids from 1, find returns every field",
          "[persistence][catalogue]") {
    TempDir dir;
    Database db(at(dir.file("booking.db")), booking_migrations());
    SqlCatalogueRepository repo(db);
    auto soul = movie("soul");
    auto parasite = booking::Movie{0, "parasite", 132, "15"};
    repo.add(soul);
    repo.add(parasite);
    CHECK(soul.id == 1);
    CHECK(parasite.id == 2);
    const auto found = repo.movie(2);
    REQUIRE(found);
    CHECK(found->id == 2);
    CHECK(found->title == "parasite");
    CHECK(found->runtime_minutes == 132);
    CHECK(found->rating == "15");
    CHECK_FALSE(repo.movie(3).has_value());

    auto hall = screen("Screen 1", 10, 12, {"J1", "J12"}, {"E5", "E6"});
    repo.add(hall);
    CHECK(hall.id == 1);
    const auto s = repo.screen(hall.id);
    REQUIRE(s);
    CHECK(s->name == "Screen 1");
    CHECK(s->seat_map.rows() == 10);
    CHECK(s->seat_map.seats_per_row() == 12);
    CHECK(s->seat_map.blocked() == std::set<std::string>{"J1", "J12"});
    CHECK(s->seat_map.gaps() == std::set<std::string>{"E5", "E6"});
    CHECK(s->seat_map.capacity() == 116);
    CHECK_FALSE(repo.screen(2).has_value());

    // Milliseconds are the unit of the column: a start with milliseconds comes back exactly.
    const auto starts = FixedClock::seed_time() + 24h + 123ms;
    booking::Screening screening{0, soul.id, hall.id, starts, 5000};
    repo.add(screening);
    CHECK(screening.id == 1);
    const auto sc = repo.screening(1);
    REQUIRE(sc);
    CHECK(sc->id == 1);
    CHECK(sc->movie_id == soul.id);
    CHECK(sc->screen_id == hall.id);
    CHECK(sc->starts_at == starts);
    CHECK(sc->price == 5000);
    CHECK_FALSE(repo.screening(2).has_value());
}

TEST_CASE(
    "SqlCatalogueRepository: a screen without blocked seats or gaps keeps an empty seat "
    "map list",
    "[persistence][catalogue]") {
    TempDir dir;
    Database db(at(dir.file("booking.db")), booking_migrations());
    SqlCatalogueRepository repo(db);
    auto plain = screen("Plain", 2, 2, {}, {});
    repo.add(plain);
    const auto s = repo.screen(plain.id);
    REQUIRE(s);
    CHECK(s->seat_map.blocked().empty());
    CHECK(s->seat_map.gaps().empty());
    CHECK(s->seat_map.seats() == Labels{"A1", "A2", "B1", "B2"});
}

TEST_CASE("SqlCatalogueRepository: movie_by_title and screen_by_name find the first by id",
          "[persistence][catalogue]") {
    TempDir dir;
    Database db(at(dir.file("booking.db")), booking_migrations());
    SqlCatalogueRepository repo(db);
    auto first = movie("soul");
    auto other = movie("parasite");
    auto twin = movie("soul");
    repo.add(first);
    repo.add(other);
    repo.add(twin);
    REQUIRE(repo.movie_by_title("soul"));
    CHECK(repo.movie_by_title("soul")->id == first.id);
    CHECK(repo.movie_by_title("parasite")->id == other.id);
    // Titles compare case-insensitively: the seed's "soul" finds "Soul" (the port's contract).
    REQUIRE(repo.movie_by_title("SOUL").has_value());
    CHECK(repo.movie_by_title("SOUL")->id == first.id);
    CHECK_FALSE(repo.movie_by_title("").has_value());

    auto one = screen("Screen 1");
    auto two = screen("Screen 2");
    repo.add(one);
    repo.add(two);
    REQUIRE(repo.screen_by_name("Screen 2"));
    CHECK(repo.screen_by_name("Screen 2")->id == two.id);
    CHECK_FALSE(repo.screen_by_name("Screen 3").has_value());
}

TEST_CASE(
    "SqlCatalogueRepository::next_screening: the movie's earliest screening starting "
    "strictly after the given time",
    "[persistence][catalogue]") {
    TempDir dir;
    Database db(at(dir.file("booking.db")), booking_migrations());
    SqlCatalogueRepository repo(db);
    auto soul = movie("soul");
    auto other = movie("parasite");
    auto hall = screen();
    repo.add(soul);
    repo.add(other);
    repo.add(hall);
    const auto now = FixedClock::seed_time();
    auto add = [&](std::int64_t movie_id, domain::TimePoint at) {
        booking::Screening s{0, movie_id, hall.id, at, 5000};
        repo.add(s);
        return s.id;
    };
    add(soul.id, now - 1h);  // started
    const auto late = add(soul.id, now + 48h);
    const auto next = add(soul.id, now + 2h);
    add(other.id, now + 1h);                // another movie
    const auto at_now = add(soul.id, now);  // starts right now: not "after"

    REQUIRE(repo.next_screening(soul.id, now));
    CHECK(repo.next_screening(soul.id, now)->id == next);
    CHECK(repo.next_screening(soul.id, now + 2h)->id == late);
    CHECK(repo.next_screening(soul.id, now - 1s)->id == at_now);
    CHECK_FALSE(repo.next_screening(soul.id, now + 48h).has_value());
    CHECK_FALSE(repo.next_screening(99, now).has_value());
}

TEST_CASE(
    "SqlCatalogueRepository::screening_at finds the same movie on the same screen at the "
    "same time only",
    "[persistence][catalogue]") {
    TempDir dir;
    Database db(at(dir.file("booking.db")), booking_migrations());
    Catalogue c(db);
    const auto& s = c.screening;
    REQUIRE(c.repo.screening_at(s.movie_id, s.screen_id, s.starts_at));
    CHECK(c.repo.screening_at(s.movie_id, s.screen_id, s.starts_at)->id == s.id);
    CHECK_FALSE(c.repo.screening_at(s.movie_id, s.screen_id, s.starts_at + 1h).has_value());
    CHECK_FALSE(c.repo.screening_at(s.movie_id + 1, s.screen_id, s.starts_at).has_value());
    CHECK_FALSE(c.repo.screening_at(s.movie_id, s.screen_id + 1, s.starts_at).has_value());
}

TEST_CASE("SqlCatalogueRepository: movies, screens and screenings page by id with the total",
          "[persistence][catalogue]") {
    TempDir dir;
    Database db(at(dir.file("booking.db")), booking_migrations());
    SqlCatalogueRepository repo(db);
    auto hall = screen("Screen 1");
    repo.add(hall);
    auto hall2 = screen("Screen 2");
    repo.add(hall2);
    for (int i = 0; i < 5; ++i) {
        auto m = movie("movie " + std::to_string(i));
        repo.add(m);
        booking::Screening s{0, m.id, hall.id, FixedClock::seed_time() + std::chrono::hours(i),
                             1000 * (i + 1)};
        repo.add(s);
    }

    const auto movies = repo.movies({1, 2});
    CHECK(movies.total == 5);
    REQUIRE(movies.items.size() == 2);
    CHECK(movies.items[0].id == 3);
    CHECK(movies.items[0].title == "movie 2");
    CHECK(movies.items[1].id == 4);
    CHECK(repo.movies({2, 2}).items.size() == 1);
    CHECK(repo.movies({3, 2}).items.empty());

    const auto screens = repo.screens({0, 20});
    CHECK(screens.total == 2);
    REQUIRE(screens.items.size() == 2);
    CHECK(screens.items[0].name == "Screen 1");
    CHECK(screens.items[1].name == "Screen 2");
    CHECK(screens.items[1].seat_map.capacity() == 10);
    REQUIRE(repo.screens({1, 1}).items.size() == 1);
    CHECK(repo.screens({1, 1}).items[0].id == hall2.id);

    const auto all = repo.screenings({0, 20});
    CHECK(all.total == 5);
    REQUIRE(all.items.size() == 5);
    CHECK(all.items[0].id == 1);
    CHECK(all.items[4].id == 5);
    CHECK(all.items[4].price == 5000);
    const auto second_page = repo.screenings({1, 2});
    CHECK(second_page.total == 5);
    REQUIRE(second_page.items.size() == 2);
    CHECK(second_page.items[0].id == 3);
    CHECK(second_page.items[1].id == 4);
    const auto last_page = repo.screenings({2, 2});
    REQUIRE(last_page.items.size() == 1);
    CHECK(last_page.items[0].id == 5);
}

TEST_CASE(
    "SqlCatalogueRepository cache: committed rows are served from memory, a screening "
    "registered later is seen by the next read",
    "[persistence][catalogue][cache]") {
    TempDir dir;
    Database db(at(dir.file("booking.db")), booking_migrations());
    Catalogue c(db);
    REQUIRE(c.repo.screening(c.screening.id));
    REQUIRE(c.repo.screen(c.hall.id));
    REQUIRE(c.repo.movie(c.soul.id));
    CHECK(c.repo.cached_rows() == 3);
    // Served from the cache: the same values again.
    CHECK(c.repo.screening(c.screening.id)->price == 5000);
    CHECK(c.repo.screen(c.hall.id)->seat_map.blocked() == std::set<std::string>{"C4"});
    // A missing id is not cached: once registered (in a committed unit of work) it is found.
    CHECK_FALSE(c.repo.screening(c.screening.id + 1).has_value());
    db.begin();
    booking::Screening later{0, c.soul.id, c.hall.id, FixedClock::seed_time() + 48h, 7000};
    c.repo.add(later);
    db.commit();
    REQUIRE(later.id == c.screening.id + 1);
    const auto found = c.repo.screening(later.id);
    REQUIRE(found);
    CHECK(found->price == 7000);
    CHECK(c.repo.screening(c.screening.id)->price == 5000);
}

TEST_CASE(
    "SqlCatalogueRepository cache: a row added in a transaction that rolls back is never "
    "cached - the row that later takes its id is what a read returns",
    // SQLite only: a PostgreSQL identity never hands a rolled-back id out again, so there the
    // premise cannot happen (the cache's other tests run on both).
    "[persistence][catalogue][cache][sqlite]") {
    TempDir dir;
    Database db(at(dir.file("booking.db")), booking_migrations());
    Catalogue c(db);
    REQUIRE(c.repo.screening(c.screening.id));
    SECTION("the job's savepoint rolls back") {
        db.begin();
        db.savepoint();
        booking::Screening ghost{0, c.soul.id, c.hall.id, FixedClock::seed_time() + 48h, 9999};
        c.repo.add(ghost);
        REQUIRE(c.repo.screening(ghost.id));  // read inside the job: seen, not cached
        db.rollback_to_savepoint();
        CHECK_FALSE(c.repo.screening(ghost.id).has_value());
        booking::Screening real{0, c.soul.id, c.hall.id, FixedClock::seed_time() + 72h, 6000};
        c.repo.add(real);
        db.commit();
        REQUIRE(real.id == ghost.id);  // AUTOINCREMENT's counter rolled back too
        CHECK(c.repo.screening(real.id)->price == 6000);
    }
    SECTION("the whole batch rolls back") {
        db.begin();
        booking::Screening ghost{0, c.soul.id, c.hall.id, FixedClock::seed_time() + 48h, 9999};
        c.repo.add(ghost);
        REQUIRE(c.repo.screening(ghost.id));
        REQUIRE(c.repo.screening(c.screening.id));
        db.rollback();
        CHECK_FALSE(c.repo.screening(ghost.id).has_value());
        db.begin();
        booking::Screening real{0, c.soul.id, c.hall.id, FixedClock::seed_time() + 72h, 6000};
        c.repo.add(real);
        db.commit();
        REQUIRE(real.id == ghost.id);
        CHECK(c.repo.screening(real.id)->price == 6000);
    }
    // After the commit, reads are cached again.
    CHECK(c.repo.screening(c.screening.id)->price == 5000);
    CHECK(c.repo.cached_rows() >= 1);
}

TEST_CASE("SqlCatalogueRepository: the catalogue survives a reopen of the file",
          "[persistence][catalogue]") {
    TempDir dir;
    const auto file = dir.file("booking.db");
    std::int64_t screening_id = 0;
    {
        Database db(at(file), booking_migrations());
        Catalogue c(db);
        screening_id = c.screening.id;
    }
    Database db(at(file), booking_migrations());
    SqlCatalogueRepository repo(db);
    const auto s = repo.screening(screening_id);
    REQUIRE(s);
    CHECK(s->price == 5000);
    const auto hall = repo.screen(s->screen_id);
    REQUIRE(hall);
    CHECK(hall->seat_map.is_blocked("C4"));
    CHECK_FALSE(hall->seat_map.exists("B4"));
}

// --- bookings of a screening --------------------------------------------------------------

TEST_CASE("SqlBookingRepository stores the screening of a booking (0 for a legacy one)",
          "[persistence][catalogue][booking]") {
    TempDir dir;
    Database db(at(dir.file("booking.db")), booking_migrations());
    SqlBookingRepository repo(db);
    FixedClock clock;
    auto screening_booking =
        booking::Booking::place({"c", "soul", "A1,A2", 2, 10000, 3, true}, clock.now()).value();
    auto legacy = booking::Booking::place({"c", "soul", "1A", 1, 5000}, clock.now()).value();
    repo.add(screening_booking);
    repo.add(legacy);
    REQUIRE(repo.find(screening_booking.id()));
    CHECK(repo.find(screening_booking.id())->screening_id() == 3);
    CHECK(repo.find(legacy.id())->screening_id() == 0);
    REQUIRE(screening_booking.confirm(70, clock.now()));
    repo.update(screening_booking);
    const auto page = repo.list({0, 20});
    REQUIRE(page.items.size() == 1);
    CHECK(page.items[0].screening_id() == 3);
}

// --- seat inventory -----------------------------------------------------------------------

TEST_CASE(
    "SqliteSeatInventory: hold, take and release move a booking's seats held -> booked -> "
    "free, and every change increases the screening's version",
    "[persistence][inventory]") {
    TempDir dir;
    Database db(at(dir.file("booking.db")), booking_migrations());
    Catalogue c(db);
    SqliteSeatInventory inventory(db);
    const auto id = c.screening.id;
    CHECK(inventory.states(id).empty());
    const auto v0 = inventory.version(id);

    CHECK_FALSE(inventory.hold(id, {"A1", "A2"}, 1).has_value());
    CHECK(inventory.states(id) == States{{"A1", SeatState::kHeld}, {"A2", SeatState::kHeld}});
    CHECK(holder(db, id, "A1") == 1);
    const auto v1 = inventory.version(id);
    CHECK(v1 > v0);

    CHECK_FALSE(inventory.hold(id, {"B1"}, 2).has_value());
    const auto v2 = inventory.version(id);
    CHECK(v2 > v1);

    inventory.take(1);
    CHECK(inventory.states(id) ==
          States{{"A1", SeatState::kBooked}, {"A2", SeatState::kBooked}, {"B1", SeatState::kHeld}});
    const auto v3 = inventory.version(id);
    CHECK(v3 > v2);

    inventory.release(1);
    CHECK(inventory.states(id) == States{{"B1", SeatState::kHeld}});
    const auto v4 = inventory.version(id);
    CHECK(v4 > v3);

    inventory.release(2);
    CHECK(inventory.states(id).empty());
    CHECK(inventory.version(id) > v4);
    CHECK(reservation_count(db) == 0);
}

TEST_CASE("SqliteSeatInventory: screenings are independent: same seat, versions, states",
          "[persistence][inventory]") {
    TempDir dir;
    Database db(at(dir.file("booking.db")), booking_migrations());
    Catalogue c(db);
    booking::Screening later{0, c.soul.id, c.hall.id, c.screening.starts_at + 3h, 5000};
    c.repo.add(later);
    SqliteSeatInventory inventory(db);
    CHECK_FALSE(inventory.hold(c.screening.id, {"A1"}, 1).has_value());
    const auto later_version = inventory.version(later.id);
    CHECK_FALSE(inventory.hold(later.id, {"A1"}, 2).has_value());  // same seat, other show
    CHECK(inventory.version(later.id) > later_version);
    const auto version = inventory.version(c.screening.id);
    inventory.take(2);
    inventory.release(2);
    CHECK(inventory.version(c.screening.id) == version);  // untouched by booking 2
    CHECK(inventory.states(c.screening.id) == States{{"A1", SeatState::kHeld}});
    CHECK(inventory.states(later.id).empty());
}

TEST_CASE("SqliteSeatInventory::hold returns the seat another booking holds or booked",
          "[persistence][inventory]") {
    TempDir dir;
    Database db(at(dir.file("booking.db")), booking_migrations());
    Catalogue c(db);
    SqliteSeatInventory inventory(db);
    const auto id = c.screening.id;
    REQUIRE_FALSE(inventory.hold(id, {"A1", "A2"}, 1).has_value());
    SECTION("held") {}
    SECTION("booked") {
        inventory.take(1);
    }
    CHECK(inventory.hold(id, {"A2"}, 2) == std::optional<std::string>("A2"));
    CHECK(holder(db, id, "A2") == 1);  // the first booking keeps it
}

TEST_CASE(
    "SqliteSeatInventory: two bookings holding the same seat in one batch: the second gets "
    "the seat back and, rolled back by the unit of work, leaves nothing behind",
    "[persistence][inventory][executor]") {
    TempDir dir;
    Module m(dir.file("booking.db"), booking_migrations());
    Catalogue c(m.db);
    SqliteSeatInventory inventory(m.db);
    const auto id = c.screening.id;
    const auto version = inventory.version(id);
    m.start();
    // Both jobs in one transaction (the strand is gated until both are queued), a savepoint each.
    auto gate = m.close_gate();
    std::optional<std::string> first_refused, second_refused;
    std::vector<std::optional<domain::Result<void>>> results(2);
    std::atomic<int> answered{0};
    const auto hold = [&](std::size_t i, Labels seats, std::int64_t booking_id,
                          std::optional<std::string>& refused) {
        m.executor.run(
            [&inventory, &refused, id, seats, booking_id]() -> domain::Result<void> {
                refused = inventory.hold(id, seats, booking_id);
                if (refused)  // what BookingService::place answers: its savepoint rolls back
                    return domain::fail(booking::BookingError::kSeatTaken);
                return {};
            },
            [&, i](std::optional<domain::Result<void>> r) {
                results[i] = r;
                answered.fetch_add(1);
            });
    };
    hold(0, {"A1", "A2"}, 1, first_refused);
    hold(1, {"A3", "A2"}, 2, second_refused);  // A3 is inserted before A2 is refused
    gate->open();
    REQUIRE(poll_until([&] { return answered.load() == 2; }));
    m.stop();

    REQUIRE(results[0]);
    CHECK(results[0]->has_value());
    CHECK_FALSE(first_refused.has_value());
    REQUIRE(results[1]);
    CHECK_FALSE(results[1]->has_value());
    CHECK(second_refused == std::optional<std::string>("A2"));

    CHECK(inventory.states(id) == States{{"A1", SeatState::kHeld}, {"A2", SeatState::kHeld}});
    CHECK(holder(m.db, id, "A2") == 1);
    CHECK_FALSE(holder(m.db, id, "A3").has_value());  // the refused job's earlier seat is gone
    CHECK(reservation_count(m.db) == 2);
    CHECK(inventory.version(id) == version + 1);  // the first hold only
}

TEST_CASE(
    "seat_reservations: the same (screening, seat) twice is refused by the database itself "
    "(primary key), whoever writes it",
    "[persistence][inventory]") {
    TempDir dir;
    Database db(at(dir.file("booking.db")), booking_migrations());
    Catalogue c(db);
    const auto id = c.screening.id;
    auto insert = [&](const std::string& seat, std::int64_t booking_id) {
        db.session() << "INSERT INTO seat_reservations(screening_id, seat, booking_id, state) "
                        "VALUES(:s, :seat, :b, 'held')",
            soci::use(id), soci::use(seat), soci::use(booking_id);
    };
    insert("A1", 1);
    try {
        insert("A1", 2);
        FAIL("the second row of the same seat was accepted");
    } catch (const soci::soci_error& e) {
        INFO(e.what());
        CHECK(is_unique_violation(e));  // SQLite 2067/1555, PostgreSQL 23505
    }
    CHECK(holder(db, id, "A1") == 1);
    CHECK(reservation_count(db) == 1);
    // Another seat of the screening, and the same seat of another screening, are fine.
    insert("A2", 2);
    const auto other = id + 1;
    db.session() << "INSERT INTO seat_reservations(screening_id, seat, booking_id, state) "
                    "VALUES(:s, 'A1', 3, 'held')",
        soci::use(other);
    CHECK(reservation_count(db) == 3);
}

}  // namespace
}  // namespace mb::adapters::persistence::test
