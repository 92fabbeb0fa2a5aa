#include "adapters/system/simulated_payment_provider.hpp"

#include "adapters/system/ids.hpp"
#include "domain/payment/errors.hpp"

namespace mb::adapters::system {

SimulatedPaymentProvider::SimulatedPaymentProvider(std::int64_t decline_above,
                                                   std::int64_t decline_every)
    : decline_above_(decline_above), decline_every_(decline_every) {}

domain::Result<std::string> SimulatedPaymentProvider::charge(
    const domain::payment::ChargeRequest& request) {
    const auto n = charges_.fetch_add(1) + 1;
    if (request.amount > decline_above_ || (decline_every_ > 0 && n % decline_every_ == 0)) {
        return domain::fail(domain::payment::PaymentError::kDeclined);
    }
    return "sim-" + new_uuid();
}

domain::Result<void> SimulatedPaymentProvider::refund(const std::string& /*authorization*/,
                                                      std::int64_t /*amount*/) {
    return {};
}

}  // namespace mb::adapters::system
