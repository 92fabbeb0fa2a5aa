// The JWT verifier against real OpenSSL keys made here (RSA 2048, EC P-256 / P-384). Valid
// tokens come from mint_hs256 (cpp-jwt) and from the hand-made signer below; the attack tokens
// (alg none, HS256 keyed with the public PEM, tampered payloads, lookalike algorithms) are built
// by hand with OpenSSL, independently of the library under test.
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "adapters/auth/token_verifier.hpp"
#include "domain/common/errors.hpp"
#include "domain/common/principal.hpp"

namespace mb::adapters::auth::test {
namespace {

using domain::Role;
using Json = nlohmann::json;

const std::string kSecret = "0123456789abcdef0123456789abcdef-test";  // 37 bytes

// --- OpenSSL: keys and signatures, made without cpp-jwt -------------------------------------

struct Free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
    void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
    void operator()(BIO* p) const { BIO_free_all(p); }
    void operator()(BIGNUM* p) const { BN_free(p); }
    void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};
template <class T>
using Ptr = std::unique_ptr<T, Free>;

std::string b64url(std::string_view bytes) {
    static constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const char c : bytes) {
        buffer = (buffer << 8U) | static_cast<unsigned char>(c);
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out.push_back(kAlphabet[(buffer >> static_cast<unsigned>(bits)) & 0x3FU]);
        }
    }
    if (bits > 0)
        out.push_back(kAlphabet[(buffer << static_cast<unsigned>(6 - bits)) & 0x3FU]);
    return out;
}

std::string b64url_json(const Json& j) {
    return b64url(j.dump());
}

std::int64_t now_s() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

struct KeyPair {
    Ptr<EVP_PKEY> key;
    std::string public_pem;
};

std::string public_pem_of(EVP_PKEY* key) {
    Ptr<BIO> bio(BIO_new(BIO_s_mem()));
    REQUIRE(PEM_write_bio_PUBKEY(bio.get(), key) == 1);
    BUF_MEM* mem = nullptr;
    BIO_get_mem_ptr(bio.get(), &mem);
    return {mem->data, mem->length};
}

KeyPair generate_rsa(std::size_t bits = 2048) {
    Ptr<EVP_PKEY> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits));
    REQUIRE(key);
    auto pem = public_pem_of(key.get());
    return {std::move(key), std::move(pem)};
}

KeyPair generate_ec(const char* curve) {
    Ptr<EVP_PKEY> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
    REQUIRE(key);
    auto pem = public_pem_of(key.get());
    return {std::move(key), std::move(pem)};
}

// Keys are made once per process (RSA generation takes a while).
const KeyPair& rsa_a() {
    static const KeyPair k = generate_rsa();
    return k;
}
const KeyPair& rsa_b() {
    static const KeyPair k = generate_rsa();
    return k;
}
const KeyPair& ec_a() {
    static const KeyPair k = generate_ec("P-256");
    return k;
}
const KeyPair& ec_384() {
    static const KeyPair k = generate_ec("P-384");
    return k;
}

std::string bytes_of(const BIGNUM* bn, int width = 0) {
    std::string out(static_cast<std::size_t>(width > 0 ? width : BN_num_bytes(bn)), '\0');
    REQUIRE(BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()),
                         static_cast<int>(out.size())) > 0);
    return out;
}

std::string bn_param(EVP_PKEY* key, const char* name, int width = 0) {
    BIGNUM* raw = nullptr;
    REQUIRE(EVP_PKEY_get_bn_param(key, name, &raw) == 1);
    Ptr<BIGNUM> bn(raw);
    return bytes_of(bn.get(), width);
}

Json rsa_jwk(const KeyPair& k, const std::string& kid) {
    Json j{{"kty", "RSA"},
           {"n", b64url(bn_param(k.key.get(), OSSL_PKEY_PARAM_RSA_N))},
           {"e", b64url(bn_param(k.key.get(), OSSL_PKEY_PARAM_RSA_E))}};
    if (!kid.empty())
        j["kid"] = kid;
    return j;
}

Json ec_jwk(const KeyPair& k, const std::string& kid, const char* crv = "P-256", int width = 32) {
    Json j{{"kty", "EC"},
           {"crv", crv},
           {"x", b64url(bn_param(k.key.get(), OSSL_PKEY_PARAM_EC_PUB_X, width))},
           {"y", b64url(bn_param(k.key.get(), OSSL_PKEY_PARAM_EC_PUB_Y, width))}};
    if (!kid.empty())
        j["kid"] = kid;
    return j;
}

std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int length = 0;
    REQUIRE(HMAC(md, key.data(), static_cast<int>(key.size()),
                 reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(),
                 &length) != nullptr);
    return {reinterpret_cast<const char*>(mac.data()), length};
}

/// The DER signature of `data` by `key` with `md` (RSA PKCS#1 v1.5 or ECDSA).
std::string evp_sign(EVP_PKEY* key, const EVP_MD* md, std::string_view data) {
    Ptr<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
    REQUIRE(EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key) == 1);
    std::size_t length = 0;
    REQUIRE(EVP_DigestSign(ctx.get(), nullptr, &length,
                           reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1);
    std::string sig(length, '\0');
    REQUIRE(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &length,
                           reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1);
    sig.resize(length);
    return sig;
}

/// ECDSA DER -> the JOSE form R || S (RFC 7518 §3.4).
std::string der_to_jose(const std::string& der, int width) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    Ptr<ECDSA_SIG> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
    REQUIRE(sig);
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(sig.get(), &r, &s);
    return bytes_of(r, width) + bytes_of(s, width);
}

/// How a hand-made token is signed.
struct Signer {
    enum class Kind { kHmac, kRsa, kEc, kNone } kind = Kind::kHmac;
    std::string secret = kSecret;  ///< kHmac
    const EVP_MD* md = EVP_sha256();
    EVP_PKEY* key = nullptr;  ///< kRsa / kEc
    int ec_width = 32;

