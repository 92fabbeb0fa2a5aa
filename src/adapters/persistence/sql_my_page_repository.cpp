#include "adapters/persistence/sql_my_page_repository.hpp"

#include "adapters/persistence/dead_letter_store.hpp"
#include "adapters/persistence/outbox_store.hpp"

namespace mb::adapters::persistence {

using domain::mypage::MyPage;
using Row = SqlMyPageRepository::Row;

namespace {

constexpr const char* kColumns =
    "id, booking_id, booked, customer_id, movie_name, seat, qty, total_price, booking_status, "
    "payment_id, payment_status, ticket_id, ticket_status, review_id, review_status, score, "
    "contents, updated_at, screening_id, screening_starts_at";

template <class Stmt>
void into_all(Stmt& st, Row& r) {
    st.exchange(soci::into(r.id));
    st.exchange(soci::into(r.booking_id));
    st.exchange(soci::into(r.booked));
    st.exchange(soci::into(r.customer_id));
    st.exchange(soci::into(r.movie_name));
    st.exchange(soci::into(r.seat));
    st.exchange(soci::into(r.qty));
    st.exchange(soci::into(r.total_price));
    st.exchange(soci::into(r.booking_status));
    st.exchange(soci::into(r.payment_id));
    st.exchange(soci::into(r.payment_status));
    st.exchange(soci::into(r.ticket_id));
    st.exchange(soci::into(r.ticket_status));
    st.exchange(soci::into(r.review_id));
    st.exchange(soci::into(r.review_status));
    st.exchange(soci::into(r.score, r.score_ind));
    st.exchange(soci::into(r.contents));
    st.exchange(soci::into(r.updated_at));
    st.exchange(soci::into(r.screening_id));
    st.exchange(soci::into(r.screening_starts_at));
}

MyPage to_row(const Row& r) {
    MyPage::State s;
    s.id = r.id;
    s.booking_id = r.booking_id;
    s.booked = r.booked != 0;
    s.facts = {r.customer_id,  r.movie_name,         r.seat, r.qty, r.total_price,
               r.screening_id, r.screening_starts_at};
    s.booking_status = r.booking_status;
    s.payment_id = r.payment_id;
    s.payment_status = r.payment_status;
    s.ticket_id = r.ticket_id;
    s.ticket_status = r.ticket_status;
    s.review_id = r.review_id;
    s.review_status = r.review_status;
    if (r.score_ind == soci::i_ok)
        s.score = r.score;
    s.contents = r.contents;
    return MyPage::restore(std::move(s));
}

soci::statement prepare_select(Database& db, const char* where, Row& r, std::int64_t& key) {
    soci::statement st(db.session());
    into_all(st, r);
    st.exchange(soci::use(key));
    st.alloc();
    st.prepare(std::string("SELECT ") + kColumns + " FROM mypages WHERE " + where + db.row_lock());
    st.define_and_bind();
    return st;
}

}  // namespace

std::vector<Migration> mypage_migrations() {
    return {{1,
             "mypages",
             {"CREATE TABLE mypages (id {key}, "
              "booking_id BIGINT NOT NULL UNIQUE, booked BIGINT NOT NULL, "
              "customer_id TEXT NOT NULL, movie_name TEXT NOT NULL, seat TEXT NOT NULL, "
              "qty BIGINT NOT NULL, total_price BIGINT NOT NULL, booking_status TEXT NOT NULL, "
              "payment_id BIGINT NOT NULL, payment_status TEXT NOT NULL, "
              "ticket_id BIGINT NOT NULL, ticket_status TEXT NOT NULL, "
              "review_id BIGINT NOT NULL, review_status TEXT NOT NULL, score BIGINT, "
              "contents TEXT NOT NULL, updated_at BIGINT NOT NULL)",
              "CREATE INDEX mypages_customer ON mypages(customer_id, id)"}},
            outbox_and_inbox_migration(2),
            inbox_retention_migration(3),
            {4,
             "screening of a booking",
             {"ALTER TABLE mypages ADD COLUMN screening_id BIGINT NOT NULL DEFAULT 0",
              "ALTER TABLE mypages ADD COLUMN screening_starts_at TEXT NOT NULL DEFAULT ''"}},
            dead_letter_migration(5),
            outbox_request_id_migration(6),
            outbox_claims_migration(7)};
}

SqlMyPageRepository::SqlMyPageRepository(Database& db)
    : db_(db),
      insert_((db.session().prepare
                   << "INSERT INTO mypages(booking_id, booked, customer_id, movie_name, seat, "
                      "qty, total_price, booking_status, payment_id, payment_status, "
                      "ticket_id, ticket_status, review_id, review_status, score, contents, "
                      "updated_at, screening_id, screening_starts_at) VALUES(:b, :bk, :c, :m, "
                      ":s, :q, :p, :bs, :pi, :ps, :ti, :ts, :ri, :rs, :sc, :co, :ua, :si, :sa) "
                      "RETURNING id",
               soci::into(inserted_key_), soci::use(row_.booking_id), soci::use(row_.booked),
               soci::use(row_.customer_id), soci::use(row_.movie_name), soci::use(row_.seat),
               soci::use(row_.qty), soci::use(row_.total_price), soci::use(row_.booking_status),
               soci::use(row_.payment_id), soci::use(row_.payment_status),
               soci::use(row_.ticket_id), soci::use(row_.ticket_status), soci::use(row_.review_id),
               soci::use(row_.review_status), soci::use(row_.score, row_.score_ind),
               soci::use(row_.contents), soci::use(row_.updated_at), soci::use(row_.screening_id),
               soci::use(row_.screening_starts_at))),
      update_((db.session().prepare
                   << "UPDATE mypages SET booked = :bk, customer_id = :c, movie_name = :m, "
                      "seat = :s, qty = :q, total_price = :p, booking_status = :bs, "
                      "payment_id = :pi, payment_status = :ps, ticket_id = :ti, "
                      "ticket_status = :ts, review_id = :ri, review_status = :rs, "
                      "score = :sc, contents = :co, updated_at = :ua, screening_id = :si, "
                      "screening_starts_at = :sa WHERE id = :id",
               soci::use(row_.booked), soci::use(row_.customer_id), soci::use(row_.movie_name),
               soci::use(row_.seat), soci::use(row_.qty), soci::use(row_.total_price),
               soci::use(row_.booking_status), soci::use(row_.payment_id),
               soci::use(row_.payment_status), soci::use(row_.ticket_id),
               soci::use(row_.ticket_status), soci::use(row_.review_id),
               soci::use(row_.review_status), soci::use(row_.score, row_.score_ind),
               soci::use(row_.contents), soci::use(row_.updated_at), soci::use(row_.screening_id),
               soci::use(row_.screening_starts_at), soci::use(row_.id))),
      by_id_(prepare_select(db, "id = :k", row_, key_)),
      by_booking_(prepare_select(db, "booking_id = :k", row_, key_)) {}

void SqlMyPageRepository::bind(const MyPage& p) {
    const auto s = p.state();
    row_.id = s.id;
    row_.booking_id = s.booking_id;
    row_.booked = s.booked ? 1 : 0;
    row_.customer_id = s.facts.customer_id;
    row_.movie_name = s.facts.movie_name;
    row_.seat = s.facts.seat;
    row_.qty = s.facts.qty;
    row_.total_price = s.facts.total_price;
    row_.screening_id = s.facts.screening_id;
    row_.screening_starts_at = s.facts.screening_starts_at;
    row_.booking_status = s.booking_status;
    row_.payment_id = s.payment_id;
    row_.payment_status = s.payment_status;
    row_.ticket_id = s.ticket_id;
    row_.ticket_status = s.ticket_status;
    row_.review_id = s.review_id;
    row_.review_status = s.review_status;
    row_.score = s.score.value_or(0);
    row_.score_ind = s.score ? soci::i_ok : soci::i_null;
    row_.contents = s.contents;
    row_.updated_at = to_epoch_ms(std::chrono::system_clock::now());
}

void SqlMyPageRepository::save(MyPage& row) {
    bind(row);
    if (row.id() == 0) {
        const auto id = db_.insert_returning(insert_, inserted_key_);
        row.assign_id(id);
    } else {
        update_.execute(true);
    }
}

std::optional<MyPage> SqlMyPageRepository::find(std::int64_t id) {
    key_ = id;
    const bool found = by_id_.execute(true);
    db_.finish(by_id_);
    if (!found)
        return std::nullopt;
    return to_row(row_);
}

std::optional<MyPage> SqlMyPageRepository::find_by_booking(std::int64_t booking_id) {
    key_ = booking_id;
    const bool found = by_booking_.execute(true);
    db_.finish(by_booking_);
    if (!found)
        return std::nullopt;
    return to_row(row_);
}

domain::Page<MyPage> SqlMyPageRepository::query(const std::string& where,
                                                   const std::string* customer,
                                                   const domain::PageRequest& page) {
    domain::Page<MyPage> out;
    Row r;
    std::int64_t limit = page.size;
    std::int64_t offset = page.offset();
    std::string customer_id = customer != nullptr ? *customer : std::string();
    soci::statement st(db_.session());
    into_all(st, r);
    if (customer != nullptr)
        st.exchange(soci::use(customer_id));
    st.exchange(soci::use(limit));
    st.exchange(soci::use(offset));
    st.alloc();
    st.prepare(std::string("SELECT ") + kColumns + " FROM mypages WHERE " + where +
               " ORDER BY id LIMIT :l OFFSET :o");
    st.define_and_bind();
    st.execute();
    while (st.fetch())
        out.items.push_back(to_row(r));
    if (customer != nullptr) {
        db_.session() << "SELECT COUNT(*) FROM mypages WHERE " << where, soci::use(customer_id),
            soci::into(out.total);
    } else {
        db_.session() << "SELECT COUNT(*) FROM mypages WHERE " << where, soci::into(out.total);
    }
    return out;
}

domain::Page<MyPage> SqlMyPageRepository::list(const domain::PageRequest& page) {
    return query("booked = 1", nullptr, page);
}

domain::Page<MyPage> SqlMyPageRepository::list_by_customer(const std::string& customer_id,
                                                              const domain::PageRequest& page) {
    return query("booked = 1 AND customer_id = :c", &customer_id, page);
}

}  // namespace mb::adapters::persistence
