// JwtVerifier: the TokenVerifier of compact JWS tokens, on cpp-jwt (libcpp-jwt-dev 1.4) and
// OpenSSL 3. cpp-jwt verifies the signature, `exp`, `nbf` and `iss`; this file adds what it
// lacks or gets wrong (see the notes at each step): a strict base64url and header check before
// cpp-jwt sees the token (its decoder reads out of bounds on bytes >= 0x80 and its `alg` match
// is case-insensitive), the allow-list split into families, JWKS keys, `aud` arrays, required
// and well-typed NumericDates, `sub` and `roles`.
#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>  // before <jwt/jwt.hpp>: then jwt::string_view is std::string_view
#include <utility>
#include <vector>

#include <jwt/jwt.hpp>
#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "adapters/auth/token_verifier.hpp"
#include "domain/common/text.hpp"

namespace mb::adapters::auth {
namespace {

using domain::Principal;
using domain::Result;
using domain::Role;
using Json = nlohmann::json;

/// Longer credentials are refused before any decoding (a JWT of this service is ~300 bytes).
constexpr std::size_t kMaxTokenBytes = 8 * 1024;
constexpr std::size_t kMinSecretBytes = 32;
constexpr int kMinRsaBits = 2048;
/// 9999-12-31T23:59:59Z: larger NumericDates are refused (cpp-jwt adds the leeway in uint64).
constexpr std::int64_t kMaxNumericDate = 253402300799;
constexpr std::int64_t kMaxLeewaySeconds = 24 * 60 * 60;

// ---------------------------------------------------------------------------------------------
// Algorithms

enum class Family { kHmac, kRsa, kEc };

struct AlgorithmSpec {
    std::string_view name;
    Family family;
    std::string_view curve;       ///< JWK crv the key must be on (ES* only)
    std::size_t signature_bytes;  ///< exact R||S length (ES* only), else 0
    const EVP_MD* (*digest)();    ///< the hash, for the HS* pre-check
};

constexpr std::array<AlgorithmSpec, 8> kAlgorithms{{
    {"HS256", Family::kHmac, {}, 0, &EVP_sha256},
    {"HS384", Family::kHmac, {}, 0, &EVP_sha384},
    {"HS512", Family::kHmac, {}, 0, &EVP_sha512},
    {"RS256", Family::kRsa, {}, 0, &EVP_sha256},
    {"RS384", Family::kRsa, {}, 0, &EVP_sha384},
    {"RS512", Family::kRsa, {}, 0, &EVP_sha512},
    {"ES256", Family::kEc, "P-256", 64, &EVP_sha256},
    {"ES384", Family::kEc, "P-384", 96, &EVP_sha384},
}};

const AlgorithmSpec* find_algorithm(std::string_view name) {
    for (const auto& a : kAlgorithms) {
        if (a.name == name)
            return &a;
    }
    return nullptr;
}

// ---------------------------------------------------------------------------------------------
// base64url (RFC 4648 §5, no padding, RFC 7515 §2)

int base64url_value(unsigned char c) {
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

/// The bytes of unpadded, canonical base64url text (unused trailing bits zero), or nullopt.
std::optional<std::string> base64url_decode(std::string_view text) {
    if (text.size() % 4 == 1)
        return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3 + 2);
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const char ch : text) {
        const int v = base64url_value(static_cast<unsigned char>(ch));
        if (v < 0)
            return std::nullopt;
        buffer = (buffer << 6U) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> static_cast<unsigned>(bits)) & 0xFFU));
        }
    }
    if (bits > 0 && (buffer & ((1U << static_cast<unsigned>(bits)) - 1U)) != 0)
        return std::nullopt;  // non-canonical: another text of the same bytes
    return out;
}

// ---------------------------------------------------------------------------------------------
// OpenSSL helpers

struct OpenSslFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
    void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
    void operator()(BIO* p) const { BIO_free_all(p); }
    void operator()(BIGNUM* p) const { BN_free(p); }
    void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
    void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
template <class T>
using OsslPtr = std::unique_ptr<T, OpenSslFree>;

