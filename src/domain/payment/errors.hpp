#pragma once
// Payment context errors (category "mb.payment"), values start at 1.
#include <system_error>

#include "domain/common/error_category.hpp"

namespace mb::domain::payment {

enum class PaymentError {
    kDeclined = 1,     ///< the provider refused the charge (HTTP 402)
    kNotFound,         ///< no payment with that id / for that booking
    kAlreadyRefunded,  ///< refund of a refunded payment
    kAlreadyPaid,      ///< a booking can have only one approved payment (MISSION.md, invariant 1)
    kInvalidAmount,    ///< negative amount
    kProviderUnavailable,  ///< the provider could not be reached (HTTP 503)
};

[[nodiscard]] inline std::error_code make_error_code(PaymentError e) noexcept {
    return make_enum_error_code(e);
}

}  // namespace mb::domain::payment

template <>
struct std::is_error_code_enum<mb::domain::payment::PaymentError> : std::true_type {};

template <>
struct mb::domain::ErrorTraits<mb::domain::payment::PaymentError> {
    using E = mb::domain::payment::PaymentError;
    static constexpr const char* kName = "mb.payment";
    static const char* message(E e) {
        switch (e) {
            case E::kDeclined:
                return "the payment was declined; nothing was booked";
            case E::kNotFound:
                return "no payment with that id";
            case E::kAlreadyRefunded:
                return "the payment is already refunded";
            case E::kAlreadyPaid:
                return "the booking already has an approved payment";
            case E::kInvalidAmount:
                return "the amount must not be negative";
            case E::kProviderUnavailable:
                return "the payment provider is unavailable; nothing was booked, try again";
        }
        return "unknown payment error";
    }
    static Condition condition(E e) {
        switch (e) {
            case E::kDeclined:
                return Condition::kPaymentDeclined;
            case E::kNotFound:
                return Condition::kNotFound;
            case E::kAlreadyRefunded:
            case E::kAlreadyPaid:
                return Condition::kConflict;
            case E::kInvalidAmount:
                return Condition::kInvalidInput;
            case E::kProviderUnavailable:
                return Condition::kUnavailable;
        }
        return Condition::kConflict;
    }
};
