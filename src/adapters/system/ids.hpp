#pragma once
// Unique identifiers for events (`eventId`): random version-4 UUIDs in their canonical text
// form. Thread-safe (a generator per thread, seeded from std::random_device).
#include <string>

namespace mb::adapters::system {

[[nodiscard]] std::string new_uuid();

}  // namespace mb::adapters::system