/// A verification key, as cpp-jwt wants it (a PEM it parses on each verify).
struct VerificationKey {
    std::string kid;  ///< empty: none
    std::string alg;  ///< JWK `alg`: empty, or the one algorithm the key may verify
    Family family = Family::kRsa;
    std::string curve;  ///< "P-256" / "P-384" for EC keys
    std::string pem;
};

[[noreturn]] void invalid(const std::string& what) {
    ERR_clear_error();
    throw std::invalid_argument("JWT settings: " + what);
}

/// Family, curve and normalised PEM of a public key; throws invalid_argument for a key the
/// verifier cannot use (`where` names it in the message).
VerificationKey describe_key(EVP_PKEY* pkey, const std::string& where) {
    VerificationKey key;
    OsslPtr<EVP_PKEY_CTX> check(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
    if (!check || EVP_PKEY_public_check(check.get()) != 1)
        invalid(where + " is not a valid public key");
    switch (EVP_PKEY_get_base_id(pkey)) {
        case EVP_PKEY_RSA:
            key.family = Family::kRsa;
            if (EVP_PKEY_get_bits(pkey) < kMinRsaBits) {
                invalid(where + " is an RSA key of " + std::to_string(EVP_PKEY_get_bits(pkey)) +
                        " bits; at least " + std::to_string(kMinRsaBits) + " are required");
            }
            break;
        case EVP_PKEY_EC: {
            key.family = Family::kEc;
            std::array<char, 64> group{};
            std::size_t length = 0;
            if (EVP_PKEY_get_group_name(pkey, group.data(), group.size(), &length) != 1)
                invalid(where + " is an EC key without a named curve");
            const std::string_view name(group.data(), length);
            if (name == "prime256v1" || name == "P-256") {
                key.curve = "P-256";
            } else if (name == "secp384r1" || name == "P-384") {
                key.curve = "P-384";
            } else {
                invalid(where + " is an EC key on " + std::string(name) +
                        "; only P-256 (ES256) and P-384 (ES384) are supported");
            }
            break;
        }
        default:
            invalid(where + " is neither an RSA nor an EC public key");
    }
    OsslPtr<BIO> bio(BIO_new(BIO_s_mem()));
    if (!bio || PEM_write_bio_PUBKEY(bio.get(), pkey) != 1)
        invalid(where + " cannot be written as PEM");
    BUF_MEM* mem = nullptr;
    BIO_get_mem_ptr(bio.get(), &mem);
    key.pem.assign(mem->data, mem->length);
    return key;
}

VerificationKey key_from_pem(const std::string& pem) {
    OsslPtr<BIO> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio)
        invalid("public_key_pem cannot be read");
    OsslPtr<EVP_PKEY> pkey(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
    if (!pkey) {
        invalid("public_key_pem is not a PEM public key (expected \"-----BEGIN PUBLIC KEY-----\")");
    }
    return describe_key(pkey.get(), "public_key_pem");
}

/// A JWK member holding base64url bytes (padding tolerated, as some issuers write it).
std::string jwk_bytes(const Json& jwk, const char* member, const std::string& where) {
    const auto it = jwk.find(member);
    if (it == jwk.end() || !it->is_string())
        invalid(where + " has no string member \"" + member + "\"");
    std::string_view text = it->get_ref<const std::string&>();
    while (!text.empty() && text.back() == '=')
        text.remove_suffix(1);
    auto bytes = base64url_decode(text);
    if (!bytes || bytes->empty())
        invalid(where + " member \"" + member + "\" is not base64url");
    return std::move(*bytes);
}

OsslPtr<BIGNUM> to_bignum(const std::string& bytes) {
    return OsslPtr<BIGNUM>(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                                     static_cast<int>(bytes.size()), nullptr));
}

/// EVP_PKEY_fromdata for `type` ("RSA", "EC") with the parameters `build` pushed.
template <class Build>
OsslPtr<EVP_PKEY> pkey_from_params(const char* type, const std::string& where, Build build) {
    OsslPtr<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
    if (!bld || !build(bld.get()))
        invalid(where + " cannot be converted");
    OsslPtr<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld.get()));
    OsslPtr<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* raw = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
        invalid(where + " is not a valid " + type + " public key");
    }
    return OsslPtr<EVP_PKEY>(raw);
}

