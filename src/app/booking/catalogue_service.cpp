#include "app/booking/catalogue_service.hpp"

#include <chrono>

#include "domain/common/text.hpp"

namespace mb::app::booking {

using domain::fail;
using domain::Result;
using domain::booking::BookingError;
using domain::booking::Movie;
using domain::booking::Screen;
using domain::booking::Screening;

const char* to_string(SeatStatus s) noexcept {
    switch (s) {
        case SeatStatus::kAvailable:
            return "available";
        case SeatStatus::kHeld:
            return "held";
        case SeatStatus::kBooked:
            return "booked";
        case SeatStatus::kBlocked:
            return "blocked";
    }
    return "unknown";
}

CatalogueService::CatalogueService(domain::booking::CatalogueRepository& catalogue,
                                   domain::booking::SeatInventory& inventory,
                                   const domain::Clock& clock)
    : catalogue_(catalogue), inventory_(inventory), clock_(clock) {}

Result<Movie> CatalogueService::add_movie(const domain::Principal& caller, Movie movie,
                                          domain::FieldErrors& errors) {
    if (!domain::booking::may_change_catalogue(caller))
        return fail(BookingError::kAdminOnly);
    errors = validate(movie);
    if (!errors.empty())
        return fail(BookingError::kInvalidCatalogue);
    catalogue_.add(movie);
    return movie;
}

Result<Screen> CatalogueService::add_screen(const domain::Principal& caller, std::string name,
                                            std::int64_t rows, std::int64_t seats_per_row,
                                            const std::vector<std::string>& blocked,
                                            const std::vector<std::string>& gaps,
                                            domain::FieldErrors& errors) {
    errors.clear();
    if (!domain::booking::may_change_catalogue(caller))
        return fail(BookingError::kAdminOnly);
    const auto length = domain::utf8_length(name);
    if (length == 0 || length > 100)
        errors.push_back({"name", "must be 1 to 100 characters"});
    auto map = domain::booking::SeatMap::create(rows, seats_per_row, blocked, gaps, errors);
    if (!errors.empty() || !map)
        return fail(BookingError::kInvalidCatalogue);
    Screen screen{0, std::move(name), std::move(*map)};
    catalogue_.add(screen);
    return screen;
}

Result<ScreeningView> CatalogueService::add_screening(const domain::Principal& caller,
                                                      std::int64_t movie_id,
                                                      std::int64_t screen_id,
                                                      domain::TimePoint starts_at,
                                                      std::int64_t price,
                                                      domain::FieldErrors& errors) {
    errors.clear();
    if (!domain::booking::may_change_catalogue(caller))
        return fail(BookingError::kAdminOnly);
    if (!catalogue_.movie(movie_id))
        errors.push_back({"movieId", "no movie with that id"});
    if (!catalogue_.screen(screen_id))
        errors.push_back({"screenId", "no screen with that id"});
    if (price < 0)
        errors.push_back({"price", "must not be negative"});
    if (!errors.empty())
        return fail(BookingError::kInvalidCatalogue);
    Screening screening{0, movie_id, screen_id, starts_at, price};
    catalogue_.add(screening);
    return view(screening);
}

ScreeningView CatalogueService::view(const Screening& s) {
    ScreeningView v{s, {}, {}};
    if (auto m = catalogue_.movie(s.movie_id))
        v.movie_title = m->title;
    if (auto sc = catalogue_.screen(s.screen_id))
        v.screen_name = sc->name;
    return v;
}

std::optional<Movie> CatalogueService::movie(std::int64_t id) {
    return catalogue_.movie(id);
}
std::optional<Screen> CatalogueService::screen(std::int64_t id) {
    return catalogue_.screen(id);
}

std::optional<ScreeningView> CatalogueService::screening(std::int64_t id) {
    auto s = catalogue_.screening(id);
    if (!s)
        return std::nullopt;
    return view(*s);
}

domain::Page<Movie> CatalogueService::movies(const domain::PageRequest& page) {
    return catalogue_.movies(page);
}

domain::Page<Screen> CatalogueService::screens(const domain::PageRequest& page) {
    return catalogue_.screens(page);
}

domain::Page<ScreeningView> CatalogueService::screenings(const domain::PageRequest& page) {
    auto raw = catalogue_.screenings(page);
    domain::Page<ScreeningView> out;
    out.total = raw.total;
    for (const auto& s : raw.items)
        out.items.push_back(view(s));
    return out;
}

Result<SeatMapView> CatalogueService::seat_map(std::int64_t screening_id) {
    auto screening = catalogue_.screening(screening_id);
    if (!screening)
        return fail(BookingError::kCatalogueNotFound);
    auto screen = catalogue_.screen(screening->screen_id);
    if (!screen)
        return fail(BookingError::kCatalogueNotFound);
    const auto states = inventory_.states(screening_id);
    SeatMapView view;
    view.screening_id = screening_id;
    view.version = inventory_.version(screening_id);
    for (auto& seat : screen->seat_map.seats()) {
        auto status = SeatStatus::kAvailable;
        if (screen->seat_map.is_blocked(seat)) {
            status = SeatStatus::kBlocked;
        } else if (auto it = states.find(seat); it != states.end()) {
            status = it->second == domain::booking::SeatState::kBooked ? SeatStatus::kBooked
                                                                       : SeatStatus::kHeld;
        }
        view.seats.emplace_back(std::move(seat), status);
    }
    return view;
}

std::int64_t CatalogueService::seat_map_version(std::int64_t screening_id) {
    return inventory_.version(screening_id);
}

std::map<std::string, SeatStatus> CatalogueService::taken_seats(std::int64_t screening_id) {
    std::map<std::string, SeatStatus> taken;
    for (auto& [seat, state] : inventory_.states(screening_id)) {
        taken.emplace_hint(taken.end(), seat,
                           state == domain::booking::SeatState::kBooked ? SeatStatus::kBooked
                                                                        : SeatStatus::kHeld);
    }
    return taken;
}

std::int64_t CatalogueService::load_demo_data() {
    using namespace std::chrono;
    std::int64_t added = 0;
    struct DemoMovie {
        const char* title;
        std::int64_t runtime;
        const char* rating;
        std::int64_t price;
    };
    const DemoMovie movies[] = {
        {"soul", 100, "ALL", 5000},
        {"parasite", 132, "15", 12000},
        {"minari", 115, "12", 11000},
        // A charity gala priced above the simulated provider's limit (--payment-decline-above,
        // 1,000,000 KRW): the demo's declined payment, priced by the catalogue like any other.
        {"gala night", 150, "ALL", 100'000'000}};
    auto ensure_screen = [&](const char* name, std::int64_t rows, std::int64_t per_row,
                             std::vector<std::string> blocked, std::vector<std::string> gaps) {
        if (auto s = catalogue_.screen_by_name(name))
            return s->id;
        domain::FieldErrors errors;
        auto s = add_screen(domain::Principal::system(), name, rows, per_row, blocked, gaps, errors);
        ++added;
        return s ? s->id : std::int64_t{0};
    };
    const auto screen1 = ensure_screen("Screen 1", 10, 12, {"J1", "J12"}, {});
    const auto screen2 = ensure_screen("Screen 2", 8, 10, {}, {"D5", "D6", "E5", "E6"});
    const auto today = floor<days>(clock_.now());
    for (std::size_t i = 0; i < std::size(movies); ++i) {
        const auto& m = movies[i];
        std::int64_t movie_id = 0;
        if (auto existing = catalogue_.movie_by_title(m.title)) {
            movie_id = existing->id;
        } else {
            Movie movie{0, m.title, m.runtime, m.rating};
            catalogue_.add(movie);
            movie_id = movie.id;
            ++added;
        }
        const auto screen_id = i % 2 == 0 ? screen1 : screen2;
        // Screenings at 10:00, 14:00 and 19:00 UTC for the next three days.
        for (int day = 0; day < 3; ++day) {
            for (const int hour : {10, 14, 19}) {
                const auto starts = today + days(day) + hours(hour + static_cast<int>(i));
                if (starts <= clock_.now())
                    continue;
                if (catalogue_.screening_at(movie_id, screen_id, starts))
                    continue;
                Screening s{0, movie_id, screen_id, starts, m.price};
                catalogue_.add(s);
                ++added;
            }
        }
    }
    return added;
}

}  // namespace mb::app::booking
