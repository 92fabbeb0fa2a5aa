#pragma once
// The catalogue of the booking context (issue "Movies, screenings and seat inventory"):
// movies, screens with their seat maps, and screenings of a movie on a screen at a time for a
// price per seat. It lives in booking because booking owns the consistency boundary of a sale
// (no seat sold twice). Value types; not thread-safe.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "domain/common/clock.hpp"
#include "domain/common/validation.hpp"

namespace mb::domain::booking {

inline constexpr std::size_t kMaxTitleLength = 200;
inline constexpr std::int64_t kMaxRows = 26;  ///< rows are lettered A..Z
inline constexpr std::int64_t kMaxSeatsPerRow = 50;

struct Movie {
    std::int64_t id = 0;
    std::string title;
    std::int64_t runtime_minutes = 0;
    std::string rating;  ///< "ALL", "12", "15", "18" (Korean film ratings)
};

/// title 1..200 characters, runtimeMinutes 1..1000, rating one of ALL/12/15/18.
[[nodiscard]] FieldErrors validate(const Movie& movie);

/// The seats of a screen: `rows` rows lettered from A, `seats_per_row` seats numbered from 1;
/// `gaps` are positions without a seat, `blocked` seats exist but are never sold.
class SeatMap {
public:
    /// Validates and builds a seat map. Errors name the wire fields rows, seatsPerRow, blocked,
    /// gaps (labels outside the grid, a label both blocked and a gap).
    [[nodiscard]] static std::optional<SeatMap> create(std::int64_t rows,
                                                       std::int64_t seats_per_row,
                                                       const std::vector<std::string>& blocked,
                                                       const std::vector<std::string>& gaps,
                                                       FieldErrors& errors);

    /// The canonical label of a seat ("A1") from "A1", "a1" or the seed's "1A"; nullopt when
    /// the text is no seat label at all. Says nothing about whether the seat exists.
    [[nodiscard]] static std::optional<std::string> canonical(std::string_view label);

    /// Whether the canonical label is a seat of this map (inside the grid, not a gap).
    [[nodiscard]] bool exists(const std::string& label) const;
    [[nodiscard]] bool is_blocked(const std::string& label) const {
        return blocked_.contains(label);
    }
    /// Every seat (gaps excluded), row by row.
    [[nodiscard]] std::vector<std::string> seats() const;
    [[nodiscard]] std::int64_t capacity() const;  ///< sellable seats

    [[nodiscard]] std::int64_t rows() const noexcept { return rows_; }
    [[nodiscard]] std::int64_t seats_per_row() const noexcept { return seats_per_row_; }
    [[nodiscard]] const std::set<std::string>& blocked() const noexcept { return blocked_; }
    [[nodiscard]] const std::set<std::string>& gaps() const noexcept { return gaps_; }

private:
    SeatMap() = default;
    std::int64_t rows_ = 0;
    std::int64_t seats_per_row_ = 0;
    std::set<std::string> blocked_;
    std::set<std::string> gaps_;
};

struct Screen {
    std::int64_t id = 0;
    std::string name;  ///< 1..100 characters
    SeatMap seat_map;
};

struct Screening {
    std::int64_t id = 0;
    std::int64_t movie_id = 0;
    std::int64_t screen_id = 0;
    TimePoint starts_at{};
    std::int64_t price = 0;  ///< KRW per seat
};

/// The screening's seats a customer asked for, checked against its screen (MISSION.md;
/// issue 3): labels canonical, no duplicates, every seat exists and is not blocked.
struct SeatSelection {
    std::vector<std::string> seats;  ///< canonical, in request order
};

/// Checks a seat request against a screen. `field` is the wire name reported in errors.
/// Unknown or malformed labels and duplicates are field errors (400); blocked seats are
/// reported separately in `blocked_out` (409: they exist but are not for sale).
[[nodiscard]] std::optional<SeatSelection> select_seats(const SeatMap& map,
                                                        const std::vector<std::string>& requested,
                                                        std::string_view field, FieldErrors& errors,
                                                        std::vector<std::string>& blocked_out);

/// ISO-8601 UTC "YYYY-MM-DDTHH:MM:SSZ" <-> time point (second precision). parse_utc refuses
/// what a TimePoint (64-bit nanoseconds) cannot hold: before 1677-09-21T00:12:44Z or after
/// 2262-04-11T23:47:16Z.
[[nodiscard]] std::optional<TimePoint> parse_utc(std::string_view text);
[[nodiscard]] std::string format_utc(TimePoint t);

}  // namespace mb::domain::booking