    [[nodiscard]] std::string sign(std::string_view input) const {
        switch (kind) {
            case Kind::kHmac:
                return hmac(md, secret, input);
            case Kind::kRsa:
                return evp_sign(key, md, input);
            case Kind::kEc:
                return der_to_jose(evp_sign(key, md, input), ec_width);
            case Kind::kNone:
                return {};
        }
        return {};
    }
};

Signer hs256(std::string secret = kSecret) {
    return {Signer::Kind::kHmac, std::move(secret), EVP_sha256(), nullptr, 0};
}
Signer rs256(const KeyPair& k) {
    return {Signer::Kind::kRsa, {}, EVP_sha256(), k.key.get(), 0};
}
Signer es256(const KeyPair& k) {
    return {Signer::Kind::kEc, {}, EVP_sha256(), k.key.get(), 32};
}

std::string make_token(const Json& header, const Json& payload, const Signer& signer) {
    const std::string input = b64url_json(header) + "." + b64url_json(payload);
    return input + "." + b64url(signer.sign(input));
}

Json claims(std::string sub = "alice") {
    const auto now = now_s();
    return {{"sub", std::move(sub)}, {"iat", now}, {"exp", now + 300}};
}

Json header(const std::string& alg, const std::string& kid = {}) {
    Json h{{"alg", alg}, {"typ", "JWT"}};
    if (!kid.empty())
        h["kid"] = kid;
    return h;
}

MintRequest mint_request(std::string subject, std::vector<std::string> roles = {},
                         std::chrono::seconds ttl = std::chrono::seconds{3600}) {
    MintRequest r;
    r.subject = std::move(subject);
    r.roles = std::move(roles);
    r.ttl = ttl;
    return r;
}

JwtSettings hs_settings() {
    JwtSettings s;
    s.algorithms = {"HS256"};
    s.hs_secret = kSecret;
    return s;
}

JwtSettings pem_settings(const std::vector<std::string>& algorithms, const std::string& pem) {
    JwtSettings s;
    s.algorithms = algorithms;
    s.public_key_pem = pem;
    return s;
}

/// A JWKS of `keys` (a vector: `{key}` of one Json would be that key, not an array).
JwtSettings jwks_settings(const std::vector<std::string>& algorithms,
                          const std::vector<Json>& keys) {
    JwtSettings s;
    s.algorithms = algorithms;
    s.jwks_json = Json{{"keys", Json(keys)}}.dump();
    return s;
}

/// "ok <subject>" or the refusal's message: readable in Catch's output.
std::string outcome(const TokenVerifier& v, std::string_view token) {
    const auto r = v.verify(token);
    if (r)
        return "ok " + r->subject();
    CHECK(std::string(r.error().category().name()) == "mb.auth");
    return r.error().message();
}

std::string refused(TokenError e) {
    return make_error_code(e).message();
}

/// The message of the invalid_argument make_jwt_verifier throws, or "" when it builds.
std::string construction_error(const JwtSettings& s) {
    try {
        (void)make_jwt_verifier(s);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return {};
}

}  // namespace

// --- valid tokens ------------------------------------------------------------------------------

TEST_CASE("A token minted by mint_hs256 verifies: sub becomes the subject, no roles -> customer",
          "[auth][hs256]") {
    const auto v = make_jwt_verifier(hs_settings());
    const auto token = mint_hs256(kSecret, mint_request("alice"), std::chrono::system_clock::now());
    const auto p = v->verify(token);
    REQUIRE(p);
    CHECK(p->subject() == "alice");
    CHECK(p->roles() == static_cast<std::uint8_t>(Role::kCustomer));
    CHECK_FALSE(p->is_system());
}

TEST_CASE("An HS256 token signed by hand with OpenSSL HMAC verifies (interoperability)",
          "[auth][hs256]") {
    const auto v = make_jwt_verifier(hs_settings());
    CHECK(outcome(*v, make_token(header("HS256"), claims(), hs256())) == "ok alice");
    // Without typ, as several issuers write it.
    CHECK(outcome(*v, make_token({{"alg", "HS256"}}, claims(), hs256())) == "ok alice");
}

TEST_CASE("HS384 and HS512 verify when allowed", "[auth][hs256]") {
    JwtSettings s = hs_settings();
    s.algorithms = {"HS384", "HS512"};
    const auto v = make_jwt_verifier(s);
    Signer h384 = hs256();
    h384.md = EVP_sha384();
    Signer h512 = hs256();
    h512.md = EVP_sha512();
    CHECK(outcome(*v, make_token(header("HS384"), claims(), h384)) == "ok alice");
    CHECK(outcome(*v, make_token(header("HS512"), claims(), h512)) == "ok alice");
}

TEST_CASE("An HS256 token signed with another secret has a bad signature", "[auth][hs256]") {
    const auto v = make_jwt_verifier(hs_settings());
    const auto token = make_token(header("HS256"), claims(), hs256(kSecret + "x"));
    CHECK(outcome(*v, token) == refused(TokenError::kBadSignature));
}

TEST_CASE("A payload changed after signing keeps no signature (HS256, RS256, ES256)",
          "[auth][tamper]") {
    const auto forged_payload = b64url_json(claims("mallory"));
    const auto tamper = [&](const std::string& token) {
        const auto first = token.find('.');
        const auto second = token.find('.', first + 1);
        return token.substr(0, first + 1) + forged_payload + token.substr(second);
    };
    const auto hs = make_jwt_verifier(hs_settings());
    const auto good_hs = make_token(header("HS256"), claims(), hs256());
    REQUIRE(outcome(*hs, good_hs) == "ok alice");
    CHECK(outcome(*hs, tamper(good_hs)) == refused(TokenError::kBadSignature));

    const auto rs = make_jwt_verifier(pem_settings({"RS256"}, rsa_a().public_pem));
    const auto good_rs = make_token(header("RS256"), claims(), rs256(rsa_a()));
    REQUIRE(outcome(*rs, good_rs) == "ok alice");
    CHECK(outcome(*rs, tamper(good_rs)) == refused(TokenError::kBadSignature));

    const auto es = make_jwt_verifier(pem_settings({"ES256"}, ec_a().public_pem));
    const auto good_es = make_token(header("ES256"), claims(), es256(ec_a()));
    REQUIRE(outcome(*es, good_es) == "ok alice");
    CHECK(outcome(*es, tamper(good_es)) == refused(TokenError::kBadSignature));
}

