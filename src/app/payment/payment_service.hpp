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

    /// Charges the booking's amount and records the approved payment with `Paid` in the outbox.
    /// Idempotent per booking: a second call returns the existing Paid payment without charging
    /// again (MISSION.md, invariant 1). Errors: kDeclined (nothing stored), kAlreadyRefunded,
    /// kProviderUnavailable, kInvalidAmount.
    domain::Result<domain::payment::Payment> pay(const domain::payment::ChargeRequest& request);

    /// Policy on booking's `Canceled`: refunds the booking's payment once (MISSION.md,
    /// invariant 2); `PaymentCanceled` into the outbox. Idempotent.
    void on_booking_canceled(const domain::booking::Canceled& event);

    /// Compensation for a booking that never completed (saga failure, late payment, crash):
    /// refunds its payment if one is Paid. Idempotent; succeeds when there is none.
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
