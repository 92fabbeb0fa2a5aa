#pragma once
// Ticket use cases and policies. Runs inside the ticket module's unit of work; not thread-safe
// (the ticket strand serialises calls). The print saga (adapters/inprocess/print_saga) calls
// begin_print() -> ReviewPort::open -> complete_print() or abort_print().
#include <chrono>
#include <cstdint>
#include <optional>

#include "app/common/outbox.hpp"
#include "domain/booking/events.hpp"
#include "domain/common/clock.hpp"
#include "domain/common/principal.hpp"
#include "domain/ticket/access.hpp"
#include "domain/ticket/events.hpp"
#include "domain/ticket/ticket.hpp"
#include "domain/ticket/ticket_repository.hpp"

namespace mb::app::ticket {

class TicketService {
public:
    /// `print_lease`: how long a print may hold a ticket while its review is opened; longer
    /// than the review port's deadline so a live print is never overtaken by a cancel.
    TicketService(domain::ticket::TicketRepository& repository,
                  Outbox<domain::ticket::TicketEvent>& outbox, const domain::Clock& clock,
                  std::chrono::milliseconds print_lease);

    /// Policy on `Booked`: issues the booking's ticket (Waiting, `Created`). Idempotent; a
    /// booking whose ticket was withdrawn first gets no ticket.
    void on_booked(const domain::booking::Booked& event);
    /// Policy on `Canceled`: voids the Waiting ticket (normally already withdrawn).
    void on_booking_canceled(const domain::booking::Canceled& event);

    /// Takes the print lease for `caller` (access.hpp: the ticket's customer, staff, admin).
    /// Errors: kNotFound (also: not visible to the caller), kAlreadyPrinted, kCanceled,
    /// kPrintInProgress.
    domain::Result<domain::ticket::Ticket> begin_print(const domain::Principal& caller,
                                                       std::int64_t ticket_id);
    /// -> Printed, `Printed` into the outbox.
    domain::Result<domain::ticket::Ticket> complete_print(std::int64_t ticket_id);
    void abort_print(std::int64_t ticket_id);

    /// For booking's TicketPort: makes sure no ticket of this booking can be printed any more
    /// (a placeholder is stored when the ticket was not issued yet). Errors: kAlreadyPrinted,
    /// kPrintInProgress — the cancel loses (MISSION.md, invariant 2).
    domain::Result<void> withdraw(std::int64_t booking_id);

    /// Reads filtered to `caller` (its customer, staff, admin); others get nothing.
    std::optional<domain::ticket::Ticket> find(const domain::Principal& caller,
                                               std::int64_t ticket_id);
    std::optional<domain::ticket::Ticket> find_by_booking(const domain::Principal& caller,
                                                          std::int64_t booking_id);
    /// Staff and admin list every ticket, a customer their own.
    domain::Page<domain::ticket::Ticket> list(const domain::Principal& caller,
                                              const domain::PageRequest& page);

private:
    domain::ticket::TicketRepository& repository_;
    Outbox<domain::ticket::TicketEvent>& outbox_;
    const domain::Clock& clock_;
    std::chrono::milliseconds print_lease_;
};

}  // namespace mb::app::ticket