TEST_CASE("RS256 with a PEM key: its own signature verifies, another key's does not",
          "[auth][rs256]") {
    const auto v = make_jwt_verifier(pem_settings({"RS256"}, rsa_a().public_pem));
    CHECK(outcome(*v, make_token(header("RS256"), claims(), rs256(rsa_a()))) == "ok alice");
    CHECK(outcome(*v, make_token(header("RS256"), claims(), rs256(rsa_b()))) ==
          refused(TokenError::kBadSignature));
}

TEST_CASE("ES256 with a PEM key: R||S signatures verify, DER or truncated ones do not",
          "[auth][es256]") {
    const auto v = make_jwt_verifier(pem_settings({"ES256"}, ec_a().public_pem));
    CHECK(outcome(*v, make_token(header("ES256"), claims(), es256(ec_a()))) == "ok alice");
    const std::string input = b64url_json(header("ES256")) + "." + b64url_json(claims());
    const std::string der = evp_sign(ec_a().key.get(), EVP_sha256(), input);
    CHECK(outcome(*v, input + "." + b64url(der)) == refused(TokenError::kBadSignature));
    const std::string jose = der_to_jose(der, 32);
    CHECK(outcome(*v, input + "." + b64url(jose.substr(0, 63))) ==
          refused(TokenError::kBadSignature));
    std::string flipped = jose;
    flipped[10] = static_cast<char>(flipped[10] ^ 0x01);
    CHECK(outcome(*v, input + "." + b64url(flipped)) == refused(TokenError::kBadSignature));
}

TEST_CASE("ES384 verifies with a P-384 key, RS256 and ES256 may share one list", "[auth][es256]") {
    const auto v384 = make_jwt_verifier(pem_settings({"ES384"}, ec_384().public_pem));
    Signer s384{Signer::Kind::kEc, {}, EVP_sha384(), ec_384().key.get(), 48};
    CHECK(outcome(*v384, make_token(header("ES384"), claims(), s384)) == "ok alice");

    const auto both = make_jwt_verifier(
        jwks_settings({"RS256", "ES256"}, {rsa_jwk(rsa_a(), "r"), ec_jwk(ec_a(), "e")}));
    CHECK(outcome(*both, make_token(header("RS256", "r"), claims(), rs256(rsa_a()))) == "ok alice");
    CHECK(outcome(*both, make_token(header("ES256", "e"), claims(), es256(ec_a()))) == "ok alice");
}

// --- JWKS --------------------------------------------------------------------------------------

TEST_CASE("JWKS: the token's kid picks the key, so a rotated-in key verifies its own tokens",
          "[auth][jwks]") {
    const auto v = make_jwt_verifier(
        jwks_settings({"RS256"}, {rsa_jwk(rsa_a(), "2025"), rsa_jwk(rsa_b(), "2026")}));
    CHECK(outcome(*v, make_token(header("RS256", "2025"), claims(), rs256(rsa_a()))) == "ok alice");
    CHECK(outcome(*v, make_token(header("RS256", "2026"), claims(), rs256(rsa_b()))) == "ok alice");
    // The kid names the other key: that key's signature check fails.
    CHECK(outcome(*v, make_token(header("RS256", "2025"), claims(), rs256(rsa_b()))) ==
          refused(TokenError::kBadSignature));
}

TEST_CASE("JWKS: an unknown kid, or a kid whose key has another type, is an unknown key",
          "[auth][jwks]") {
    const auto v = make_jwt_verifier(
        jwks_settings({"RS256", "ES256"}, {rsa_jwk(rsa_a(), "r"), ec_jwk(ec_a(), "e")}));
    CHECK(outcome(*v, make_token(header("RS256", "nope"), claims(), rs256(rsa_a()))) ==
          refused(TokenError::kUnknownKey));
    CHECK(outcome(*v, make_token(header("ES256", "r"), claims(), es256(ec_a()))) ==
          refused(TokenError::kUnknownKey));
}

TEST_CASE("JWKS: without kid, the one key usable with the alg is used, two make it ambiguous",
          "[auth][jwks]") {
    const auto one = make_jwt_verifier(jwks_settings({"RS256"}, {rsa_jwk(rsa_a(), "only")}));
    CHECK(outcome(*one, make_token(header("RS256"), claims(), rs256(rsa_a()))) == "ok alice");
    const auto no_kid = make_jwt_verifier(jwks_settings({"RS256"}, {rsa_jwk(rsa_a(), "")}));
    CHECK(outcome(*no_kid, make_token(header("RS256"), claims(), rs256(rsa_a()))) == "ok alice");
    const auto two =
        make_jwt_verifier(jwks_settings({"RS256"}, {rsa_jwk(rsa_a(), "a"), rsa_jwk(rsa_b(), "b")}));
    CHECK(outcome(*two, make_token(header("RS256"), claims(), rs256(rsa_a()))) ==
          refused(TokenError::kUnknownKey));
}

