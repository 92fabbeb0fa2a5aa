#pragma once
// SqlPaymentRepository: PaymentRepository on the payment module's own SQLite file. The
// UNIQUE booking_id column makes "one payment per booking" a database rule, not only a check.
// Not thread-safe (payment strand). Throws soci::soci_error.
#include <vector>

#include "adapters/persistence/database.hpp"
#include "domain/payment/payment_repository.hpp"

namespace mb::adapters::persistence {

[[nodiscard]] std::vector<Migration> payment_migrations();

class SqlPaymentRepository final : public domain::payment::PaymentRepository {
public:
    explicit SqlPaymentRepository(Database& db);

    void add(domain::payment::Payment& payment) override;
    void update(const domain::payment::Payment& payment) override;
    [[nodiscard]] std::optional<domain::payment::Payment> find(std::int64_t id) override;
    [[nodiscard]] std::optional<domain::payment::Payment> find_by_booking(
        std::int64_t booking_id) override;
    [[nodiscard]] domain::Page<domain::payment::Payment> list(
        const domain::PageRequest& page) override;
    [[nodiscard]] domain::Page<domain::payment::Payment> list_by_customer(
        const std::string& customer_id, const domain::PageRequest& page) override;

private:
    /// One page, of every row (customer == nullptr) or of one customer's.
    [[nodiscard]] domain::Page<domain::payment::Payment> page_where(
        const std::string* customer, const domain::PageRequest& page);
    struct Row {
        std::int64_t id = 0, booking_id = 0, amount = 0, created_at = 0, updated_at = 0;
        std::string customer_id, authorization, status;
    };
    void bind(const domain::payment::Payment& p);
    [[nodiscard]] static domain::payment::Payment to_payment(const Row& r);

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
