#pragma once
// The wire form of an event (MISSION.md, "Events"; ARCHITECTURE.md, "Envelope"): one JSON
// object with the event's camelCase fields plus `eventType`, `timestamp` (yyyyMMddHHmmss, UTC)
// and a unique `eventId`; `bookingId` is the correlation key (the Kafka message key).
#include <cstdint>
#include <string>

namespace mb::adapters::bus {

/// Immutable once built; shared between subscribers as shared_ptr<const Envelope>.
struct Envelope {
    std::string event_id;
    std::string event_type;
    std::int64_t booking_id = 0;
    std::string timestamp;  ///< yyyyMMddHHmmss
    std::string payload;    ///< the complete JSON object text, exactly as published
};

}  // namespace mb::adapters::bus
