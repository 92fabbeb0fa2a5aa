#pragma once
// Payment use cases and policies. Runs inside the payment module's unit of work; not
// thread-safe (the payment strand serialises calls).
#include <cstdint>
#include <optional>

#include "app/common/outbox.hpp"
#include "domain/booking/events.hpp"
#include "domain/common/clock.hpp"
#include "domain/common/principal.hpp"
#include "domain/payment/access.hpp"
#include "domain/payment/events.hpp"
#include "domain/payment/payment.hpp"
#include "domain/payment/payment_provider.hpp"
#include "domain/payment/payment_repository.hpp"

namespace mb::app::payment {

class PaymentService {
public:
    PaymentService(domain::payment::PaymentRepository& repository,
                   Outbox<domain::payment::PaymentEvent>& outbox,
                   domain::payment::PaymentProvider& provider, const domain::Clock& clock);

    /// Charges the booking's amount under the idempotency key charge_key(booking_id) and records
    /// the approved payment with `Paid` in the outbox. Idempotent per booking: a second call
    /// returns the existing Paid payment without charging again (MISSION.md, invariant 1), and
    /// a retry whose first attempt's record was rolled back gets the provider's first answer.
    /// Errors: kDeclined (nothing stored), kAlreadyRefunded, kProviderUnavailable, kInvalidAmount.
    domain::Result<domain::payment::Payment> pay(const domain::payment::ChargeRequest& request);

    /// Policy on booking's `Canceled`: refunds the booking's payment once (MISSION.md,
    /// invariant 2); `PaymentCanceled` into the outbox. Idempotent.
    void on_booking_canceled(const domain::booking::Canceled& event);

    /// Compensation for a booking that never completed (saga failure, late payment, crash):
    /// refunds its payment if one is Paid; with no payment stored, refunds a charge the
    /// provider took under the booking's key (charge_key) whose record was rolled back.
    /// Idempotent; succeeds when there is nothing to refund. Errors: kProviderUnavailable
    /// (the recovery pass retries).
    domain::Result<void> refund_incomplete(std::int64_t booking_id);

    /// Reads filtered to `caller` (access.hpp: its customer and admin); a payment the caller
    /// may not see is not found.
    std::optional<domain::payment::Payment> find(const domain::Principal& caller,
                                                 std::int64_t payment_id);
    std::optional<domain::payment::Payment> find_by_booking(const domain::Principal& caller,
                                                            std::int64_t booking_id);
    /// Admin lists every payment, anybody else their own.
    domain::Page<domain::payment::Payment> list(const domain::Principal& caller,
                                                const domain::PageRequest& page);

private:
    void refund(domain::payment::Payment& payment);

    domain::payment::PaymentRepository& repository_;
    Outbox<domain::payment::PaymentEvent>& outbox_;
    domain::payment::PaymentProvider& provider_;
    const domain::Clock& clock_;
};

}  // namespace mb::app::payment
