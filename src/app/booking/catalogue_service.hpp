#pragma once
// Catalogue use cases of the booking context: an administrator registers movies, screens
// (seat maps) and screenings; customers read them and the seat map of a screening. Runs inside
// the booking module's unit of work; not thread-safe (booking strand).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/booking/catalogue.hpp"
#include "domain/booking/catalogue_repository.hpp"
#include "domain/booking/errors.hpp"
#include "domain/booking/access.hpp"
#include "domain/common/clock.hpp"
#include "domain/common/principal.hpp"
#include "domain/common/result.hpp"

namespace mb::app::booking {

/// A screening with what its pages show.
struct ScreeningView {
    domain::booking::Screening screening;
    std::string movie_title;
    std::string screen_name;
};

enum class SeatStatus { kAvailable, kHeld, kBooked, kBlocked };
[[nodiscard]] const char* to_string(SeatStatus s) noexcept;

/// The seat map of one screening at one moment: every seat of its screen (gaps excluded) with
/// its status, and the inventory version the ETag is made of.
struct SeatMapView {
    std::int64_t screening_id = 0;
    std::int64_t version = 0;
    std::vector<std::pair<std::string, SeatStatus>> seats;
};

class CatalogueService {
public:
    CatalogueService(domain::booking::CatalogueRepository& catalogue,
                     domain::booking::SeatInventory& inventory, const domain::Clock& clock);

    /// Registration is for admins (domain::booking::may_change_catalogue). Errors: kAdminOnly
    /// (403), kInvalidCatalogue (errors filled with wire field names).
    domain::Result<domain::booking::Movie> add_movie(const domain::Principal& caller,
                                                     domain::booking::Movie movie,
                                                     domain::FieldErrors& errors);
    domain::Result<domain::booking::Screen> add_screen(const domain::Principal& caller,
                                                       std::string name, std::int64_t rows,
                                                       std::int64_t seats_per_row,
                                                       const std::vector<std::string>& blocked,
                                                       const std::vector<std::string>& gaps,
                                                       domain::FieldErrors& errors);
    /// movieId and screenId must exist; price >= 0 KRW. A screening in the past may be
    /// registered (it can never be booked).
    domain::Result<ScreeningView> add_screening(const domain::Principal& caller,
                                                std::int64_t movie_id, std::int64_t screen_id,
                                                domain::TimePoint starts_at, std::int64_t price,
                                                domain::FieldErrors& errors);

    std::optional<domain::booking::Movie> movie(std::int64_t id);
    std::optional<domain::booking::Screen> screen(std::int64_t id);
    std::optional<ScreeningView> screening(std::int64_t id);
    domain::Page<domain::booking::Movie> movies(const domain::PageRequest& page);
    domain::Page<domain::booking::Screen> screens(const domain::PageRequest& page);
    domain::Page<ScreeningView> screenings(const domain::PageRequest& page);
    /// Errors: kCatalogueNotFound.
    domain::Result<SeatMapView> seat_map(std::int64_t screening_id);
    /// The inventory version of a screening, for a cheap If-None-Match check.
    std::int64_t seat_map_version(std::int64_t screening_id);
    /// The held and booked seats of a screening, by label (every other seat of its screen is
    /// available or blocked): what changes between two versions, read without the screen. An
    /// unknown screening has none.
    std::map<std::string, SeatStatus> taken_seats(std::int64_t screening_id);

    /// Loads the demo catalogue (--demo-data) if missing: a few movies including the seed's
    /// "soul" (5,000 KRW a seat, so the seed's 2 seats for 10,000 match), two screens, and
    /// screenings over the next days. Idempotent by title, screen name and start time.
    /// Returns how many entries it added.
    std::int64_t load_demo_data();

private:
    ScreeningView view(const domain::booking::Screening& s);

    domain::booking::CatalogueRepository& catalogue_;
    domain::booking::SeatInventory& inventory_;
    const domain::Clock& clock_;
};

}  // namespace mb::app::booking
