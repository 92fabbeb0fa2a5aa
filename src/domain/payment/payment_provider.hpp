#pragma once
// Driven port: the card acquirer / payment gateway that actually moves money.
#include <cstdint>
#include <optional>
#include <string>

#include "domain/common/result.hpp"

namespace mb::domain::payment {

/// A charge to authorise. Amount in KRW.
struct ChargeRequest {
    std::int64_t booking_id = 0;
    std::string customer_id;
    std::int64_t amount = 0;
};

/// A charge the provider took: its authorization reference and amount (KRW).
struct TakenCharge {
    std::string authorization;
    std::int64_t amount = 0;
};

/// The idempotency key of the one charge a booking may have (MISSION.md, invariant 1:
/// exactly one approved payment per confirmed booking): "booking-<id>".
[[nodiscard]] inline std::string charge_key(std::int64_t booking_id) {
    return "booking-" + std::to_string(booking_id);
}

/// Thread-safety: implementations must be callable from the payment module's strand.
class PaymentProvider {
public:
    virtual ~PaymentProvider() = default;
    /// Authorises and captures; returns the provider's authorization reference, or
    /// PaymentError::kDeclined / kProviderUnavailable. At most one charge is taken per
    /// `idempotency_key`: a repeated call with the same key answers what the first one answered
    /// (the same authorization, or the decline) without charging again — as acquirers'
    /// idempotency keys do, so a retried charge is never taken twice (issue 12, item 3).
    [[nodiscard]] virtual Result<std::string> charge(const ChargeRequest& request,
                                                     const std::string& idempotency_key) = 0;
    /// The approved charge taken under `idempotency_key` and not refunded since, if any
    /// (nullopt: none, declined, or refunded).
    /// Lets a compensation find money whose record was lost (a transaction rolled back after
    /// the provider approved). Errors: PaymentError::kProviderUnavailable.
    [[nodiscard]] virtual Result<std::optional<TakenCharge>> find_charge(
        const std::string& idempotency_key) = 0;
    /// Returns the money of an authorization. Idempotent per reference.
    virtual Result<void> refund(const std::string& authorization, std::int64_t amount) = 0;
};

}  // namespace mb::domain::payment
