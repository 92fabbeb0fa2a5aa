#pragma once
// Building successful responses: a JSON body (HAL by default) or no body at all. Both copy the
// HTTP version and keep-alive decision from the request, so a handler never has to.
#include <string_view>

#include <boost/beast/http/status.hpp>
#include <boost/json/value.hpp>

#include "adapters/http/request.hpp"

namespace mb::adapters::http {

/// The value of the Server header on every response of the adapter.
inline constexpr std::string_view kServerName = "movie-booking";

/// A response with `body` serialized as compact JSON.
///
/// Sets the version and keep-alive from `request`, `Content-Type: <content_type>`,
/// `Server: movie-booking` and `Content-Length` (via prepare_payload). `content_type` defaults
/// to Spring Data REST's `application/hal+json`; pass `application/json` for plain JSON.
/// Strings in `body` that are not valid UTF-8 are serialized with U+FFFD in place of the
/// ill-formed bytes, so the body is always valid JSON. Throws only std::bad_alloc.
[[nodiscard]] Response json_response(const Request& request, beast::http::status status,
                                     const boost::json::value& body,
                                     std::string_view content_type = "application/hal+json");

/// A response without a body (for example 204 No Content after a DELETE).
///
/// Sets the version and keep-alive from `request` and `Server: movie-booking`. For 1xx, 204
/// and 304 no Content-Length is sent (RFC 9110 forbids it there); otherwise
/// `Content-Length: 0`.
[[nodiscard]] Response empty_response(const Request& request, beast::http::status status);

}  // namespace mb::adapters::http
