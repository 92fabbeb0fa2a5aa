#include "adapters/http/routes/seat_map_history.hpp"

#include <algorithm>
#include <charconv>
#include <memory>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace mb::adapters::http::routes {

using app::booking::SeatStatus;

TakenSeats taken_seats(const app::booking::SeatMapView& map) {
    TakenSeats taken;
    for (const auto& [label, status] : map.seats) {
        if (status == SeatStatus::kHeld || status == SeatStatus::kBooked) {
            taken.emplace(label, status);
        }
    }
    return taken;
}

SeatMapHistory::SeatMapHistory(const app::booking::SeatMapView& map, std::size_t replay)
    : screening_id_(map.screening_id),
      version_(map.version),
      seats_(static_cast<std::int64_t>(map.seats.size())),
      taken_(taken_seats(map)),
      replay_(std::max<std::size_t>(1, replay)) {
    blocked_ = std::count_if(map.seats.begin(), map.seats.end(),
                             [](const auto& seat) { return seat.second == SeatStatus::kBlocked; });
}

SharedEvent SeatMapHistory::advance(std::int64_t version, TakenSeats taken) {
    if (version <= version_) {
        return nullptr;
    }
    // Both maps are ordered by label: one merge finds every seat whose status differs.
    boost::json::array changed;
    auto add = [&](const std::string& seat, SeatStatus status) {
        changed.push_back({{"seat", seat}, {"status", app::booking::to_string(status)}});
    };
    auto before = taken_.begin();
    auto after = taken.begin();
    while (before != taken_.end() || after != taken.end()) {
        if (after == taken.end() || (before != taken_.end() && before->first < after->first)) {
            add(before->first, SeatStatus::kAvailable);  // released
            ++before;
        } else if (before == taken_.end() || after->first < before->first) {
            add(after->first, after->second);  // newly held or booked
            ++after;
        } else {
            if (before->second != after->second) {
                add(after->first, after->second);  // held -> booked
            }
            ++before;
            ++after;
        }
    }
    SharedEvent event;
    if (!changed.empty()) {
        std::int64_t held = 0;
        for (const auto& entry : taken) {
            held += entry.second == SeatStatus::kHeld ? 1 : 0;
        }
        const auto booked = static_cast<std::int64_t>(taken.size()) - held;
        const boost::json::object body{
            {"screeningId", screening_id_},
            {"version", version},
            {"since", version_},
            {"seats", std::move(changed)},
            {"available", seats_ - blocked_ - static_cast<std::int64_t>(taken.size())},
            {"held", held},
            {"booked", booked},
            {"blocked", blocked_}};
        event = std::make_shared<const std::string>(
            format_event("seats", boost::json::serialize(body), std::to_string(version)));
    }
    if (changes_.size() == replay_) {
        changes_.pop_front();
    }
    changes_.push_back(Change{version_, version, event});
    version_ = version;
    taken_ = std::move(taken);
    return event;
}

std::optional<std::vector<SharedEvent>> SeatMapHistory::since(
    std::string_view last_event_id) const {
    std::int64_t last = 0;
    const auto* end = last_event_id.data() + last_event_id.size();
    const auto [parsed_to, error] = std::from_chars(last_event_id.data(), end, last);
    if (error != std::errc{} || parsed_to != end || last_event_id.empty()) {
        return std::nullopt;
    }
    std::vector<SharedEvent> missed;
    if (last == version_) {
        return missed;
    }
    const auto first = std::find_if(changes_.begin(), changes_.end(),
                                    [last](const Change& c) { return c.since == last; });
    if (first == changes_.end()) {
        return std::nullopt;
    }
    for (auto it = first; it != changes_.end(); ++it) {
        if (it->event) {
            missed.push_back(it->event);
        }
    }
    return missed;
}

}  // namespace mb::adapters::http::routes
