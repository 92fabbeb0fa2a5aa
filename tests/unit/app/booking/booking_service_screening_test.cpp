// BookingService with fakes, bookings of a screening (issue "Movies, screenings and seat
// inventory"): the server checks the seats against the screen and prices them (seats x the
// screening's price); the seat inventory holds a Pending booking's seats, takes them when the
// payment is approved and releases them when the booking is discarded or cancelled, so no seat
// is sold twice. A request in the seed's shape (movieName, no screeningId) books the movie's
// next screening when the catalogue has one, and stays a legacy booking otherwise.
#include <chrono>
#include <map>
#include <string>
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
using domain::booking::Booked;
using domain::booking::BookingError;
using domain::booking::BookingRequest;
using domain::booking::BookingStatus;
using domain::booking::Canceled;
using domain::booking::Movie;
using domain::booking::Screen;
using domain::booking::Screening;
using domain::booking::SeatMap;
using domain::booking::SeatState;
using Labels = std::vector<std::string>;
using States = std::map<std::string, SeatState>;

std::vector<std::string> fields_of(const domain::FieldErrors& errors) {
    std::vector<std::string> out;
    for (const auto& e : errors)
        out.push_back(e.field);
    return out;
}

/// The catalogue: "soul" on "Screen 1" (3 x 4, gap B4, blocked C4) tomorrow at 5,000 KRW a seat.
struct Fixture {
    test::FixedClock clock;
    test::InMemoryBookingRepository repository;
    test::InMemoryCatalogueRepository catalogue;
    test::InMemorySeatInventory inventory;
    test::InMemoryOutbox<domain::booking::BookingEvent> outbox;
    BookingService service{repository, catalogue, inventory, outbox, clock};
    Movie soul{0, "soul", 100, "ALL"};
    std::int64_t screen_id = 0;
    Screening screening;

    Fixture() {
        catalogue.add(soul);
        screen_id = add_screen();
        screening = add_screening(soul.id, clock.now() + 24h, 5000);
    }

    std::int64_t add_screen() {
        domain::FieldErrors errors;
        auto map = SeatMap::create(3, 4, {"C4"}, {"B4"}, errors);
        REQUIRE(map);
        Screen screen{0, "Screen 1", std::move(*map)};
        catalogue.add(screen);
        return screen.id;
    }
    Screening add_screening(std::int64_t movie_id, domain::TimePoint starts_at,
                            std::int64_t price) {
        Screening s{0, movie_id, screen_id, starts_at, price};
        catalogue.add(s);
        return s;
    }

    /// A request naming the screening, with the client's total price.
    [[nodiscard]] BookingRequest request(std::string seats, std::int64_t qty,
                                         std::int64_t total_price,
                                         std::string customer = "customer-1") const {
        return BookingRequest{std::move(customer), "",  std::move(seats), qty, total_price,
                              screening.id,        true};
    }
    /// The seed's request shape: movieName, seats "1A,2B", qty 2, 10,000 KRW, no screeningId.
    static BookingRequest seed_request(std::string movie = "soul") {
        return BookingRequest{"customer-1", std::move(movie), "1A,2B", 2, 10000, 0, true};
    }

    std::int64_t placed(std::string seats, std::int64_t qty, std::string customer = "c") {
        auto b = service.place(mb::domain::Principal::system(), request(std::move(seats), qty, qty * 5000, std::move(customer)));
        REQUIRE(b);
        return b->id();
    }
    std::int64_t confirmed(std::string seats, std::int64_t qty) {
        const auto id = placed(std::move(seats), qty);
        REQUIRE(service.confirm(id, 70));
        return id;
    }
    States states() { return inventory.states(screening.id); }
};

TEST_CASE(
    "BookingService::place (screening): the seats are priced by the server, seats x price, "
    "and held for the Pending booking",
    "[app][booking][screening]") {
    Fixture f;
    PlaceDetails details;
    const auto b = f.service.place(mb::domain::Principal::system(), f.request("A1,a2", 2, 10000), &details);
    REQUIRE(b);
    CHECK(b->status() == BookingStatus::kPending);
    CHECK(b->screening_id() == f.screening.id);
    CHECK(b->details().seat == "A1,A2");       // canonical
    CHECK(b->details().movie_name == "soul");  // from the catalogue
    CHECK(b->details().total_price == 10000);  // 2 x 5,000
    CHECK(details.expected_price == 10000);
    CHECK(details.errors.empty());
    CHECK(f.states() == States{{"A1", SeatState::kHeld}, {"A2", SeatState::kHeld}});
    CHECK(f.inventory.holder(f.screening.id, "A1") == b->id());
    CHECK(f.inventory.version(f.screening.id) == 1);
    CHECK(f.outbox.empty());
}

