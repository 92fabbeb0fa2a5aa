// The booking context's catalogue (issue "Movies, screenings and seat inventory"): a movie's
// fields are validated with wire names; a seat map is a grid of rows A.. x seats 1.. whose gaps
// are no seats and whose blocked seats exist but are never sold; seat labels have one canonical
// form ("A1", also written "a1" or the seed's "1A"); a seat request is checked against the map;
// screening times are ISO-8601 UTC at second precision.
#include "domain/booking/catalogue.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "fakes/fixed_clock.hpp"

namespace mb::domain::booking {
namespace {

using namespace std::chrono_literals;
using Fields = std::vector<std::string>;
using Labels = std::vector<std::string>;

/// The wire names of the fields reported, in order.
Fields fields_of(const FieldErrors& errors) {
    Fields out;
    for (const auto& e : errors)
        out.push_back(e.field);
    return out;
}

/// A seat map that must be valid (the test fails otherwise).
SeatMap seat_map(std::int64_t rows, std::int64_t per_row, const Labels& blocked = {},
                 const Labels& gaps = {}) {
    FieldErrors errors;
    auto map = SeatMap::create(rows, per_row, blocked, gaps, errors);
    INFO(errors.size() << " errors, first: "
                       << (errors.empty() ? ""
                                          : errors.front().field + " " + errors.front().message));
    REQUIRE(map);
    REQUIRE(errors.empty());
    return *map;
}

/// The errors SeatMap::create reports for an invalid map (which it must refuse).
FieldErrors create_errors(std::int64_t rows, std::int64_t per_row, const Labels& blocked = {},
                          const Labels& gaps = {}) {
    FieldErrors errors;
    const auto map = SeatMap::create(rows, per_row, blocked, gaps, errors);
    CHECK_FALSE(map.has_value());
    return errors;
}

std::string repeat(const std::string& s, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i)
        out += s;
    return out;
}

// --- validate(Movie) ----------------------------------------------------------------------

TEST_CASE("validate(Movie): a title, a runtime of 1..1000 minutes and a Korean rating is valid",
          "[catalogue][movie]") {
    CHECK(validate(Movie{0, "soul", 100, "ALL"}).empty());
    CHECK(validate(Movie{0, "x", 1, "12"}).empty());
    CHECK(validate(Movie{0, repeat("t", 200), 1000, "15"}).empty());
    CHECK(validate(Movie{0, repeat("\xec\x86\x8c", 200), 90, "18"}).empty());  // 200 characters
}

TEST_CASE("validate(Movie): each broken rule is reported with its wire field name",
          "[catalogue][movie]") {
    CHECK(fields_of(validate(Movie{0, "", 100, "ALL"})) == Fields{"title"});
    CHECK(fields_of(validate(Movie{0, repeat("t", 201), 100, "ALL"})) == Fields{"title"});
    CHECK(fields_of(validate(Movie{0, "soul", 0, "ALL"})) == Fields{"runtimeMinutes"});
    CHECK(fields_of(validate(Movie{0, "soul", 1001, "ALL"})) == Fields{"runtimeMinutes"});
    CHECK(fields_of(validate(Movie{0, "soul", -5, "ALL"})) == Fields{"runtimeMinutes"});
    CHECK(fields_of(validate(Movie{0, "soul", 100, "PG-13"})) == Fields{"rating"});
    CHECK(fields_of(validate(Movie{0, "soul", 100, "all"})) == Fields{"rating"});
    CHECK(fields_of(validate(Movie{0, "soul", 100, ""})) == Fields{"rating"});
    CHECK(fields_of(validate(Movie{0, "", 0, "X"})) == Fields{"title", "runtimeMinutes", "rating"});
}

// --- SeatMap::canonical -------------------------------------------------------------------

TEST_CASE("SeatMap::canonical: A1, a1 and the seed's 1A are the same seat A1",
          "[catalogue][seatmap][label]") {
    CHECK(SeatMap::canonical("A1") == "A1");
    CHECK(SeatMap::canonical("a1") == "A1");
    CHECK(SeatMap::canonical("1A") == "A1");
    CHECK(SeatMap::canonical("1a") == "A1");
    CHECK(SeatMap::canonical("B12") == "B12");
    CHECK(SeatMap::canonical("12b") == "B12");
    CHECK(SeatMap::canonical("Z50") == "Z50");
}

TEST_CASE("SeatMap::canonical: text that is no seat label is refused",
          "[catalogue][seatmap][label]") {
    for (const char* bad :
         {"", "A", "1", "A0", "0A", "AA1", "A1B", "1A1", "A01", "A-1", " A1", "A123", "A1 "}) {
        INFO("label \"" << bad << "\"");
        CHECK_FALSE(SeatMap::canonical(bad).has_value());
    }
}

// --- SeatMap::create ------------------------------------------------------------------------

TEST_CASE("SeatMap::create: rows 1..26 (A..Z) and seatsPerRow 1..50 are accepted",
          "[catalogue][seatmap][create]") {
    const auto smallest = seat_map(1, 1);
    CHECK(smallest.rows() == 1);
    CHECK(smallest.seats_per_row() == 1);
    CHECK(smallest.seats() == Labels{"A1"});
    const auto largest = seat_map(26, 50);
    CHECK(largest.rows() == 26);
    CHECK(largest.seats_per_row() == 50);
    CHECK(largest.capacity() == 1300);
    CHECK(largest.exists("Z50"));
}

TEST_CASE("SeatMap::create: rows and seatsPerRow outside their bounds are field errors",
          "[catalogue][seatmap][create]") {
    CHECK(fields_of(create_errors(0, 10)) == Fields{"rows"});
    CHECK(fields_of(create_errors(27, 10)) == Fields{"rows"});
    CHECK(fields_of(create_errors(-1, 10)) == Fields{"rows"});
    CHECK(fields_of(create_errors(10, 0)) == Fields{"seatsPerRow"});
    CHECK(fields_of(create_errors(10, 51)) == Fields{"seatsPerRow"});
    CHECK(fields_of(create_errors(0, 51)) == Fields{"rows", "seatsPerRow"});
}

TEST_CASE("SeatMap::create: blocked seats and gaps outside the grid are field errors",
          "[catalogue][seatmap][create]") {
    // A 3 x 4 screen has rows A..C and seats 1..4.
    CHECK(fields_of(create_errors(3, 4, {"D1"})) == Fields{"blocked"});
    CHECK(fields_of(create_errors(3, 4, {"A5"})) == Fields{"blocked"});
    CHECK(fields_of(create_errors(3, 4, {"A0"})) == Fields{"blocked"});
    CHECK(fields_of(create_errors(3, 4, {""})) == Fields{"blocked"});
    CHECK(fields_of(create_errors(3, 4, {}, {"C9"})) == Fields{"gaps"});
    CHECK(fields_of(create_errors(3, 4, {}, {"nope"})) == Fields{"gaps"});
    auto both = fields_of(create_errors(3, 4, {"Z1"}, {"Z2"}));
    std::sort(both.begin(), both.end());
    CHECK(both == Fields{"blocked", "gaps"});
}

TEST_CASE("SeatMap::create: a seat that is both blocked and a gap is refused",
          "[catalogue][seatmap][create]") {
    CHECK(fields_of(create_errors(3, 4, {"B2"}, {"B2"})) == Fields{"blocked"});
    // The same seat written two ways is still the same seat.
    CHECK(fields_of(create_errors(3, 4, {"2b"}, {"B2"})) == Fields{"blocked"});
}

TEST_CASE("SeatMap::create: blocked seats and gaps are stored in canonical form",
          "[catalogue][seatmap][create]") {
    const auto map = seat_map(3, 4, {"4c", "A1"}, {"2B"});
    CHECK(map.blocked() == std::set<std::string>{"A1", "C4"});
    CHECK(map.gaps() == std::set<std::string>{"B2"});
}

// --- SeatMap queries ------------------------------------------------------------------------

TEST_CASE("SeatMap: gaps are no seats, blocked seats exist but do not count as sellable capacity",
          "[catalogue][seatmap]") {
    // 2 x 3: A1 A2 A3 / B1 B2 B3, A2 is a gap (an aisle), B3 is blocked.
    const auto map = seat_map(2, 3, {"B3"}, {"A2"});
    CHECK(map.seats() == Labels{"A1", "A3", "B1", "B2", "B3"});  // row by row, gaps left out
    CHECK(map.capacity() == 4);
    CHECK(map.exists("A1"));
    CHECK(map.exists("B3"));        // blocked: it exists
    CHECK_FALSE(map.exists("A2"));  // a gap
    CHECK_FALSE(map.exists("C1"));  // no row C
    CHECK_FALSE(map.exists("A4"));  // no seat 4
    CHECK_FALSE(map.exists("A0"));
    CHECK_FALSE(map.exists("A"));
    CHECK_FALSE(map.exists(""));
    CHECK(map.is_blocked("B3"));
    CHECK_FALSE(map.is_blocked("B2"));
    CHECK_FALSE(map.is_blocked("A2"));
}

TEST_CASE("SeatMap::seats numbers seats past 9 and letters rows past A in order",
          "[catalogue][seatmap]") {
    const auto map = seat_map(2, 12);
    const auto seats = map.seats();
    REQUIRE(seats.size() == 24);
    CHECK(seats.front() == "A1");
    CHECK(seats[9] == "A10");
    CHECK(seats[11] == "A12");
    CHECK(seats[12] == "B1");
    CHECK(seats.back() == "B12");
    CHECK(map.capacity() == 24);
}

// --- select_seats -----------------------------------------------------------------------------

struct Selection {
    std::optional<SeatSelection> selection;
    FieldErrors errors;
    Labels blocked;
};

Selection select(const Labels& requested) {
    // 3 x 4 with the gap B4 and the blocked seat C4.
    static const auto map = seat_map(3, 4, {"C4"}, {"B4"});
    Selection s;
    s.selection = select_seats(map, requested, "seats", s.errors, s.blocked);
    return s;
}

TEST_CASE("select_seats: existing seats in any spelling come back canonical, in request order",
          "[catalogue][select]") {
    const auto s = select({"b2", "1A", "A2"});
    REQUIRE(s.selection);
    CHECK(s.selection->seats == Labels{"B2", "A1", "A2"});
    CHECK(s.errors.empty());
    CHECK(s.blocked.empty());
}

TEST_CASE("select_seats: unknown, malformed and gap seats are errors of the given field",
          "[catalogue][select]") {
    for (const char* bad : {"D1", "A5", "B4", "XX", ""}) {
        INFO("seat \"" << bad << "\"");
        const auto s = select({"A1", bad});
        CHECK_FALSE(s.selection.has_value());
        CHECK(fields_of(s.errors) == Fields{"seats"});
    }
}

TEST_CASE("select_seats: asking for no seat is an error", "[catalogue][select]") {
    const auto s = select({});
    CHECK_FALSE(s.selection.has_value());
    CHECK(fields_of(s.errors) == Fields{"seats"});
}

TEST_CASE("select_seats: the same seat twice (in any spelling) is an error",
          "[catalogue][select]") {
    const auto s = select({"A1", "1a"});
    CHECK_FALSE(s.selection.has_value());
    CHECK(fields_of(s.errors) == Fields{"seats"});
}

TEST_CASE("select_seats: a blocked seat is no field error but is reported in blocked_out",
          "[catalogue][select]") {
    const auto s = select({"A1", "4C"});
    CHECK(s.errors.empty());
    CHECK(s.blocked == Labels{"C4"});
    REQUIRE(s.selection);  // the caller decides (409 not for sale)
    CHECK(s.selection->seats == Labels{"A1", "C4"});
}

// --- parse_utc / format_utc -----------------------------------------------------------------

TEST_CASE("parse_utc / format_utc: YYYY-MM-DDTHH:MM:SSZ round trips to the second",
          "[catalogue][time]") {
    for (const char* text : {"2030-01-01T10:00:00Z", "2024-02-29T23:59:59Z", "1970-01-01T00:00:00Z",
                             "2021-02-23T23:32:24Z", "2099-12-31T00:00:01Z"}) {
        INFO(text);
        const auto t = parse_utc(text);
        REQUIRE(t);
        CHECK(format_utc(*t) == text);
    }
    CHECK(parse_utc("1970-01-01T00:00:00Z") == TimePoint{});
    CHECK(parse_utc("2021-02-23T23:32:24Z") == test::FixedClock::seed_time());
    CHECK(parse_utc("2021-02-24T00:00:00Z") == test::FixedClock::seed_time() + 27min + 36s);
}

TEST_CASE("format_utc: sub-second parts are truncated, not rounded", "[catalogue][time]") {
    CHECK(format_utc(test::FixedClock::seed_time() + 999ms) == "2021-02-23T23:32:24Z");
}

TEST_CASE("parse_utc: impossible dates and times and other formats are refused",
          "[catalogue][time]") {
    for (const char* bad :
         {"2030-02-30T10:00:00Z", "2023-02-29T10:00:00Z", "2030-04-31T10:00:00Z",
          "2030-13-01T10:00:00Z", "2030-00-10T10:00:00Z", "2030-01-00T10:00:00Z",
          "2030-01-01T24:00:00Z", "2030-01-01T10:60:00Z", "2030-01-01T10:00:60Z",
          "2030-01-01 10:00:00Z", "2030-01-01T10:00:00", "2030-01-01T10:00:00+09:00",
          "2030-1-01T10:00:00Z", "+030-01-01T10:00:00Z", "2030-01-01T10:00:00z", ""}) {
        INFO(bad);
        CHECK_FALSE(parse_utc(bad).has_value());
    }
}

TEST_CASE("parse_utc: a time a TimePoint cannot hold is refused, not overflowed (fuzzer)",
          "[catalogue][time]") {
    // TimePoint is 64-bit nanoseconds: 1677-09-21T00:12:43.145224192Z .. 2262-04-11T23:47:16.
    // 854775807Z. Before the fix "5030-01-01T20:00:00Z" overflowed (UBSan: signed overflow).
    for (const char* bad : {"5030-01-01T20:00:00Z", "9999-12-31T23:59:59Z", "2262-04-11T23:47:17Z",
                            "2262-04-12T00:00:00Z", "1677-09-21T00:12:43Z", "1600-01-01T00:00:00Z",
                            "0000-01-01T00:00:00Z"}) {
        INFO(bad);
        CHECK_FALSE(parse_utc(bad).has_value());
    }
    for (const char* edge : {"2262-04-11T23:47:16Z", "1677-09-21T00:12:44Z"}) {
        INFO(edge);
        const auto t = parse_utc(edge);
        REQUIRE(t);
        CHECK(format_utc(*t) == edge);
    }
}

}  // namespace
}  // namespace mb::domain::booking
