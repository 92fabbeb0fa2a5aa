#include "adapters/persistence/sql_review_repository.hpp"

#include "adapters/persistence/dead_letter_store.hpp"
#include "adapters/persistence/outbox_store.hpp"
#include "adapters/persistence/sql_paging.hpp"
#include "adapters/persistence/unreadable_row.hpp"

namespace mb::adapters::persistence {

using domain::review::Review;

namespace {
constexpr const char* kColumns =
    "id, booking_id, customer_id, score, contents, weather, status, created_at, updated_at";
}

std::vector<Migration> review_migrations() {
    return {{1,
             "reviews",
             {"CREATE TABLE reviews (id {key}, "
              "booking_id BIGINT NOT NULL UNIQUE, score BIGINT, contents TEXT NOT NULL, "
              "weather TEXT NOT NULL, status TEXT NOT NULL, created_at BIGINT NOT NULL, "
              "updated_at BIGINT NOT NULL)"}},
            outbox_and_inbox_migration(2),
            inbox_retention_migration(3),
            dead_letter_migration(4),
            // The booking's customer owns the review (issue 9). Reviews opened before carry ""
            // and are visible to admin only.
            {5,
             "review owner",
             {"ALTER TABLE reviews ADD COLUMN customer_id TEXT NOT NULL DEFAULT ''",
              "CREATE INDEX reviews_customer ON reviews(customer_id, id)"}},
            outbox_request_id_migration(6),
            outbox_claims_migration(7)};
}

SqlReviewRepository::SqlReviewRepository(Database& db)
    : db_(db),
      insert_((db.session().prepare
                   << "INSERT INTO reviews(booking_id, customer_id, score, contents, weather, "
                      "status, created_at, updated_at) VALUES(:b, :cu, :s, :c, :w, :st, :ca, :ua) "
                      "RETURNING id",
               soci::into(inserted_key_), soci::use(row_.booking_id), soci::use(row_.customer_id),
               soci::use(row_.score, row_.score_ind), soci::use(row_.contents),
               soci::use(row_.weather), soci::use(row_.status), soci::use(row_.created_at),
               soci::use(row_.updated_at))),
      update_((db.session().prepare << "UPDATE reviews SET score = :s, contents = :c, "
                                       "status = :st, updated_at = :ua WHERE id = :id",
               soci::use(row_.score, row_.score_ind), soci::use(row_.contents),
               soci::use(row_.status), soci::use(row_.updated_at), soci::use(row_.id))),
      by_id_((db.session().prepare << "SELECT " << kColumns << " FROM reviews WHERE id = :k" << db.row_lock(),
              soci::into(row_.id), soci::into(row_.booking_id), soci::into(row_.customer_id),
              soci::into(row_.score, row_.score_ind), soci::into(row_.contents),
              soci::into(row_.weather), soci::into(row_.status), soci::into(row_.created_at),
              soci::into(row_.updated_at), soci::use(key_))),
      by_booking_(
          (db.session().prepare << "SELECT " << kColumns << " FROM reviews WHERE booking_id = :k"
                                << db.row_lock(),
           soci::into(row_.id), soci::into(row_.booking_id), soci::into(row_.customer_id),
           soci::into(row_.score, row_.score_ind), soci::into(row_.contents),
           soci::into(row_.weather), soci::into(row_.status), soci::into(row_.created_at),
           soci::into(row_.updated_at), soci::use(key_))) {}

void SqlReviewRepository::bind(const Review& r) {
    row_.id = r.id();
    row_.booking_id = r.booking_id();
    row_.customer_id = r.customer_id();
    row_.score = r.score().value_or(0);
    row_.score_ind = r.score() ? soci::i_ok : soci::i_null;
    row_.contents = r.contents();
    row_.weather = r.weather();
    row_.status = std::string(to_string(r.status()));
    row_.created_at = to_epoch_ms(r.created_at());
    row_.updated_at = to_epoch_ms(r.updated_at());
}

Review SqlReviewRepository::to_review(const Row& r) {
    std::optional<std::int64_t> score;
    if (r.score_ind == soci::i_ok)
        score = r.score;
    return Review::restore(
        r.id, r.booking_id, r.customer_id, score, r.contents, r.weather,
        required(domain::review::review_status_from(r.status), "reviews", r.id, "status", r.status),
        from_epoch_ms(r.created_at), from_epoch_ms(r.updated_at));
}

void SqlReviewRepository::add(Review& review) {
    bind(review);
    const auto id = db_.insert_returning(insert_, inserted_key_);
    review.assign_id(id);
}

void SqlReviewRepository::update(const Review& review) {
    bind(review);
    update_.execute(true);
}

std::optional<Review> SqlReviewRepository::find(std::int64_t id) {
    key_ = id;
    const bool found = by_id_.execute(true);
    db_.finish(by_id_);
    if (!found)
        return std::nullopt;
    return to_review(row_);
}

std::optional<Review> SqlReviewRepository::find_by_booking(std::int64_t booking_id) {
    key_ = booking_id;
    const bool found = by_booking_.execute(true);
    db_.finish(by_booking_);
    if (!found)
        return std::nullopt;
    return to_review(row_);
}

domain::Page<Review> SqlReviewRepository::list(const domain::PageRequest& page) {
    return page_where(nullptr, page);
}

domain::Page<Review> SqlReviewRepository::list_by_customer(const std::string& customer_id,
                                                              const domain::PageRequest& page) {
    return page_where(&customer_id, page);
}

domain::Page<Review> SqlReviewRepository::page_where(const std::string* customer,
                                                        const domain::PageRequest& page) {
    auto bind = [](soci::statement& st, Row& r) {
        st.exchange(soci::into(r.id));
        st.exchange(soci::into(r.booking_id));
        st.exchange(soci::into(r.customer_id));
        st.exchange(soci::into(r.score, r.score_ind));
        st.exchange(soci::into(r.contents));
        st.exchange(soci::into(r.weather));
        st.exchange(soci::into(r.status));
        st.exchange(soci::into(r.created_at));
        st.exchange(soci::into(r.updated_at));
    };
    return page_by_customer<Review, Row>(db_.session(), "reviews", kColumns, customer, page, bind,
                                         to_review);
}

}  // namespace mb::adapters::persistence