TEST_CASE("JWKS: a key's alg restricts it, use=enc keys are skipped, unknown kty ignored",
          "[auth][jwks]") {
    Json rs384_only = rsa_jwk(rsa_a(), "r");
    rs384_only["alg"] = "RS384";
    Json encryption = rsa_jwk(rsa_b(), "enc");
    encryption["use"] = "enc";
    const Json oct{{"kty", "oct"}, {"k", b64url(kSecret)}, {"kid", "sym"}};
    JwtSettings s =
        jwks_settings({"RS256", "RS384"}, {rs384_only, encryption, oct, rsa_jwk(rsa_b(), "b")});
    const auto v = make_jwt_verifier(s);
    Signer r384 = rs256(rsa_a());
    r384.md = EVP_sha384();
    CHECK(outcome(*v, make_token(header("RS384", "r"), claims(), r384)) == "ok alice");
    CHECK(outcome(*v, make_token(header("RS256", "r"), claims(), rs256(rsa_a()))) ==
          refused(TokenError::kUnknownKey));
    CHECK(outcome(*v, make_token(header("RS256", "enc"), claims(), rs256(rsa_b()))) ==
          refused(TokenError::kUnknownKey));
    CHECK(outcome(*v, make_token(header("RS256", "b"), claims(), rs256(rsa_b()))) == "ok alice");
}

// --- time claims -------------------------------------------------------------------------------

TEST_CASE("exp in the past beyond the leeway is expired, within the leeway it is accepted",
          "[auth][time]") {
    const auto v = make_jwt_verifier(hs_settings());  // leeway 30 s
    Json c = claims();
    c["exp"] = now_s() - 120;
    CHECK(outcome(*v, make_token(header("HS256"), c, hs256())) == refused(TokenError::kExpired));
    c["exp"] = now_s() - 10;
    CHECK(outcome(*v, make_token(header("HS256"), c, hs256())) == "ok alice");
    JwtSettings strict = hs_settings();
    strict.leeway = std::chrono::seconds{0};
    CHECK(outcome(*make_jwt_verifier(strict), make_token(header("HS256"), c, hs256())) ==
          refused(TokenError::kExpired));
}

TEST_CASE("A token without exp, or with an exp that is no NumericDate, is malformed",
          "[auth][time]") {
    const auto v = make_jwt_verifier(hs_settings());
    Json c = claims();
    c.erase("exp");
    CHECK(outcome(*v, make_token(header("HS256"), c, hs256())) == refused(TokenError::kMalformed));
    for (const Json& bad : {Json("9999999999"), Json(-1), Json(nullptr), Json(true), Json(1.0e300),
                            Json::array({now_s() + 300})}) {
        c["exp"] = bad;
        INFO("exp = " << bad.dump());
        CHECK(outcome(*v, make_token(header("HS256"), c, hs256())) ==
              refused(TokenError::kMalformed));
    }
    c["exp"] = static_cast<double>(now_s() + 300) + 0.5;  // a fraction is a NumericDate
    CHECK(outcome(*v, make_token(header("HS256"), c, hs256())) == "ok alice");
}

TEST_CASE("nbf or iat in the future beyond the leeway is not yet valid", "[auth][time]") {
    const auto v = make_jwt_verifier(hs_settings());
    Json c = claims();
    c["nbf"] = now_s() + 120;
    CHECK(outcome(*v, make_token(header("HS256"), c, hs256())) ==
          refused(TokenError::kNotYetValid));
    c["nbf"] = now_s() + 10;  // within the 30 s leeway
    CHECK(outcome(*v, make_token(header("HS256"), c, hs256())) == "ok alice");
    c.erase("nbf");
    c["iat"] = now_s() + 120;
    CHECK(outcome(*v, make_token(header("HS256"), c, hs256())) ==
          refused(TokenError::kNotYetValid));
    c["iat"] = "yesterday";
    CHECK(outcome(*v, make_token(header("HS256"), c, hs256())) == refused(TokenError::kMalformed));
}

// --- iss, aud ----------------------------------------------------------------------------------

TEST_CASE("With an issuer configured, iss must equal it (missing or other types refused)",
          "[auth][iss]") {
    JwtSettings s = hs_settings();
    s.issuer = "https://id.example";
    const auto v = make_jwt_verifier(s);
    Json c = claims();
    c["iss"] = "https://id.example";
    CHECK(outcome(*v, make_token(header("HS256"), c, hs256())) == "ok alice");
    for (const Json& bad : {Json("https://evil.example"), Json("https://id.example/"), Json(7),
                            Json::array({"https://id.example"})}) {
        c["iss"] = bad;
        INFO("iss = " << bad.dump());
        CHECK(outcome(*v, make_token(header("HS256"), c, hs256())) ==
              refused(TokenError::kWrongIssuer));
    }
    c.erase("iss");
    CHECK(outcome(*v, make_token(header("HS256"), c, hs256())) ==
          refused(TokenError::kWrongIssuer));
    // Without an issuer configured, iss is not looked at.
    c["iss"] = "anyone";
    CHECK(outcome(*make_jwt_verifier(hs_settings()), make_token(header("HS256"), c, hs256())) ==
          "ok alice");
}

TEST_CASE("With an audience configured, aud (a string or an array) must contain it",
          "[auth][aud]") {
    JwtSettings s = hs_settings();
    s.audience = "movie-booking";
    const auto v = make_jwt_verifier(s);
    Json c = claims();
    c["aud"] = "movie-booking";
    CHECK(outcome(*v, make_token(header("HS256"), c, hs256())) == "ok alice");
    c["aud"] = Json::array({"other", "movie-booking"});
    CHECK(outcome(*v, make_token(header("HS256"), c, hs256())) == "ok alice");
    for (const Json& bad : {Json("other"), Json::array({"other"}), Json::array(), Json(1),
                            Json::array({1, "movie-booking"}), Json("movie-booking-x")}) {
        c["aud"] = bad;
        INFO("aud = " << bad.dump());
        CHECK(outcome(*v, make_token(header("HS256"), c, hs256())) ==
              refused(TokenError::kWrongAudience));
    }
    c.erase("aud");
    CHECK(outcome(*v, make_token(header("HS256"), c, hs256())) ==
          refused(TokenError::kWrongAudience));
}

// --- sub, roles --------------------------------------------------------------------------------

