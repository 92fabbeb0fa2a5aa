#pragma once
// Who may see and print a ticket (issue 9; README "Security"): its customer (a kiosk), staff
// (the counter prints any ticket) and admin. Pure; thread-safe.
#include <initializer_list>

#include "domain/common/principal.hpp"
#include "domain/ticket/ticket.hpp"

namespace mb::domain::ticket {

/// Roles that list every ticket; everybody else lists their own.
inline constexpr std::initializer_list<Role> kSeesAllTickets = {Role::kStaff, Role::kAdmin};

/// Visible to the ticket's customer, staff and admin; anyone else gets 404.
[[nodiscard]] inline bool may_read(const Principal& caller, const Ticket& ticket) {
    return caller.owns(ticket.details().customer_id) || caller.has(Role::kStaff) ||
           caller.has(Role::kAdmin);
}

/// Printing (collecting) is allowed to whoever may see the ticket.
[[nodiscard]] inline bool may_print(const Principal& caller, const Ticket& ticket) {
    return may_read(caller, ticket);
}

}  // namespace mb::domain::ticket
