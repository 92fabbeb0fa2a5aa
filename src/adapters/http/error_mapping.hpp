#pragma once
// THE one table from generic error conditions (mb::domain::Condition) to HTTP statuses.
// Contexts never choose statuses: they map their error enums onto a Condition (through their
// category's default_error_condition) and routes answer with problem_for().
#include <string_view>
#include <system_error>

#include <boost/beast/http/status.hpp>

#include "adapters/http/request.hpp"

namespace mb::adapters::http {

/// The status for `ec`, decided by `ec.default_error_condition()`:
///
/// | condition        | status |
/// | ---------------- | ------ |
/// | kInvalidInput    | 400    |
/// | kNotFound        | 404    |
/// | kConflict        | 409    |
/// | kPaymentDeclined | 402    |
/// | kUnavailable     | 503    |
/// | kForbidden       | 403    |
/// | kUnauthenticated | 401    |
/// | anything else (including success and foreign categories) | 500 |
///
/// Pure; thread-safe.
[[nodiscard]] beast::http::status status_for(const std::error_code& ec);

/// A problem+json response with status_for(ec); `detail` defaults to `ec.message()` when
/// empty. A 503 also carries `Retry-After: 1` (seconds): the fault is transient (a module is
/// slow or its circuit is open).
[[nodiscard]] Response problem_for(const Request& request, const std::error_code& ec,
                                   std::string_view detail = {});

}  // namespace mb::adapters::http