TEST_CASE("sub must be a customer id: 1 to 64 of A-Z a-z 0-9 . _ @ -", "[auth][sub]") {
    const auto v = make_jwt_verifier(hs_settings());
    for (const auto& good :
         std::vector<std::string>{"a", "alice.b_c@d-e", "C0FFEE", std::string(64, 'x')}) {
        CHECK(outcome(*v, make_token(header("HS256"), claims(good), hs256())) == "ok " + good);
    }
    for (const auto& bad : std::vector<std::string>{"", "bob smith", "a/b", "caf\xc3\xa9", "x\ny",
                                                    "a:b", std::string(65, 'x')}) {
        INFO("sub = " << bad);
        CHECK(outcome(*v, make_token(header("HS256"), claims(bad), hs256())) ==
              refused(TokenError::kNoSubject));
    }
    Json c = claims();
    c["sub"] = 42;  // StringOrURI: a number is not a subject
    CHECK(outcome(*v, make_token(header("HS256"), c, hs256())) == refused(TokenError::kNoSubject));
    c.erase("sub");
    CHECK(outcome(*v, make_token(header("HS256"), c, hs256())) == refused(TokenError::kNoSubject));
}

TEST_CASE("roles: each known name sets its role, absent or an empty array mean customer only",
          "[auth][roles]") {
    const auto v = make_jwt_verifier(hs_settings());
    const auto roles_of = [&](const Json& roles) {
        Json c = claims();
        if (!roles.is_null())
            c["roles"] = roles;
        const auto p = v->verify(make_token(header("HS256"), c, hs256()));
        REQUIRE(p);
        return p->roles();
    };
    const auto bit = [](Role r) {
        return static_cast<std::uint8_t>(r);
    };
    CHECK(roles_of(nullptr) == bit(Role::kCustomer));
    CHECK(roles_of(Json::array()) == bit(Role::kCustomer));
    CHECK(roles_of(Json::array({"customer"})) == bit(Role::kCustomer));
    CHECK(roles_of(Json::array({"staff"})) == bit(Role::kStaff));
    CHECK(roles_of(Json::array({"admin"})) == bit(Role::kAdmin));
    CHECK(roles_of(Json::array({"staff", "admin", "staff"})) ==
          (bit(Role::kStaff) | bit(Role::kAdmin)));
}

TEST_CASE("roles: an unknown name, another case, a non-string or a non-array is refused",
          "[auth][roles]") {
    const auto v = make_jwt_verifier(hs_settings());
    for (const Json& bad :
         {Json::array({"root"}), Json::array({"Admin"}), Json::array({"staff", "superuser"}),
          Json::array({1}), Json::array({Json::array({"admin"})}), Json("admin"), Json(nullptr),
          Json::object({{"admin", true}})}) {
        Json c = claims();
        c["roles"] = bad;
        INFO("roles = " << bad.dump());
        CHECK(outcome(*v, make_token(header("HS256"), c, hs256())) ==
              refused(TokenError::kBadRoles));
    }
}

// --- algorithms and attacks --------------------------------------------------------------------

TEST_CASE("alg none is refused whatever its spelling, with or without a signature part",
          "[auth][attack]") {
    const auto v = make_jwt_verifier(hs_settings());
    for (const std::string alg : {"none", "None", "NONE", "nOnE"}) {
        const std::string unsigned_token =
            b64url_json({{"alg", alg}, {"typ", "JWT"}}) + "." + b64url_json(claims()) + ".";
        INFO("alg = " << alg);
        CHECK(outcome(*v, unsigned_token) == refused(TokenError::kAlgorithmNotAllowed));
        CHECK(outcome(*v, unsigned_token + b64url(hmac(EVP_sha256(), kSecret, "x"))) ==
              refused(TokenError::kAlgorithmNotAllowed));
    }
}

TEST_CASE("An alg outside the allow-list is refused before any key is used, case included",
          "[auth][attack]") {
    const auto v = make_jwt_verifier(hs_settings());
    Signer h512 = hs256();
    h512.md = EVP_sha512();
    CHECK(outcome(*v, make_token(header("HS512"), claims(), h512)) ==
          refused(TokenError::kAlgorithmNotAllowed));
    // cpp-jwt alone would take "hs256" for HS256 (strcasecmp); RFC 7515 names are exact.
    CHECK(outcome(*v, make_token(header("hs256"), claims(), hs256())) ==
          refused(TokenError::kAlgorithmNotAllowed));
    CHECK(outcome(*v, make_token(header("RS256"), claims(), rs256(rsa_a()))) ==
          refused(TokenError::kAlgorithmNotAllowed));
    CHECK(outcome(*v, make_token({{"alg", "PS256"}}, claims(), hs256())) ==
          refused(TokenError::kAlgorithmNotAllowed));
}

TEST_CASE("Algorithm confusion: HS256 keyed with the RS256 public key PEM is refused",
          "[auth][attack]") {
    // The classic attack: a verifier that lets the token pick HMAC would key it with the PEM.
    const auto forged = make_token(header("HS256"), claims("mallory"), hs256(rsa_a().public_pem));
    const auto pem = make_jwt_verifier(pem_settings({"RS256"}, rsa_a().public_pem));
    CHECK(outcome(*pem, forged) == refused(TokenError::kAlgorithmNotAllowed));
    const auto jwks = make_jwt_verifier(jwks_settings({"RS256"}, {rsa_jwk(rsa_a(), "k")}));
    CHECK(outcome(*jwks,
                  make_token(header("HS256", "k"), claims("mallory"), hs256(rsa_a().public_pem))) ==
          refused(TokenError::kAlgorithmNotAllowed));
    // Same attack on an EC configuration.
    const auto ec = make_jwt_verifier(pem_settings({"ES256"}, ec_a().public_pem));
    CHECK(outcome(*ec, make_token(header("HS256"), claims("mallory"), hs256(ec_a().public_pem))) ==
          refused(TokenError::kAlgorithmNotAllowed));
}

