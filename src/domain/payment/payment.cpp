#include "domain/payment/payment.hpp"

namespace mb::domain::payment {

std::string_view to_string(PaymentStatus s) noexcept {
    return s == PaymentStatus::kPaid ? "Paid" : "Canceled";
}

std::optional<PaymentStatus> payment_status_from(std::string_view s) noexcept {
    if (s == "Paid")
        return PaymentStatus::kPaid;
    if (s == "Canceled")
        return PaymentStatus::kCanceled;
    return std::nullopt;
}

Result<Payment> Payment::approve(std::int64_t booking_id, std::string customer_id,
                                 std::int64_t amount, std::string authorization, TimePoint now) {
    if (amount < 0)
        return fail(PaymentError::kInvalidAmount);
    Payment p;
    p.booking_id_ = booking_id;
    p.customer_id_ = std::move(customer_id);
    p.amount_ = amount;
    p.authorization_ = std::move(authorization);
    p.status_ = PaymentStatus::kPaid;
    p.created_at_ = now;
    p.updated_at_ = now;
    return p;
}

Payment Payment::restore(std::int64_t id, std::int64_t booking_id, std::string customer_id,
                         std::int64_t amount, std::string authorization, PaymentStatus status,
                         TimePoint created_at, TimePoint updated_at) {
    Payment p;
    p.id_ = id;
    p.booking_id_ = booking_id;
    p.customer_id_ = std::move(customer_id);
    p.amount_ = amount;
    p.authorization_ = std::move(authorization);
    p.status_ = status;
    p.created_at_ = created_at;
    p.updated_at_ = updated_at;
    return p;
}

Paid Payment::paid_event() const {
    return Paid{id_, booking_id_, customer_id_, amount_,
                std::string(to_string(PaymentStatus::kPaid))};
}

Result<PaymentCanceled> Payment::refund(TimePoint now) {
    if (status_ == PaymentStatus::kCanceled)
        return fail(PaymentError::kAlreadyRefunded);
    status_ = PaymentStatus::kCanceled;
    updated_at_ = now;
    return PaymentCanceled{id_, booking_id_, customer_id_, amount_,
                           std::string(to_string(status_))};
}

}  // namespace mb::domain::payment
