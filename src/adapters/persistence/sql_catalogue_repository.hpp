#pragma once
// The catalogue (movies, screens, screenings) and the seat inventory on the booking module's
// own SQLite file. The inventory's primary key (screening_id, seat) is what makes "no seat is
// sold twice" hold whatever the concurrency (issue 3). Not thread-safe (booking strand);
// throws soci::soci_error on infrastructure failure.
//
// Every booking reads its screening, screen (seat map) and movie. Catalogue rows are only ever
// inserted (no UPDATE or DELETE: a new price is a new screening), so the repository keeps the
// committed rows it has read by id. A row is only cached once it is known to be committed:
// after an add() inside a transaction, nothing is cached until this connection commits again
// (a rolled-back add may reuse its id). The booking module's connection is the only writer of
// its file (ARCHITECTURE.md, "each module owns its database"). Any future UPDATE of a catalogue
// row must call invalidate().
#include <unordered_map>

#include "adapters/persistence/database.hpp"
#include "domain/booking/catalogue_repository.hpp"

namespace mb::adapters::persistence {

class SqlCatalogueRepository final : public domain::booking::CatalogueRepository {
public:
    explicit SqlCatalogueRepository(Database& db);

    void add(domain::booking::Movie& movie) override;
    void add(domain::booking::Screen& screen) override;
    void add(domain::booking::Screening& screening) override;
    [[nodiscard]] std::optional<domain::booking::Movie> movie(std::int64_t id) override;
    [[nodiscard]] std::optional<domain::booking::Movie> movie_by_title(
        const std::string& title) override;
    [[nodiscard]] std::optional<domain::booking::Screen> screen(std::int64_t id) override;
    [[nodiscard]] std::optional<domain::booking::Screen> screen_by_name(
        const std::string& name) override;
    [[nodiscard]] std::optional<domain::booking::Screening> screening(std::int64_t id) override;
    [[nodiscard]] std::optional<domain::booking::Screening> screening_at(
        std::int64_t movie_id, std::int64_t screen_id, domain::TimePoint starts_at) override;
    [[nodiscard]] std::optional<domain::booking::Screening> next_screening(
        std::int64_t movie_id, domain::TimePoint after) override;
    [[nodiscard]] domain::Page<domain::booking::Movie> movies(
        const domain::PageRequest& page) override;
    [[nodiscard]] domain::Page<domain::booking::Screen> screens(
        const domain::PageRequest& page) override;
    [[nodiscard]] domain::Page<domain::booking::Screening> screenings(
        const domain::PageRequest& page) override;

    /// Forgets every cached row (and caches nothing until the open transaction commits).
    void invalidate();
    /// Rows held by the cache (movies + screens + screenings); for tests.
    [[nodiscard]] std::size_t cached_rows() const noexcept {
        return movies_.size() + screens_.size() + screenings_.size();
    }
    /// At most this many rows of each kind are cached; beyond, the kind's cache starts over.
    static constexpr std::size_t kMaxCachedRows = 50'000;

private:
    [[nodiscard]] bool may_cache();
    template <typename Map, typename Value>
    void remember(Map& map, std::int64_t id, const Value& value);

    std::vector<domain::booking::Movie> query_movies(const std::string& tail, std::int64_t a,
                                                     std::int64_t b, const std::string* text);
    std::vector<domain::booking::Screen> query_screens(const std::string& tail, std::int64_t a,
                                                       std::int64_t b, const std::string* text);
    std::vector<domain::booking::Screening> query_screenings(const std::string& tail,
                                                             std::int64_t a, std::int64_t b,
                                                             std::int64_t c);
    std::optional<domain::booking::Screen> screen_row();
    std::optional<domain::booking::Screening> screening_row(soci::statement& st);

    Database& db_;
    // The reads of every booking, prepared once (SQLite would compile them again each call).
    std::int64_t key_ = 0, key2_ = 0;
    std::string text_;
    domain::booking::Movie movie_row_;
    std::int64_t screen_id_ = 0, rows_ = 0, per_row_ = 0;
    std::string screen_name_, blocked_, gaps_;
    std::int64_t screening_id_ = 0, screening_movie_ = 0, screening_screen_ = 0, starts_ = 0,
                 price_ = 0;
    soci::statement movie_by_id_;
    soci::statement movie_by_title_;
    soci::statement screen_by_id_;
    soci::statement screening_by_id_;
    soci::statement next_screening_;

    std::unordered_map<std::int64_t, domain::booking::Movie> movies_;
    std::unordered_map<std::int64_t, domain::booking::Screen> screens_;
    std::unordered_map<std::int64_t, domain::booking::Screening> screenings_;
    bool uncommitted_write_ = false;       ///< an add() whose transaction has not committed yet
    std::uint64_t write_commit_mark_ = 0;  ///< db_.commits() at that add()
};

class SqliteSeatInventory final : public domain::booking::SeatInventory {
public:
    explicit SqliteSeatInventory(Database& db);

    [[nodiscard]] std::optional<std::string> hold(std::int64_t screening_id,
                                                  const std::vector<std::string>& seats,
                                                  std::int64_t booking_id) override;
    void take(std::int64_t booking_id) override;
    void release(std::int64_t booking_id) override;
    [[nodiscard]] std::map<std::string, domain::booking::SeatState> states(
        std::int64_t screening_id) override;
    [[nodiscard]] std::int64_t version(std::int64_t screening_id) override;

private:
    Database& db_;
    std::int64_t screening_id_ = 0, booking_id_ = 0;
    std::string seat_;
    soci::statement insert_;
    soci::statement bump_;
    soci::statement bump_for_booking_;
    soci::statement take_;
    soci::statement release_;
};

/// The catalogue and inventory tables (booking module migration 5).
[[nodiscard]] Migration catalogue_migration(std::int64_t version);

}  // namespace mb::adapters::persistence
