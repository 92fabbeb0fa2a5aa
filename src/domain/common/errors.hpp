#pragma once
// Generic error conditions shared by every context. Each context maps its own error enum
// (category "mb.<context>") onto these; the HTTP adapter maps these — and only these — to
// statuses, in one table (adapters/http/error_mapping.cpp).
#include <string>
#include <system_error>

namespace mb::domain {

/// The few outcomes a caller has to tell apart. Values start at 1 (0 means success).
enum class Condition {
    kInvalidInput = 1,  ///< the request itself is wrong (HTTP 400)
    kNotFound,          ///< the addressed entity does not exist (HTTP 404)
    kConflict,          ///< the entity's state forbids the change (HTTP 409)
    kPaymentDeclined,   ///< the payment provider refused the charge (HTTP 402)
    kUnavailable,       ///< a module the operation needs is down, slow or open-circuited (503)
    kForbidden,         ///< the caller may not do this (HTTP 403)
    kUnauthenticated,   ///< no valid credentials: token missing, expired, forged (HTTP 401)
};

[[nodiscard]] const std::error_category& condition_category() noexcept;
[[nodiscard]] std::error_condition make_error_condition(Condition c) noexcept;

}  // namespace mb::domain

template <>
struct std::is_error_condition_enum<mb::domain::Condition> : std::true_type {};
