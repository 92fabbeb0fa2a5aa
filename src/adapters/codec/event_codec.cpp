#include "adapters/codec/event_codec.hpp"

#include <charconv>
#include <ctime>

namespace mb::adapters::codec {
namespace json = boost::json;
namespace {

std::int64_t integer(const json::object& o, std::string_view key, bool required) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || v->is_null()) {
        if (required)
            throw DecodeError(std::string("missing field ") + std::string(key));
        return 0;
    }
    if (v->is_int64())
        return v->as_int64();
    if (v->is_uint64() && v->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
        return static_cast<std::int64_t>(v->as_uint64());
    }
    if (v->is_string()) {
        const auto& s = v->as_string();
        std::int64_t out = 0;
        const auto* end = s.data() + s.size();
        auto [ptr, ec] = std::from_chars(s.data(), end, out);
        if (ec == std::errc() && ptr == end && !s.empty())
            return out;
    }
    throw DecodeError(std::string("field ") + std::string(key) + " is not an integer");
}

std::string text(const json::object& o, std::string_view key) {
    const auto* v = o.if_contains(key);
    if (v == nullptr || v->is_null())
        return {};
    if (v->is_string())
        return std::string(v->as_string());
    if (v->is_int64())
        return std::to_string(v->as_int64());
    throw DecodeError(std::string("field ") + std::string(key) + " is not a string");
}

}  // namespace

Envelope read_envelope(std::string_view payload, std::string_view fallback_event_type,
                       std::string_view fallback_event_id) {
    boost::system::error_code ec;
    auto value = json::parse(payload, ec);
    if (ec)
        throw DecodeError("not JSON: " + ec.message());
    if (!value.is_object())
        throw DecodeError("not a JSON object");
    auto& o = value.as_object();
    Envelope env;
    if (const auto* t = o.if_contains("eventType"); t != nullptr && t->is_string()) {
        env.event_type = std::string(t->as_string());
    } else if (t == nullptr && !fallback_event_type.empty()) {
        env.event_type = std::string(fallback_event_type);
    } else {
        throw DecodeError(t == nullptr ? "missing field eventType"
                                       : "field eventType is not a string");
    }
    if (env.event_type.empty())
        throw DecodeError("field eventType is empty");
    env.booking_id = integer(o, "bookingId", true);
    if (const auto* id = o.if_contains("eventId");
        id != nullptr && id->is_string() && !id->as_string().empty()) {
        env.event_id = std::string(id->as_string());
    } else {
        env.event_id = std::string(fallback_event_id);
    }
    if (const auto* ts = o.if_contains("timestamp"); ts != nullptr && ts->is_string())
        env.timestamp = std::string(ts->as_string());
    env.payload = std::string(payload);
    env.object = std::make_shared<const json::object>(std::move(o));
    return env;
}

std::string wire_timestamp(std::chrono::system_clock::time_point t) {
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[16];
    const auto n = std::strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &tm);
    return {buf, n};
}

json::array seat_array(const std::vector<std::string>& seats) {
    json::array out;
    for (const auto& s : seats)
        out.emplace_back(s);
    return out;
}

std::vector<std::string> seats_of(const json::object& o) {
    std::vector<std::string> out;
    const auto* v = o.if_contains("seats");
    if (v == nullptr || v->is_null())
        return out;
    if (!v->is_array())
        throw DecodeError("field seats is not an array");
    for (const auto& s : v->as_array()) {
        if (!s.is_string())
            throw DecodeError("field seats holds a non-string");
        out.emplace_back(s.as_string());
    }
    return out;
}

json::object to_json(const domain::booking::Booked& e) {
    return {{"id", e.booking_id},
            {"bookingId", e.booking_id},
            {"customerId", e.customer_id},
            {"movieName", e.movie_name},
            {"seat", e.seat},
            {"qty", e.qty},
            {"totalPrice", e.total_price},
            {"paymentId", e.payment_id},
            {"status", e.status},
            {"screeningId", e.screening_id},
            {"seats", seat_array(e.seats)},
            {"screeningStartsAt", e.screening_starts_at}};
}

json::object to_json(const domain::booking::Canceled& e) {
    return {{"id", e.booking_id},
            {"bookingId", e.booking_id},
            {"customerId", e.customer_id},
            {"movieName", e.movie_name},
            {"seat", e.seat},
            {"qty", e.qty},
            {"totalPrice", e.total_price},
            {"status", e.status},
            {"screeningId", e.screening_id},
            {"seats", seat_array(e.seats)}};
}

