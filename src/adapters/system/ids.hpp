#pragma once
// Unique identifiers for events (`eventId`): version-7 UUIDs (RFC 9562) in canonical text form
// — 48 bits of Unix time in ms, then random bits. Time-ordered ids keep inbox inserts at the
// right edge of its B-tree instead of scattering them over random pages.
// Thread-safe (a generator per thread, seeded from std::random_device).
#include <string>

namespace mb::adapters::system {

/// A new UUIDv7, e.g. "0193a2b4-5c6d-7e8f-9a0b-1c2d3e4f5a6b".
[[nodiscard]] std::string new_uuid();

}  // namespace mb::adapters::system
