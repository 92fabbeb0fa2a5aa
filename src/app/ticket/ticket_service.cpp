#include "app/ticket/ticket_service.hpp"

namespace mb::app::ticket {

using domain::fail;
using domain::Result;
using domain::ticket::Ticket;
using domain::ticket::TicketError;
using domain::ticket::TicketStatus;

TicketService::TicketService(domain::ticket::TicketRepository& repository,
                             Outbox<domain::ticket::TicketEvent>& outbox,
                             const domain::Clock& clock, std::chrono::milliseconds print_lease)
    : repository_(repository), outbox_(outbox), clock_(clock), print_lease_(print_lease) {}

void TicketService::on_booked(const domain::booking::Booked& event) {
    domain::ticket::TicketDetails details{event.booking_id, event.customer_id, event.movie_name,
                                          event.seat, event.qty};
    if (auto existing = repository_.find_by_booking(event.booking_id)) {
        if (existing->status() == TicketStatus::kCanceled && existing->details().qty == 0) {
            existing->fill_details(std::move(details));  // withdrawn before issue
            repository_.update(*existing);
        }
        return;
    }
    auto ticket = Ticket::issue(std::move(details), clock_.now());
    repository_.add(ticket);
    outbox_.append(ticket.created_event());
}

void TicketService::on_booking_canceled(const domain::booking::Canceled& event) {
    auto ticket = repository_.find_by_booking(event.booking_id);
    if (!ticket) {
        auto placeholder = Ticket::voided(event.booking_id, clock_.now());
        placeholder.fill_details(
            {event.booking_id, event.customer_id, event.movie_name, event.seat, event.qty});
        repository_.add(placeholder);
        return;
    }
    // In-process the cancel withdrew the ticket synchronously already; a Waiting ticket here
    // comes from a publisher that did not (e.g. a seed service on the shared topic). A ticket
    // that is printed or being printed is left alone: the print won.
    if (ticket->status() == TicketStatus::kWaiting && ticket->withdraw(clock_.now())) {
        repository_.update(*ticket);
    }
}

Result<Ticket> TicketService::begin_print(const domain::Principal& caller,
                                          std::int64_t ticket_id) {
    auto ticket = repository_.find(ticket_id);
    if (!ticket || !domain::ticket::may_print(caller, *ticket))
        return fail(TicketError::kNotFound);
    if (auto r = ticket->begin_print(clock_.now(), print_lease_); !r) {
        return domain::Unexpected(r.error());
    }
    repository_.update(*ticket);
    return std::move(*ticket);
}

Result<Ticket> TicketService::complete_print(std::int64_t ticket_id) {
    auto ticket = repository_.find(ticket_id);
    if (!ticket)
        return fail(TicketError::kNotFound);
    auto printed = ticket->complete_print(clock_.now());
    if (!printed)
        return domain::Unexpected(printed.error());
    repository_.update(*ticket);
    outbox_.append(*printed);
    return std::move(*ticket);
}

void TicketService::abort_print(std::int64_t ticket_id) {
    if (auto ticket = repository_.find(ticket_id)) {
        ticket->abort_print(clock_.now());
        repository_.update(*ticket);
    }
}

Result<void> TicketService::withdraw(std::int64_t booking_id) {
    auto ticket = repository_.find_by_booking(booking_id);
    if (!ticket) {
        auto placeholder = Ticket::voided(booking_id, clock_.now());
        repository_.add(placeholder);
        return {};
    }
    auto withdrawn = ticket->withdraw(clock_.now());
    if (!withdrawn)
        return withdrawn;
    repository_.update(*ticket);
    return {};
}

namespace {
std::optional<Ticket> visible_to(const domain::Principal& caller, std::optional<Ticket> t) {
    if (t && !domain::ticket::may_read(caller, *t))
        return std::nullopt;
    return t;
}
}  // namespace

std::optional<Ticket> TicketService::find(const domain::Principal& caller,
                                          std::int64_t ticket_id) {
    return visible_to(caller, repository_.find(ticket_id));
}

std::optional<Ticket> TicketService::find_by_booking(const domain::Principal& caller,
                                                     std::int64_t booking_id) {
    return visible_to(caller, repository_.find_by_booking(booking_id));
}

domain::Page<Ticket> TicketService::list(const domain::Principal& caller,
                                         const domain::PageRequest& page) {
    if (auto mine = domain::customer_filter(caller, domain::ticket::kSeesAllTickets))
        return repository_.list_by_customer(*mine, page);
    return repository_.list(page);
}

}  // namespace mb::app::ticket