json::object to_json(const domain::payment::Paid& e) {
    return {{"id", e.payment_id},
            {"bookingId", e.booking_id},
            {"customerId", e.customer_id},
            {"totalPrice", e.total_price},
            {"status", e.status}};
}

json::object to_json(const domain::payment::PaymentCanceled& e) {
    return {{"id", e.payment_id},
            {"bookingId", e.booking_id},
            {"customerId", e.customer_id},
            {"totalPrice", e.total_price},
            {"status", e.status}};
}

json::object to_json(const domain::ticket::Created& e) {
    return {{"id", e.ticket_id},
            {"bookingId", e.booking_id},
            {"customerId", e.customer_id},
            {"movieName", e.movie_name},
            {"seat", e.seat},
            {"qty", e.qty},
            {"status", e.status}};
}

json::object to_json(const domain::ticket::Printed& e) {
    return {{"id", e.ticket_id}, {"bookingId", e.booking_id}, {"status", e.status}};
}

json::object to_json(const domain::review::WaitedReview& e) {
    return {{"id", e.review_id},
            {"bookingId", e.booking_id},
            {"weather", e.weather},
            {"status", e.status}};
}

json::object to_json(const domain::review::WrittenReview& e) {
    return {{"id", e.review_id},      {"bookingId", e.booking_id}, {"score", e.score},
            {"contents", e.contents}, {"weather", e.weather},      {"status", e.status}};
}

// Designated initialisers (issue 12, item 7): a field added to an event cannot silently shift
// the values of the others, and each JSON name sits next to the member it fills.

template <>
domain::booking::Booked from_json(const json::object& o) {
    return {.booking_id = integer(o, "bookingId", true),
            .customer_id = text(o, "customerId"),
            .movie_name = text(o, "movieName"),
            .seat = text(o, "seat"),
            .qty = integer(o, "qty", false),
            .total_price = integer(o, "totalPrice", false),
            .payment_id = integer(o, "paymentId", false),
            .status = text(o, "status"),
            .screening_id = integer(o, "screeningId", false),
            .seats = seats_of(o),
            .screening_starts_at = text(o, "screeningStartsAt")};
}

template <>
domain::booking::Canceled from_json(const json::object& o) {
    return {.booking_id = integer(o, "bookingId", true),
            .customer_id = text(o, "customerId"),
            .movie_name = text(o, "movieName"),
            .seat = text(o, "seat"),
            .qty = integer(o, "qty", false),
            .total_price = integer(o, "totalPrice", false),
            .status = text(o, "status"),
            .screening_id = integer(o, "screeningId", false),
            .seats = seats_of(o)};
}

template <>
domain::payment::Paid from_json(const json::object& o) {
    return {.payment_id = integer(o, "id", false),
            .booking_id = integer(o, "bookingId", true),
            .customer_id = text(o, "customerId"),
            .total_price = integer(o, "totalPrice", false),
            .status = text(o, "status")};
}

template <>
domain::payment::PaymentCanceled from_json(const json::object& o) {
    return {.payment_id = integer(o, "id", false),
            .booking_id = integer(o, "bookingId", true),
            .customer_id = text(o, "customerId"),
            .total_price = integer(o, "totalPrice", false),
            .status = text(o, "status")};
}

template <>
domain::ticket::Created from_json(const json::object& o) {
    return {.ticket_id = integer(o, "id", false),
            .booking_id = integer(o, "bookingId", true),
            .customer_id = text(o, "customerId"),
            .movie_name = text(o, "movieName"),
            .seat = text(o, "seat"),
            .qty = integer(o, "qty", false),
            .status = text(o, "status")};
}

template <>
domain::ticket::Printed from_json(const json::object& o) {
    return {.ticket_id = integer(o, "id", false),
            .booking_id = integer(o, "bookingId", true),
            .status = text(o, "status")};
}

template <>
domain::review::WaitedReview from_json(const json::object& o) {
    return {.review_id = integer(o, "id", false),
            .booking_id = integer(o, "bookingId", true),
            .weather = text(o, "weather"),
            .status = text(o, "status")};
}

template <>
domain::review::WrittenReview from_json(const json::object& o) {
    return {.review_id = integer(o, "id", false),
            .booking_id = integer(o, "bookingId", true),
            .score = integer(o, "score", false),
            .contents = text(o, "contents"),
            .weather = text(o, "weather"),
            .status = text(o, "status")};
}

}  // namespace mb::adapters::codec