/// One JWK as a key, or nullopt for a JWK this verifier skips (other kty / crv, use != sig).
std::optional<VerificationKey> key_from_jwk(const Json& jwk, const std::string& where) {
    if (!jwk.is_object())
        invalid(where + " is not a JSON object");
    const auto text_member = [&](const char* name) -> std::string {
        const auto it = jwk.find(name);
        if (it == jwk.end())
            return {};
        if (!it->is_string())
            invalid(where + " member \"" + name + "\" is not a string");
        return it->get<std::string>();
    };
    const std::string kty = text_member("kty");
    const std::string use = text_member("use");
    if (!use.empty() && use != "sig")
        return std::nullopt;
    OsslPtr<EVP_PKEY> pkey;
    if (kty == "RSA") {
        const auto n = to_bignum(jwk_bytes(jwk, "n", where));
        const auto e = to_bignum(jwk_bytes(jwk, "e", where));
        if (!n || !e)
            invalid(where + " cannot be converted");
        pkey = pkey_from_params("RSA", where, [&](OSSL_PARAM_BLD* bld) {
            return OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n.get()) == 1 &&
                   OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e.get()) == 1;
        });
    } else if (kty == "EC") {
        const std::string crv = text_member("crv");
        const char* group = nullptr;
        std::size_t coordinate_bytes = 0;
        if (crv == "P-256") {
            group = "prime256v1";
            coordinate_bytes = 32;
        } else if (crv == "P-384") {
            group = "secp384r1";
            coordinate_bytes = 48;
        } else {
            return std::nullopt;
        }
        const std::string x = jwk_bytes(jwk, "x", where);
        const std::string y = jwk_bytes(jwk, "y", where);
        if (x.size() != coordinate_bytes || y.size() != coordinate_bytes) {
            invalid(where + " has coordinates of the wrong length for " + crv + " (" +
                    std::to_string(coordinate_bytes) + " bytes each)");
        }
        std::string point = "\x04" + x + y;  // SEC 1 uncompressed point
        pkey = pkey_from_params("EC", where, [&](OSSL_PARAM_BLD* bld) {
            return OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ==
                       1 &&
                   OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                                    point.size()) == 1;
        });
    } else if (kty.empty()) {
        invalid(where + " has no \"kty\"");
    } else {
        return std::nullopt;  // "oct", "OKP", ...: RFC 7517 §5 says ignore what is not understood
    }
    auto key = describe_key(pkey.get(), where);
    key.kid = text_member("kid");
    key.alg = text_member("alg");
    return key;
}

