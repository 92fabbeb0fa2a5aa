#pragma once
// Field-level validation outcome, reported to clients as the `errors` member of an
// application/problem+json body (MISSION.md: "for validation, the offending fields").
#include <string>
#include <vector>

namespace mb::domain {

/// One offending input field. `field` is the wire (camelCase) name; `message` is for humans.
struct FieldError {
    std::string field;
    std::string message;

    friend bool operator==(const FieldError&, const FieldError&) = default;
};

using FieldErrors = std::vector<FieldError>;

}  // namespace mb::domain