TEST_CASE("Header rules: typ other than JWT, crit, or a non-string kid is malformed",
          "[auth][header]") {
    const auto v = make_jwt_verifier(hs_settings());
    CHECK(outcome(*v, make_token({{"alg", "HS256"}, {"typ", "at+jwt"}}, claims(), hs256())) ==
          refused(TokenError::kMalformed));
    CHECK(outcome(*v, make_token({{"alg", "HS256"}, {"typ", 1}}, claims(), hs256())) ==
          refused(TokenError::kMalformed));
    CHECK(outcome(*v, make_token({{"alg", "HS256"}, {"crit", {"exp"}}, {"exp", 1}}, claims(),
                                 hs256())) == refused(TokenError::kMalformed));
    CHECK(outcome(*v, make_token({{"alg", "HS256"}, {"kid", 5}}, claims(), hs256())) ==
          refused(TokenError::kMalformed));
    CHECK(outcome(*v, make_token({{"typ", "JWT"}}, claims(), hs256())) ==
          refused(TokenError::kMalformed));
    CHECK(outcome(*v, make_token({{"alg", 256}}, claims(), hs256())) ==
          refused(TokenError::kMalformed));
}

TEST_CASE("Garbage is malformed and never throws", "[auth][garbage]") {
    const auto v = make_jwt_verifier(hs_settings());
    const auto good = make_token(header("HS256"), claims(), hs256());
    REQUIRE(outcome(*v, good) == "ok alice");
    const std::string h = b64url_json(header("HS256"));
    const std::string p = b64url_json(claims());
    const std::string sig = good.substr(good.rfind('.') + 1);
    const std::vector<std::string> garbage{
        "",
        "a.b",
        "a.b.c",
        "..",
        "...",
        good + ".",
        good + "." + sig,
        "@@@.###.$$$",
        h + "." + p + ".",         // no signature
        h + "=." + p + "." + sig,  // padding is not base64url
        h + "." + p + "." + sig + "=",
        std::string(h).replace(2, 1, "\xc3\xa9") + "." + p + "." + sig,  // bytes >= 0x80
        "\xff\xfe\xfd.\x80\x81.\x90",
        b64url("not json") + "." + p + "." + sig,
        b64url("[1,2]") + "." + p + "." + sig,
        h + "." + b64url("[1,2]") + "." +
            b64url(hmac(EVP_sha256(), kSecret, h + "." + b64url("[1,2]"))),
        h + "." + b64url("{\"sub\":") + "." + sig,
        "Bearer " + good,
        good.substr(0, good.size() - 1) + (good.back() == 'A' ? "B" : "A"),  // not canonical or bad
        std::string(1'000'000, 'a') + "." + p + "." + sig,                   // huge
    };
    for (const auto& g : garbage) {
        INFO("token = " << g.substr(0, 120));
        const auto r = v->verify(g);
        CHECK_FALSE(r.has_value());
    }
    // The plainly malformed ones name that reason.
    for (const std::string g : {"", "a.b", "a.b.c", "..", "@@@.###.$$$"}) {
        CHECK(outcome(*v, g) == refused(TokenError::kMalformed));
    }
    CHECK(outcome(*v, std::string(1'000'000, 'a') + "." + p + "." + sig) ==
          refused(TokenError::kMalformed));
    CHECK(outcome(*v, h + "." + p + ".") == refused(TokenError::kMalformed));
}

TEST_CASE("Non-canonical base64url (unused bits set) is refused, not read as the same bytes",
          "[auth][garbage]") {
    const auto v = make_jwt_verifier(pem_settings({"RS256"}, rsa_a().public_pem));
    const auto token = make_token(header("RS256"), claims(), rs256(rsa_a()));
    REQUIRE(outcome(*v, token) == "ok alice");
    // A 256-byte signature is 342 base64url characters: the last one carries 2 unused bits.
    std::string changed = token;
    auto& last = changed.back();
    static constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    last = kAlphabet[kAlphabet.find(last) | 1U];
    REQUIRE(changed != token);
    CHECK(outcome(*v, changed) == refused(TokenError::kMalformed));
}

TEST_CASE("Random tokens are refused without exceptions (a small fuzz)", "[auth][garbage]") {
    const auto v = make_jwt_verifier(hs_settings());
    std::mt19937 rng(20261202);
    std::uniform_int_distribution<int> length(0, 200);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<int> choice(0, 9);
    for (int i = 0; i < 3000; ++i) {
        std::string t;
        const int n = length(rng);
        for (int j = 0; j < n; ++j)
            t.push_back(choice(rng) == 0 ? '.' : static_cast<char>(byte(rng)));
        CHECK_FALSE(v->verify(t).has_value());
    }
}

// --- construction ------------------------------------------------------------------------------

TEST_CASE("HS secrets shorter than 32 bytes are refused at construction", "[auth][settings]") {
    JwtSettings s = hs_settings();
    s.hs_secret = std::string(31, 's');
    CHECK_THAT(construction_error(s), Catch::Contains("at least 32 bytes"));
    s.hs_secret = std::string(32, 's');
    CHECK(construction_error(s).empty());
    s.hs_secret.clear();
    CHECK_THAT(construction_error(s), Catch::Contains("hs_secret"));
}

TEST_CASE("none, unknown names, an empty list and mixed families are refused", "[auth][settings]") {
    JwtSettings s = hs_settings();
    for (const std::string bad : {"none", "NONE", "HS257", "hs256", "PS256", "ES512"}) {
        s.algorithms = {"HS256", bad};
        INFO("algorithm " << bad);
        CHECK_FALSE(construction_error(s).empty());
    }
    s.algorithms = {"HS256", "none"};
    CHECK_THAT(construction_error(s), Catch::Contains("never accepted"));
    s.algorithms = {};
    CHECK_THAT(construction_error(s), Catch::Contains("empty"));
    s.algorithms = {"HS256", "RS256"};
    s.public_key_pem = rsa_a().public_pem;
    CHECK_THAT(construction_error(s), Catch::Contains("confusion"));
    JwtSettings r = pem_settings({"RS256", "HS512"}, rsa_a().public_pem);
    CHECK_THAT(construction_error(r), Catch::Contains("confusion"));
}

