// The seat-map stream's deltas and resume ring (seat_map_history.hpp; issue 13): a change goes
// out as the seats it changed with absolute statuses and the counts after it; a client that
// reconnects with Last-Event-ID gets exactly the changes after its id, or is told to take the
// full map when they are no longer kept.
#include "adapters/http/routes/seat_map_history.hpp"

#include <string>
#include <vector>

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

namespace {

using mb::adapters::http::SharedEvent;
using mb::adapters::http::routes::SeatMapHistory;
using mb::adapters::http::routes::TakenSeats;
using mb::app::booking::SeatMapView;
using mb::app::booking::SeatStatus;

/// Screening 19: A1..A4, B1..B4 with B4 blocked; `taken` held/booked; at `version`.
SeatMapView map_of(std::int64_t version, const TakenSeats& taken) {
    SeatMapView map;
    map.screening_id = 19;
    map.version = version;
    for (const char* seat : {"A1", "A2", "A3", "A4", "B1", "B2", "B3", "B4"}) {
        auto status = std::string(seat) == "B4" ? SeatStatus::kBlocked : SeatStatus::kAvailable;
        if (const auto it = taken.find(seat); it != taken.end()) {
            status = it->second;
        }
        map.seats.emplace_back(seat, status);
    }
    return map;
}

struct Parsed {
    std::string id;
    std::string event;
    boost::json::object data;
};

/// The SSE fields of one formatted event (one data line: the JSON).
Parsed parse(const SharedEvent& event) {
    REQUIRE(event != nullptr);
    Parsed out;
    std::size_t at = 0;
    const auto& text = *event;
    while (at < text.size()) {
        const auto end = text.find('\n', at);
        const auto line = text.substr(at, end - at);
        at = end + 1;
        if (line.rfind("id: ", 0) == 0) {
            out.id = line.substr(4);
        } else if (line.rfind("event: ", 0) == 0) {
            out.event = line.substr(7);
        } else if (line.rfind("data: ", 0) == 0) {
            out.data = boost::json::parse(line.substr(6)).as_object();
        }
    }
    return out;
}

/// {"seat": status} of a `seats` event's changed seats.
std::map<std::string, std::string> changed(const Parsed& p) {
    std::map<std::string, std::string> out;
    for (const auto& seat : p.data.at("seats").as_array()) {
        out[std::string(seat.at("seat").as_string())] = std::string(seat.at("status").as_string());
    }
    return out;
}

}  // namespace

TEST_CASE("Seat deltas: only the seats that changed, absolute, with the counts after",
          "[http][stream][seats]") {
    SeatMapHistory history(map_of(3, {{"A1", SeatStatus::kBooked}}), 8);
    CHECK(history.version() == 3);
    // A2 held, A3 booked: two seats, nothing else.
    auto first = parse(history.advance(
        5, {{"A1", SeatStatus::kBooked}, {"A2", SeatStatus::kHeld}, {"A3", SeatStatus::kBooked}}));
    CHECK(first.event == "seats");
    CHECK(first.id == "5");
    CHECK(first.data.at("version").as_int64() == 5);
    CHECK(first.data.at("since").as_int64() == 3);
    CHECK(first.data.at("screeningId").as_int64() == 19);
    CHECK(changed(first) == std::map<std::string, std::string>{{"A2", "held"}, {"A3", "booked"}});
    CHECK(first.data.at("available").as_int64() == 4);  // 8 seats - B4 blocked - 3 taken
    CHECK(first.data.at("held").as_int64() == 1);
    CHECK(first.data.at("booked").as_int64() == 2);
    CHECK(first.data.at("blocked").as_int64() == 1);
    // The hold became a booking and A1 was cancelled.
    auto second = parse(history.advance(
        7, {{"A2", SeatStatus::kBooked}, {"A3", SeatStatus::kBooked}}));
    CHECK(changed(second) ==
          std::map<std::string, std::string>{{"A1", "available"}, {"A2", "booked"}});
    CHECK(second.data.at("since").as_int64() == 5);
    CHECK(second.data.at("available").as_int64() == 5);
    CHECK(history.version() == 7);
}

TEST_CASE("Seat deltas: a version that did not grow, or moved no seat, sends nothing",
          "[http][stream][seats]") {
    SeatMapHistory history(map_of(3, {}), 8);
    CHECK(history.advance(3, {{"A1", SeatStatus::kHeld}}) == nullptr);  // an older read
    CHECK(history.version() == 3);
    CHECK(history.advance(5, {}) == nullptr);  // held and released between two reads
    CHECK(history.version() == 5);
    // The silent change still chains: a client at 3 replays nothing and is then at 5's state.
    auto missed = history.since("3");
    REQUIRE(missed);
    CHECK(missed->empty());
}

TEST_CASE("Seat deltas: resume replays exactly the changes after the client's id",
          "[http][stream][seats]") {
    SeatMapHistory history(map_of(1, {}), 8);
    const auto e2 = history.advance(2, {{"A1", SeatStatus::kHeld}});
    const auto e3 = history.advance(3, {{"A1", SeatStatus::kBooked}});
    const auto e4 = history.advance(4, {{"A1", SeatStatus::kBooked}, {"B1", SeatStatus::kHeld}});
    auto from1 = history.since("1");
    REQUIRE(from1);
    CHECK(*from1 == std::vector<SharedEvent>{e2, e3, e4});  // the same bytes, shared
    auto from3 = history.since("3");
    REQUIRE(from3);
    CHECK(*from3 == std::vector<SharedEvent>{e4});
    auto current = history.since("4");
    REQUIRE(current);
    CHECK(current->empty());
    // Not a version of this history, from the future, or not a number: the full map.
    CHECK_FALSE(history.since("0"));
    CHECK_FALSE(history.since("9"));
    CHECK_FALSE(history.since("x"));
    CHECK_FALSE(history.since("3 "));
    CHECK_FALSE(history.since(""));
}

TEST_CASE("Seat deltas: the ring is bounded, a client older than it gets the full map",
          "[http][stream][seats]") {
    SeatMapHistory history(map_of(0, {}), 3);
    TakenSeats taken;
    const char* seats[] = {"A1", "A2", "A3", "A4", "B1"};
    std::vector<SharedEvent> sent;
    for (int v = 1; v <= 5; ++v) {
        taken.emplace(seats[v - 1], SeatStatus::kBooked);
        sent.push_back(history.advance(v, taken));
    }
    CHECK_FALSE(history.since("0"));  // changes 1 and 2 fell out
    CHECK_FALSE(history.since("1"));
    auto from2 = history.since("2");
    REQUIRE(from2);
    CHECK(*from2 == std::vector<SharedEvent>{sent[2], sent[3], sent[4]});
}
