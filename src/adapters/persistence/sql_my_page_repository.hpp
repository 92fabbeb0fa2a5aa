#pragma once
// SqlMyPageRepository: MyPageRepository on the mypage module's own SQLite file — the read
// model's only store. Not thread-safe (mypage strand). Throws soci::soci_error.
#include <vector>

#include "adapters/persistence/database.hpp"
#include "domain/mypage/my_page_repository.hpp"

namespace mb::adapters::persistence {

[[nodiscard]] std::vector<Migration> mypage_migrations();

class SqlMyPageRepository final : public domain::mypage::MyPageRepository {
public:
    explicit SqlMyPageRepository(Database& db);

    void save(domain::mypage::MyPage& row) override;
    [[nodiscard]] std::optional<domain::mypage::MyPage> find(std::int64_t id) override;
    [[nodiscard]] std::optional<domain::mypage::MyPage> find_by_booking(
        std::int64_t booking_id) override;
    [[nodiscard]] domain::Page<domain::mypage::MyPage> list(
        const domain::PageRequest& page) override;
    [[nodiscard]] domain::Page<domain::mypage::MyPage> list_by_customer(
        const std::string& customer_id, const domain::PageRequest& page) override;

    struct Row {
        std::int64_t id = 0, booking_id = 0, booked = 0, qty = 0, total_price = 0, payment_id = 0,
                     ticket_id = 0, review_id = 0, score = 0, updated_at = 0, screening_id = 0;
        soci::indicator score_ind = soci::i_null;
        std::string customer_id, movie_name, seat, booking_status, payment_status, ticket_status,
            review_status, contents, screening_starts_at;
    };

private:
    void bind(const domain::mypage::MyPage& p);
    domain::Page<domain::mypage::MyPage> query(const std::string& where,
                                               const std::string* customer,
                                               const domain::PageRequest& page);

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
