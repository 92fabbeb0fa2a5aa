#pragma once
// Driven port: the card acquirer / payment gateway that actually moves money.
#include <cstdint>
#include <string>

#include "domain/common/result.hpp"

namespace mb::domain::payment {

/// A charge to authorise. Amount in KRW.
struct ChargeRequest {
    std::int64_t booking_id = 0;
    std::string customer_id;
    std::int64_t amount = 0;
};

/// Thread-safety: implementations must be callable from the payment module's strand.
class PaymentProvider {
public:
    virtual ~PaymentProvider() = default;
    /// Authorises and captures; returns the provider's authorization reference, or
    /// PaymentError::kDeclined / kProviderUnavailable.
    [[nodiscard]] virtual Result<std::string> charge(const ChargeRequest& request) = 0;
    /// Returns the money of an authorization. Idempotent per reference.
    virtual Result<void> refund(const std::string& authorization, std::int64_t amount) = 0;
};

}  // namespace mb::domain::payment
