#pragma once
// The wire form of an event (MISSION.md, "Events"; ARCHITECTURE.md, "Envelope"): one JSON
// object with the event's camelCase fields plus `eventType`, `timestamp` (yyyyMMddHHmmss, UTC)
// and a unique `eventId`; `bookingId` is the correlation key (the Kafka message key).
#include <cstdint>
#include <memory>
#include <string>

#include <boost/json/object.hpp>

namespace mb::adapters::codec {

/// Immutable once built; shared between subscribers as shared_ptr<const Envelope>.
struct Envelope {
    std::string event_id;
    std::string event_type;
    std::int64_t booking_id = 0;
    std::string timestamp;  ///< yyyyMMddHHmmss
    std::string payload;    ///< the complete JSON object text, exactly as published
    /// The payload already parsed, when the publisher built it (encode) or a reader parsed it
    /// once: every consumer decodes from it instead of parsing the text again. May be null.
    std::shared_ptr<const boost::json::object> object = nullptr;
    /// The X-Request-Id of the request that caused the event ("" when unknown: an event of an
    /// older version, or one caused by recovery). Metadata beside the payload, which stays the
    /// seed's wire form: an outbox column, a Kafka header (`requestId`).
    std::string request_id{};
};

}  // namespace mb::adapters::codec