std::vector<VerificationKey> keys_from_jwks(const std::string& jwks) {
    const Json doc = Json::parse(jwks, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object())
        invalid("jwks_json is not a JSON object");
    const auto keys = doc.find("keys");
    if (keys == doc.end() || !keys->is_array())
        invalid("jwks_json has no \"keys\" array");
    std::vector<VerificationKey> out;
    for (std::size_t i = 0; i < keys->size(); ++i) {
        const auto& jwk = (*keys)[i];
        std::string where = "jwks_json key #" + std::to_string(i);
        if (jwk.is_object() && jwk.contains("kid") && jwk["kid"].is_string())
            where += " (kid \"" + jwk["kid"].get<std::string>() + "\")";
        if (auto key = key_from_jwk(jwk, where)) {
            for (const auto& other : out) {
                if (other.kid == key->kid && other.family == key->family &&
                    other.curve == key->curve && other.alg == key->alg) {
                    invalid(where + " repeats the kid of another key of the same type");
                }
            }
            out.push_back(std::move(*key));
        }
    }
    if (out.empty())
        invalid("jwks_json holds no RSA or EC (P-256, P-384) signature key");
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

bool usable_with(const VerificationKey& key, const AlgorithmSpec& alg) {
    return key.family == alg.family && (alg.family != Family::kEc || key.curve == alg.curve) &&
           (key.alg.empty() || key.alg == alg.name);
}

// ---------------------------------------------------------------------------------------------
// Claims

/// A NumericDate (RFC 7519 §2): a JSON number >= 0, fractions truncated, up to year 9999.
std::optional<std::int64_t> numeric_date(const Json& value) {
    if (value.is_number_unsigned()) {
        const auto v = value.get<std::uint64_t>();
        if (v > static_cast<std::uint64_t>(kMaxNumericDate))
            return std::nullopt;
        return static_cast<std::int64_t>(v);
    }
    if (value.is_number_integer()) {
        const auto v = value.get<std::int64_t>();
        if (v < 0 || v > kMaxNumericDate)
            return std::nullopt;
        return v;
    }
    if (value.is_number_float()) {
        const double v = value.get<double>();
        if (!std::isfinite(v) || v < 0 || v > static_cast<double>(kMaxNumericDate))
            return std::nullopt;
        return static_cast<std::int64_t>(v);
    }
    return std::nullopt;
}

bool is_subject(std::string_view s) {
    return domain::is_customer_id(s);
}

Result<std::uint8_t> parse_roles(const Json& payload) {
    const auto it = payload.find("roles");
    if (it == payload.end())
        return static_cast<std::uint8_t>(Role::kCustomer);
    if (!it->is_array())
        return domain::fail(TokenError::kBadRoles);
    std::uint8_t roles = 0;
    for (const auto& r : *it) {
        if (!r.is_string())
            return domain::fail(TokenError::kBadRoles);
        const auto role = domain::role_from(r.get_ref<const std::string&>());
        if (!role)
            return domain::fail(TokenError::kBadRoles);
        roles = static_cast<std::uint8_t>(roles | static_cast<std::uint8_t>(*role));
    }
    return roles == 0 ? static_cast<std::uint8_t>(Role::kCustomer) : roles;
}

/// The cpp-jwt error codes (decode with an error_code never throws them) as TokenErrors.
TokenError from_cpp_jwt(const std::error_code& ec) {
    if (ec == jwt::VerificationErrc::InvalidAlgorithm ||
        ec == jwt::AlgorithmErrc::NoneAlgorithmUsed) {
        return TokenError::kAlgorithmNotAllowed;
    }
    if (ec == jwt::VerificationErrc::TokenExpired)
        return TokenError::kExpired;
    if (ec == jwt::VerificationErrc::ImmatureSignature)
        return TokenError::kNotYetValid;
    if (ec == jwt::VerificationErrc::InvalidIssuer)
        return TokenError::kWrongIssuer;
    if (ec == jwt::VerificationErrc::InvalidAudience)
        return TokenError::kWrongAudience;
    if (ec == jwt::VerificationErrc::InvalidSubject)
        return TokenError::kNoSubject;
    if (ec == jwt::VerificationErrc::InvalidSignature ||
        ec == jwt::AlgorithmErrc::VerificationErr || ec == jwt::AlgorithmErrc::InvalidKeyErr) {
        return TokenError::kBadSignature;
    }
    // DecodeErrc (format, JSON, typ, missing alg, ...), TypeConversionError, the rest.
    return TokenError::kMalformed;
}

// ---------------------------------------------------------------------------------------------

class JwtVerifier final : public TokenVerifier {
public:
    explicit JwtVerifier(const JwtSettings& s);

    [[nodiscard]] Result<Principal> verify(std::string_view token) const override {
        try {
            auto result = verify_token(token);
            if (!result)
                ERR_clear_error();  // OpenSSL's thread-local queue: leave nothing behind
            return result;
        } catch (const std::exception&) {  // bad_alloc, nlohmann or cpp-jwt internals
            ERR_clear_error();
            return domain::fail(TokenError::kMalformed);
        } catch (...) {  // a non-std exception from a library: still only a refused token
            ERR_clear_error();
            return domain::fail(TokenError::kMalformed);
        }
    }

private:
    [[nodiscard]] Result<Principal> verify_token(std::string_view token) const;
    [[nodiscard]] const VerificationKey* select_key(const AlgorithmSpec& alg,
                                                    const Json& header) const;
    [[nodiscard]] bool hmac_matches(const AlgorithmSpec& alg, std::string_view signing_input,
                                    const std::string& signature) const;

    std::vector<const AlgorithmSpec*> allowed_;
    std::vector<std::string> allowed_names_;  ///< for cpp-jwt's own allow-list check
    std::string secret_;
    bool jwks_ = false;
    std::vector<VerificationKey> keys_;
    std::int64_t leeway_ = 0;
    std::string issuer_;
    std::string audience_;
};

JwtVerifier::JwtVerifier(const JwtSettings& s) : issuer_(s.issuer), audience_(s.audience) {
    if (s.algorithms.empty())
        invalid("algorithms is empty");
    for (const auto& name : s.algorithms) {
        if (iequals(name, "none"))
            invalid("algorithm \"" + name + "\" is never accepted (unsigned tokens)");
        const auto* spec = find_algorithm(name);
        if (spec == nullptr) {
            invalid("unknown algorithm \"" + name +
                    "\" (supported: HS256 HS384 HS512 RS256 RS384 RS512 ES256 ES384)");
        }
        if (std::find(allowed_.begin(), allowed_.end(), spec) == allowed_.end()) {
            allowed_.push_back(spec);
            allowed_names_.emplace_back(spec->name);
        }
    }
    const bool hmac = allowed_.front()->family == Family::kHmac;
    for (const auto* a : allowed_) {
        if ((a->family == Family::kHmac) != hmac) {
            invalid(
                "HS* and RS*/ES* algorithms in one list allow algorithm confusion (an HMAC keyed "
                "with the public key); choose one family");
        }
    }
    if (s.leeway.count() < 0 || s.leeway.count() > kMaxLeewaySeconds)
        invalid("leeway must be between 0 and 86400 seconds");
    leeway_ = s.leeway.count();

    if (hmac) {
        if (!s.public_key_pem.empty() || !s.jwks_json.empty())
            invalid(
                "HS* algorithms use hs_secret only; public_key_pem and jwks_json must be empty");
        if (s.hs_secret.size() < kMinSecretBytes) {
            invalid("hs_secret must be at least " + std::to_string(kMinSecretBytes) +
                    " bytes (it has " + std::to_string(s.hs_secret.size()) + ")");
        }
        secret_ = s.hs_secret;
        return;
    }
    if (!s.hs_secret.empty())
        invalid("RS*/ES* algorithms use public_key_pem or jwks_json; hs_secret must be empty");
    if (s.public_key_pem.empty() == s.jwks_json.empty())
        invalid("RS*/ES* algorithms need exactly one of public_key_pem and jwks_json");
    if (!s.public_key_pem.empty()) {
        keys_.push_back(key_from_pem(s.public_key_pem));
    } else {
        jwks_ = true;
        keys_ = keys_from_jwks(s.jwks_json);
    }
    for (const auto* a : allowed_) {
        if (std::none_of(keys_.begin(), keys_.end(),
                         [&](const VerificationKey& k) { return usable_with(k, *a); })) {
            invalid("algorithm " + std::string(a->name) + " is allowed but no configured key " +
                    "can verify it");
        }
    }
}

const VerificationKey* JwtVerifier::select_key(const AlgorithmSpec& alg, const Json& header) const {
    if (!jwks_)
        return usable_with(keys_.front(), alg) ? &keys_.front() : nullptr;
    const auto kid = header.find("kid");
    const VerificationKey* found = nullptr;
    if (kid != header.end()) {
        const auto& wanted = kid->get_ref<const std::string&>();
        for (const auto& k : keys_) {
            if (k.kid == wanted && usable_with(k, alg))
                return &k;
        }
        return nullptr;
    }
    // No kid: only an unambiguous key will do.
    for (const auto& k : keys_) {
        if (usable_with(k, alg)) {
            if (found != nullptr)
                return nullptr;
            found = &k;
        }
    }
    return found;
}

bool JwtVerifier::hmac_matches(const AlgorithmSpec& alg, std::string_view signing_input,
                               const std::string& signature) const {
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int length = 0;
    if (HMAC(alg.digest(), secret_.data(), static_cast<int>(secret_.size()),
             reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(),
             mac.data(), &length) == nullptr) {
        return false;
    }
    return signature.size() == length && CRYPTO_memcmp(mac.data(), signature.data(), length) == 0;
}

Result<Principal> JwtVerifier::verify_token(std::string_view token) const {
    using domain::fail;
    // 1. Shape: three base64url parts. Checked here because cpp-jwt's decoder indexes a
    //    256-entry table with a signed char (out of bounds for bytes >= 0x80 under NDEBUG).
    if (token.empty() || token.size() > kMaxTokenBytes)
        return fail(TokenError::kMalformed);
    const auto dot1 = token.find('.');
    const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
        return fail(TokenError::kMalformed);
    const auto header_text = base64url_decode(token.substr(0, dot1));
    const auto payload_text = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
    const auto signature = base64url_decode(token.substr(dot2 + 1));
    if (!header_text || !payload_text || !signature || header_text->empty())
        return fail(TokenError::kMalformed);

    // 2. Header: the allow-list decides before any key is touched. Exact match: cpp-jwt
    //    compares case-insensitively ("none", "nOnE" and "hs256" would all be understood).
    const Json header = Json::parse(*header_text, nullptr, false);
    if (header.is_discarded() || !header.is_object())
        return fail(TokenError::kMalformed);
    const auto alg_it = header.find("alg");
    if (alg_it == header.end() || !alg_it->is_string())
        return fail(TokenError::kMalformed);
    const auto& alg_name = alg_it->get_ref<const std::string&>();
    const auto allowed = std::find_if(allowed_.begin(), allowed_.end(),
                                      [&](const AlgorithmSpec* a) { return a->name == alg_name; });
    if (allowed == allowed_.end())
        return fail(TokenError::kAlgorithmNotAllowed);
    const AlgorithmSpec& alg = **allowed;
    if (header.contains("crit"))
        return fail(TokenError::kMalformed);  // RFC 7515 §4.1.11: no extension is understood
    if (const auto typ = header.find("typ"); typ != header.end()) {
        // cpp-jwt refuses any other typ (and throws a JSON type_error for a non-string).
        if (!typ->is_string() || !iequals(typ->get_ref<const std::string&>(), "JWT"))
            return fail(TokenError::kMalformed);
    }
    if (const auto kid = header.find("kid"); kid != header.end() && !kid->is_string())
        return fail(TokenError::kMalformed);
    if (signature->empty())
        return fail(TokenError::kMalformed);
    if (alg.signature_bytes != 0 && signature->size() != alg.signature_bytes)
        return fail(TokenError::kBadSignature);

    // 3. Payload: a JSON object whose registered claims have the right types, so that
    //    cpp-jwt's get<uint64_t> / get<std::string> meet nothing they would misread
    //    (a negative exp becomes 2^64-1 there: a token that never expires).
    const Json payload = Json::parse(*payload_text, nullptr, false);
    if (payload.is_discarded() || !payload.is_object())
        return fail(TokenError::kMalformed);
    const auto exp_it = payload.find("exp");
    if (exp_it == payload.end())
        return fail(TokenError::kMalformed);  // a token without exp lives for ever: refused
    const auto exp = numeric_date(*exp_it);
    if (!exp)
        return fail(TokenError::kMalformed);
    std::optional<std::int64_t> nbf;
    std::optional<std::int64_t> iat;
    for (const auto& [name, out] : {std::pair{"nbf", &nbf}, std::pair{"iat", &iat}}) {
        if (const auto it = payload.find(name); it != payload.end()) {
            *out = numeric_date(*it);
            if (!*out)
                return fail(TokenError::kMalformed);
        }
    }
    if (const auto iss = payload.find("iss");
        !issuer_.empty() && iss != payload.end() && !iss->is_string()) {
        return fail(TokenError::kWrongIssuer);  // cpp-jwt would throw a JSON type_error
    }

    // 4. The key.
    const VerificationKey* key = nullptr;
    if (alg.family == Family::kHmac) {
        // cpp-jwt compares HMACs with ==; this comparison takes the same time for every
        // signature, and cpp-jwt then only ever sees the right one.
        if (!hmac_matches(alg, token.substr(0, dot2), *signature))
            return fail(TokenError::kBadSignature);
    } else {
        key = select_key(alg, header);
        if (key == nullptr)
            return fail(TokenError::kUnknownKey);
    }

    // 5. cpp-jwt: allow-list again, exp / nbf with the leeway, iss, then the signature.
    std::error_code ec;
    const auto algorithms = jwt::params::algorithms(allowed_names_);
    const std::string_view secret = key != nullptr ? std::string_view(key->pem) : secret_;
    const auto leeway = jwt::params::leeway(static_cast<std::uint32_t>(leeway_));
    if (issuer_.empty()) {
        (void)jwt::decode(token, algorithms, ec, jwt::params::secret(secret), leeway,
                          jwt::params::verify(true));
    } else {
        (void)jwt::decode(token, algorithms, ec, jwt::params::secret(secret), leeway,
                          jwt::params::verify(true), jwt::params::issuer(issuer_));
    }
    if (ec)
        return fail(from_cpp_jwt(ec));

    // 6. What cpp-jwt does not check (or checks in unsigned arithmetic).
    const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    if (now >= *exp + leeway_)
        return fail(TokenError::kExpired);
    if ((nbf && *nbf > now + leeway_) || (iat && *iat > now + leeway_))
        return fail(TokenError::kNotYetValid);
    if (!issuer_.empty()) {
        const auto iss = payload.find("iss");
        if (iss == payload.end() || *iss != issuer_)
            return fail(TokenError::kWrongIssuer);
    }
    if (!audience_.empty()) {
        // cpp-jwt reads aud with get<std::string>: an array is a "type conversion error" there.
        const auto aud = payload.find("aud");
        if (aud == payload.end())
            return fail(TokenError::kWrongAudience);
        bool found = false;
        if (aud->is_string()) {
            found = *aud == audience_;
        } else if (aud->is_array()) {
            for (const auto& a : *aud) {
                if (!a.is_string())
                    return fail(TokenError::kWrongAudience);
                found = found || a == audience_;
            }
        }
        if (!found)
            return fail(TokenError::kWrongAudience);
    }
    const auto sub = payload.find("sub");
    if (sub == payload.end() || !sub->is_string() ||
        !is_subject(sub->get_ref<const std::string&>())) {
        return fail(TokenError::kNoSubject);
    }
    const auto roles = parse_roles(payload);
    if (!roles)
        return domain::Unexpected(roles.error());
    return Principal::user(sub->get<std::string>(), *roles);
}

}  // namespace

