#include "domain/ticket/ticket.hpp"

namespace mb::domain::ticket {

std::string_view to_string(TicketStatus s) noexcept {
    switch (s) {
        case TicketStatus::kWaiting:
            return "Waiting";
        case TicketStatus::kPrinted:
            return "Printed";
        case TicketStatus::kCanceled:
            return "Canceled";
    }
    return "Unknown";
}

std::optional<TicketStatus> ticket_status_from(std::string_view s) noexcept {
    for (auto st : {TicketStatus::kWaiting, TicketStatus::kPrinted, TicketStatus::kCanceled}) {
        if (to_string(st) == s)
            return st;
    }
    return std::nullopt;
}

Ticket Ticket::issue(TicketDetails details, TimePoint now) {
    Ticket t;
    t.details_ = std::move(details);
    t.status_ = TicketStatus::kWaiting;
    t.created_at_ = now;
    t.updated_at_ = now;
    return t;
}

Ticket Ticket::voided(std::int64_t booking_id, TimePoint now) {
    Ticket t;
    t.details_.booking_id = booking_id;
    t.status_ = TicketStatus::kCanceled;
    t.created_at_ = now;
    t.updated_at_ = now;
    return t;
}

Ticket Ticket::restore(std::int64_t id, TicketDetails details, TicketStatus status,
                       std::optional<TimePoint> print_lease_until, TimePoint created_at,
                       TimePoint updated_at) {
    Ticket t;
    t.id_ = id;
    t.details_ = std::move(details);
    t.status_ = status;
    t.lease_ = print_lease_until;
    t.created_at_ = created_at;
    t.updated_at_ = updated_at;
    return t;
}

Created Ticket::created_event() const {
    return Created{id_,
                   details_.booking_id,
                   details_.customer_id,
                   details_.movie_name,
                   details_.seat,
                   details_.qty,
                   std::string(to_string(TicketStatus::kWaiting))};
}

Result<void> Ticket::begin_print(TimePoint now, std::chrono::milliseconds lease) {
    if (status_ == TicketStatus::kPrinted)
        return fail(TicketError::kAlreadyPrinted);
    if (status_ == TicketStatus::kCanceled)
        return fail(TicketError::kCanceled);
    if (leased(now))
        return fail(TicketError::kPrintInProgress);
    lease_ = now + lease;
    updated_at_ = now;
    return {};
}

Result<Printed> Ticket::complete_print(TimePoint now) {
    if (status_ == TicketStatus::kPrinted)
        return fail(TicketError::kAlreadyPrinted);
    if (status_ == TicketStatus::kCanceled)
        return fail(TicketError::kCanceled);
    status_ = TicketStatus::kPrinted;
    lease_.reset();
    updated_at_ = now;
    return Printed{id_, details_.booking_id, std::string(to_string(status_))};
}

void Ticket::abort_print(TimePoint now) {
    if (status_ == TicketStatus::kWaiting) {
        lease_.reset();
        updated_at_ = now;
    }
}

Result<void> Ticket::withdraw(TimePoint now) {
    if (status_ == TicketStatus::kCanceled)
        return {};
    if (status_ == TicketStatus::kPrinted)
        return fail(TicketError::kAlreadyPrinted);
    if (leased(now))
        return fail(TicketError::kPrintInProgress);
    status_ = TicketStatus::kCanceled;
    lease_.reset();
    updated_at_ = now;
    return {};
}

}  // namespace mb::domain::ticket
