#pragma once
// SimulatedPaymentProvider: the default PaymentProvider, standing in for a card acquirer so
// every payment path can be exercised without one. Charges strictly above `decline_above`
// KRW are declined; every `decline_every`-th charge is declined too when that is > 0 (config
// payment.decline_above / payment.decline_every). Refunds always succeed.
// Idempotency keys as acquirers honour them: the answer to the first charge under a key
// (approved with its authorization, or declined) is kept and given again to a repeated charge
// with the same customer and amount, which takes nothing. A key repeated with other
// parameters, or after its charge was refunded, is declined: it is never answered with another
// request's money. Like an acquirer's retention window, the memory is bounded: the
// `remembered` most recent keys (default 20,000, some 350 bytes each: about 7 MB, which covers
// the seconds a compensation or a retry takes at thousands of bookings a second). It is this
// process's memory, so a restart forgets (a real acquirer does not). Thread-safe.
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "domain/payment/payment_provider.hpp"

namespace mb::adapters::system {

class SimulatedPaymentProvider final : public domain::payment::PaymentProvider {
public:
    SimulatedPaymentProvider(std::int64_t decline_above, std::int64_t decline_every,
                             std::size_t remembered = 20'000);
    [[nodiscard]] domain::Result<std::string> charge(const domain::payment::ChargeRequest& request,
                                                     const std::string& idempotency_key) override;
    [[nodiscard]] domain::Result<std::optional<domain::payment::TakenCharge>> find_charge(
        const std::string& idempotency_key) override;
    domain::Result<void> refund(const std::string& authorization, std::int64_t amount) override;

    /// Charges taken (approved) since start: each key counts once.
    [[nodiscard]] std::int64_t charges_taken() const;

private:
    /// The first answer under a key and what it was asked.
    struct Answer {
        std::optional<domain::payment::TakenCharge> taken;  ///< nullopt: declined
        std::string customer_id;
        std::int64_t amount = 0;
        bool refunded = false;
    };

    std::int64_t decline_above_;
    std::int64_t decline_every_;
    std::size_t remembered_;
    mutable std::mutex mutex_;
    std::int64_t attempts_ = 0;  ///< distinct keys charged (for decline_every)
    std::int64_t taken_ = 0;
    std::unordered_map<std::string, Answer> answers_;
    std::unordered_map<std::string, std::string> key_of_;  ///< authorization -> its key
    std::deque<std::string> order_;  ///< keys oldest first, to forget beyond `remembered_`
};

}  // namespace mb::adapters::system
