#pragma once
// Bearer tokens (RFC 6750) -> Principal. The HTTP adapter calls a TokenVerifier for every
// request that needs a token (README, "Security"); the JWT implementation (cpp-jwt) lives in
// jwt_verifier.cpp, and nothing else in the program sees the JWT library.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "domain/common/error_category.hpp"
#include "domain/common/principal.hpp"
#include "domain/common/result.hpp"

namespace mb::adapters::auth {

/// Why a token was refused (category "mb.auth", condition kUnauthenticated -> HTTP 401 with
/// `WWW-Authenticate: Bearer error="invalid_token"`). Values start at 1.
enum class TokenError {
    kMissing = 1,          ///< no `Authorization: Bearer …` header
    kMalformed,            ///< not three base64url parts of JSON, or not a Bearer credential;
                           ///< also no `exp`, a NumericDate (exp/nbf/iat) that is not one, or
                           ///< a header with `crit` or a `typ` other than JWT
    kAlgorithmNotAllowed,  ///< `alg` outside the configured allow-list (incl. "none")
    kBadSignature,         ///< the signature does not verify with the configured key
    kExpired,              ///< `exp` is in the past (beyond the leeway)
    kNotYetValid,          ///< `nbf` (or `iat`) is in the future (beyond the leeway)
    kWrongIssuer,          ///< `iss` differs from the configured issuer
    kWrongAudience,        ///< `aud` does not contain the configured audience
    kNoSubject,            ///< `sub` missing, not a string, or not a customer id
                           ///< ([A-Za-z0-9._@-]{1,64}, the rule of customerId in request bodies)
    kBadRoles,             ///< `roles` present but not an array of known role names
    kUnknownKey,           ///< JWKS mode: no key with the token's `kid` (and alg)
};

[[nodiscard]] inline std::error_code make_error_code(TokenError e) noexcept {
    return domain::make_enum_error_code(e);
}

/// Verifies compact JWS tokens. Implementations are immutable after construction: verify() is
/// thread-safe and may run on any number of threads at once.
class TokenVerifier {
public:
    virtual ~TokenVerifier() = default;
    /// The principal of a valid token (`sub` = customer id; `roles` claim = roles, absent or
    /// an empty array -> customer only), or a TokenError. `token` is the credential after
    /// "Bearer ". Never throws for any input: every refusal is a TokenError value.
    [[nodiscard]] virtual domain::Result<domain::Principal> verify(std::string_view token) const = 0;
};

/// What the JWT verifier accepts (README, "Security"). Exactly one key source must be set,
/// the one of the allowed algorithm family: `hs_secret` for HS256/384/512, `public_key_pem` or
/// `jwks_json` (not both) for RS256/384/512 and ES256/384. Every allowed algorithm needs a key
/// that can verify it (an RSA PEM with {"RS256","ES256"} is refused).
///
/// Claims of an accepted token: `exp` required (a NumericDate, now < exp + leeway); `nbf` and
/// `iat` optional (not after now + leeway); `iss` equal to `issuer` when that is set; `aud`
/// (a string or an array of strings) containing `audience` when that is set; `sub` a customer
/// id; `roles` optional, an array of "customer" | "staff" | "admin" (absent or [] -> customer).
/// Header: `alg` exactly (case-sensitive) one of `algorithms`; `typ`, when present, "JWT";
/// `kid` selects the JWKS key; `crit` is refused (no extension is understood).
struct JwtSettings {
    /// Allow-list, e.g. {"HS256"} or {"RS256","ES256"}. "none" is never accepted; HS* and
    /// RS*/ES* in one list is refused (algorithm confusion).
    std::vector<std::string> algorithms{"HS256"};
    std::string hs_secret;  ///< HS* shared secret (bytes as given); at least 32 bytes
    /// RS* / ES*: one SubjectPublicKeyInfo PEM ("BEGIN PUBLIC KEY"); RSA at least 2048 bits,
    /// EC on P-256 (ES256) or P-384 (ES384). The `kid` of tokens is ignored in this mode.
    std::string public_key_pem;
    /// RS* / ES*: a JWKS document {"keys":[…]} (RFC 7517). Keys of kty RSA (n, e) and EC
    /// (crv P-256 / P-384, x, y) are loaded, optional `kid`, `alg` (restricts the key to that
    /// algorithm) and `use` (only "sig" keys are loaded); other kty / crv are skipped. A token's
    /// `kid` picks the key; a token without `kid` needs exactly one key usable with its alg.
    std::string jwks_json;
    std::chrono::seconds leeway{30};  ///< clock skew allowed on exp / nbf / iat (0 .. 1 day)
    std::string issuer;               ///< checked against `iss` when not empty
    std::string audience;             ///< must be in `aud` when not empty
};

/// Builds the verifier. Throws std::invalid_argument with a message for an operator (unknown
/// algorithm, "none", mixed HS/RS families, a missing or short secret, an unreadable PEM or
/// JWKS).
[[nodiscard]] std::unique_ptr<TokenVerifier> make_jwt_verifier(const JwtSettings& settings);

/// What `movie-booking token` mints (HS256 only: a local token for the configured secret).
struct MintRequest {
    std::string subject;             ///< `sub`
    std::vector<std::string> roles;  ///< `roles`, e.g. {"customer"}
    std::chrono::seconds ttl{3600};  ///< `exp` = now + ttl
    std::string issuer;              ///< `iss` when not empty
    std::string audience;            ///< `aud` when not empty
};

/// A signed HS256 compact JWS with `sub`, `roles` (array, when not empty), `iat`, `nbf` = now,
/// `exp` = now + ttl, `iss` / `aud` when set. Throws std::invalid_argument for a secret shorter
/// than 32 bytes, a subject that is not a customer id (see TokenError::kNoSubject), an unknown
/// role, or a ttl that is not positive: what it mints, make_jwt_verifier accepts.
[[nodiscard]] std::string mint_hs256(const std::string& secret, const MintRequest& request,
                                     std::chrono::system_clock::time_point now);

/// The content of a secret file (for JwtSettings::hs_secret), without one trailing newline
/// ("\n" or "\r\n"): what `echo secret > file` writes. Throws std::runtime_error naming the
/// path when the file cannot be read. Does not judge permissions: the composition root should
/// warn when readable_by_others(path).
[[nodiscard]] std::string read_secret_file(const std::filesystem::path& path);

/// Whether the group or others may read `path` (false when its status cannot be read).
[[nodiscard]] bool readable_by_others(const std::filesystem::path& path);

}  // namespace mb::adapters::auth

template <>
struct std::is_error_code_enum<mb::adapters::auth::TokenError> : std::true_type {};

template <>
struct mb::domain::ErrorTraits<mb::adapters::auth::TokenError> {
    using E = mb::adapters::auth::TokenError;
    static constexpr const char* kName = "mb.auth";
    static const char* message(E e) {
        switch (e) {
            case E::kMissing:
                return "a bearer token is required";
            case E::kMalformed:
                return "the token is malformed";
            case E::kAlgorithmNotAllowed:
                return "the token's algorithm is not accepted";
            case E::kBadSignature:
                return "the token's signature is invalid";
            case E::kExpired:
                return "the token has expired";
            case E::kNotYetValid:
                return "the token is not valid yet";
            case E::kWrongIssuer:
                return "the token's issuer is not accepted";
            case E::kWrongAudience:
                return "the token is not meant for this audience";
            case E::kNoSubject:
                return "the token names no valid subject";
            case E::kBadRoles:
                return "the token's roles claim is invalid";
            case E::kUnknownKey:
                return "the token's signing key is unknown";
        }
        return "the token is invalid";
    }
    static Condition condition(E /*e*/) { return Condition::kUnauthenticated; }
};
