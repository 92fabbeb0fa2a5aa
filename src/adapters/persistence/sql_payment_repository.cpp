#include "adapters/persistence/sql_payment_repository.hpp"

#include "adapters/persistence/dead_letter_store.hpp"
#include "adapters/persistence/outbox_store.hpp"
#include "adapters/persistence/sql_paging.hpp"
#include "adapters/persistence/unreadable_row.hpp"

namespace mb::adapters::persistence {

using domain::payment::Payment;

namespace {
// `authorization` is a reserved word in PostgreSQL: always quoted (SQLite accepts the quotes).
constexpr const char* kColumns =
    "id, booking_id, customer_id, amount, \"authorization\", status, created_at, updated_at";
}

std::vector<Migration> payment_migrations() {
    return {{1,
             "payments",
             {"CREATE TABLE payments (id {key}, "
              "booking_id BIGINT NOT NULL UNIQUE, customer_id TEXT NOT NULL, "
              "amount BIGINT NOT NULL, \"authorization\" TEXT NOT NULL, status TEXT NOT NULL, "
              "created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)"}},
            outbox_and_inbox_migration(2),
            inbox_retention_migration(3),
            dead_letter_migration(4),
            // Collections are filtered to the caller (issue 9).
            {5, "customer index", {"CREATE INDEX payments_customer ON payments(customer_id, id)"}},
            outbox_request_id_migration(6),
            outbox_claims_migration(7)};
}

SqlPaymentRepository::SqlPaymentRepository(Database& db)
    : db_(db),
      insert_((db.session().prepare
                   << "INSERT INTO payments(booking_id, customer_id, amount, \"authorization\", "
                      "status, created_at, updated_at) VALUES(:b, :c, :a, :au, :s, :ca, :ua) "
                      "RETURNING id",
               soci::into(inserted_key_), soci::use(row_.booking_id), soci::use(row_.customer_id),
               soci::use(row_.amount), soci::use(row_.authorization), soci::use(row_.status),
               soci::use(row_.created_at), soci::use(row_.updated_at))),
      update_((db.session().prepare
                   << "UPDATE payments SET status = :s, updated_at = :ua WHERE id = :id",
               soci::use(row_.status), soci::use(row_.updated_at), soci::use(row_.id))),
      by_id_((db.session().prepare << "SELECT " << kColumns << " FROM payments WHERE id = :k" << db.row_lock(),
              soci::into(row_.id), soci::into(row_.booking_id), soci::into(row_.customer_id),
              soci::into(row_.amount), soci::into(row_.authorization), soci::into(row_.status),
              soci::into(row_.created_at), soci::into(row_.updated_at), soci::use(key_))),
      by_booking_(
          (db.session().prepare << "SELECT " << kColumns << " FROM payments WHERE booking_id = :k"
                                << db.row_lock(),
           soci::into(row_.id), soci::into(row_.booking_id), soci::into(row_.customer_id),
           soci::into(row_.amount), soci::into(row_.authorization), soci::into(row_.status),
           soci::into(row_.created_at), soci::into(row_.updated_at), soci::use(key_))) {}

void SqlPaymentRepository::bind(const Payment& p) {
    row_.id = p.id();
    row_.booking_id = p.booking_id();
    row_.customer_id = p.customer_id();
    row_.amount = p.amount();
    row_.authorization = p.authorization();
    row_.status = std::string(to_string(p.status()));
    row_.created_at = to_epoch_ms(p.created_at());
    row_.updated_at = to_epoch_ms(p.updated_at());
}

Payment SqlPaymentRepository::to_payment(const Row& r) {
    return Payment::restore(r.id, r.booking_id, r.customer_id, r.amount, r.authorization,
                            required(domain::payment::payment_status_from(r.status), "payments",
                                     r.id, "status", r.status),
                            from_epoch_ms(r.created_at), from_epoch_ms(r.updated_at));
}

void SqlPaymentRepository::add(Payment& payment) {
    bind(payment);
    const auto id = db_.insert_returning(insert_, inserted_key_);
    payment.assign_id(id);
}

void SqlPaymentRepository::update(const Payment& payment) {
    bind(payment);
    update_.execute(true);
}

std::optional<Payment> SqlPaymentRepository::find(std::int64_t id) {
    key_ = id;
    const bool found = by_id_.execute(true);
    db_.finish(by_id_);
    if (!found)
        return std::nullopt;
    return to_payment(row_);
}

std::optional<Payment> SqlPaymentRepository::find_by_booking(std::int64_t booking_id) {
    key_ = booking_id;
    const bool found = by_booking_.execute(true);
    db_.finish(by_booking_);
    if (!found)
        return std::nullopt;
    return to_payment(row_);
}

domain::Page<Payment> SqlPaymentRepository::list(const domain::PageRequest& page) {
    return page_where(nullptr, page);
}

domain::Page<Payment> SqlPaymentRepository::list_by_customer(const std::string& customer_id,
                                                                const domain::PageRequest& page) {
    return page_where(&customer_id, page);
}

domain::Page<Payment> SqlPaymentRepository::page_where(const std::string* customer,
                                                          const domain::PageRequest& page) {
    auto bind = [](soci::statement& st, Row& r) {
        st.exchange(soci::into(r.id));
        st.exchange(soci::into(r.booking_id));
        st.exchange(soci::into(r.customer_id));
        st.exchange(soci::into(r.amount));
        st.exchange(soci::into(r.authorization));
        st.exchange(soci::into(r.status));
        st.exchange(soci::into(r.created_at));
        st.exchange(soci::into(r.updated_at));
    };
    return page_by_customer<Payment, Row>(db_.session(), "payments", kColumns, customer, page, bind,
                                          to_payment);
}

}  // namespace mb::adapters::persistence