TEST_CASE("BookingService::place (screening): without totalPrice the server's price is used",
          "[app][booking][screening]") {
    Fixture f;
    auto r = f.request("A1,A2,A3", 3, 0);
    r.total_price_given = false;
    PlaceDetails details;
    const auto b = f.service.place(mb::domain::Principal::system(), r, &details);
    REQUIRE(b);
    CHECK(b->details().total_price == 15000);
    CHECK(details.expected_price == 15000);
}

TEST_CASE(
    "BookingService::place (screening): a totalPrice other than seats x price is "
    "kPriceMismatch with the expected price, nothing stored or held",
    "[app][booking][screening]") {
    Fixture f;
    for (const std::int64_t wrong : {9999, 10001, 0, 5000}) {
        INFO("totalPrice " << wrong);
        PlaceDetails details;
        const auto b = f.service.place(mb::domain::Principal::system(), f.request("A1,A2", 2, wrong), &details);
        REQUIRE_FALSE(b);
        CHECK(b.error() == BookingError::kPriceMismatch);
        CHECK(details.expected_price == 10000);
    }
    CHECK(f.repository.size() == 0);
    CHECK(f.inventory.size() == 0);
    CHECK(f.inventory.version(f.screening.id) == 0);
}

TEST_CASE(
    "BookingService::place (screening): qty must equal the number of seats (field qty), "
    "nothing stored or held",
    "[app][booking][screening]") {
    Fixture f;
    for (const std::int64_t qty : {1, 3, 0}) {
        INFO("qty " << qty);
        PlaceDetails details;
        const auto b = f.service.place(mb::domain::Principal::system(), f.request("A1,A2", qty, 10000), &details);
        REQUIRE_FALSE(b);
        CHECK(b.error() == BookingError::kInvalidBooking);
        CHECK(fields_of(details.errors) == std::vector<std::string>{"qty"});
    }
    CHECK(f.repository.size() == 0);
    CHECK(f.inventory.size() == 0);
}

TEST_CASE(
    "BookingService::place (screening): seats the screen does not have are field errors of "
    "seats (unknown, gap, malformed, twice)",
    "[app][booking][screening]") {
    Fixture f;
    for (const char* seats : {"A1,D1", "B4", "A1,XX", "A1,1A", "A1,,A2"}) {
        INFO("seats " << seats);
        PlaceDetails details;
        const auto b = f.service.place(mb::domain::Principal::system(), f.request(seats, 2, 10000), &details);
        REQUIRE_FALSE(b);
        CHECK(b.error() == BookingError::kInvalidBooking);
        REQUIRE_FALSE(details.errors.empty());
        CHECK(details.errors.front().field == "seats");
    }
    CHECK(f.repository.size() == 0);
    CHECK(f.inventory.size() == 0);
}

TEST_CASE(
    "BookingService::place: an unknown screeningId is kUnknownScreening with field "
    "screeningId",
    "[app][booking][screening]") {
    Fixture f;
    auto r = f.request("A1", 1, 5000);
    r.screening_id = 999;
    PlaceDetails details;
    const auto b = f.service.place(mb::domain::Principal::system(), r, &details);
    REQUIRE_FALSE(b);
    CHECK(b.error() == BookingError::kUnknownScreening);
    CHECK(fields_of(details.errors) == std::vector<std::string>{"screeningId"});
    CHECK(f.repository.size() == 0);
    CHECK(f.inventory.size() == 0);
}

TEST_CASE(
    "BookingService::place: a screening that has started (or starts right now) is "
    "kScreeningStarted, nothing stored or held",
    "[app][booking][screening]") {
    Fixture f;
    SECTION("after the start") {
        f.clock.set(f.screening.starts_at + 1min);
    }
    SECTION("at the start") {
        f.clock.set(f.screening.starts_at);
    }
    const auto b = f.service.place(mb::domain::Principal::system(), f.request("A1", 1, 5000));
    REQUIRE_FALSE(b);
    CHECK(b.error() == BookingError::kScreeningStarted);
    CHECK(f.repository.size() == 0);
    CHECK(f.inventory.size() == 0);
}

