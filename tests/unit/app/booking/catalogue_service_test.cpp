// CatalogueService with fakes: movies, screens and screenings are registered only when valid
// (errors name the wire fields; a screening needs an existing movie and screen); the seat map of
// a screening shows every seat as available, held, booked or blocked with the inventory version
// that changes with every change of its seats; the demo data is loaded once, with the seed's
// movie "soul" at 5,000 KRW a seat so the seed's request (2 seats, 10,000 KRW) books it.
#include "app/booking/catalogue_service.hpp"

#include <chrono>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "app/booking/booking_service.hpp"
#include "fakes/fixed_clock.hpp"
#include "fakes/in_memory_booking_repository.hpp"
#include "fakes/in_memory_catalogue_repository.hpp"
#include "fakes/in_memory_outbox.hpp"
#include "fakes/in_memory_seat_inventory.hpp"

namespace mb::app::booking {
namespace {

using namespace std::chrono_literals;
using domain::booking::BookingError;
using domain::booking::Movie;
using Fields = std::vector<std::string>;
using Seats = std::vector<std::pair<std::string, SeatStatus>>;

Fields fields_of(const domain::FieldErrors& errors) {
    Fields out;
    for (const auto& e : errors)
        out.push_back(e.field);
    return out;
}

struct Fixture {
    test::FixedClock clock;
    test::InMemoryCatalogueRepository catalogue;
    test::InMemorySeatInventory inventory;
    CatalogueService service{catalogue, inventory, clock};

