#pragma once
// InMemoryTicketRepository: TicketRepository in a std::map; one ticket per booking, enforced
// like the SQLite UNIQUE column (throws). Not thread-safe.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <stdexcept>
#include <vector>

#include "domain/ticket/ticket_repository.hpp"
#include "fakes/paging.hpp"

namespace mb::test {

class InMemoryTicketRepository final : public domain::ticket::TicketRepository {
public:
    void add(domain::ticket::Ticket& ticket) override {
        if (find_by_booking(ticket.booking_id())) {
            throw std::logic_error("UNIQUE constraint failed: tickets.booking_id");
        }
        ticket.assign_id(++last_id_);
        rows_.insert_or_assign(ticket.id(), ticket);
        ++writes_;
    }
    void update(const domain::ticket::Ticket& ticket) override {
        auto it = rows_.find(ticket.id());
        if (it == rows_.end())
            throw std::logic_error("update of an unknown ticket");
        it->second = ticket;
        ++writes_;
    }
    [[nodiscard]] std::optional<domain::ticket::Ticket> find(std::int64_t id) override {
        auto it = rows_.find(id);
        if (it == rows_.end())
            return std::nullopt;
        return it->second;
    }
    [[nodiscard]] std::optional<domain::ticket::Ticket> find_by_booking(
        std::int64_t booking_id) override {
        for (const auto& [id, t] : rows_) {
            if (t.booking_id() == booking_id)
                return t;
        }
        return std::nullopt;
    }
    [[nodiscard]] domain::Page<domain::ticket::Ticket> list(
        const domain::PageRequest& page) override {
        std::vector<domain::ticket::Ticket> all;
        for (const auto& [id, t] : rows_)
            all.push_back(t);
        return page_of(all, page);
    }
    [[nodiscard]] domain::Page<domain::ticket::Ticket> list_by_customer(
        const std::string& customer_id, const domain::PageRequest& page) override {
        std::vector<domain::ticket::Ticket> mine;
        for (const auto& [id, t] : rows_) {
            if (t.details().customer_id == customer_id)
                mine.push_back(t);
        }
        return page_of(mine, page);
    }

    [[nodiscard]] std::size_t size() const noexcept { return rows_.size(); }
    [[nodiscard]] std::size_t writes() const noexcept { return writes_; }

private:
    std::map<std::int64_t, domain::ticket::Ticket> rows_;
    std::int64_t last_id_ = 0;
    std::size_t writes_ = 0;
};

}  // namespace mb::test
