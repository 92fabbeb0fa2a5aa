#include "adapters/persistence/sql_ticket_repository.hpp"

#include "adapters/persistence/dead_letter_store.hpp"
#include "adapters/persistence/outbox_store.hpp"
#include "adapters/persistence/sql_paging.hpp"
#include "adapters/persistence/unreadable_row.hpp"

namespace mb::adapters::persistence {

using domain::ticket::Ticket;
using domain::ticket::TicketDetails;

namespace {
constexpr const char* kColumns =
    "id, booking_id, customer_id, movie_name, seat, qty, status, print_lease_until, "
    "created_at, updated_at";
}

std::vector<Migration> ticket_migrations() {
    return {{1,
             "tickets",
             {"CREATE TABLE tickets (id {key}, "
              "booking_id BIGINT NOT NULL UNIQUE, customer_id TEXT NOT NULL, "
              "movie_name TEXT NOT NULL, seat TEXT NOT NULL, qty BIGINT NOT NULL, "
              "status TEXT NOT NULL, print_lease_until BIGINT, created_at BIGINT NOT NULL, "
              "updated_at BIGINT NOT NULL)"}},
            outbox_and_inbox_migration(2),
            inbox_retention_migration(3),
            dead_letter_migration(4),
            // Collections are filtered to the caller (issue 9).
            {5, "customer index", {"CREATE INDEX tickets_customer ON tickets(customer_id, id)"}},
            outbox_request_id_migration(6),
            outbox_claims_migration(7)};
}

SqlTicketRepository::SqlTicketRepository(Database& db)
    : db_(db),
      insert_((db.session().prepare
                   << "INSERT INTO tickets(booking_id, customer_id, movie_name, seat, qty, "
                      "status, print_lease_until, created_at, updated_at) "
                      "VALUES(:b, :c, :m, :s, :q, :st, :l, :ca, :ua) RETURNING id",
               soci::into(inserted_key_), soci::use(row_.booking_id), soci::use(row_.customer_id),
               soci::use(row_.movie_name), soci::use(row_.seat), soci::use(row_.qty),
               soci::use(row_.status), soci::use(row_.lease_until, row_.lease_ind),
               soci::use(row_.created_at), soci::use(row_.updated_at))),
      update_((db.session().prepare
                   << "UPDATE tickets SET customer_id = :c, movie_name = :m, seat = :s, "
                      "qty = :q, status = :st, print_lease_until = :l, updated_at = :ua "
                      "WHERE id = :id",
               soci::use(row_.customer_id), soci::use(row_.movie_name), soci::use(row_.seat),
               soci::use(row_.qty), soci::use(row_.status),
               soci::use(row_.lease_until, row_.lease_ind), soci::use(row_.updated_at),
               soci::use(row_.id))),
      by_id_((db.session().prepare << "SELECT " << kColumns << " FROM tickets WHERE id = :k" << db.row_lock(),
              soci::into(row_.id), soci::into(row_.booking_id), soci::into(row_.customer_id),
              soci::into(row_.movie_name), soci::into(row_.seat), soci::into(row_.qty),
              soci::into(row_.status), soci::into(row_.lease_until, row_.lease_ind),
              soci::into(row_.created_at), soci::into(row_.updated_at), soci::use(key_))),
      by_booking_(
          (db.session().prepare << "SELECT " << kColumns << " FROM tickets WHERE booking_id = :k"
                                << db.row_lock(),
           soci::into(row_.id), soci::into(row_.booking_id), soci::into(row_.customer_id),
           soci::into(row_.movie_name), soci::into(row_.seat), soci::into(row_.qty),
           soci::into(row_.status), soci::into(row_.lease_until, row_.lease_ind),
           soci::into(row_.created_at), soci::into(row_.updated_at), soci::use(key_))) {}

void SqlTicketRepository::bind(const Ticket& t) {
    const auto& d = t.details();
    row_.id = t.id();
    row_.booking_id = d.booking_id;
    row_.customer_id = d.customer_id;
    row_.movie_name = d.movie_name;
    row_.seat = d.seat;
    row_.qty = d.qty;
    row_.status = std::string(to_string(t.status()));
    if (auto lease = t.print_lease_until()) {
        row_.lease_until = to_epoch_ms(*lease);
        row_.lease_ind = soci::i_ok;
    } else {
        row_.lease_until = 0;
        row_.lease_ind = soci::i_null;
    }
    row_.created_at = to_epoch_ms(t.created_at());
    row_.updated_at = to_epoch_ms(t.updated_at());
}

Ticket SqlTicketRepository::to_ticket(const Row& r) {
    std::optional<domain::TimePoint> lease;
    if (r.lease_ind == soci::i_ok)
        lease = from_epoch_ms(r.lease_until);
    return Ticket::restore(
        r.id, TicketDetails{r.booking_id, r.customer_id, r.movie_name, r.seat, r.qty},
        required(domain::ticket::ticket_status_from(r.status), "tickets", r.id, "status", r.status),
        lease, from_epoch_ms(r.created_at), from_epoch_ms(r.updated_at));
}

void SqlTicketRepository::add(Ticket& ticket) {
    bind(ticket);
    const auto id = db_.insert_returning(insert_, inserted_key_);
    ticket.assign_id(id);
}

void SqlTicketRepository::update(const Ticket& ticket) {
    bind(ticket);
    update_.execute(true);
}

std::optional<Ticket> SqlTicketRepository::find(std::int64_t id) {
    key_ = id;
    const bool found = by_id_.execute(true);
    db_.finish(by_id_);
    if (!found)
        return std::nullopt;
    return to_ticket(row_);
}

std::optional<Ticket> SqlTicketRepository::find_by_booking(std::int64_t booking_id) {
    key_ = booking_id;
    const bool found = by_booking_.execute(true);
    db_.finish(by_booking_);
    if (!found)
        return std::nullopt;
    return to_ticket(row_);
}

domain::Page<Ticket> SqlTicketRepository::list(const domain::PageRequest& page) {
    return page_where(nullptr, page);
}

domain::Page<Ticket> SqlTicketRepository::list_by_customer(const std::string& customer_id,
                                                              const domain::PageRequest& page) {
    return page_where(&customer_id, page);
}

domain::Page<Ticket> SqlTicketRepository::page_where(const std::string* customer,
                                                        const domain::PageRequest& page) {
    auto bind = [](soci::statement& st, Row& r) {
        st.exchange(soci::into(r.id));
        st.exchange(soci::into(r.booking_id));
        st.exchange(soci::into(r.customer_id));
        st.exchange(soci::into(r.movie_name));
        st.exchange(soci::into(r.seat));
        st.exchange(soci::into(r.qty));
        st.exchange(soci::into(r.status));
        st.exchange(soci::into(r.lease_until, r.lease_ind));
        st.exchange(soci::into(r.created_at));
        st.exchange(soci::into(r.updated_at));
    };
    return page_by_customer<Ticket, Row>(db_.session(), "tickets", kColumns, customer, page, bind,
                                         to_ticket);
}

}  // namespace mb::adapters::persistence