    std::int64_t movie(std::string title = "soul") {
        domain::FieldErrors errors;
        auto m = service.add_movie(mb::domain::Principal::system(), Movie{0, std::move(title), 100, "ALL"}, errors);
        REQUIRE(m);
        return m->id;
    }
    std::int64_t screen(std::int64_t rows = 2, std::int64_t per_row = 3,
                        std::vector<std::string> blocked = {}, std::vector<std::string> gaps = {}) {
        domain::FieldErrors errors;
        auto s = service.add_screen(mb::domain::Principal::system(), "Screen 1", rows, per_row, blocked, gaps, errors);
        REQUIRE(s);
        return s->id;
    }
    std::int64_t screening(std::int64_t movie_id, std::int64_t screen_id,
                           std::int64_t price = 5000) {
        domain::FieldErrors errors;
        auto s = service.add_screening(mb::domain::Principal::system(), movie_id, screen_id, clock.now() + 24h, price, errors);
        REQUIRE(s);
        return s->screening.id;
    }
};

// --- registration -------------------------------------------------------------------------

TEST_CASE("CatalogueService::add_movie stores a valid movie with a new id", "[app][catalogue]") {
    Fixture f;
    domain::FieldErrors errors;
    const auto m = f.service.add_movie(mb::domain::Principal::system(), Movie{0, "soul", 100, "ALL"}, errors);
    REQUIRE(m);
    CHECK(m->id == 1);
    CHECK(errors.empty());
    const auto stored = f.service.movie(m->id);
    REQUIRE(stored);
    CHECK(stored->title == "soul");
    CHECK(stored->runtime_minutes == 100);
    CHECK(stored->rating == "ALL");
}

TEST_CASE("CatalogueService::add_movie refuses an invalid movie naming the fields, stores nothing",
          "[app][catalogue]") {
    Fixture f;
    domain::FieldErrors errors;
    const auto m = f.service.add_movie(mb::domain::Principal::system(), Movie{0, "", 0, "PG"}, errors);
    REQUIRE_FALSE(m);
    CHECK(m.error() == BookingError::kInvalidCatalogue);
    CHECK(fields_of(errors) == Fields{"title", "runtimeMinutes", "rating"});
    CHECK(f.catalogue.movie_count() == 0);
}

TEST_CASE("CatalogueService::add_screen stores the screen with its seat map", "[app][catalogue]") {
    Fixture f;
    domain::FieldErrors errors;
    const auto s = f.service.add_screen(mb::domain::Principal::system(), "Screen 1", 10, 12, {"J1", "12J"}, {"E6"}, errors);
    REQUIRE(s);
    CHECK(errors.empty());
    const auto stored = f.service.screen(s->id);
    REQUIRE(stored);
    CHECK(stored->name == "Screen 1");
    CHECK(stored->seat_map.rows() == 10);
    CHECK(stored->seat_map.seats_per_row() == 12);
    CHECK(stored->seat_map.blocked() == std::set<std::string>{"J1", "J12"});
    CHECK(stored->seat_map.gaps() == std::set<std::string>{"E6"});
    CHECK(stored->seat_map.capacity() == 117);
}

TEST_CASE("CatalogueService::add_screen refuses a bad name or seat map naming the fields",
          "[app][catalogue]") {
    Fixture f;
    domain::FieldErrors errors;
    SECTION("empty name") {
        CHECK_FALSE(f.service.add_screen(mb::domain::Principal::system(), "", 2, 3, {}, {}, errors));
        CHECK(fields_of(errors) == Fields{"name"});
    }
    SECTION("name of 101 characters") {
        CHECK_FALSE(f.service.add_screen(mb::domain::Principal::system(), std::string(101, 'n'), 2, 3, {}, {}, errors));
        CHECK(fields_of(errors) == Fields{"name"});
    }
    SECTION("rows and seatsPerRow out of bounds") {
        const auto s = f.service.add_screen(mb::domain::Principal::system(), "Screen 1", 27, 0, {}, {}, errors);
        REQUIRE_FALSE(s);
        CHECK(s.error() == BookingError::kInvalidCatalogue);
        CHECK(fields_of(errors) == Fields{"rows", "seatsPerRow"});
    }
    SECTION("a blocked seat outside the grid") {
        CHECK_FALSE(f.service.add_screen(mb::domain::Principal::system(), "Screen 1", 2, 3, {"C1"}, {}, errors));
        CHECK(fields_of(errors) == Fields{"blocked"});
    }
    SECTION("a gap outside the grid") {
        CHECK_FALSE(f.service.add_screen(mb::domain::Principal::system(), "Screen 1", 2, 3, {}, {"A4"}, errors));
        CHECK(fields_of(errors) == Fields{"gaps"});
    }
    SECTION("a seat both blocked and a gap") {
        CHECK_FALSE(f.service.add_screen(mb::domain::Principal::system(), "Screen 1", 2, 3, {"A1"}, {"A1"}, errors));
        CHECK(fields_of(errors) == Fields{"blocked"});
    }
    CHECK(f.catalogue.screen_count() == 0);
}

TEST_CASE(
    "CatalogueService::add_screening stores a screening of an existing movie on an existing "
    "screen and shows their names",
    "[app][catalogue]") {
    Fixture f;
    const auto movie_id = f.movie("soul");
    const auto screen_id = f.screen();
    domain::FieldErrors errors;
    const auto v = f.service.add_screening(mb::domain::Principal::system(), movie_id, screen_id, f.clock.now() + 2h, 5000, errors);
    REQUIRE(v);
    CHECK(errors.empty());
    CHECK(v->screening.id == 1);
    CHECK(v->screening.movie_id == movie_id);
    CHECK(v->screening.screen_id == screen_id);
    CHECK(v->screening.starts_at == f.clock.now() + 2h);
    CHECK(v->screening.price == 5000);
    CHECK(v->movie_title == "soul");
    CHECK(v->screen_name == "Screen 1");
    const auto stored = f.service.screening(v->screening.id);
    REQUIRE(stored);
    CHECK(stored->movie_title == "soul");
    CHECK(stored->screening.price == 5000);
}

TEST_CASE("CatalogueService::add_screening accepts a free screening and one in the past",
          "[app][catalogue]") {
    Fixture f;
    const auto movie_id = f.movie();
    const auto screen_id = f.screen();
    domain::FieldErrors errors;
    CHECK(f.service.add_screening(mb::domain::Principal::system(), movie_id, screen_id, f.clock.now() + 1h, 0, errors));
    CHECK(f.service.add_screening(mb::domain::Principal::system(), movie_id, screen_id, f.clock.now() - 1h, 5000, errors));
    CHECK(errors.empty());
    CHECK(f.catalogue.screening_count() == 2);
}

TEST_CASE(
    "CatalogueService::add_screening refuses an unknown movieId or screenId and a negative "
    "price, naming the fields",
    "[app][catalogue]") {
    Fixture f;
    const auto movie_id = f.movie();
    const auto screen_id = f.screen();
    domain::FieldErrors errors;
    SECTION("unknown movieId") {
        const auto v = f.service.add_screening(mb::domain::Principal::system(), 99, screen_id, f.clock.now() + 1h, 5000, errors);
        REQUIRE_FALSE(v);
        CHECK(v.error() == BookingError::kInvalidCatalogue);
        CHECK(fields_of(errors) == Fields{"movieId"});
    }
    SECTION("unknown screenId") {
        CHECK_FALSE(f.service.add_screening(mb::domain::Principal::system(), movie_id, 99, f.clock.now() + 1h, 5000, errors));
        CHECK(fields_of(errors) == Fields{"screenId"});
    }
    SECTION("negative price") {
        CHECK_FALSE(f.service.add_screening(mb::domain::Principal::system(), movie_id, screen_id, f.clock.now() + 1h, -1, errors));
        CHECK(fields_of(errors) == Fields{"price"});
    }
    SECTION("everything wrong") {
        CHECK_FALSE(f.service.add_screening(mb::domain::Principal::system(), 98, 99, f.clock.now() + 1h, -1, errors));
        CHECK(fields_of(errors) == Fields{"movieId", "screenId", "price"});
    }
    CHECK(f.catalogue.screening_count() == 0);
}

TEST_CASE("CatalogueService lists movies, screens and screenings by id with the total",
          "[app][catalogue]") {
    Fixture f;
    const auto soul = f.movie("soul");
    f.movie("parasite");
    f.movie("minari");
    const auto screen_id = f.screen();
    f.screening(soul, screen_id);
    f.screening(soul, screen_id);
    const auto movies = f.service.movies({1, 2});
    CHECK(movies.total == 3);
    REQUIRE(movies.items.size() == 1);
    CHECK(movies.items[0].title == "minari");
    CHECK(f.service.screens({0, 20}).total == 1);
    const auto screenings = f.service.screenings({0, 20});
    CHECK(screenings.total == 2);
    REQUIRE(screenings.items.size() == 2);
    CHECK(screenings.items[0].screening.id == 1);
    CHECK(screenings.items[0].movie_title == "soul");
    CHECK(screenings.items[1].screen_name == "Screen 1");
}

// --- seat map -------------------------------------------------------------------------------

TEST_CASE(
    "CatalogueService::seat_map: every seat (gaps left out) is available, held, booked or "
    "blocked",
    "[app][catalogue][seatmap]") {
    Fixture f;
    // 2 x 3 with the gap A2 and the blocked seat B3.
    const auto id = f.screening(f.movie(), f.screen(2, 3, {"B3"}, {"A2"}));
    REQUIRE_FALSE(f.inventory.hold(id, {"A1"}, 1).has_value());
    REQUIRE_FALSE(f.inventory.hold(id, {"B1"}, 2).has_value());
    f.inventory.take(2);
    const auto map = f.service.seat_map(id);
    REQUIRE(map);
    CHECK(map->screening_id == id);
    CHECK(map->seats == Seats{{"A1", SeatStatus::kHeld},
                              {"A3", SeatStatus::kAvailable},
                              {"B1", SeatStatus::kBooked},
                              {"B2", SeatStatus::kAvailable},
                              {"B3", SeatStatus::kBlocked}});
    CHECK(std::string(to_string(SeatStatus::kAvailable)) == "available");
    CHECK(std::string(to_string(SeatStatus::kHeld)) == "held");
    CHECK(std::string(to_string(SeatStatus::kBooked)) == "booked");
    CHECK(std::string(to_string(SeatStatus::kBlocked)) == "blocked");
}

TEST_CASE(
    "CatalogueService::seat_map: the version changes with every hold, take and release of "
    "the screening's seats and only then",
    "[app][catalogue][seatmap]") {
    Fixture f;
    const auto movie_id = f.movie();
    const auto screen_id = f.screen();
    const auto id = f.screening(movie_id, screen_id);
    const auto other = f.screening(movie_id, screen_id);
    auto version = [&] {
        const auto map = f.service.seat_map(id);
        REQUIRE(map);
        CHECK(map->version == f.service.seat_map_version(id));
        return map->version;
    };
    const auto v0 = version();
    CHECK(version() == v0);  // reading changes nothing
    REQUIRE_FALSE(f.inventory.hold(id, {"A1"}, 1).has_value());
    const auto v1 = version();
    CHECK(v1 != v0);
    REQUIRE_FALSE(f.inventory.hold(other, {"A1"}, 2).has_value());  // another screening
    CHECK(version() == v1);
    f.inventory.take(1);
    const auto v2 = version();
    CHECK(v2 != v1);
    f.inventory.release(1);
    const auto v3 = version();
    CHECK(v3 != v2);
    CHECK(v3 != v1);
    CHECK(f.service.seat_map(id)->seats[0] ==
          std::pair<std::string, SeatStatus>{"A1", SeatStatus::kAvailable});
}

TEST_CASE("CatalogueService::seat_map of an unknown screening is kCatalogueNotFound",
          "[app][catalogue][seatmap]") {
    Fixture f;
    const auto map = f.service.seat_map(42);
    REQUIRE_FALSE(map);
    CHECK(map.error() == BookingError::kCatalogueNotFound);
}

// --- demo data ------------------------------------------------------------------------------

TEST_CASE(
    "CatalogueService::load_demo_data adds the demo catalogue once: a second call adds "
    "nothing",
    "[app][catalogue][demo]") {
    Fixture f;
    const auto added = f.service.load_demo_data();
    CHECK(added > 0);
    CHECK(added ==
          static_cast<std::int64_t>(f.catalogue.movie_count() + f.catalogue.screen_count() +
                                    f.catalogue.screening_count()));
    const auto movies = f.catalogue.movie_count();
    const auto screens = f.catalogue.screen_count();
    const auto screenings = f.catalogue.screening_count();
    CHECK(f.service.load_demo_data() == 0);
    CHECK(f.catalogue.movie_count() == movies);
    CHECK(f.catalogue.screen_count() == screens);
    CHECK(f.catalogue.screening_count() == screenings);
}

TEST_CASE(
    "CatalogueService::load_demo_data: the seed's movie soul has upcoming screenings at "
    "5,000 KRW a seat",
    "[app][catalogue][demo]") {
    Fixture f;
    f.service.load_demo_data();
    const auto soul = f.catalogue.movie_by_title("soul");
    REQUIRE(soul);
    const auto next = f.catalogue.next_screening(soul->id, f.clock.now());
    REQUIRE(next);
    CHECK(next->price == 5000);
    const auto all = f.service.screenings({0, 1000});
    REQUIRE_FALSE(all.items.empty());
    for (const auto& v : all.items) {
        CHECK(v.screening.starts_at > f.clock.now());  // no demo screening has started
        if (v.screening.movie_id == soul->id) {
            CHECK(v.screening.price == 5000);
        }
    }
}

TEST_CASE(
    "CatalogueService::load_demo_data: the seed's request (soul, 1A,2B, qty 2, 10,000 KRW) "
    "then books soul's next screening",
    "[app][catalogue][demo][seed]") {
    Fixture f;
    f.service.load_demo_data();
    test::InMemoryBookingRepository bookings;
    test::InMemoryOutbox<domain::booking::BookingEvent> outbox;
    BookingService booking_service{bookings, f.catalogue, f.inventory, outbox, f.clock};
    const auto b = booking_service.place(mb::domain::Principal::system(), {"customer-1", "soul", "1A,2B", 2, 10000, 0, true});
    REQUIRE(b);
    const auto next =
        f.catalogue.next_screening(f.catalogue.movie_by_title("soul")->id, f.clock.now());
    REQUIRE(next);
    CHECK(b->screening_id() == next->id);
    CHECK(b->details().seat == "A1,B2");
    CHECK(f.inventory.states(next->id).size() == 2);
}

}  // namespace
}  // namespace mb::app::booking