TEST_CASE("Key sources must match the family and be exactly one", "[auth][settings]") {
    JwtSettings hs = hs_settings();
    hs.public_key_pem = rsa_a().public_pem;
    CHECK_THAT(construction_error(hs), Catch::Contains("hs_secret only"));
    JwtSettings rs = pem_settings({"RS256"}, "");
    CHECK_THAT(construction_error(rs), Catch::Contains("exactly one"));
    rs.public_key_pem = rsa_a().public_pem;
    rs.jwks_json = Json{{"keys", Json::array({rsa_jwk(rsa_a(), "k")})}}.dump();
    CHECK_THAT(construction_error(rs), Catch::Contains("exactly one"));
    JwtSettings with_secret = pem_settings({"RS256"}, rsa_a().public_pem);
    with_secret.hs_secret = kSecret;
    CHECK_THAT(construction_error(with_secret), Catch::Contains("hs_secret must be empty"));
    // Every allowed algorithm needs a key: ES256 cannot be verified with an RSA key.
    CHECK_THAT(construction_error(pem_settings({"RS256", "ES256"}, rsa_a().public_pem)),
               Catch::Contains("ES256"));
    CHECK_THAT(construction_error(pem_settings({"ES256"}, ec_384().public_pem)),
               Catch::Contains("ES256"));
    JwtSettings leeway = hs_settings();
    leeway.leeway = std::chrono::seconds{-1};
    CHECK_THAT(construction_error(leeway), Catch::Contains("leeway"));
}

TEST_CASE("Unusable PEM text is refused at construction", "[auth][settings]") {
    CHECK_THAT(construction_error(pem_settings({"RS256"}, "hello")),
               Catch::Contains("not a PEM public key"));
    // A private key is not a public key (and must not sit in the verifier's settings).
    Ptr<BIO> bio(BIO_new(BIO_s_mem()));
    REQUIRE(PEM_write_bio_PrivateKey(bio.get(), rsa_a().key.get(), nullptr, nullptr, 0, nullptr,
                                     nullptr) == 1);
    BUF_MEM* mem = nullptr;
    BIO_get_mem_ptr(bio.get(), &mem);
    CHECK_THAT(construction_error(pem_settings({"RS256"}, std::string(mem->data, mem->length))),
               Catch::Contains("not a PEM public key"));
    // A truncated PEM.
    const auto& pem = rsa_a().public_pem;
    CHECK_FALSE(construction_error(pem_settings({"RS256"}, pem.substr(0, pem.size() / 2))).empty());
    // RSA below 2048 bits.
    CHECK_THAT(construction_error(pem_settings({"RS256"}, generate_rsa(1024).public_pem)),
               Catch::Contains("2048"));
}

TEST_CASE("Unusable JWKS documents are refused at construction", "[auth][settings]") {
    const auto with_keys = [](const std::vector<Json>& keys) {
        JwtSettings s = jwks_settings({"RS256", "ES256"}, keys);
        return construction_error(s);
    };
    JwtSettings raw = pem_settings({"RS256"}, "");
    raw.jwks_json = "{not json";
    CHECK_THAT(construction_error(raw), Catch::Contains("not a JSON object"));
    raw.jwks_json = R"({"keys": {}})";
    CHECK_THAT(construction_error(raw), Catch::Contains("\"keys\" array"));
    CHECK_THAT(with_keys({}), Catch::Contains("no RSA or EC"));
    CHECK_THAT(with_keys({Json{{"kty", "oct"}, {"k", "c2VjcmV0"}}}), Catch::Contains("no RSA"));
    Json no_n = rsa_jwk(rsa_a(), "k");
    no_n.erase("n");
    CHECK_THAT(with_keys({no_n, ec_jwk(ec_a(), "e")}), Catch::Contains("\"n\""));
    Json bad_b64 = rsa_jwk(rsa_a(), "k");
    bad_b64["n"] = "***";
    CHECK_THAT(with_keys({bad_b64, ec_jwk(ec_a(), "e")}), Catch::Contains("base64url"));
    Json short_x = ec_jwk(ec_a(), "e");
    short_x["x"] = b64url(std::string(31, '\x01'));
    CHECK_THAT(with_keys({rsa_jwk(rsa_a(), "k"), short_x}), Catch::Contains("wrong length"));
    Json off_curve = ec_jwk(ec_a(), "e");
    off_curve["y"] = b64url(std::string(32, '\x01'));
    CHECK_THAT(with_keys({rsa_jwk(rsa_a(), "k"), off_curve}), Catch::Contains("not a valid"));
    CHECK_THAT(with_keys({rsa_jwk(rsa_a(), "k"), rsa_jwk(rsa_b(), "k"), ec_jwk(ec_a(), "e")}),
               Catch::Contains("repeats the kid"));
    CHECK_THAT(with_keys({Json{{"n", "AQAB"}}}), Catch::Contains("kty"));
    CHECK_THAT(with_keys({Json("key")}), Catch::Contains("not a JSON object"));
    // The well-formed set builds (so the refusals above are about the one broken member).
    CHECK(with_keys({rsa_jwk(rsa_a(), "k"), ec_jwk(ec_a(), "e")}).empty());
}

// --- mint_hs256, secret files, category, threads -----------------------------------------------

