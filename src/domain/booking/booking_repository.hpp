#pragma once
// Driven port: where bookings are kept. Implementations run inside the booking module's unit of
// work (one transaction per batch, a savepoint per use case) and throw on infrastructure
// failure; not thread-safe (the module's strand serialises calls).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "domain/booking/booking.hpp"
#include "domain/common/page.hpp"

namespace mb::domain::booking {

class BookingRepository {
public:
    virtual ~BookingRepository() = default;
    /// Stores a new booking and assigns its id (ids start at 1, increase, never reused).
    virtual void add(Booking& booking) = 0;
    virtual void update(const Booking& booking) = 0;
    /// Deletes a booking that never became visible (its payment failed). MISSION.md,
    /// invariant 1: a failed booking leaves no booking.
    virtual void remove(std::int64_t id) = 0;
    [[nodiscard]] virtual std::optional<Booking> find(std::int64_t id) = 0;
    /// Visible bookings (every status but Pending), by id ascending.
    [[nodiscard]] virtual Page<Booking> list(const PageRequest& page) = 0;
    /// Visible bookings of one customer (`customer_id` exact), by id ascending (issue 9: collections are
    /// filtered to the caller).
    [[nodiscard]] virtual Page<Booking> list_by_customer(const std::string& customer_id,
                                                    const PageRequest& page) = 0;
    /// Bookings left Pending (a crash interrupted their saga) whose last change is not newer
    /// than `changed_before`, oldest first, at most `limit`.
    [[nodiscard]] virtual std::vector<Booking> pending(TimePoint changed_before,
                                                       std::int64_t limit) = 0;
    /// Bookings with a recorded cancel intent not newer than `changed_before`, oldest first.
    [[nodiscard]] virtual std::vector<Booking> cancel_requested(TimePoint changed_before,
                                                                std::int64_t limit) = 0;
};

}  // namespace mb::domain::booking
