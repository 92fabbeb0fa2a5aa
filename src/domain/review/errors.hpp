#pragma once
// Review context errors (category "mb.review"), values start at 1.
#include <system_error>

#include "domain/common/error_category.hpp"

namespace mb::domain::review {

enum class ReviewError {
    kNotFound = 1,   ///< no review with that id (reviews exist only once opened at print)
    kInvalidReview,  ///< score not 0..10, or contents over 2000 characters
    kUnavailable,    ///< the review module cannot open records right now (503)
    kForbidden,      ///< only the booking's customer writes its review (issue 9)
};

[[nodiscard]] inline std::error_code make_error_code(ReviewError e) noexcept {
    return make_enum_error_code(e);
}

}  // namespace mb::domain::review

template <>
struct std::is_error_code_enum<mb::domain::review::ReviewError> : std::true_type {};

template <>
struct mb::domain::ErrorTraits<mb::domain::review::ReviewError> {
    using E = mb::domain::review::ReviewError;
    static constexpr const char* kName = "mb.review";
    static const char* message(E e) {
        switch (e) {
            case E::kNotFound:
                return "no review with that id";
            case E::kInvalidReview:
                return "the review is invalid";
            case E::kUnavailable:
                return "reviews cannot be opened right now";
            case E::kForbidden:
                return "only the customer of the booking writes its review";
        }
        return "unknown review error";
    }
    static Condition condition(E e) {
        switch (e) {
            case E::kNotFound:
                return Condition::kNotFound;
            case E::kInvalidReview:
                return Condition::kInvalidInput;
            case E::kUnavailable:
                return Condition::kUnavailable;
            case E::kForbidden:
                return Condition::kForbidden;
        }
        return Condition::kConflict;
    }
};
