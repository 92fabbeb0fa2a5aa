#pragma once
// Webhook signatures (README "Notifications (webhooks)"): HMAC-SHA256 (RFC 2104, FIPS 180-4)
// over "<timestamp>.<body>" with the shared secret, sent as `X-Signature: sha256=<hex>` next to
// `X-Timestamp: <unix seconds>`. Signing the timestamp with the body lets a receiver refuse a
// replayed delivery by its age; the scheme is the one Stripe and GitHub webhooks use.
// Thread-safe (pure functions over OpenSSL's one-shot HMAC).
#include <string>
#include <string_view>

namespace mb::adapters::notification {

/// "sha256=" + lowercase hex of HMAC-SHA256(secret, timestamp + "." + body). Throws
/// std::runtime_error if OpenSSL fails (it does not for these inputs).
[[nodiscard]] std::string webhook_signature(std::string_view secret, std::string_view timestamp,
                                            std::string_view body);

/// Whether `signature` is webhook_signature(secret, timestamp, body), compared in constant
/// time (CRYPTO_memcmp: the comparison does not leak how many leading bytes matched).
[[nodiscard]] bool verify_webhook_signature(std::string_view secret, std::string_view timestamp,
                                            std::string_view body, std::string_view signature);

}  // namespace mb::adapters::notification
