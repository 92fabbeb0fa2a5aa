#pragma once
// Decoding JSON request bodies: the media-type and syntax checks (415 / 400), a typed field
// reader that collects every offending field before answering, and path ids.
//
// Numbers: the seed's clients (httpie `key=value`) send every value as a JSON string and
// Spring's Jackson coerced decimal-integer strings to numbers; JsonFields accepts exactly that
// coercion and nothing looser.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "adapters/http/request.hpp"
#include "domain/common/validation.hpp"

namespace mb::adapters::http {

/// Deepest nesting of arrays and objects accepted in a request body (the top-level object is
/// level 1); deeper is a 400. Request bodies here are at most 3 levels deep.
inline constexpr std::size_t kMaxJsonDepth = 20;
/// Most members of one object or elements of one array accepted in a request body; more is a
/// 400 (the body limit bounds the total size).
inline constexpr std::size_t kMaxJsonElements = 1000;
/// Largest magnitude JsonFields::integer accepts: 2^53 - 1, the largest integer every JSON
/// parser (JavaScript's Number included) represents exactly.
inline constexpr std::int64_t kMaxSafeInteger = 9007199254740991;

/// Exactly one of the two is set: the decoded top-level object, or the error response to send.
struct JsonObjectOrProblem {
    std::optional<boost::json::object> object;
    std::optional<Response> problem;
};

/// Decodes the request body as one JSON object.
///
/// - Content-Type must be `application/json` or `application/<anything>+json`, compared
///   case-insensitively, parameters such as `; charset=utf-8` allowed; otherwise (also when
///   absent) a 415 problem.
/// - An empty body or malformed JSON gives a 400 problem "malformed JSON: <reason>": also
///   anything after the value but whitespace ("extra data"), invalid UTF-8 in a string,
///   nesting deeper than kMaxJsonDepth, an object or array of more than kMaxJsonElements, a
///   number that is not finite (1e400).
/// - A top-level value other than an object gives a 400 problem.
/// Duplicate keys: the last one wins.
[[nodiscard]] JsonObjectOrProblem parse_json_object(const Request& request);

/// Typed, collecting reader over one JSON object: each accessor validates one field, records a
/// FieldError (wire name + message) when it is wrong, and returns nullopt for it; the caller
/// reads every field, then answers 400 with errors() when !ok(). JSON `null` counts as missing
/// for every accessor. The object must outlive the reader. Not thread-safe.
class JsonFields {
public:
    explicit JsonFields(const boost::json::object& object);

    /// A JSON integer, or a JSON string holding a decimal integer (optional leading '-',
    /// digits only: no spaces, '+', decimal point or exponent), within ±kMaxSafeInteger. A
    /// JSON double (even 10.0 or 1e400), boolean, array, object or other string is rejected
    /// with "must be an integer"; an integer past ±(2^53 - 1) (including past int64 or
    /// uint64, e.g. 18446744073709551616 as a string) with "must be an integer between
    /// -9007199254740991 and 9007199254740991".
    /// Missing: nullopt, plus "is required" when `required`.
    std::optional<std::int64_t> integer(std::string_view name, bool required);

    /// A JSON string (nothing else: numbers are not turned into text) of at most `max_length`
    /// UTF-8 bytes; longer gives "must be at most <max_length> characters", another type
    /// "must be a string". Missing: nullopt, plus "is required" when `required`. An empty
    /// string is returned as is.
    std::optional<std::string> string(std::string_view name, bool required, std::size_t max_length);

    /// An identifier such as a customerId: a JSON integer (returned in decimal) or a JSON
    /// string matching [A-Za-z0-9._@-]{1,64}; anything else gives "must be an identifier
    /// (1 to 64 of A-Z a-z 0-9 . _ @ -)". Missing: nullopt, plus "is required" when `required`.
    std::optional<std::string> identifier(std::string_view name, bool required);

    /// Records a rule the caller checks itself (cross-field rules, ranges).
    void add_error(std::string field, std::string message);

    /// Every error recorded so far, in the order the fields were read.
    [[nodiscard]] const mb::domain::FieldErrors& errors() const;
    /// True while no error has been recorded.
    [[nodiscard]] bool ok() const;

private:
    const boost::json::object* object_;
    mb::domain::FieldErrors errors_;
};

/// A path id: a positive decimal int64 (digits only, 1..9223372036854775807), else nullopt.
/// Routes answer 400 "id must be a positive integer" for nullopt and 404 when the entity is
/// absent. Pure; thread-safe.
[[nodiscard]] std::optional<std::int64_t> parse_id(std::string_view text);

/// A decimal int64 as Jackson coerces it from a string: optional leading '-', then digits
/// only, within range; else nullopt. Pure; thread-safe.
[[nodiscard]] std::optional<std::int64_t> parse_decimal_int64(std::string_view text);

}  // namespace mb::adapters::http
