#pragma once
// Encodes domain events to the wire envelope and decodes them back. Field names follow the
// seed services' Jackson classes (flat camelCase; `id` is the publishing aggregate's id), so a
// seed service and this binary can share a topic. Pure functions; thread-safe.
#include <chrono>
#include <stdexcept>
#include <string>

#include <boost/json.hpp>

#include "adapters/codec/envelope.hpp"
#include "domain/booking/events.hpp"
#include "domain/payment/events.hpp"
#include "domain/review/events.hpp"
#include "domain/ticket/events.hpp"

namespace mb::adapters::codec {

/// Thrown by decode when a message is not a valid event of the expected type.
class DecodeError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

boost::json::object to_json(const domain::booking::Booked& e);
boost::json::object to_json(const domain::booking::Canceled& e);
boost::json::object to_json(const domain::payment::Paid& e);
boost::json::object to_json(const domain::payment::PaymentCanceled& e);
boost::json::object to_json(const domain::ticket::Created& e);
boost::json::object to_json(const domain::ticket::Printed& e);
boost::json::object to_json(const domain::review::WaitedReview& e);
boost::json::object to_json(const domain::review::WrittenReview& e);

/// Decodes one event type from a parsed message. Numbers may be JSON numbers or numeric
/// strings (seed producers); absent optional text fields decode as "". Throws DecodeError when
/// `bookingId` is missing or a field has the wrong type.
template <class Event>
Event from_json(const boost::json::object& o);

/// Reads a message published by any producer (this binary, a seed service, kcat) as an
/// envelope: `payload` must be a JSON object with a string `eventType` (or, when absent,
/// `fallback_event_type`, e.g. a Kafka header) and an integer (or numeric string) `bookingId`.
/// `eventId` comes from the payload, else `fallback_event_id` (the seed services sent none: a
/// transport derives a stable one, e.g. from topic, partition and offset). `timestamp` is
/// taken as given ("" when absent). Throws DecodeError saying what is wrong.
[[nodiscard]] Envelope read_envelope(std::string_view payload, std::string_view fallback_event_type,
                                     std::string_view fallback_event_id);

/// "yyyyMMddHHmmss" in UTC, as the seed services wrote `timestamp`.
[[nodiscard]] std::string wire_timestamp(std::chrono::system_clock::time_point t);

/// Builds the envelope of `event` (its payload includes eventType, timestamp and eventId).
template <class Event>
Envelope encode(const Event& event, std::string event_id,
                std::chrono::system_clock::time_point now) {
    auto o = to_json(event);
    Envelope env;
    env.event_id = std::move(event_id);
    env.event_type = Event::kType;
    env.booking_id = event.booking_id;
    env.timestamp = wire_timestamp(now);
    o["eventType"] = env.event_type;
    o["timestamp"] = env.timestamp;
    o["eventId"] = env.event_id;
    env.payload = boost::json::serialize(o);
    env.object = std::make_shared<const boost::json::object>(std::move(o));
    return env;
}

/// Decodes an envelope as `Event`, from its parsed object when it has one, else by parsing
/// its payload. Throws DecodeError.
template <class Event>
Event decode(const Envelope& envelope) {
    if (envelope.object)
        return from_json<Event>(*envelope.object);
    boost::system::error_code ec;
    auto value = boost::json::parse(envelope.payload, ec);
    if (ec || !value.is_object()) {
        throw DecodeError("event " + envelope.event_id + " is not a JSON object");
    }
    return from_json<Event>(value.as_object());
}

}  // namespace mb::adapters::codec
