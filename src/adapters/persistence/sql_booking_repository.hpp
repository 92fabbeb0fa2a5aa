#pragma once
// SqlBookingRepository: BookingRepository on the booking module's own database (SQLite file or
// PostgreSQL schema). Hot statements are prepared once. Not thread-safe (booking strand).
// Throws soci::soci_error.
#include <vector>

#include "adapters/persistence/database.hpp"
#include "adapters/persistence/process_identity.hpp"
#include "domain/booking/booking_repository.hpp"

namespace mb::adapters::persistence {

/// The booking module's schema, version by version.
[[nodiscard]] std::vector<Migration> booking_migrations();

class SqlBookingRepository final : public domain::booking::BookingRepository {
public:
    /// `writer` is stamped on every booking added, so that pending() can tell the bookings of
    /// an earlier run of this instance (a crash: settle them now) from another replica's live
    /// sagas (settle only past the safe age). Default: one anonymous run.
    explicit SqlBookingRepository(Database& db, ProcessIdentity writer = {});

    void add(domain::booking::Booking& booking) override;
    void update(const domain::booking::Booking& booking) override;
    void remove(std::int64_t id) override;
    [[nodiscard]] std::optional<domain::booking::Booking> find(std::int64_t id) override;
    [[nodiscard]] domain::Page<domain::booking::Booking> list(
        const domain::PageRequest& page) override;
    [[nodiscard]] domain::Page<domain::booking::Booking> list_by_customer(
        const std::string& customer_id, const domain::PageRequest& page) override;
    /// Pending bookings last changed at or before `changed_before`, and those last written by an
    /// earlier run of this instance (whatever their age): that process is gone. The same rule
    /// for cancel_requested().
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
    std::vector<domain::booking::Booking> settle_query(const char* condition,
                                                       domain::TimePoint changed_before,
                                                       std::int64_t limit);
    std::vector<domain::booking::Booking> query(const std::string& where_order_limit,
                                                std::int64_t a, std::int64_t b);

    Database& db_;
    ProcessIdentity writer_;
    Row row_;
    long long inserted_key_ = 0;  ///< INSERT … RETURNING's output
    soci::statement insert_;
    soci::statement update_;
    soci::statement delete_;
    soci::statement select_;
};

}  // namespace mb::adapters::persistence
