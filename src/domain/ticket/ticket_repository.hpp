#pragma once
// Driven port: where tickets are kept. Runs inside the ticket module's unit of work; throws on
// infrastructure failure; not thread-safe.
#include <cstdint>
#include <optional>
#include <string>

#include "domain/common/page.hpp"
#include "domain/ticket/ticket.hpp"

namespace mb::domain::ticket {

class TicketRepository {
public:
    virtual ~TicketRepository() = default;
    /// Stores a new ticket and assigns its id. One ticket per booking (unique).
    virtual void add(Ticket& ticket) = 0;
    virtual void update(const Ticket& ticket) = 0;
    [[nodiscard]] virtual std::optional<Ticket> find(std::int64_t id) = 0;
    [[nodiscard]] virtual std::optional<Ticket> find_by_booking(std::int64_t booking_id) = 0;
    /// All tickets, id ascending.
    [[nodiscard]] virtual Page<Ticket> list(const PageRequest& page) = 0;
    /// Tickets of one customer (`customer_id` exact), by id ascending (issue 9: collections are
    /// filtered to the caller).
    [[nodiscard]] virtual Page<Ticket> list_by_customer(const std::string& customer_id,
                                                    const PageRequest& page) = 0;
};

}  // namespace mb::domain::ticket
