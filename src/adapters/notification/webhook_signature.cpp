#include "adapters/notification/webhook_signature.hpp"

#include <array>
#include <stdexcept>
#include <string>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

namespace mb::adapters::notification {

std::string webhook_signature(std::string_view secret, std::string_view timestamp,
                              std::string_view body) {
    std::string message;
    message.reserve(timestamp.size() + 1 + body.size());
    message.append(timestamp).append(".").append(body);
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int length = 0;
    if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
             reinterpret_cast<const unsigned char*>(message.data()), message.size(),
             digest.data(), &length) == nullptr) {
        throw std::runtime_error("HMAC-SHA256 failed");
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "sha256=";
    out.reserve(out.size() + 2 * length);
    for (unsigned int i = 0; i < length; ++i) {
        out.push_back(kHex[digest[i] >> 4]);
        out.push_back(kHex[digest[i] & 0x0f]);
    }
    return out;
}

bool verify_webhook_signature(std::string_view secret, std::string_view timestamp,
                              std::string_view body, std::string_view signature) {
    const auto expected = webhook_signature(secret, timestamp, body);
    return signature.size() == expected.size() &&
           CRYPTO_memcmp(signature.data(), expected.data(), expected.size()) == 0;
}

}  // namespace mb::adapters::notification
