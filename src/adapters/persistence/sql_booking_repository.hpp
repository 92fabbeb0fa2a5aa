#pragma once
// SqlBookingRepository: BookingRepository on the booking module's own SQLite file.
// Hot statements are prepared once. Not thread-safe (booking strand). Throws soci::soci_error.
#include <vector>

#include "adapters/persistence/database.hpp"
#include "domain/booking/booking_repository.hpp"

namespace mb::adapters::persistence {

/// The booking module's schema, version by version.
[[nodiscard]] std::vector<Migration> booking_migrations();

class SqlBookingRepository final : public domain::booking::BookingRepository {
public:
    explicit SqlBookingRepository(Database& db);

    void add(domain::booking::Booking& booking) override;
    void update(const domain::booking::Booking& booking) override;
    void remove(std::int64_t id) override;
    [[nodiscard]] std::optional<domain::booking::Booking> find(std::int64_t id) override;
    [[nodiscard]] domain::Page<domain::booking::Booking> list(
        const domain::PageRequest& page) override;
    [[nodiscard]] domain::Page<domain::booking::Booking> list_by_customer(
        const std::string& customer_id, const domain::PageRequest& page) override;
    [[nodiscard]] std::vector<domain::booking::Booking> pending(domain::TimePoint changed_before,
                                                                std::int64_t limit) override;
    [[nodiscard]] std::vector<domain::booking::Booking> cancel_requested(
        domain::TimePoint changed_before, std::int64_t limit) override;

private:
    struct Row {
        std::int64_t id = 0;
        std::string customer_id, movie_name, seat, status;
        std::int64_t qty = 0, total_price = 0, payment_id = 0, cancel_requested = 0, created_at = 0,
                     updated_at = 0, screening_id = 0;
    };
    void bind(const domain::booking::Booking& b);
    [[nodiscard]] static domain::booking::Booking restore(const Row& r);
    std::vector<domain::booking::Booking> query(const std::string& where_order_limit,
                                                std::int64_t a, std::int64_t b);

    Database& db_;
    Row row_;
    long long inserted_key_ = 0;  ///< INSERT … RETURNING's output
    soci::statement insert_;
    soci::statement update_;
    soci::statement delete_;
    soci::statement select_;
};

}  // namespace mb::adapters::persistence