std::unique_ptr<TokenVerifier> make_jwt_verifier(const JwtSettings& settings) {
    return std::make_unique<JwtVerifier>(settings);
}

std::string mint_hs256(const std::string& secret, const MintRequest& request,
                       std::chrono::system_clock::time_point now) {
    if (secret.size() < kMinSecretBytes) {
        throw std::invalid_argument("token secret must be at least " +
                                    std::to_string(kMinSecretBytes) + " bytes");
    }
    if (!is_subject(request.subject)) {
        throw std::invalid_argument("token subject must be 1 to 64 of A-Z a-z 0-9 . _ @ - (got \"" +
                                    request.subject + "\")");
    }
    for (const auto& r : request.roles) {
        if (!domain::role_from(r))
            throw std::invalid_argument("unknown role \"" + r + "\" (customer, staff, admin)");
    }
    if (request.ttl.count() <= 0)
        throw std::invalid_argument("token ttl must be positive");
    const auto seconds = [](std::chrono::system_clock::time_point t) {
        return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
    };
    jwt::jwt_object token{jwt::params::algorithm("HS256"), jwt::params::secret(secret)};
    token.add_claim("sub", request.subject);
    if (!request.roles.empty())
        token.add_claim("roles", request.roles);
    token.add_claim("iat", seconds(now));
    token.add_claim("nbf", seconds(now));
    token.add_claim("exp", seconds(now + request.ttl));
    if (!request.issuer.empty())
        token.add_claim("iss", request.issuer);
    if (!request.audience.empty())
        token.add_claim("aud", request.audience);
    return token.signature();  // throws jwt::SigningError (a std::runtime_error) on failure
}

std::string read_secret_file(const std::filesystem::path& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        throw std::runtime_error("the secret file " + path.string() + " is a directory");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot open the secret file " + path.string());
    std::ostringstream content;
    content << in.rdbuf();
    if (in.bad())
        throw std::runtime_error("cannot read the secret file " + path.string());
    std::string secret = std::move(content).str();
    if (!secret.empty() && secret.back() == '\n') {
        secret.pop_back();
        if (!secret.empty() && secret.back() == '\r')
            secret.pop_back();
    }
    return secret;
}

bool readable_by_others(const std::filesystem::path& path) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (ec)
        return false;
    using std::filesystem::perms;
    return (status.permissions() & (perms::group_read | perms::others_read)) != perms::none;
}

}  // namespace mb::adapters::auth
