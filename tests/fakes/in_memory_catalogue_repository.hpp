#pragma once
// InMemoryCatalogueRepository: CatalogueRepository in std::maps, with the port's contract (ids
// from 1 per kind, increasing, never reused; *_by_title / *_by_name return the lowest id;
// next_screening is the earliest start strictly after `after`, ties by id; lists page by id).
// Not thread-safe (like the port).
#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "domain/booking/catalogue_repository.hpp"
#include "fakes/paging.hpp"

namespace mb::test {

class InMemoryCatalogueRepository final : public domain::booking::CatalogueRepository {
public:
    void add(domain::booking::Movie& movie) override {
        movie.id = ++last_movie_id_;
        movies_.insert_or_assign(movie.id, movie);
    }
    void add(domain::booking::Screen& screen) override {
        screen.id = ++last_screen_id_;
        screens_.insert_or_assign(screen.id, screen);
    }
    void add(domain::booking::Screening& screening) override {
        screening.id = ++last_screening_id_;
        screenings_.insert_or_assign(screening.id, screening);
    }

    [[nodiscard]] std::optional<domain::booking::Movie> movie(std::int64_t id) override {
        return find_in(movies_, id);
    }
    [[nodiscard]] std::optional<domain::booking::Movie> movie_by_title(
        const std::string& title) override {
        for (const auto& [id, m] : movies_) {
            if (std::equal(m.title.begin(), m.title.end(), title.begin(), title.end(),
                           [](char a, char b) {
                               return std::tolower(static_cast<unsigned char>(a)) ==
                                      std::tolower(static_cast<unsigned char>(b));
                           }))
                return m;
        }
        return std::nullopt;
    }
    [[nodiscard]] std::optional<domain::booking::Screen> screen(std::int64_t id) override {
        return find_in(screens_, id);
    }
    [[nodiscard]] std::optional<domain::booking::Screen> screen_by_name(
        const std::string& name) override {
        for (const auto& [id, s] : screens_) {
            if (s.name == name)
                return s;
        }
        return std::nullopt;
    }
    [[nodiscard]] std::optional<domain::booking::Screening> screening(std::int64_t id) override {
        return find_in(screenings_, id);
    }
    [[nodiscard]] std::optional<domain::booking::Screening> screening_at(
        std::int64_t movie_id, std::int64_t screen_id, domain::TimePoint starts_at) override {
        for (const auto& [id, s] : screenings_) {
            if (s.movie_id == movie_id && s.screen_id == screen_id && s.starts_at == starts_at)
                return s;
        }
        return std::nullopt;
    }
    [[nodiscard]] std::optional<domain::booking::Screening> next_screening(
        std::int64_t movie_id, domain::TimePoint after) override {
        std::optional<domain::booking::Screening> best;
        for (const auto& [id, s] : screenings_) {
            if (s.movie_id != movie_id || s.starts_at <= after)
                continue;
            if (!best || s.starts_at < best->starts_at)
                best = s;  // ids ascend: an equal start keeps the lower id
        }
        return best;
    }
    [[nodiscard]] domain::Page<domain::booking::Movie> movies(
        const domain::PageRequest& page) override {
        return page_of(values(movies_), page);
    }
    [[nodiscard]] domain::Page<domain::booking::Screen> screens(
        const domain::PageRequest& page) override {
        return page_of(values(screens_), page);
    }
    [[nodiscard]] domain::Page<domain::booking::Screening> screenings(
        const domain::PageRequest& page) override {
        return page_of(values(screenings_), page);
    }

    [[nodiscard]] std::size_t movie_count() const noexcept { return movies_.size(); }
    [[nodiscard]] std::size_t screen_count() const noexcept { return screens_.size(); }
    [[nodiscard]] std::size_t screening_count() const noexcept { return screenings_.size(); }

private:
    template <class T>
    static std::optional<T> find_in(const std::map<std::int64_t, T>& rows, std::int64_t id) {
        auto it = rows.find(id);
        if (it == rows.end())
            return std::nullopt;
        return it->second;
    }
    template <class T>
    static std::vector<T> values(const std::map<std::int64_t, T>& rows) {
        std::vector<T> out;
        out.reserve(rows.size());
        for (const auto& [id, v] : rows)
            out.push_back(v);
        return out;
    }

    std::map<std::int64_t, domain::booking::Movie> movies_;
    std::map<std::int64_t, domain::booking::Screen> screens_;
    std::map<std::int64_t, domain::booking::Screening> screenings_;
    std::int64_t last_movie_id_ = 0;
    std::int64_t last_screen_id_ = 0;
    std::int64_t last_screening_id_ = 0;
};

}  // namespace mb::test
