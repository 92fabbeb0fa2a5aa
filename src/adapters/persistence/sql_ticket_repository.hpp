#pragma once
// SqlTicketRepository: TicketRepository on the ticket module's own SQLite file; one ticket
// per booking (UNIQUE booking_id). Not thread-safe (ticket strand). Throws soci::soci_error.
#include <vector>

#include "adapters/persistence/database.hpp"
#include "domain/ticket/ticket_repository.hpp"

namespace mb::adapters::persistence {

[[nodiscard]] std::vector<Migration> ticket_migrations();

class SqlTicketRepository final : public domain::ticket::TicketRepository {
public:
    explicit SqlTicketRepository(Database& db);

    void add(domain::ticket::Ticket& ticket) override;
    void update(const domain::ticket::Ticket& ticket) override;
    [[nodiscard]] std::optional<domain::ticket::Ticket> find(std::int64_t id) override;
    [[nodiscard]] std::optional<domain::ticket::Ticket> find_by_booking(
        std::int64_t booking_id) override;
    [[nodiscard]] domain::Page<domain::ticket::Ticket> list(
        const domain::PageRequest& page) override;
    [[nodiscard]] domain::Page<domain::ticket::Ticket> list_by_customer(
        const std::string& customer_id, const domain::PageRequest& page) override;

private:
    /// One page, of every row (customer == nullptr) or of one customer's.
    [[nodiscard]] domain::Page<domain::ticket::Ticket> page_where(const std::string* customer,
                                                                  const domain::PageRequest& page);
    struct Row {
        std::int64_t id = 0, booking_id = 0, qty = 0, lease_until = 0, created_at = 0,
                     updated_at = 0;
        std::string customer_id, movie_name, seat, status;
        soci::indicator lease_ind = soci::i_null;
    };
    void bind(const domain::ticket::Ticket& t);
    [[nodiscard]] static domain::ticket::Ticket to_ticket(const Row& r);

    Database& db_;
    Row row_;
    std::int64_t key_ = 0;
    long long inserted_key_ = 0;  ///< INSERT … RETURNING's output
    soci::statement insert_;
    soci::statement update_;
    soci::statement by_id_;
    soci::statement by_booking_;
};

}  // namespace mb::adapters::persistence
