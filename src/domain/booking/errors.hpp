#pragma once
// Booking context errors (category "mb.booking"), values start at 1.
#include <system_error>

#include "domain/common/error_category.hpp"

namespace mb::domain::booking {

enum class BookingError {
    kInvalidBooking = 1,   ///< qty/seat/price/movie rules violated (MISSION.md, POST /books)
    kNotFound,             ///< no booking with that id
    kAlreadyCanceled,      ///< cancel of a cancelled booking
    kAlreadyPrinted,       ///< cancel after the ticket was collected (MISSION.md scenario 5)
    kNotConfirmed,         ///< operation needs a confirmed booking; it is still Pending
    kPrintInProgress,      ///< cancel raced a print that is under way; one must win
    kInvalidStatusChange,  ///< PATCH asked for a status other than Canceled
    kSeatTaken,            ///< a seat is held or booked by another booking (issue 3)
    kSeatBlocked,          ///< a seat exists but is not for sale
    kPriceMismatch,        ///< the client's totalPrice is not seats x price
    kUnknownScreening,     ///< screeningId names no screening
    kScreeningStarted,     ///< the screening has already started
    kCatalogueNotFound,    ///< no movie / screen / screening with that id
    kInvalidCatalogue,     ///< a movie, screen or screening registration breaks a rule
    kForbidden,            ///< the caller sees the booking but may not change it (issue 9)
    kOtherCustomer,        ///< a customer named another customerId than their own (issue 9)
    kUnlistedMovie,        ///< movieName is not in the catalogue: no client-set prices (issue 9)
    kNoOpenScreening,      ///< the movie is listed but has no screening open for sale
    kAdminOnly,            ///< catalogue registration needs the admin role
};

[[nodiscard]] inline std::error_code make_error_code(BookingError e) noexcept {
    return make_enum_error_code(e);
}

}  // namespace mb::domain::booking

template <>
struct std::is_error_code_enum<mb::domain::booking::BookingError> : std::true_type {};

template <>
struct mb::domain::ErrorTraits<mb::domain::booking::BookingError> {
    using E = mb::domain::booking::BookingError;
    static constexpr const char* kName = "mb.booking";
    static const char* message(E e) {
        switch (e) {
            case E::kInvalidBooking:
                return "the booking request is invalid";
            case E::kNotFound:
                return "no booking with that id";
            case E::kAlreadyCanceled:
                return "the booking is already canceled";
            case E::kAlreadyPrinted:
                return "the ticket of this booking was already printed; it can no longer be "
                       "canceled";
            case E::kNotConfirmed:
                return "the booking is not confirmed yet";
            case E::kPrintInProgress:
                return "the ticket of this booking is being printed right now";
            case E::kInvalidStatusChange:
                return "only status \"Canceled\" can be requested";
            case E::kSeatTaken:
                return "a requested seat is no longer available";
            case E::kSeatBlocked:
                return "a requested seat is not for sale";
            case E::kPriceMismatch:
                return "totalPrice does not match the price of the seats";
            case E::kUnknownScreening:
                return "no screening with that id";
            case E::kScreeningStarted:
                return "the screening has already started";
            case E::kCatalogueNotFound:
                return "not found in the catalogue";
            case E::kInvalidCatalogue:
                return "the catalogue entry is invalid";
            case E::kForbidden:
                return "this booking may not be changed by the caller";
            case E::kOtherCustomer:
                return "a customer books only for themselves: customerId must be the token's "
                       "subject";
            case E::kUnlistedMovie:
                return "the movie is not in the catalogue";
            case E::kNoOpenScreening:
                return "the movie has no screening open for sale";
            case E::kAdminOnly:
                return "the catalogue is changed only by an admin";
        }
        return "unknown booking error";
    }
    static Condition condition(E e) {
        switch (e) {
            case E::kInvalidBooking:
            case E::kInvalidStatusChange:
            case E::kUnknownScreening:
            case E::kInvalidCatalogue:
                return Condition::kInvalidInput;
            case E::kNotFound:
            case E::kCatalogueNotFound:
            case E::kUnlistedMovie:
                return Condition::kNotFound;
            case E::kForbidden:
            case E::kOtherCustomer:
            case E::kAdminOnly:
                return Condition::kForbidden;
            case E::kNoOpenScreening:
                return Condition::kConflict;
            case E::kSeatTaken:
            case E::kSeatBlocked:
            case E::kPriceMismatch:
            case E::kScreeningStarted:
                return Condition::kConflict;
            case E::kAlreadyCanceled:
            case E::kAlreadyPrinted:
            case E::kNotConfirmed:
            case E::kPrintInProgress:
                return Condition::kConflict;
        }
        return Condition::kConflict;
    }
};
