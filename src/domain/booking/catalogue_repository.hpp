#pragma once
// Driven ports of the catalogue and the seat inventory, inside the booking module's unit of
// work. Not thread-safe (booking strand); implementations throw on infrastructure failure.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/booking/catalogue.hpp"
#include "domain/common/page.hpp"

namespace mb::domain::booking {

class CatalogueRepository {
public:
    virtual ~CatalogueRepository() = default;
    virtual void add(Movie& movie) = 0;
    virtual void add(Screen& screen) = 0;
    virtual void add(Screening& screening) = 0;
    [[nodiscard]] virtual std::optional<Movie> movie(std::int64_t id) = 0;
    /// The first movie (lowest id) with that title, compared case-insensitively (ASCII).
    [[nodiscard]] virtual std::optional<Movie> movie_by_title(const std::string& title) = 0;
    [[nodiscard]] virtual std::optional<Screen> screen(std::int64_t id) = 0;
    [[nodiscard]] virtual std::optional<Screen> screen_by_name(const std::string& name) = 0;
    [[nodiscard]] virtual std::optional<Screening> screening(std::int64_t id) = 0;
    /// The same movie on the same screen at the same time (idempotent demo data).
    [[nodiscard]] virtual std::optional<Screening> screening_at(std::int64_t movie_id,
                                                                std::int64_t screen_id,
                                                                TimePoint starts_at) = 0;
    /// The movie's earliest screening starting after `after`.
    [[nodiscard]] virtual std::optional<Screening> next_screening(std::int64_t movie_id,
                                                                  TimePoint after) = 0;
    [[nodiscard]] virtual Page<Movie> movies(const PageRequest& page) = 0;
    [[nodiscard]] virtual Page<Screen> screens(const PageRequest& page) = 0;
    [[nodiscard]] virtual Page<Screening> screenings(const PageRequest& page) = 0;
};

enum class SeatState { kHeld, kBooked };

/// The seats sold or being sold per screening. "No seat is sold twice" is a database rule of
/// the implementation (a unique key on screening x seat), not only a check.
class SeatInventory {
public:
    virtual ~SeatInventory() = default;
    /// Holds the seats for a Pending booking. Returns the first seat that is already held or
    /// booked, or nullopt on success. On a refusal the seats held before it are NOT undone
    /// here: the caller's unit of work must roll back (BookingService::place returns an error,
    /// which rolls its savepoint back).
    [[nodiscard]] virtual std::optional<std::string> hold(std::int64_t screening_id,
                                                          const std::vector<std::string>& seats,
                                                          std::int64_t booking_id) = 0;
    /// The booking's held seats become booked (payment approved).
    virtual void take(std::int64_t booking_id) = 0;
    /// The booking's seats become available again (payment failed, booking cancelled).
    virtual void release(std::int64_t booking_id) = 0;
    /// Seat -> state of every held or booked seat of a screening.
    [[nodiscard]] virtual std::map<std::string, SeatState> states(std::int64_t screening_id) = 0;
    /// Changes so far to a screening's seats (for ETags); increases on every hold/take/release.
    [[nodiscard]] virtual std::int64_t version(std::int64_t screening_id) = 0;
};

}  // namespace mb::domain::booking
