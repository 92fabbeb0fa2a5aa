#pragma once
// SimulatedPaymentProvider: the default PaymentProvider, standing in for a card acquirer so
// every payment path can be exercised without one. Charges strictly above `decline_above`
// KRW are declined; every `decline_every`-th charge is declined too when that is > 0 (config
// payment.decline_above / payment.decline_every). Refunds always succeed. Thread-safe.
#include <atomic>
#include <cstdint>

#include "domain/payment/payment_provider.hpp"

namespace mb::adapters::system {

class SimulatedPaymentProvider final : public domain::payment::PaymentProvider {
public:
    SimulatedPaymentProvider(std::int64_t decline_above, std::int64_t decline_every);
    [[nodiscard]] domain::Result<std::string> charge(
        const domain::payment::ChargeRequest& request) override;
    domain::Result<void> refund(const std::string& authorization, std::int64_t amount) override;

private:
    std::int64_t decline_above_;
    std::int64_t decline_every_;
    std::atomic<std::int64_t> charges_{0};
};

}  // namespace mb::adapters::system
