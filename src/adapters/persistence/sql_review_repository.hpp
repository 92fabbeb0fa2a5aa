#pragma once
// SqlReviewRepository: ReviewRepository on the review module's own SQLite file; one review
// per booking (UNIQUE booking_id). Not thread-safe (review strand). Throws soci::soci_error.
#include <vector>

#include "adapters/persistence/database.hpp"
#include "domain/review/review_repository.hpp"

namespace mb::adapters::persistence {

[[nodiscard]] std::vector<Migration> review_migrations();

class SqlReviewRepository final : public domain::review::ReviewRepository {
public:
    explicit SqlReviewRepository(Database& db);

    void add(domain::review::Review& review) override;
    void update(const domain::review::Review& review) override;
    [[nodiscard]] std::optional<domain::review::Review> find(std::int64_t id) override;
    [[nodiscard]] std::optional<domain::review::Review> find_by_booking(
        std::int64_t booking_id) override;
    [[nodiscard]] domain::Page<domain::review::Review> list(
        const domain::PageRequest& page) override;
    [[nodiscard]] domain::Page<domain::review::Review> list_by_customer(
        const std::string& customer_id, const domain::PageRequest& page) override;

private:
    /// One page, of every row (customer == nullptr) or of one customer's.
    [[nodiscard]] domain::Page<domain::review::Review> page_where(const std::string* customer,
                                                                  const domain::PageRequest& page);
    struct Row {
        std::int64_t id = 0, booking_id = 0, score = 0, created_at = 0, updated_at = 0;
        soci::indicator score_ind = soci::i_null;
        std::string customer_id, contents, weather, status;
    };
    void bind(const domain::review::Review& r);
    [[nodiscard]] static domain::review::Review to_review(const Row& r);

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
