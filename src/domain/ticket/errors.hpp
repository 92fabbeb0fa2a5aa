#pragma once
// Ticket context errors (category "mb.ticket"), values start at 1.
#include <system_error>

#include "domain/common/error_category.hpp"

namespace mb::domain::ticket {

enum class TicketError {
    kNotFound = 1,         ///< no ticket with that id
    kAlreadyPrinted,       ///< print twice, or withdraw after print (MISSION.md, scenario 5)
    kCanceled,             ///< print of a ticket whose booking was cancelled
    kPrintInProgress,      ///< another print (or a cancel) holds this ticket right now
    kInvalidStatusChange,  ///< PATCH asked for a status other than Printed
    kReviewUnavailable,    ///< review record could not be opened; print again shortly (503)
};

[[nodiscard]] inline std::error_code make_error_code(TicketError e) noexcept {
    return make_enum_error_code(e);
}

}  // namespace mb::domain::ticket

template <>
struct std::is_error_code_enum<mb::domain::ticket::TicketError> : std::true_type {};

template <>
struct mb::domain::ErrorTraits<mb::domain::ticket::TicketError> {
    using E = mb::domain::ticket::TicketError;
    static constexpr const char* kName = "mb.ticket";
    static const char* message(E e) {
        switch (e) {
            case E::kNotFound:
                return "no ticket with that id";
            case E::kAlreadyPrinted:
                return "the ticket was already printed";
            case E::kCanceled:
                return "the booking of this ticket was canceled";
            case E::kPrintInProgress:
                return "the ticket is being printed right now";
            case E::kInvalidStatusChange:
                return "only status \"Printed\" can be requested";
            case E::kReviewUnavailable:
                return "printing is busy right now; please print your ticket again shortly";
        }
        return "unknown ticket error";
    }
    static Condition condition(E e) {
        switch (e) {
            case E::kNotFound:
                return Condition::kNotFound;
            case E::kAlreadyPrinted:
            case E::kCanceled:
            case E::kPrintInProgress:
                return Condition::kConflict;
            case E::kInvalidStatusChange:
                return Condition::kInvalidInput;
            case E::kReviewUnavailable:
                return Condition::kUnavailable;
        }
        return Condition::kConflict;
    }
};
