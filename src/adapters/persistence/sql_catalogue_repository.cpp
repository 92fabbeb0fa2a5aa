#include "adapters/persistence/sql_catalogue_repository.hpp"

#include "domain/common/seats.hpp"

namespace mb::adapters::persistence {

using domain::booking::Movie;
using domain::booking::Screen;
using domain::booking::Screening;

Migration catalogue_migration(std::int64_t version) {
    return {version,
            "catalogue and seat inventory",
            {"CREATE TABLE movies (id {key}, title TEXT NOT NULL, "
             "runtime_minutes BIGINT NOT NULL, rating TEXT NOT NULL)",
             "CREATE INDEX movies_title ON movies(title)",
             "CREATE TABLE screens (id {key}, name TEXT NOT NULL, "
             "rows_count BIGINT NOT NULL, seats_per_row BIGINT NOT NULL, blocked TEXT NOT NULL, "
             "gaps TEXT NOT NULL)",
             "CREATE INDEX screens_name ON screens(name)",
             "CREATE TABLE screenings (id {key}, "
             "movie_id BIGINT NOT NULL REFERENCES movies(id), "
             "screen_id BIGINT NOT NULL REFERENCES screens(id), starts_at BIGINT NOT NULL, "
             "price BIGINT NOT NULL, seat_version BIGINT NOT NULL DEFAULT 0)",
             "CREATE INDEX screenings_next ON screenings(movie_id, starts_at)",
             // "No seat sold twice" is this primary key, on every replica (MISSION.md).
             "CREATE TABLE seat_reservations (screening_id BIGINT NOT NULL, seat TEXT NOT NULL, "
             "booking_id BIGINT NOT NULL, state TEXT NOT NULL, "
             "PRIMARY KEY (screening_id, seat)){without_rowid}",
             "CREATE INDEX seat_reservations_booking ON seat_reservations(booking_id)",
             "ALTER TABLE bookings ADD COLUMN screening_id BIGINT NOT NULL DEFAULT 0"}};
}

namespace {

std::vector<std::string> split_list(const std::string& text) {
    if (text.empty())
        return {};
    return domain::split_seats(text);
}

std::vector<std::string> as_vector(const std::set<std::string>& s) {
    return {s.begin(), s.end()};
}

constexpr const char* kScreeningColumns = "id, movie_id, screen_id, starts_at, price";

}  // namespace

SqlCatalogueRepository::SqlCatalogueRepository(Database& db)
    : db_(db),
      movie_by_id_((db.session().prepare
                        << "SELECT id, title, runtime_minutes, rating FROM movies WHERE id = :a",
                    soci::into(movie_row_.id), soci::into(movie_row_.title),
                    soci::into(movie_row_.runtime_minutes), soci::into(movie_row_.rating),
                    soci::use(key_))),
      movie_by_title_((db.session().prepare
                           << (db.dialect() == Dialect::kSqlite
                                   ? "SELECT id, title, runtime_minutes, rating FROM movies "
                                     "WHERE title = :t COLLATE NOCASE ORDER BY id LIMIT 1"
                                   // the index of migration 7 on PostgreSQL
                                   : "SELECT id, title, runtime_minutes, rating FROM movies "
                                     "WHERE lower(title) = lower(:t) ORDER BY id LIMIT 1"),
                       soci::into(movie_row_.id), soci::into(movie_row_.title),
                       soci::into(movie_row_.runtime_minutes), soci::into(movie_row_.rating),
                       soci::use(text_))),
      screen_by_id_((db.session().prepare << "SELECT id, name, rows_count, seats_per_row, "
                                             "blocked, gaps FROM screens WHERE id = :a",
                     soci::into(screen_id_), soci::into(screen_name_), soci::into(rows_),
                     soci::into(per_row_), soci::into(blocked_), soci::into(gaps_),
                     soci::use(key_))),
      screening_by_id_((db.session().prepare << "SELECT " << kScreeningColumns
                                             << " FROM screenings WHERE id = :a",
                        soci::into(screening_id_), soci::into(screening_movie_),
                        soci::into(screening_screen_), soci::into(starts_), soci::into(price_),
                        soci::use(key_))),
      next_screening_(
          (db.session().prepare << "SELECT " << kScreeningColumns
                                << " FROM screenings WHERE movie_id = :a AND starts_at > :b "
                                   "ORDER BY starts_at, id LIMIT 1",
           soci::into(screening_id_), soci::into(screening_movie_), soci::into(screening_screen_),
           soci::into(starts_), soci::into(price_), soci::use(key_), soci::use(key2_))) {}

void SqlCatalogueRepository::invalidate() {
    movies_.clear();
    screens_.clear();
    screenings_.clear();
    // A write of the open transaction is not committed yet: cache nothing until it is (or
    // until a later commit, after a rollback took it away).
    if (db_.in_transaction()) {
        uncommitted_write_ = true;
        write_commit_mark_ = db_.commits();
    }
}

bool SqlCatalogueRepository::may_cache() {
    if (uncommitted_write_ && db_.commits() != write_commit_mark_)
        uncommitted_write_ = false;
    return !uncommitted_write_;
}

template <typename Map, typename Value>
void SqlCatalogueRepository::remember(Map& map, std::int64_t id, const Value& value) {
    if (!may_cache())
        return;
    if (map.size() >= kMaxCachedRows)
        map.clear();
    map.insert_or_assign(id, value);
}

std::optional<domain::booking::Screen> SqlCatalogueRepository::screen_row() {
    domain::FieldErrors ignored;
    auto map = domain::booking::SeatMap::create(rows_, per_row_, split_list(blocked_),
                                                split_list(gaps_), ignored);
    if (!map)
        return std::nullopt;
    return Screen{screen_id_, screen_name_, std::move(*map)};
}

std::optional<Screening> SqlCatalogueRepository::screening_row(soci::statement& st) {
    const bool found = st.execute(true);
    db_.finish(st);
    if (!found)
        return std::nullopt;
    return Screening{screening_id_, screening_movie_, screening_screen_, from_epoch_ms(starts_),
                     price_};
}

void SqlCatalogueRepository::add(Movie& movie) {
    invalidate();
    long long id = 0;
    db_.session()
        << "INSERT INTO movies(title, runtime_minutes, rating) VALUES(:t, :r, :g) RETURNING id",
        soci::use(movie.title), soci::use(movie.runtime_minutes), soci::use(movie.rating),
        soci::into(id);
    movie.id = id;
}

void SqlCatalogueRepository::add(Screen& screen) {
    invalidate();
    const auto rows = screen.seat_map.rows();
    const auto per_row = screen.seat_map.seats_per_row();
    const auto blocked = domain::join_seats(as_vector(screen.seat_map.blocked()));
    const auto gaps = domain::join_seats(as_vector(screen.seat_map.gaps()));
    long long id = 0;
    db_.session() << "INSERT INTO screens(name, rows_count, seats_per_row, blocked, gaps) "
                     "VALUES(:n, :r, :s, :b, :g) RETURNING id",
        soci::use(screen.name), soci::use(rows), soci::use(per_row), soci::use(blocked),
        soci::use(gaps), soci::into(id);
    screen.id = id;
}

void SqlCatalogueRepository::add(Screening& screening) {
    invalidate();
    const auto starts = to_epoch_ms(screening.starts_at);
    long long id = 0;
    db_.session() << "INSERT INTO screenings(movie_id, screen_id, starts_at, price) "
                     "VALUES(:m, :s, :t, :p) RETURNING id",
        soci::use(screening.movie_id), soci::use(screening.screen_id), soci::use(starts),
        soci::use(screening.price), soci::into(id);
    screening.id = id;
}

std::vector<Movie> SqlCatalogueRepository::query_movies(const std::string& tail, std::int64_t a,
                                                           std::int64_t b,
                                                           const std::string* text) {
    std::vector<Movie> out;
    Movie m;
    std::string t = text != nullptr ? *text : std::string();
    soci::statement st(db_.session());
    st.exchange(soci::into(m.id));
    st.exchange(soci::into(m.title));
    st.exchange(soci::into(m.runtime_minutes));
    st.exchange(soci::into(m.rating));
    if (text != nullptr)
        st.exchange(soci::use(t));
    st.exchange(soci::use(a));
    st.exchange(soci::use(b));
    st.alloc();
    st.prepare("SELECT id, title, runtime_minutes, rating FROM movies " + tail);
    st.define_and_bind();
    st.execute();
    while (st.fetch())
        out.push_back(m);
    return out;
}

std::vector<Screen> SqlCatalogueRepository::query_screens(const std::string& tail,
                                                             std::int64_t a, std::int64_t b,
                                                             const std::string* text) {
    std::vector<Screen> out;
    std::int64_t id = 0, rows = 0, per_row = 0;
    std::string name, blocked, gaps;
    std::string t = text != nullptr ? *text : std::string();
    soci::statement st(db_.session());
    st.exchange(soci::into(id));
    st.exchange(soci::into(name));
    st.exchange(soci::into(rows));
    st.exchange(soci::into(per_row));
    st.exchange(soci::into(blocked));
    st.exchange(soci::into(gaps));
    if (text != nullptr)
        st.exchange(soci::use(t));
    st.exchange(soci::use(a));
    st.exchange(soci::use(b));
    st.alloc();
    st.prepare("SELECT id, name, rows_count, seats_per_row, blocked, gaps FROM screens " + tail);
    st.define_and_bind();
    st.execute();
    while (st.fetch()) {
        domain::FieldErrors ignored;
        auto map = domain::booking::SeatMap::create(rows, per_row, split_list(blocked),
                                                    split_list(gaps), ignored);
        if (map)
            out.push_back(Screen{id, name, std::move(*map)});
    }
    return out;
}

std::vector<Screening> SqlCatalogueRepository::query_screenings(const std::string& tail,
                                                                   std::int64_t a, std::int64_t b,
                                                                   std::int64_t c) {
    std::vector<Screening> out;
    std::int64_t id = 0, movie = 0, screen = 0, starts = 0, price = 0;
    soci::statement st =
        (db_.session().prepare << "SELECT id, movie_id, screen_id, starts_at, price FROM "
                                  "screenings "
                               << tail,
         soci::into(id), soci::into(movie), soci::into(screen), soci::into(starts),
         soci::into(price), soci::use(a), soci::use(b), soci::use(c));
    st.execute();
    while (st.fetch())
        out.push_back(Screening{id, movie, screen, from_epoch_ms(starts), price});
    return out;
}

std::optional<Movie> SqlCatalogueRepository::movie(std::int64_t id) {
    if (auto it = movies_.find(id); it != movies_.end() && may_cache())
        return it->second;
    key_ = id;
    const bool found = movie_by_id_.execute(true);
    db_.finish(movie_by_id_);
    if (!found)
        return std::nullopt;
    remember(movies_, id, movie_row_);
    return movie_row_;
}

std::optional<Movie> SqlCatalogueRepository::movie_by_title(const std::string& title) {
    // Case-insensitive (ASCII): the seed's "soul" finds a movie registered as "Soul".
    text_ = title;
    const bool found = movie_by_title_.execute(true);
    db_.finish(movie_by_title_);
    if (!found)
        return std::nullopt;
    return movie_row_;
}

std::optional<Screen> SqlCatalogueRepository::screen(std::int64_t id) {
    if (auto it = screens_.find(id); it != screens_.end() && may_cache())
        return it->second;
    key_ = id;
    const bool found = screen_by_id_.execute(true);
    db_.finish(screen_by_id_);
    if (!found)
        return std::nullopt;
    auto screen = screen_row();
    if (screen)
        remember(screens_, id, *screen);
    return screen;
}

std::optional<Screen> SqlCatalogueRepository::screen_by_name(const std::string& name) {
    auto v =
        query_screens("WHERE name = :t AND :a = 0 AND :b = 0 ORDER BY id LIMIT 1", 0, 0, &name);
    if (v.empty())
        return std::nullopt;
    return std::move(v.front());
}

std::optional<Screening> SqlCatalogueRepository::screening(std::int64_t id) {
    if (auto it = screenings_.find(id); it != screenings_.end() && may_cache())
        return it->second;
    key_ = id;
    auto screening = screening_row(screening_by_id_);
    if (screening)
        remember(screenings_, id, *screening);
    return screening;
}

std::optional<Screening> SqlCatalogueRepository::screening_at(std::int64_t movie_id,
                                                                 std::int64_t screen_id,
                                                                 domain::TimePoint starts_at) {
    auto v = query_screenings(
        "WHERE movie_id = :a AND screen_id = :b AND starts_at = :c ORDER BY id LIMIT 1", movie_id,
        screen_id, to_epoch_ms(starts_at));
    if (v.empty())
        return std::nullopt;
    return v.front();
}

std::optional<Screening> SqlCatalogueRepository::next_screening(std::int64_t movie_id,
                                                                   domain::TimePoint after) {
    key_ = movie_id;
    key2_ = to_epoch_ms(after);
    return screening_row(next_screening_);
}

domain::Page<Movie> SqlCatalogueRepository::movies(const domain::PageRequest& page) {
    domain::Page<Movie> out;
    out.items = query_movies("ORDER BY id LIMIT :a OFFSET :b", page.size, page.offset(), nullptr);
    db_.session() << "SELECT COUNT(*) FROM movies", soci::into(out.total);
    return out;
}

domain::Page<Screen> SqlCatalogueRepository::screens(const domain::PageRequest& page) {
    domain::Page<Screen> out;
    out.items = query_screens("ORDER BY id LIMIT :a OFFSET :b", page.size, page.offset(), nullptr);
    db_.session() << "SELECT COUNT(*) FROM screens", soci::into(out.total);
    return out;
}

domain::Page<Screening> SqlCatalogueRepository::screenings(const domain::PageRequest& page) {
    domain::Page<Screening> out;
    // Placeholders bind by position: a (limit), b (offset), c (unused, must be 0). Cast:
    // PostgreSQL cannot type a bare `:b + :c`.
    out.items = query_screenings(
        "WHERE id > 0 ORDER BY id LIMIT :a OFFSET CAST(:b AS BIGINT) + CAST(:c AS BIGINT)",
        page.size, page.offset(), 0);
    db_.session() << "SELECT COUNT(*) FROM screenings", soci::into(out.total);
    return out;
}

SqliteSeatInventory::SqliteSeatInventory(Database& db)
    : db_(db),
      insert_((db.session().prepare
                   << "INSERT INTO seat_reservations(screening_id, seat, booking_id, "
                      "state) VALUES(:s, :seat, :b, 'held') ON CONFLICT DO NOTHING",
               soci::use(screening_id_), soci::use(seat_), soci::use(booking_id_))),
      bump_((db.session().prepare
                 << "UPDATE screenings SET seat_version = seat_version + 1 WHERE id = :s",
             soci::use(screening_id_))),
      bump_for_booking_((db.session().prepare
                             << "UPDATE screenings SET seat_version = seat_version + 1 WHERE id "
                                "IN (SELECT screening_id FROM seat_reservations WHERE "
                                "booking_id = :b)",
                         soci::use(booking_id_))),
      take_((db.session().prepare
                 << "UPDATE seat_reservations SET state = 'booked' WHERE booking_id = :b",
             soci::use(booking_id_))),
      release_((db.session().prepare << "DELETE FROM seat_reservations WHERE booking_id = :b",
                soci::use(booking_id_))) {}

std::optional<std::string> SqliteSeatInventory::hold(std::int64_t screening_id,
                                                     const std::vector<std::string>& seats,
                                                     std::int64_t booking_id) {
    screening_id_ = screening_id;
    booking_id_ = booking_id;
    for (const auto& seat : seats) {
        seat_ = seat;
        insert_.execute(true);
        // The primary key refused the row: another booking holds or booked this seat. The
        // caller's unit of work rolls back the seats held so far.
        if (insert_.get_affected_rows() != 1)
            return seat;
    }
    bump_.execute(true);
    return std::nullopt;
}

void SqliteSeatInventory::take(std::int64_t booking_id) {
    booking_id_ = booking_id;
    take_.execute(true);
    bump_for_booking_.execute(true);
}

void SqliteSeatInventory::release(std::int64_t booking_id) {
    booking_id_ = booking_id;
    bump_for_booking_.execute(true);
    release_.execute(true);
}

std::map<std::string, domain::booking::SeatState> SqliteSeatInventory::states(
    std::int64_t screening_id) {
    std::map<std::string, domain::booking::SeatState> out;
    std::string seat, state;
    soci::statement st =
        (db_.session().prepare
             << "SELECT seat, state FROM seat_reservations WHERE screening_id = :s",
         soci::into(seat), soci::into(state), soci::use(screening_id));
    st.execute();
    while (st.fetch()) {
        out[seat] = state == "booked" ? domain::booking::SeatState::kBooked
                                      : domain::booking::SeatState::kHeld;
    }
    return out;
}

std::int64_t SqliteSeatInventory::version(std::int64_t screening_id) {
    std::int64_t v = 0;
    db_.session() << "SELECT seat_version FROM screenings WHERE id = :s", soci::use(screening_id),
        soci::into(v);
    return v;
}

}  // namespace mb::adapters::persistence
