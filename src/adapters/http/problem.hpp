#pragma once
// RFC 9457 problem details (`application/problem+json`): the body of every error response.
#include <string_view>

#include <boost/beast/http/status.hpp>

#include "adapters/http/request.hpp"
#include "domain/common/validation.hpp"

namespace mb::adapters::http {

/// The media type of problem responses.
inline constexpr std::string_view kProblemContentType = "application/problem+json";

/// An error response for `request`:
/// ```
/// {"type":"about:blank","title":"<reason phrase of status>","status":<int>,
///  "detail":"<detail>","instance":"<request path>",
///  "errors":[{"field":"qty","message":"must be an integer"}]}
/// ```
/// `errors` is present only when non-empty (validation failures name the offending wire
/// fields). Version and keep-alive follow the request; Content-Length is set. The body is
/// valid UTF-8 whatever `detail`, the path or the errors hold (ill-formed bytes become
/// U+FFFD). Throws only std::bad_alloc.
[[nodiscard]] Response problem(const Request& request, beast::http::status status,
                               std::string_view detail, const mb::domain::FieldErrors& errors = {});

/// The same body without `errors`, for failures before a Request exists (the request line or
/// headers could not be parsed, or the body was over the limit). `instance` (the request path,
/// when the request line was read) is omitted when empty. `version` is 10 or 11.
[[nodiscard]] Response problem(unsigned version, bool keep_alive, beast::http::status status,
                               std::string_view detail, std::string_view instance = {});

}  // namespace mb::adapters::http