TEST_CASE("mint_hs256 writes sub, roles, iat, nbf, exp, iss and aud", "[auth][mint]") {
    const auto now = std::chrono::system_clock::now();
    MintRequest request = mint_request("bob", {"staff", "admin"}, std::chrono::seconds{600});
    request.issuer = "https://id.example";
    request.audience = "movie-booking";
    const auto token = mint_hs256(kSecret, request, now);
    const auto first = token.find('.');
    const auto second = token.find('.', first + 1);
    REQUIRE(second != std::string::npos);
    // Decode independently of the verifier (base64url -> base64 for OpenSSL).
    const auto decode = [](std::string text) {
        for (auto& c : text)
            c = c == '-' ? '+' : c == '_' ? '/' : c;
        while (text.size() % 4 != 0)
            text.push_back('=');
        std::string out(text.size() / 4 * 3, '\0');
        const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(text.data()),
                                      static_cast<int>(text.size()));
        REQUIRE(n >= 0);
        out.resize(static_cast<std::size_t>(n));
        while (!out.empty() && out.back() == '\0')
            out.pop_back();
        return Json::parse(out);
    };
    const Json head = decode(token.substr(0, first));
    const Json body = decode(token.substr(first + 1, second - first - 1));
    const auto t = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    CHECK(head["alg"] == "HS256");
    CHECK(body["sub"] == "bob");
    CHECK(body["roles"] == Json::array({"staff", "admin"}));
    CHECK(body["iat"] == t);
    CHECK(body["nbf"] == t);
    CHECK(body["exp"] == t + 600);
    CHECK(body["iss"] == "https://id.example");
    CHECK(body["aud"] == "movie-booking");
    // The signature is HMAC-SHA256 over the first two parts.
    CHECK(token.substr(second + 1) == b64url(hmac(EVP_sha256(), kSecret, token.substr(0, second))));

    JwtSettings s = hs_settings();
    s.issuer = "https://id.example";
    s.audience = "movie-booking";
    const auto p = make_jwt_verifier(s)->verify(token);
    REQUIRE(p);
    CHECK(p->has(Role::kStaff));
    CHECK(p->has(Role::kAdmin));
    CHECK_FALSE(p->has(Role::kCustomer));
}

TEST_CASE("mint_hs256 refuses what the verifier would refuse", "[auth][mint]") {
    const auto now = std::chrono::system_clock::now();
    CHECK_THROWS_AS(mint_hs256(std::string(31, 's'), mint_request("alice"), now),
                    std::invalid_argument);
    CHECK_THROWS_AS(mint_hs256(kSecret, mint_request(""), now), std::invalid_argument);
    CHECK_THROWS_AS(mint_hs256(kSecret, mint_request("bob smith"), now), std::invalid_argument);
    CHECK_THROWS_AS(mint_hs256(kSecret, mint_request("alice", {"root"}), now),
                    std::invalid_argument);
    CHECK_THROWS_AS(mint_hs256(kSecret, mint_request("alice", {}, std::chrono::seconds{0}), now),
                    std::invalid_argument);
    // A token minted an hour ago with a ten-minute ttl has expired.
    const auto old = mint_hs256(kSecret, mint_request("alice", {}, std::chrono::seconds{600}),
                                now - std::chrono::hours{1});
    CHECK(outcome(*make_jwt_verifier(hs_settings()), old) == refused(TokenError::kExpired));
}

TEST_CASE("read_secret_file strips one trailing newline and names the path when it fails",
          "[auth][secret]") {
    const auto dir =
        std::filesystem::temp_directory_path() /
        ("mb-auth-test-" + std::to_string(now_s()) + "-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir);
    const auto write = [&](const std::string& name, const std::string& content) {
        const auto path = dir / name;
        std::ofstream(path, std::ios::binary) << content;
        return path;
    };
    CHECK(read_secret_file(write("lf", "s3cret\n")) == "s3cret");
    CHECK(read_secret_file(write("crlf", "s3cret\r\n")) == "s3cret");
    CHECK(read_secret_file(write("two", "s3cret\n\n")) == "s3cret\n");
    CHECK(read_secret_file(write("none", "s3 cret")) == "s3 cret");
    CHECK(read_secret_file(write("empty", "")).empty());
    const auto missing = dir / "missing";
    CHECK_THROWS_WITH(read_secret_file(missing), Catch::Contains(missing.string()));
    CHECK_THROWS_WITH(read_secret_file(dir), Catch::Contains(dir.string()));

    const auto file = write("perm", "x");
    using std::filesystem::perms;
    std::filesystem::permissions(file, perms::owner_read | perms::owner_write);
    CHECK_FALSE(readable_by_others(file));
    std::filesystem::permissions(file, perms::owner_read | perms::group_read);
    CHECK(readable_by_others(file));
    std::filesystem::permissions(file, perms::owner_read | perms::others_read);
    CHECK(readable_by_others(file));
    CHECK_FALSE(readable_by_others(missing));
    std::filesystem::remove_all(dir);
}

TEST_CASE("Every TokenError is in category mb.auth and maps to kUnauthenticated (401)",
          "[auth][errors]") {
    for (int e = static_cast<int>(TokenError::kMissing);
         e <= static_cast<int>(TokenError::kUnknownKey); ++e) {
        const auto ec = make_error_code(static_cast<TokenError>(e));
        INFO("value " << e);
        CHECK(std::string(ec.category().name()) == "mb.auth");
        CHECK(ec == domain::Condition::kUnauthenticated);
        CHECK(ec.message() != "the token is invalid");  // each value has its own message
    }
}

TEST_CASE("One verifier serves many threads at once (immutable after construction)",
          "[auth][threads]") {
    const auto hs = make_jwt_verifier(hs_settings());
    const auto rs = make_jwt_verifier(
        jwks_settings({"RS256", "ES256"}, {rsa_jwk(rsa_a(), "r"), ec_jwk(ec_a(), "e")}));
    const auto hs_token = make_token(header("HS256"), claims(), hs256());
    const auto rs_token = make_token(header("RS256", "r"), claims(), rs256(rsa_a()));
    const auto es_token = make_token(header("ES256", "e"), claims(), es256(ec_a()));
    const auto bad_token = make_token(header("RS256", "r"), claims(), rs256(rsa_b()));
    std::atomic<int> wrong{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 200; ++i) {
                const bool ok =
                    hs->verify(hs_token).has_value() && rs->verify(rs_token).has_value() &&
                    rs->verify(es_token).has_value() && !rs->verify(bad_token).has_value();
                if (!ok)
                    wrong.fetch_add(1);
            }
        });
    }
    for (auto& t : threads)
        t.join();
    CHECK(wrong.load() == 0);
}

}  // namespace mb::adapters::auth::test
