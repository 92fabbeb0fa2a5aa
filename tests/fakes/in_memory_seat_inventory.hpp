#pragma once
// InMemorySeatInventory: SeatInventory in a std::map keyed by (screening, seat) — the key the
// SQLite table makes primary, so one seat has at most one holder. hold() refuses a seat held or
// booked by another booking (returns it) and then holds nothing; a booking re-holding its own
// seat is no conflict. version() of a screening increases on every hold/take/release that
// touched it (like SqliteSeatInventory). Not thread-safe (like the port).
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "domain/booking/catalogue_repository.hpp"

namespace mb::test {

class InMemorySeatInventory final : public domain::booking::SeatInventory {
public:
    [[nodiscard]] std::optional<std::string> hold(std::int64_t screening_id,
                                                  const std::vector<std::string>& seats,
                                                  std::int64_t booking_id) override {
        for (const auto& seat : seats) {
            auto it = rows_.find({screening_id, seat});
            if (it != rows_.end() && it->second.booking_id != booking_id)
                return seat;
        }
        for (const auto& seat : seats) {
            rows_.try_emplace({screening_id, seat},
                              Row{booking_id, domain::booking::SeatState::kHeld});
        }
        ++versions_[screening_id];
        return std::nullopt;
    }
    void take(std::int64_t booking_id) override {
        for (const auto screening_id : screenings_of(booking_id))
            ++versions_[screening_id];
        for (auto& [key, row] : rows_) {
            if (row.booking_id == booking_id)
                row.state = domain::booking::SeatState::kBooked;
        }
    }
    void release(std::int64_t booking_id) override {
        for (const auto screening_id : screenings_of(booking_id))
            ++versions_[screening_id];
        std::erase_if(rows_,
                      [&](const auto& entry) { return entry.second.booking_id == booking_id; });
    }
    [[nodiscard]] std::map<std::string, domain::booking::SeatState> states(
        std::int64_t screening_id) override {
        std::map<std::string, domain::booking::SeatState> out;
        for (const auto& [key, row] : rows_) {
            if (key.first == screening_id)
                out.emplace(key.second, row.state);
        }
        return out;
    }
    [[nodiscard]] std::int64_t version(std::int64_t screening_id) override {
        auto it = versions_.find(screening_id);
        return it == versions_.end() ? 0 : it->second;
    }

    /// The booking holding or having booked a seat, if any.
    [[nodiscard]] std::optional<std::int64_t> holder(std::int64_t screening_id,
                                                     const std::string& seat) const {
        auto it = rows_.find({screening_id, seat});
        if (it == rows_.end())
            return std::nullopt;
        return it->second.booking_id;
    }
    /// Every held or booked seat, all screenings.
    [[nodiscard]] std::size_t size() const noexcept { return rows_.size(); }

private:
    struct Row {
        std::int64_t booking_id = 0;
        domain::booking::SeatState state = domain::booking::SeatState::kHeld;
    };
    [[nodiscard]] std::set<std::int64_t> screenings_of(std::int64_t booking_id) const {
        std::set<std::int64_t> out;
        for (const auto& [key, row] : rows_) {
            if (row.booking_id == booking_id)
                out.insert(key.first);
        }
        return out;
    }

    std::map<std::pair<std::int64_t, std::string>, Row> rows_;
    std::map<std::int64_t, std::int64_t> versions_;
};

}  // namespace mb::test