TEST_CASE(
    "BookingService::place (screening): a blocked seat is kSeatBlocked naming the seat, "
    "nothing stored or held",
    "[app][booking][screening]") {
    Fixture f;
    PlaceDetails details;
    const auto b = f.service.place(mb::domain::Principal::system(), f.request("A1,4C", 2, 10000), &details);
    REQUIRE_FALSE(b);
    CHECK(b.error() == BookingError::kSeatBlocked);
    CHECK(details.seats == Labels{"C4"});
    CHECK(f.repository.size() == 0);
    CHECK(f.inventory.size() == 0);
}

TEST_CASE(
    "BookingService::place (screening): a seat held or booked by another booking is "
    "kSeatTaken naming the seat, and the other seats asked for stay free",
    "[app][booking][screening]") {
    Fixture f;
    const auto first = f.placed("A1,A2", 2, "first");
    SECTION("held by a Pending booking") {}
    SECTION("booked by a confirmed booking") {
        REQUIRE(f.service.confirm(first, 70));
    }
    PlaceDetails details;
    const auto second = f.service.place(mb::domain::Principal::system(), f.request("A3,A2", 2, 10000, "second"), &details);
    REQUIRE_FALSE(second);
    CHECK(second.error() == BookingError::kSeatTaken);
    CHECK(details.seats == Labels{"A2"});
    CHECK(f.inventory.holder(f.screening.id, "A2") == first);
    CHECK_FALSE(f.inventory.holder(f.screening.id, "A3").has_value());
    CHECK(f.states().size() == 2);
}

TEST_CASE(
    "BookingService::place: the seed's shape (movieName, seats 1A,2B, no screeningId) books "
    "the movie's next upcoming screening with canonical seats",
    "[app][booking][screening][seed]") {
    Fixture f;
    f.add_screening(f.soul.id, f.clock.now() - 1h, 5000);   // already started: not chosen
    f.add_screening(f.soul.id, f.clock.now() + 48h, 5000);  // later: not chosen
    const auto b = f.service.place(mb::domain::Principal::system(), Fixture::seed_request());
    REQUIRE(b);
    CHECK(b->screening_id() == f.screening.id);
    CHECK(b->details().seat == "A1,B2");
    CHECK(b->details().qty == 2);
    CHECK(b->details().total_price == 10000);
    CHECK(f.states() == States{{"A1", SeatState::kHeld}, {"B2", SeatState::kHeld}});
}

TEST_CASE(
    "BookingService::place: in the seed's shape, seats the chosen screening lacks are "
    "errors of the field seat",
    "[app][booking][screening][seed]") {
    Fixture f;
    auto r = Fixture::seed_request();
    r.seat = "1A,9Z";
    PlaceDetails details;
    const auto b = f.service.place(mb::domain::Principal::system(), r, &details);
    REQUIRE_FALSE(b);
    CHECK(b.error() == BookingError::kInvalidBooking);
    REQUIRE_FALSE(details.errors.empty());
    CHECK(details.errors.front().field == "seat");
}

TEST_CASE(
    "BookingService::place: no client-set prices: a movie the catalogue does not list is "
    "kUnlistedMovie, a listed one without an open screening kNoOpenScreening, and nothing is "
    "stored (issue 9)",
    "[app][booking][screening][seed][security]") {
    Fixture f;
    SECTION("a movie the catalogue does not know") {
        PlaceDetails details;
        const auto b = f.service.place(mb::domain::Principal::system(),
                                       Fixture::seed_request("tenet"), &details);
        REQUIRE_FALSE(b);
        CHECK(b.error() == BookingError::kUnlistedMovie);
        CHECK(b.error() == mb::domain::Condition::kNotFound);
        CHECK(fields_of(details.errors) == std::vector<std::string>{"movieName"});
    }
    SECTION("a movie whose screenings have all started") {
        Movie minari{0, "minari", 115, "12"};
        f.catalogue.add(minari);
        f.add_screening(minari.id, f.clock.now() - 1h, 11000);
        const auto b =
            f.service.place(mb::domain::Principal::system(), Fixture::seed_request("minari"));
        REQUIRE_FALSE(b);
        CHECK(b.error() == BookingError::kNoOpenScreening);
        CHECK(b.error() == mb::domain::Condition::kConflict);
    }
    CHECK(f.repository.size() == 0);
    CHECK(f.inventory.size() == 0);
}

