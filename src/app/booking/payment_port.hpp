#pragma once
// PaymentPort: booking's synchronous need of payment (MISSION.md, "Transactions": a booking
// whose payment did not succeed must not exist). Declared here, in booking's terms;
// implemented by adapters/inprocess (or an HTTP client when modules run split).
#include <cstdint>
#include <functional>
#include <string>

#include "domain/common/result.hpp"

namespace mb::app::booking {

struct PaymentRequest {
    std::int64_t booking_id = 0;
    std::string customer_id;
    std::int64_t amount = 0;  ///< KRW
};

struct PaymentReceipt {
    std::int64_t payment_id = 0;
};

/// Callbacks run exactly once, on any thread. Errors: a payment-declined error (402), or an
/// app::PortError (deadline, breaker, bulkhead, down). A payment that completes after its
/// deadline is refunded by the implementation: the caller never leaves a charge behind.
class PaymentPort {
public:
    virtual ~PaymentPort() = default;
    virtual void pay(PaymentRequest request,
                     std::function<void(domain::Result<PaymentReceipt>)> done) = 0;
    /// Compensation: refunds whatever was charged for a booking that will not complete.
    /// Succeeds when nothing was charged.
    virtual void refund_incomplete(std::int64_t booking_id,
                                   std::function<void(domain::Result<void>)> done) = 0;
};

}  // namespace mb::app::booking
