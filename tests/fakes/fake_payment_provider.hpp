#pragma once
// FakePaymentProvider: the PaymentProvider port with scripted outcomes. Charges succeed with
// authorizations "auth-1", "auth-2", ... unless a decline (or an outage) was scripted for the
// next charges; every attempt, approval and refund is counted so a test can assert "charged
// exactly once" / "refunded exactly once". Idempotency keys: a repeated key gets the first
// approval again (an attempt, not a new charge); find_charge finds it. Thread-safe.
#include <cstdint>
#include <deque>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "domain/payment/payment_provider.hpp"

namespace mb::test {

class FakePaymentProvider final : public domain::payment::PaymentProvider {
public:
    enum class Outcome { kApprove, kDecline, kUnavailable };

    /// The next `n` charges get `outcome` (queued after what was scripted before).
    void script(Outcome outcome, std::size_t n = 1) {
        std::lock_guard lock(mutex_);
        for (std::size_t i = 0; i < n; ++i)
            script_.push_back(outcome);
    }
    void decline_next(std::size_t n = 1) { script(Outcome::kDecline, n); }
    void fail_refunds(bool fail) {
        std::lock_guard lock(mutex_);
        fail_refunds_ = fail;
    }

    [[nodiscard]] domain::Result<std::string> charge(const domain::payment::ChargeRequest& request,
                                                     const std::string& idempotency_key) override {
        std::lock_guard lock(mutex_);
        ++attempts_;
        keys_.push_back(idempotency_key);
        if (const auto it = taken_.find(idempotency_key); it != taken_.end())
            return it->second.authorization;
        auto outcome = Outcome::kApprove;
        if (!script_.empty()) {
            outcome = script_.front();
            script_.pop_front();
        }
        switch (outcome) {
            case Outcome::kDecline:
                return domain::fail(domain::payment::PaymentError::kDeclined);
            case Outcome::kUnavailable:
                return domain::fail(domain::payment::PaymentError::kProviderUnavailable);
            case Outcome::kApprove:
                break;
        }
        charged_.push_back(request);
        const std::string authorization = "auth-" + std::to_string(charged_.size());
        taken_.emplace(idempotency_key,
                       domain::payment::TakenCharge{authorization, request.amount});
        return authorization;
    }

    [[nodiscard]] domain::Result<std::optional<domain::payment::TakenCharge>> find_charge(
        const std::string& idempotency_key) override {
        std::lock_guard lock(mutex_);
        if (unavailable_lookups_)
            return domain::fail(domain::payment::PaymentError::kProviderUnavailable);
        const auto it = taken_.find(idempotency_key);
        if (it == taken_.end())
            return std::optional<domain::payment::TakenCharge>{};
        return std::optional<domain::payment::TakenCharge>{it->second};
    }
    void fail_lookups(bool fail) {
        std::lock_guard lock(mutex_);
        unavailable_lookups_ = fail;
    }
    /// The idempotency key of every charge attempt, in order.
    [[nodiscard]] std::vector<std::string> keys() const {
        std::lock_guard lock(mutex_);
        return keys_;
    }

    domain::Result<void> refund(const std::string& authorization, std::int64_t amount) override {
        std::lock_guard lock(mutex_);
        if (fail_refunds_) {
            return domain::fail(domain::payment::PaymentError::kProviderUnavailable);
        }
        refunds_.push_back({authorization, amount});
        for (auto it = taken_.begin(); it != taken_.end();) {
            it = it->second.authorization == authorization ? taken_.erase(it) : std::next(it);
        }
        return {};
    }

    struct Refund {
        std::string authorization;
        std::int64_t amount = 0;
    };

    /// Charge attempts, approved or not.
    [[nodiscard]] std::size_t attempts() const {
        std::lock_guard lock(mutex_);
        return attempts_;
    }
    /// Approved charges.
    [[nodiscard]] std::size_t charges() const {
        std::lock_guard lock(mutex_);
        return charged_.size();
    }
    [[nodiscard]] std::vector<domain::payment::ChargeRequest> charged() const {
        std::lock_guard lock(mutex_);
        return charged_;
    }
    [[nodiscard]] std::size_t refund_count() const {
        std::lock_guard lock(mutex_);
        return refunds_.size();
    }
    [[nodiscard]] std::vector<Refund> refunds() const {
        std::lock_guard lock(mutex_);
        return refunds_;
    }

private:
    mutable std::mutex mutex_;
    std::deque<Outcome> script_;
    bool fail_refunds_ = false;
    bool unavailable_lookups_ = false;
    std::vector<std::string> keys_;
    std::map<std::string, domain::payment::TakenCharge> taken_;
    std::size_t attempts_ = 0;
    std::vector<domain::payment::ChargeRequest> charged_;
    std::vector<Refund> refunds_;
};

}  // namespace mb::test
