#include "adapters/system/simulated_payment_provider.hpp"

#include "adapters/system/ids.hpp"
#include "domain/payment/errors.hpp"

namespace mb::adapters::system {

SimulatedPaymentProvider::SimulatedPaymentProvider(std::int64_t decline_above,
                                                   std::int64_t decline_every,
                                                   std::size_t remembered)
    : decline_above_(decline_above),
      decline_every_(decline_every),
      remembered_(remembered == 0 ? 1 : remembered) {}

domain::Result<std::string> SimulatedPaymentProvider::charge(
    const domain::payment::ChargeRequest& request, const std::string& idempotency_key) {
    std::lock_guard lock(mutex_);
    if (const auto it = answers_.find(idempotency_key); it != answers_.end()) {
        const Answer& first = it->second;
        if (!first.taken || first.refunded || first.customer_id != request.customer_id ||
            first.amount != request.amount) {
            return domain::fail(domain::payment::PaymentError::kDeclined);
        }
        return first.taken->authorization;
    }
    const auto n = ++attempts_;
    Answer answer{{}, request.customer_id, request.amount, false};
    if (request.amount <= decline_above_ && (decline_every_ <= 0 || n % decline_every_ != 0)) {
        answer.taken = domain::payment::TakenCharge{"sim-" + new_uuid(), request.amount};
        key_of_.emplace(answer.taken->authorization, idempotency_key);
        ++taken_;
    }
    const auto taken = answer.taken;
    answers_.emplace(idempotency_key, std::move(answer));
    order_.push_back(idempotency_key);
    while (order_.size() > remembered_) {
        if (const auto old = answers_.find(order_.front()); old != answers_.end()) {
            if (old->second.taken)
                key_of_.erase(old->second.taken->authorization);
            answers_.erase(old);
        }
        order_.pop_front();
    }
    if (!taken)
        return domain::fail(domain::payment::PaymentError::kDeclined);
    return taken->authorization;
}

domain::Result<std::optional<domain::payment::TakenCharge>> SimulatedPaymentProvider::find_charge(
    const std::string& idempotency_key) {
    std::lock_guard lock(mutex_);
    const auto it = answers_.find(idempotency_key);
    if (it == answers_.end() || it->second.refunded)
        return std::optional<domain::payment::TakenCharge>{};
    return it->second.taken;
}

domain::Result<void> SimulatedPaymentProvider::refund(const std::string& authorization,
                                                      std::int64_t /*amount*/) {
    std::lock_guard lock(mutex_);
    if (const auto key = key_of_.find(authorization); key != key_of_.end()) {
        if (const auto it = answers_.find(key->second); it != answers_.end())
            it->second.refunded = true;
    }
    return {};  // idempotent per authorization; unknown (forgotten) references succeed too
}

std::int64_t SimulatedPaymentProvider::charges_taken() const {
    std::lock_guard lock(mutex_);
    return taken_;
}

}  // namespace mb::adapters::system
