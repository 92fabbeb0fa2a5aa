// The wire codec (MISSION.md, "Events"): every event survives encode -> decode; the envelope
// carries eventType, timestamp (yyyyMMddHHmmss, UTC), eventId and bookingId; messages written
// by the seed services (numbers as JSON numbers or numeric strings) decode; a message without
// bookingId is refused with DecodeError.
#include "adapters/codec/event_codec.hpp"

#include <chrono>
#include <regex>
#include <string>
#include <tuple>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

namespace mb::adapters::codec {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;
using domain::booking::Booked;
using domain::booking::Canceled;
using domain::payment::Paid;
using domain::payment::PaymentCanceled;
using domain::review::WaitedReview;
using domain::review::WrittenReview;
using domain::ticket::Created;
using domain::ticket::Printed;

// 2021-02-23 23:32:24 UTC, the timestamp of the seed's sample message.
const std::chrono::system_clock::time_point kSeedTime{std::chrono::seconds(1614123144)};

auto fields(const Booked& e) {
    return std::tie(e.booking_id, e.customer_id, e.movie_name, e.seat, e.qty, e.total_price,
                    e.payment_id, e.status, e.screening_id, e.seats, e.screening_starts_at);
}
auto fields(const Canceled& e) {
    return std::tie(e.booking_id, e.customer_id, e.movie_name, e.seat, e.qty, e.total_price,
                    e.status, e.screening_id, e.seats);
}
auto fields(const Paid& e) {
    return std::tie(e.payment_id, e.booking_id, e.customer_id, e.total_price, e.status);
}
auto fields(const PaymentCanceled& e) {
    return std::tie(e.payment_id, e.booking_id, e.customer_id, e.total_price, e.status);
}
auto fields(const Created& e) {
    return std::tie(e.ticket_id, e.booking_id, e.customer_id, e.movie_name, e.seat, e.qty,
                    e.status);
}
auto fields(const Printed& e) {
    return std::tie(e.ticket_id, e.booking_id, e.status);
}
auto fields(const WaitedReview& e) {
    return std::tie(e.review_id, e.booking_id, e.weather, e.status);
}
auto fields(const WrittenReview& e) {
    return std::tie(e.review_id, e.booking_id, e.score, e.contents, e.weather, e.status);
}

template <class Event>
void check_round_trip(const Event& original) {
    const auto env = encode(original, "event-1", kSeedTime);
    INFO(Event::kType << " payload: " << env.payload);
    const auto decoded = decode<Event>(env);
    CHECK(fields(decoded) == fields(original));
    CHECK(env.event_type == Event::kType);
    CHECK(env.booking_id == original.booking_id);
}

json::object payload_of(const Envelope& env) {
    return json::parse(env.payload).as_object();
}

Envelope message(std::string text) {
    return Envelope{"seed-1", "", 0, "", std::move(text)};
}

TEST_CASE("Codec: every one of the 8 events survives encode then decode field for field",
          "[codec]") {
    check_round_trip(
        Booked{7, "customer-1", "soul", "1A,2B", 2, 10000, 70, "PaidComplete", 0, {}, ""});
    check_round_trip(Canceled{7, "customer-1", "soul", "1A,2B", 2, 10000, "Canceled", 0, {}});
    check_round_trip(Paid{70, 7, "customer-1", 10000, "Paid"});
    check_round_trip(PaymentCanceled{70, 7, "customer-1", 10000, "Canceled"});
    check_round_trip(Created{21, 7, "customer-1", "soul", "1A,2B", 2, "Waiting"});
    check_round_trip(Printed{21, 7, "Printed"});
    check_round_trip(WaitedReview{31, 7, "Sunny", "Waiting Review"});
    check_round_trip(WrittenReview{31, 7, 10, "VeryGood", "Sunny", "Written"});
}

TEST_CASE(
    "Codec: a screening booking's screeningId, seats and screeningStartsAt survive the round "
    "trip and are JSON number, array and string",
    "[codec][screening]") {
    const Booked booked{7,
                        "customer-1",
                        "soul",
                        "A1,A2",
                        2,
                        10000,
                        70,
                        "PaidComplete",
                        3,
                        {"A1", "A2"},
                        "2030-01-01T10:00:00Z"};
    const Canceled canceled{7,     "customer-1", "soul", "A1,A2",     2,
                            10000, "Canceled",   3,      {"A1", "A2"}};
    check_round_trip(booked);
    check_round_trip(canceled);

    const auto o = payload_of(encode(booked, "id", kSeedTime));
    CHECK(o.at("screeningId") == 3);
    CHECK(o.at("seats") == json::array{"A1", "A2"});
    CHECK(o.at("screeningStartsAt") == "2030-01-01T10:00:00Z");
    const auto c = payload_of(encode(canceled, "id", kSeedTime));
    CHECK(c.at("screeningId") == 3);
    CHECK(c.at("seats") == json::array{"A1", "A2"});
}

TEST_CASE(
    "Codec: a Booked or Canceled without the screening fields (the seed's, older publishers) "
    "decodes as a legacy booking, and seats that are no list of strings are refused",
    "[codec][screening][seed]") {
    const auto booked = decode<Booked>(
        message(R"({"eventType":"Booked","bookingId":12,"movieName":"soul","seat":"1A,2B",)"
                R"("qty":2,"totalPrice":10000,"paymentId":5,"status":"PaidComplete"})"));
    CHECK(booked.screening_id == 0);
    CHECK(booked.seats.empty());
    CHECK(booked.screening_starts_at.empty());
    const auto canceled = decode<Canceled>(
        message(R"({"eventType":"Canceled","bookingId":12,"seats":null,"status":"Canceled"})"));
    CHECK(canceled.screening_id == 0);
    CHECK(canceled.seats.empty());

    CHECK_THROWS_AS(decode<Booked>(message(R"({"bookingId":1,"seats":"A1,A2"})")), DecodeError);
    CHECK_THROWS_AS(decode<Canceled>(message(R"({"bookingId":1,"seats":["A1",2]})")), DecodeError);
    CHECK_THROWS_AS(decode<Booked>(message(R"({"bookingId":1,"screeningId":"x"})")), DecodeError);
}

TEST_CASE(
    "Codec: text survives the round trip unchanged (UTF-8, quotes, escapes) and 64-bit "
    "numbers keep every bit",
    "[codec]") {
    const std::string contents = "\xec\xa2\x8b\xec\x95\x84\xec\x9a\x94 \"quoted\" \\ \n end";
    check_round_trip(WrittenReview{1, 9007199254740993LL, 0, contents, "", "Written"});
    check_round_trip(Booked{INT64_MAX,
                            "c",
                            "\xec\x86\x8c\xec\x9a\xb8",
                            "A1",
                            1,
                            INT64_MAX,
                            INT64_MAX - 1,
                            "PaidComplete",
                            INT64_MAX,
                            {"A1"},
                            ""});
}

TEST_CASE(
    "Codec envelope: eventType, timestamp, eventId and bookingId are in the envelope and "
    "in the JSON payload",
    "[codec][envelope]") {
    const Booked e{7, "customer-1", "soul", "1A,2B", 2, 10000, 70, "PaidComplete", 0, {}, ""};
    const auto env = encode(e, "0b5e3c1a-1111-4222-8333-944455556666", kSeedTime);
    CHECK(env.event_type == "Booked");
    CHECK(env.event_id == "0b5e3c1a-1111-4222-8333-944455556666");
    CHECK(env.booking_id == 7);
    CHECK(env.timestamp == "20210223233224");

    const auto o = payload_of(env);
    CHECK(o.at("eventType") == "Booked");
    CHECK(o.at("timestamp") == "20210223233224");
    CHECK(o.at("eventId") == "0b5e3c1a-1111-4222-8333-944455556666");
    CHECK(o.at("bookingId") == 7);
    // The seed's flat camelCase fields.
    CHECK(o.at("customerId") == "customer-1");
    CHECK(o.at("movieName") == "soul");
    CHECK(o.at("seat") == "1A,2B");
    CHECK(o.at("qty") == 2);
    CHECK(o.at("totalPrice") == 10000);
    CHECK(o.at("paymentId") == 70);
    CHECK(o.at("status") == "PaidComplete");
}

TEST_CASE("Codec envelope: every event type names itself and carries its bookingId",
          "[codec][envelope]") {
    const auto check = [](const Envelope& env, const char* type) {
        const auto o = payload_of(env);
        INFO(env.payload);
        CHECK(env.event_type == type);
        CHECK(o.at("eventType") == type);
        CHECK(o.at("bookingId") == 7);
        CHECK(o.at("eventId") == "id");
    };
    check(encode(Canceled{7, "c", "m", "A1", 1, 1, "Canceled", 0, {}}, "id", kSeedTime),
          "Canceled");
    check(encode(Paid{1, 7, "c", 1, "Paid"}, "id", kSeedTime), "Paid");
    check(encode(PaymentCanceled{1, 7, "c", 1, "Canceled"}, "id", kSeedTime), "PaymentCanceled");
    check(encode(Created{1, 7, "c", "m", "A1", 1, "Waiting"}, "id", kSeedTime), "Created");
    check(encode(Printed{1, 7, "Printed"}, "id", kSeedTime), "Printed");
    check(encode(WaitedReview{1, 7, "w", "Waiting Review"}, "id", kSeedTime), "WaitedReview");
    check(encode(WrittenReview{1, 7, 5, "c", "w", "Written"}, "id", kSeedTime), "WrittenReview");
}

TEST_CASE("Codec timestamp: 14 digits yyyyMMddHHmmss in UTC, seconds truncated",
          "[codec][envelope]") {
    const std::regex fourteen_digits("^[0-9]{14}$");
    CHECK(wire_timestamp(kSeedTime) == "20210223233224");
    CHECK(wire_timestamp(kSeedTime + 999ms) == "20210223233224");
    CHECK(wire_timestamp(kSeedTime + 36s) == "20210223233300");
    CHECK(wire_timestamp(std::chrono::system_clock::time_point{}) == "19700101000000");
    CHECK(wire_timestamp(std::chrono::system_clock::time_point{std::chrono::seconds(4102444799)}) ==
          "20991231235959");
    const auto now = wire_timestamp(std::chrono::system_clock::now());
    CHECK(std::regex_match(now, fourteen_digits));
    const auto env = encode(Printed{1, 7, "Printed"}, "id", std::chrono::system_clock::now());
    CHECK(std::regex_match(env.timestamp, fourteen_digits));
}

TEST_CASE("Codec: the seed's own WrittenReview message decodes", "[codec][seed]") {
    const auto e = decode<WrittenReview>(
        message(R"({"eventType":"WrittenReview","timestamp":"20210223233224","bookingId":1,)"
                R"("score":10,"contents":"VeryGood","status":"Written"})"));
    CHECK(e.booking_id == 1);
    CHECK(e.score == 10);
    CHECK(e.contents == "VeryGood");
    CHECK(e.status == "Written");
    CHECK(e.review_id == 0);   // absent: default
    CHECK(e.weather.empty());  // absent optional text: ""
}

TEST_CASE("Codec: numbers sent as numeric strings (httpie key=value) decode as numbers",
          "[codec][seed]") {
    const auto review = decode<WrittenReview>(
        message(R"({"eventType":"WrittenReview","bookingId":"1","id":"4","score":"10",)"
                R"("contents":"VeryGood","status":"Written"})"));
    CHECK(review.booking_id == 1);
    CHECK(review.review_id == 4);
    CHECK(review.score == 10);

    const auto booked = decode<Booked>(
        message(R"({"eventType":"Booked","bookingId":"12","qty":"2","totalPrice":"10000",)"
                R"("movieName":"soul","seat":"1A,2B","paymentId":"5","status":"PaidComplete"})"));
    CHECK(booked.booking_id == 12);
    CHECK(booked.qty == 2);
    CHECK(booked.total_price == 10000);
    CHECK(booked.payment_id == 5);
    CHECK(booked.customer_id.empty());
}

TEST_CASE("Codec: a message without bookingId is refused with DecodeError, for every type",
          "[codec][decode-error]") {
    const auto missing = message(R"({"eventType":"X","id":1,"status":"s"})");
    CHECK_THROWS_AS(decode<Booked>(missing), DecodeError);
    CHECK_THROWS_AS(decode<Canceled>(missing), DecodeError);
    CHECK_THROWS_AS(decode<Paid>(missing), DecodeError);
    CHECK_THROWS_AS(decode<PaymentCanceled>(missing), DecodeError);
    CHECK_THROWS_AS(decode<Created>(missing), DecodeError);
    CHECK_THROWS_AS(decode<Printed>(missing), DecodeError);
    CHECK_THROWS_AS(decode<WaitedReview>(missing), DecodeError);
    CHECK_THROWS_AS(decode<WrittenReview>(missing), DecodeError);
    CHECK_THROWS_AS(decode<Printed>(message(R"({"bookingId":null})")), DecodeError);
}

TEST_CASE("Codec: malformed messages and ill-typed fields are refused with DecodeError",
          "[codec][decode-error]") {
    CHECK_THROWS_AS(decode<Printed>(message("not json")), DecodeError);
    CHECK_THROWS_AS(decode<Printed>(message("[1,2]")), DecodeError);
    CHECK_THROWS_AS(decode<Printed>(message("")), DecodeError);
    CHECK_THROWS_AS(decode<Printed>(message(R"({"bookingId":"1x"})")), DecodeError);
    CHECK_THROWS_AS(decode<Printed>(message(R"({"bookingId":""})")), DecodeError);
    CHECK_THROWS_AS(decode<Printed>(message(R"({"bookingId":1.5})")), DecodeError);
    CHECK_THROWS_AS(decode<Printed>(message(R"({"bookingId":true})")), DecodeError);
    CHECK_THROWS_AS(decode<Printed>(message(R"({"bookingId":18446744073709551615})")), DecodeError);
    CHECK_THROWS_AS(decode<WrittenReview>(message(R"({"bookingId":1,"score":"ten"})")),
                    DecodeError);
    CHECK_THROWS_AS(decode<WrittenReview>(message(R"({"bookingId":1,"contents":[1]})")),
                    DecodeError);
}

TEST_CASE("read_envelope: our own message round-trips into the envelope it was published as",
          "[codec][read]") {
    const auto sent = encode(Paid{5, 41, "c-1", 10000, "Paid"}, "evt-1", kSeedTime);
    const auto got = read_envelope(sent.payload, "", "kafka:movie:0:9");
    CHECK(got.event_id == "evt-1");  // the payload's eventId wins over the fallback
    CHECK(got.event_type == "Paid");
    CHECK(got.booking_id == 41);
    CHECK(got.timestamp == "20210223233224");
    CHECK(got.payload == sent.payload);
    REQUIRE(got.object != nullptr);
    CHECK(decode<Paid>(got).total_price == 10000);
}

TEST_CASE("read_envelope: a seed service's message (no eventId) gets the transport's stable id",
          "[codec][read]") {
    const std::string seed =
        R"({"eventType":"WrittenReview","timestamp":"20210223233224","bookingId":1,)"
        R"("score":10,"contents":"VeryGood","status":"Written"})";
    const auto got = read_envelope(seed, "", "kafka:movie:3:17");
    CHECK(got.event_id == "kafka:movie:3:17");
    CHECK(got.event_type == "WrittenReview");
    CHECK(got.booking_id == 1);
    const auto review = decode<WrittenReview>(got);
    CHECK(review.score == 10);
    CHECK(review.contents == "VeryGood");
    // bookingId as a numeric string (Jackson producers) and eventType from a header.
    const auto header_typed = read_envelope(R"({"bookingId":"12"})", "Printed", "p:0:1");
    CHECK(header_typed.event_type == "Printed");
    CHECK(header_typed.booking_id == 12);
    CHECK(header_typed.timestamp.empty());
}

TEST_CASE("read_envelope: unreadable messages are refused with a DecodeError saying why",
          "[codec][read][decode-error]") {
    auto error_of = [](const std::string& text) {
        try {
            (void)read_envelope(text, "", "id");
        } catch (const DecodeError& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    CHECK(error_of("not json").find("not JSON") == 0);
    CHECK(error_of("").find("not JSON") == 0);
    CHECK(error_of("[1]") == "not a JSON object");
    CHECK(error_of(R"({"bookingId":1})") == "missing field eventType");
    CHECK(error_of(R"({"eventType":7,"bookingId":1})") == "field eventType is not a string");
    CHECK(error_of(R"({"eventType":"","bookingId":1})") == "field eventType is empty");
    CHECK(error_of(R"({"eventType":"Booked"})") == "missing field bookingId");
    CHECK(error_of(R"({"eventType":"Booked","bookingId":"x"})") ==
          "field bookingId is not an integer");
}

}  // namespace
}  // namespace mb::adapters::codec
