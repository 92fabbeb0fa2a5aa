#include "adapters/http/routes/seat_stream.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "adapters/http/problem.hpp"
#include "adapters/http/routes/route_support.hpp"

namespace mb::adapters::http::routes {

std::string seat_event(const app::booking::SeatMapView& map) {
    boost::json::array seats;
    seats.reserve(map.seats.size());
    std::int64_t counts[4] = {0, 0, 0, 0};
    for (const auto& [label, seat_status] : map.seats) {
        seats.push_back({{"seat", label}, {"status", app::booking::to_string(seat_status)}});
        ++counts[static_cast<int>(seat_status)];
    }
    const boost::json::object body{{"screeningId", map.screening_id},
                                   {"version", map.version},
                                   {"seats", std::move(seats)},
                                   {"available", counts[0]},
                                   {"held", counts[1]},
                                   {"booked", counts[2]},
                                   {"blocked", counts[3]}};
    return format_event("seat", boost::json::serialize(body), std::to_string(map.version));
}

void SeatMapFeed::changed(std::int64_t screening_id) {
    if (!watchers_->watched(screening_id)) {
        return;  // nobody watches: no read at all
    }
    {
        // Coalesced: while a read of this screening waits in the executor's queue, it will see
        // this change too. So the queue holds at most one read per watched screening, however
        // fast bookings come (the booking module's executor is the hot path's).
        const std::lock_guard lock(mutex_);
        if (!pending_.insert(screening_id).second) {
            return;
        }
    }
    auto self = shared_from_this();
    executor_.submit(
        [self, screening_id] {
            {
                const std::lock_guard lock(self->mutex_);
                self->pending_.erase(screening_id);  // a change from now on needs a new read
            }
            if (!self->watchers_->watched(screening_id)) {
                return runtime::Outcome::kCommit;
            }
            const auto it = self->histories_.find(screening_id);
            if (it == self->histories_.end()) {
                // Cannot happen (a stream's first job creates the history), but if it did the
                // streams would get the whole map, which is always right.
                if (auto map = self->catalogue_.seat_map(screening_id)) {
                    self->watchers_->push(screening_id, seat_event(*map));
                    self->catch_up(*map);
                }
                return runtime::Outcome::kCommit;
            }
            // One indexed read when nothing moved since (a change another job already sent),
            // else the taken seats of this screening only: never the whole screen.
            const auto version = self->catalogue_.seat_map_version(screening_id);
            if (version > it->second.version()) {
                if (auto event =
                        it->second.advance(version, self->catalogue_.taken_seats(screening_id))) {
                    self->watchers_->push(screening_id, event);
                }
            }
            return runtime::Outcome::kCommit;  // a read: nothing to keep or undo
        },
        [](const std::exception_ptr&) {});
}

SeatMapHistory& SeatMapFeed::catch_up(const app::booking::SeatMapView& map) {
    if (histories_.size() > watchers_->keys() + kSpareHistories) {
        for (auto it = histories_.begin(); it != histories_.end();) {
            if (it->first != map.screening_id && !watchers_->watched(it->first)) {
                it = histories_.erase(it);
            } else {
                ++it;
            }
        }
    }
    auto it = histories_.find(map.screening_id);
    if (it == histories_.end()) {
        return histories_.emplace(map.screening_id, SeatMapHistory(map, replay_)).first->second;
    }
    if (auto event = it->second.advance(map.version, taken_seats(map))) {
        watchers_->push(map.screening_id, event);
    }
    return it->second;
}

std::size_t SeatMapFeed::watchers() const {
    return watchers_->size();
}

StreamHandler SeatMapFeed::handler() {
    std::weak_ptr<SeatMapFeed> weak = weak_from_this();
    return [weak](Request request,
                  std::shared_ptr<EventSink> sink) -> asio::awaitable<StreamOpening> {
        const auto self = weak.lock();
        if (!self) {
            co_return StreamOpening{
                problem(request, beast::http::status::service_unavailable, "shutting down"),
                nullptr};
        }
        auto id = path_id(request);
        if (auto* refusal = std::get_if<Response>(&id)) {
            co_return StreamOpening{std::move(*refusal), nullptr};
        }
        const auto screening_id = std::get<std::int64_t>(id);
        const auto last_event_id = std::string((*request.raw)[std::string_view("Last-Event-ID")]);
        // One job: read, bring the streams already open up to this read, register, send the
        // first events. Later changes are jobs of the same executor, so none is lost between
        // the read and the registration, and none overtakes the first events.
        auto job = [self, sink, screening_id, last_event_id]() -> std::shared_ptr<void> {
            auto map = self->catalogue_.seat_map(screening_id);
            if (!map) {
                return nullptr;
            }
            const auto& history = self->catch_up(*map);
            auto handle = self->watchers_->watch(screening_id, sink);
            std::optional<std::vector<SharedEvent>> missed;
            if (!last_event_id.empty()) {
                missed = history.since(last_event_id);
            }
            if (!missed) {
                sink->push(seat_event(*map));
            } else {
                for (auto& event : *missed) {
                    sink->push(std::move(event));
                }
            }
            return handle;
        };
        auto handle = co_await self->executor_.execute(std::move(job));
        if (!handle) {
            co_return StreamOpening{
                problem(request, beast::http::status::not_found, "no screening with that id"),
                nullptr};
        }
        co_return StreamOpening{std::nullopt, std::move(handle)};
    };
}

void add_seat_stream_route(Router& router, const std::shared_ptr<SeatMapFeed>& feed) {
    router.add_stream("/screenings/{id}/seats/stream", feed->handler(), Access::kPublic);
}

}  // namespace mb::adapters::http::routes
