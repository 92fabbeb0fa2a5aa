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
            auto map = self->catalogue_.seat_map(screening_id);
            if (map && self->watchers_->watched(screening_id)) {
                self->watchers_->push(screening_id, seat_event(*map));
            }
            return runtime::Outcome::kCommit;  // a read: nothing to keep or undo
        },
        [](const std::exception_ptr&) {});
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
        // One job: register, read, send the first event. Later changes are jobs of the same
        // executor, so none is lost between the read and the registration, and none overtakes
        // the first event.
        auto job = [self, sink, screening_id, last_event_id]() -> std::shared_ptr<void> {
            auto map = self->catalogue_.seat_map(screening_id);
            if (!map) {
                return nullptr;
            }
            auto handle = self->watchers_->watch(screening_id, sink);
            if (last_event_id != std::to_string(map->version)) {
                sink->push(seat_event(*map));
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
