#include "adapters/persistence/sql_booking_repository.hpp"

#include "adapters/persistence/dead_letter_store.hpp"
#include "adapters/persistence/outbox_store.hpp"
#include "adapters/persistence/sql_catalogue_repository.hpp"
#include "adapters/persistence/unreadable_row.hpp"

namespace mb::adapters::persistence {

using domain::booking::Booking;
using domain::booking::BookingRequest;

namespace {
constexpr const char* kColumns =
    "id, customer_id, movie_name, seat, qty, total_price, status, payment_id, cancel_requested, "
    "created_at, updated_at, screening_id";
}

std::vector<Migration> booking_migrations() {
    return {{1,
             "bookings",
             {"CREATE TABLE bookings (id {key}, "
              "customer_id TEXT NOT NULL, movie_name TEXT NOT NULL, seat TEXT NOT NULL, "
              "qty BIGINT NOT NULL, total_price BIGINT NOT NULL, status TEXT NOT NULL, "
              "payment_id BIGINT NOT NULL DEFAULT 0, created_at BIGINT NOT NULL, "
              "updated_at BIGINT NOT NULL)",
              "CREATE INDEX bookings_pending ON bookings(id) WHERE status = 'Pending'"}},
            outbox_and_inbox_migration(2),
            {3,
             "cancel intent",
             {"ALTER TABLE bookings ADD COLUMN cancel_requested BIGINT NOT NULL DEFAULT 0",
              "CREATE INDEX bookings_cancel_requested ON bookings(id) WHERE cancel_requested = 1"}},
            inbox_retention_migration(4),
            catalogue_migration(5),
            dead_letter_migration(6),
            // Titles are matched case-insensitively on every legacy POST /books: the index
            // must use the same collation, or each booking scans the movies table.
            // PostgreSQL has no NOCASE collation: an index on lower(title), which the title
            // lookup uses there (SqlCatalogueRepository).
            {7,
             "case-insensitive title index",
             {"DROP INDEX movies_title",
              "CREATE INDEX movies_title_nocase ON movies(title COLLATE NOCASE)"},
             std::vector<std::string>{"DROP INDEX movies_title",
                                      "CREATE INDEX movies_title_lower ON movies(lower(title))"}},
            // Collections are filtered to the caller (issue 9).
            {8, "customer index", {"CREATE INDEX bookings_customer ON bookings(customer_id, id)"}},
            outbox_request_id_migration(9),
            // Which process wrote a booking (issue 12): replicas share this table on
            // PostgreSQL, and recovery must not settle another replica's live saga.
            {10,
             "booking writer",
             {"ALTER TABLE bookings ADD COLUMN instance TEXT NOT NULL DEFAULT ''",
              "ALTER TABLE bookings ADD COLUMN run TEXT NOT NULL DEFAULT ''"}},
            outbox_claims_migration(11)};
}

SqlBookingRepository::SqlBookingRepository(Database& db, ProcessIdentity writer)
    : db_(db),
      writer_(std::move(writer)),
      insert_((db.session().prepare
                   << "INSERT INTO bookings(customer_id, movie_name, seat, qty, total_price, "
                      "status, payment_id, created_at, updated_at, screening_id, instance, run) "
                      "VALUES(:c, :m, :s, :q, :p, :st, :pay, :ca, :ua, :sc, :i, :r) RETURNING id",
               soci::into(inserted_key_), soci::use(row_.customer_id), soci::use(row_.movie_name),
               soci::use(row_.seat), soci::use(row_.qty), soci::use(row_.total_price),
               soci::use(row_.status), soci::use(row_.payment_id), soci::use(row_.created_at),
               soci::use(row_.updated_at), soci::use(row_.screening_id),
               soci::use(writer_.instance), soci::use(writer_.run))),
      // Every write stamps its writer: recovery reads "last touched by" (pending()).
      update_((db.session().prepare << "UPDATE bookings SET status = :st, payment_id = :pay, "
                                       "cancel_requested = :cr, updated_at = :ua, instance = :i, "
                                       "run = :r WHERE id = :id",
               soci::use(row_.status), soci::use(row_.payment_id), soci::use(row_.cancel_requested),
               soci::use(row_.updated_at), soci::use(writer_.instance), soci::use(writer_.run),
               soci::use(row_.id))),
      delete_((db.session().prepare << "DELETE FROM bookings WHERE id = :id", soci::use(row_.id))),
      select_((db.session().prepare << "SELECT " << kColumns << " FROM bookings WHERE id = :id"
                                       << db.row_lock(),
               soci::into(row_.id), soci::into(row_.customer_id), soci::into(row_.movie_name),
               soci::into(row_.seat), soci::into(row_.qty), soci::into(row_.total_price),
               soci::into(row_.status), soci::into(row_.payment_id),
               soci::into(row_.cancel_requested), soci::into(row_.created_at),
               soci::into(row_.updated_at), soci::into(row_.screening_id), soci::use(row_.id))) {}

void SqlBookingRepository::bind(const Booking& b) {
    const auto& d = b.details();
    row_.id = b.id();
    row_.customer_id = d.customer_id;
    row_.movie_name = d.movie_name;
    row_.seat = d.seat;
    row_.qty = d.qty;
    row_.total_price = d.total_price;
    row_.status = std::string(to_string(b.status()));
    row_.payment_id = b.payment_id();
    row_.cancel_requested = b.cancel_requested() ? 1 : 0;
    row_.screening_id = d.screening_id;
    row_.created_at = to_epoch_ms(b.created_at());
    row_.updated_at = to_epoch_ms(b.updated_at());
}

Booking SqlBookingRepository::restore(const Row& r) {
    return Booking::restore(r.id,
                            BookingRequest{r.customer_id, r.movie_name, r.seat, r.qty,
                                           r.total_price, r.screening_id, true},
                            required(domain::booking::booking_status_from(r.status), "bookings",
                                     r.id, "status", r.status),
                            r.payment_id, r.cancel_requested != 0, from_epoch_ms(r.created_at),
                            from_epoch_ms(r.updated_at));
}

void SqlBookingRepository::add(Booking& booking) {
    bind(booking);
    const auto id = db_.insert_returning(insert_, inserted_key_);
    booking.assign_id(id);
}

void SqlBookingRepository::update(const Booking& booking) {
    bind(booking);
    update_.execute(true);
}

void SqlBookingRepository::remove(std::int64_t id) {
    row_.id = id;
    delete_.execute(true);
}

std::optional<Booking> SqlBookingRepository::find(std::int64_t id) {
    row_.id = id;
    const bool found = select_.execute(true);
    db_.finish(select_);
    if (!found)
        return std::nullopt;
    return restore(row_);
}

std::vector<Booking> SqlBookingRepository::query(const std::string& tail, std::int64_t a,
                                                    std::int64_t b) {
    std::vector<Booking> out;
    Row r;
    soci::statement st =
        (db_.session().prepare << "SELECT " << kColumns << " FROM bookings " << tail,
         soci::into(r.id), soci::into(r.customer_id), soci::into(r.movie_name), soci::into(r.seat),
         soci::into(r.qty), soci::into(r.total_price), soci::into(r.status),
         soci::into(r.payment_id), soci::into(r.cancel_requested), soci::into(r.created_at),
         soci::into(r.updated_at), soci::into(r.screening_id), soci::use(a), soci::use(b));
    st.execute();
    while (st.fetch())
        out.push_back(restore(r));
    return out;
}

domain::Page<Booking> SqlBookingRepository::list(const domain::PageRequest& page) {
    domain::Page<Booking> out;
    out.items = query("WHERE status <> 'Pending' ORDER BY id LIMIT :lim OFFSET :off", page.size,
                      page.offset());
    db_.session() << "SELECT COUNT(*) FROM bookings WHERE status <> 'Pending'",
        soci::into(out.total);
    return out;
}

domain::Page<Booking> SqlBookingRepository::list_by_customer(const std::string& customer_id,
                                                                const domain::PageRequest& page) {
    domain::Page<Booking> out;
    Row r;
    std::string customer = customer_id;
    auto limit = page.size;
    auto offset = page.offset();
    soci::statement st =
        (db_.session().prepare << "SELECT " << kColumns
                               << " FROM bookings WHERE customer_id = :c AND status <> 'Pending' "
                                  "ORDER BY id LIMIT :lim OFFSET :off",
         soci::into(r.id), soci::into(r.customer_id), soci::into(r.movie_name), soci::into(r.seat),
         soci::into(r.qty), soci::into(r.total_price), soci::into(r.status),
         soci::into(r.payment_id), soci::into(r.cancel_requested), soci::into(r.created_at),
         soci::into(r.updated_at), soci::into(r.screening_id), soci::use(customer),
         soci::use(limit), soci::use(offset));
    st.execute();
    while (st.fetch())
        out.items.push_back(restore(r));
    db_.session() << "SELECT COUNT(*) FROM bookings WHERE customer_id = :c AND status <> 'Pending'",
        soci::use(customer), soci::into(out.total);
    return out;
}

std::vector<Booking> SqlBookingRepository::pending(domain::TimePoint changed_before,
                                                  std::int64_t limit) {
    return settle_query("status = 'Pending'", changed_before, limit);
}

std::vector<Booking> SqlBookingRepository::cancel_requested(domain::TimePoint changed_before,
                                                               std::int64_t limit) {
    return settle_query("cancel_requested = 1", changed_before, limit);
}

std::vector<Booking> SqlBookingRepository::settle_query(const char* condition,
                                                        domain::TimePoint changed_before,
                                                        std::int64_t limit) {
    std::vector<Booking> out;
    Row r;
    auto cutoff = to_epoch_ms(changed_before);
    auto lim = limit;
    soci::statement st =
        (db_.session().prepare
             << "SELECT " << kColumns << " FROM bookings WHERE " << condition
             << " AND (updated_at <= :a OR (instance = :i AND run <> :r)) ORDER BY id LIMIT :b",
         soci::into(r.id), soci::into(r.customer_id), soci::into(r.movie_name), soci::into(r.seat),
         soci::into(r.qty), soci::into(r.total_price), soci::into(r.status),
         soci::into(r.payment_id), soci::into(r.cancel_requested), soci::into(r.created_at),
         soci::into(r.updated_at), soci::into(r.screening_id), soci::use(cutoff),
         soci::use(writer_.instance), soci::use(writer_.run), soci::use(lim));
    st.execute();
    while (st.fetch())
        out.push_back(restore(r));
    return out;
}

}  // namespace mb::adapters::persistence
