#include "app/payment/payment_service.hpp"

namespace mb::app::payment {

using domain::fail;
using domain::Result;
using domain::payment::Payment;
using domain::payment::PaymentError;
using domain::payment::PaymentStatus;

PaymentService::PaymentService(domain::payment::PaymentRepository& repository,
                               Outbox<domain::payment::PaymentEvent>& outbox,
                               domain::payment::PaymentProvider& provider,
                               const domain::Clock& clock)
    : repository_(repository), outbox_(outbox), provider_(provider), clock_(clock) {}

Result<Payment> PaymentService::pay(const domain::payment::ChargeRequest& request) {
    if (request.amount < 0)
        return fail(PaymentError::kInvalidAmount);
    if (auto existing = repository_.find_by_booking(request.booking_id)) {
        if (existing->status() == PaymentStatus::kCanceled) {
            return fail(PaymentError::kAlreadyRefunded);
        }
        return std::move(*existing);
    }
    auto authorization = provider_.charge(request, domain::payment::charge_key(request.booking_id));
    if (!authorization)
        return domain::Unexpected(authorization.error());
    auto payment = Payment::approve(request.booking_id, request.customer_id, request.amount,
                                    std::move(*authorization), clock_.now());
    if (!payment)
        return payment;
    repository_.add(*payment);
    outbox_.append(payment->paid_event());
    return payment;
}

void PaymentService::refund(Payment& payment) {
    auto canceled = payment.refund(clock_.now());
    if (!canceled)
        return;  // already refunded: exactly once
    // The provider refund is idempotent per authorization; if it throws, the transaction rolls
    // back and the event is redelivered, so the refund is retried rather than lost.
    auto refunded = provider_.refund(payment.authorization(), payment.amount());
    if (!refunded)
        throw std::system_error(refunded.error(), "payment provider refund failed");
    repository_.update(payment);
    outbox_.append(*canceled);
}

void PaymentService::on_booking_canceled(const domain::booking::Canceled& event) {
    if (auto payment = repository_.find_by_booking(event.booking_id))
        refund(*payment);
}

Result<void> PaymentService::refund_incomplete(std::int64_t booking_id) {
    if (auto payment = repository_.find_by_booking(booking_id)) {
        refund(*payment);
        return {};
    }
    // No payment stored, yet a charge may have been taken: the provider approved, then the
    // transaction that recorded it rolled back. Find it by the booking's key and refund it
    // (idempotent per authorization), so no money stays charged (MISSION.md, invariant 3).
    auto taken = provider_.find_charge(domain::payment::charge_key(booking_id));
    if (!taken)
        return domain::Unexpected(taken.error());  // provider down: recovery retries
    if (*taken) {
        auto refunded = provider_.refund((*taken)->authorization, (*taken)->amount);
        if (!refunded)
            return domain::Unexpected(refunded.error());
    }
    return {};
}

namespace {
std::optional<Payment> visible_to(const domain::Principal& caller, std::optional<Payment> p) {
    if (p && !domain::payment::may_read(caller, *p))
        return std::nullopt;
    return p;
}
}  // namespace

std::optional<Payment> PaymentService::find(const domain::Principal& caller,
                                            std::int64_t payment_id) {
    return visible_to(caller, repository_.find(payment_id));
}

std::optional<Payment> PaymentService::find_by_booking(const domain::Principal& caller,
                                                       std::int64_t booking_id) {
    return visible_to(caller, repository_.find_by_booking(booking_id));
}

domain::Page<Payment> PaymentService::list(const domain::Principal& caller,
                                           const domain::PageRequest& page) {
    if (auto mine = domain::customer_filter(caller, domain::payment::kSeesAllPayments))
        return repository_.list_by_customer(*mine, page);
    return repository_.list(page);
}

}  // namespace mb::app::payment