TEST_CASE(
    "BookingService::place with --accept-unlisted-movies: a movieName without an upcoming "
    "screening stays a legacy booking (any labels, the client's price, no seat held)",
    "[app][booking][screening][seed]") {
    Fixture f;
    BookingService legacy{f.repository, f.catalogue, f.inventory, f.outbox, f.clock,
                          BookingPolicy{true}};
    SECTION("a movie the catalogue does not know") {
        const auto b = legacy.place(mb::domain::Principal::system(), Fixture::seed_request("tenet"));
        REQUIRE(b);
        CHECK(b->screening_id() == 0);
        CHECK(b->details().seat == "1A,2B");
        CHECK(b->details().total_price == 10000);
    }
    SECTION("a movie whose screenings have all started") {
        Movie minari{0, "minari", 115, "12"};
        f.catalogue.add(minari);
        f.add_screening(minari.id, f.clock.now() - 1h, 11000);
        auto r = Fixture::seed_request("minari");
        r.seat = "99Q,1A";  // a label no screen has: fine for a legacy booking
        r.total_price = 12345;
        const auto b = legacy.place(mb::domain::Principal::system(), r);
        REQUIRE(b);
        CHECK(b->screening_id() == 0);
        CHECK(b->details().seat == "99Q,1A");
        CHECK(b->details().total_price == 12345);
    }
    CHECK(f.inventory.size() == 0);
}

TEST_CASE(
    "BookingService::confirm (screening): the held seats become booked and Booked carries "
    "screeningId, canonical seats and the screening's start",
    "[app][booking][screening]") {
    Fixture f;
    const auto id = f.placed("B1,A3", 2);
    const auto version = f.inventory.version(f.screening.id);
    const auto b = f.service.confirm(id, 70);
    REQUIRE(b);
    CHECK(b->status() == BookingStatus::kPaidComplete);
    CHECK(f.states() == States{{"A3", SeatState::kBooked}, {"B1", SeatState::kBooked}});
    CHECK(f.inventory.version(f.screening.id) > version);

    const auto booked = f.outbox.of<Booked>();
    REQUIRE(booked.size() == 1);
    CHECK(booked[0].booking_id == id);
    CHECK(booked[0].screening_id == f.screening.id);
    CHECK(booked[0].seats == Labels{"B1", "A3"});
    CHECK(booked[0].seat == "B1,A3");
    CHECK(booked[0].movie_name == "soul");
    CHECK(booked[0].total_price == 10000);
    // The fixed clock starts at 2021-02-23T23:32:24Z; the screening is a day later.
    CHECK(booked[0].screening_starts_at == "2021-02-24T23:32:24Z");
}

TEST_CASE(
    "BookingService::discard (screening): the Pending booking's seats are released and can "
    "be booked by someone else",
    "[app][booking][screening]") {
    Fixture f;
    const auto id = f.placed("A1,A2", 2);
    const auto version = f.inventory.version(f.screening.id);
    f.service.discard(id);
    CHECK(f.states().empty());
    CHECK(f.inventory.version(f.screening.id) > version);
    CHECK_FALSE(f.repository.find(id).has_value());
    const auto other = f.service.place(mb::domain::Principal::system(), f.request("A2", 1, 5000, "other"));
    REQUIRE(other);
    CHECK(f.inventory.holder(f.screening.id, "A2") == other->id());
}

TEST_CASE(
    "BookingService::cancel (screening): the booked seats are released, Canceled carries "
    "screeningId and seats, and the seats can be sold again",
    "[app][booking][screening]") {
    Fixture f;
    const auto id = f.confirmed("A1,A2", 2);
    f.outbox.clear();
    const auto version = f.inventory.version(f.screening.id);
    REQUIRE(f.service.request_cancel(mb::domain::Principal::system(), id));
    const auto b = f.service.cancel(id);
    REQUIRE(b);
    CHECK(b->status() == BookingStatus::kCanceled);
    CHECK(f.states().empty());
    CHECK(f.inventory.version(f.screening.id) > version);
    const auto canceled = f.outbox.of<Canceled>();
    REQUIRE(canceled.size() == 1);
    CHECK(canceled[0].screening_id == f.screening.id);
    CHECK(canceled[0].seats == Labels{"A1", "A2"});

    const auto again = f.service.place(mb::domain::Principal::system(), f.request("A1,A2", 2, 10000, "other"));
    REQUIRE(again);
    CHECK(f.inventory.holder(f.screening.id, "A1") == again->id());
}

TEST_CASE("BookingService: a refused cancel (ticket printed) keeps the seats booked",
          "[app][booking][screening]") {
    Fixture f;
    const auto id = f.confirmed("A1", 1);
    f.service.on_printed({1, id, "Printed"});
    const auto r = f.service.cancel(id);
    REQUIRE_FALSE(r);
    CHECK(r.error() == BookingError::kAlreadyPrinted);
    CHECK(f.states() == States{{"A1", SeatState::kBooked}});
}

}  // namespace
}  // namespace mb::app::booking
