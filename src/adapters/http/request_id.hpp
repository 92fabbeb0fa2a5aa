#pragma once
// Request ids (README "Logs"): the `X-Request-Id` a client or proxy sends is kept when it is
// well-formed, else the server makes one. Either way it is echoed on the response, handed to
// the handler (Request::request_id), written on the access-log line and carried by the events
// the request causes (Envelope::request_id), so one id follows a booking end to end.
#include <string>
#include <string_view>

namespace mb::adapters::http {

/// Longest accepted X-Request-Id, characters.
inline constexpr std::size_t kMaxRequestIdLength = 128;

/// 1 to kMaxRequestIdLength visible ASCII characters (RFC 5234 VCHAR, 0x21-0x7E: no space,
/// control or non-ASCII byte), so the id is safe in a header, a log line and a Kafka header.
[[nodiscard]] bool is_valid_request_id(std::string_view id) noexcept;

/// A fresh id unique within this process and, with overwhelming probability, across processes:
/// 16 hex digits of a per-process random prefix, '-', a per-process counter in hex
/// ("9f86d081884c7d65-1a"). Thread-safe, lock-free.
[[nodiscard]] std::string new_request_id();

/// `header` (the X-Request-Id value, "" when absent) when valid, else new_request_id(). A bad
/// id is replaced rather than refused with 400: a tracing header must never make a request
/// fail, and the response's X-Request-Id tells the client which id was used.
[[nodiscard]] std::string accept_request_id(std::string_view header);

}  // namespace mb::adapters::http
