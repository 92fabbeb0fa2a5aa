#pragma once
// Who may do what with a booking (issue 9; README "Security", the matrix). The rules live here,
// next to the aggregate; the use cases call them with the caller's Principal. Pure functions:
// thread-safe.
#include <initializer_list>
#include <string>
#include <string_view>

#include "domain/booking/booking.hpp"
#include "domain/booking/errors.hpp"
#include "domain/common/principal.hpp"
#include "domain/common/result.hpp"

namespace mb::domain::booking {

/// Roles that list every booking; everybody else lists their own.
inline constexpr std::initializer_list<Role> kSeesAllBookings = {Role::kStaff, Role::kAdmin};

/// A booking is visible to its customer, to staff (the counter looks bookings up) and admin.
/// Invisible bookings answer 404, so ids cannot be enumerated.
[[nodiscard]] inline bool may_read(const Principal& caller, const Booking& booking) {
    return caller.owns(booking.customer_id()) || caller.has(Role::kStaff) ||
           caller.has(Role::kAdmin);
}

/// A booking is cancelled by its customer or an admin (staff print, they do not refund).
[[nodiscard]] inline bool may_cancel(const Principal& caller, const Booking& booking) {
    return caller.owns(booking.customer_id()) || caller.has(Role::kAdmin);
}

/// The customer a new booking is for, from the caller and the request's customerId (empty when
/// the body had none):
/// - a customer books only for themselves: empty -> their subject; another id -> kOtherCustomer;
/// - staff and admin (the counter) book for the named customer, or for themselves;
/// - system() (auth = off, the local demo) takes the named customer, or "anonymous".
[[nodiscard]] inline Result<std::string> customer_for_new_booking(const Principal& caller,
                                                                  std::string_view requested) {
    if (caller.is_system())
        return requested.empty() ? std::string("anonymous") : std::string(requested);
    if (caller.has(Role::kStaff) || caller.has(Role::kAdmin))
        return requested.empty() ? caller.subject() : std::string(requested);
    if (!requested.empty() && requested != caller.subject())
        return fail(BookingError::kOtherCustomer);
    return caller.subject();
}

/// Catalogue registration (movies, screens, screenings) is for admins only.
[[nodiscard]] inline bool may_change_catalogue(const Principal& caller) {
    return caller.has(Role::kAdmin);
}

}  // namespace mb::domain::booking
