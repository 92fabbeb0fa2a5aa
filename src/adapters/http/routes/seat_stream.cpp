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
    {
        const std::lock_guard lock(mutex_);
        if (watchers_.find(screening_id) == watchers_.end()) {
            return;  // nobody watches: no read at all
        }
        // Coalesced: while a read of this screening waits in the executor's queue, it will see
        // this change too. So the queue holds at most one read per watched screening, however
        // fast bookings come (the booking module's executor is the hot path's).
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
            if (map) {
                self->publish(*map);
            }
            return runtime::Outcome::kCommit;  // a read: nothing to keep or undo
        },
        [](const std::exception_ptr&) {});
}

void SeatMapFeed::publish(const app::booking::SeatMapView& map) {
    std::vector<std::shared_ptr<EventSink>> sinks;
    {
        const std::lock_guard lock(mutex_);
        const auto it = watchers_.find(map.screening_id);
        if (it == watchers_.end()) {
            return;
        }
        auto& list = it->second;
        list.erase(std::remove_if(list.begin(), list.end(),
                                  [&sinks](const std::weak_ptr<EventSink>& weak) {
                                      auto sink = weak.lock();
                                      if (!sink || sink->closed()) {
                                          return true;
                                      }
                                      sinks.push_back(std::move(sink));
                                      return false;
                                  }),
                   list.end());
        if (list.empty()) {
            watchers_.erase(it);
        }
    }
    if (sinks.empty()) {
        return;
    }
    const auto event = seat_event(map);
    for (const auto& sink : sinks) {
        sink->push(event);
    }
}

std::shared_ptr<void> SeatMapFeed::watch(std::int64_t screening_id,
                                         const std::shared_ptr<EventSink>& sink) {
    {
        const std::lock_guard lock(mutex_);
        watchers_[screening_id].push_back(sink);
    }
    /// Unregisters its sink when the stream lets go of it.
    struct Unwatch {
        std::weak_ptr<SeatMapFeed> feed;
        std::weak_ptr<EventSink> sink;
        std::int64_t screening_id;
        Unwatch(std::weak_ptr<SeatMapFeed> f, std::weak_ptr<EventSink> s, std::int64_t id)
            : feed(std::move(f)), sink(std::move(s)), screening_id(id) {}
        Unwatch(const Unwatch&) = delete;
        Unwatch& operator=(const Unwatch&) = delete;
        ~Unwatch() {
            const auto self = feed.lock();
            if (self) {
                self->unwatch(screening_id, sink.lock());
            }
        }
    };
    return std::make_shared<Unwatch>(weak_from_this(), sink, screening_id);
}

void SeatMapFeed::unwatch(std::int64_t screening_id, const std::shared_ptr<EventSink>& gone) {
    const std::lock_guard lock(mutex_);
    const auto it = watchers_.find(screening_id);
    if (it == watchers_.end()) {
        return;
    }
    auto& list = it->second;
    list.erase(std::remove_if(list.begin(), list.end(),
                              [&gone](const std::weak_ptr<EventSink>& weak) {
                                  const auto other = weak.lock();
                                  return !other || other == gone;
                              }),
               list.end());
    if (list.empty()) {
        watchers_.erase(it);
    }
}

std::size_t SeatMapFeed::watchers() const {
    const std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& [id, list] : watchers_) {
        n += list.size();
    }
    return n;
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
        const auto last_event_id =
            std::string((*request.raw)[std::string_view("Last-Event-ID")]);
        // One job: register, read, send the first event. Later changes are jobs of the same
        // executor, so none is lost between the read and the registration, and none overtakes
        // the first event.
        auto job = [self, sink, screening_id, last_event_id]() -> std::shared_ptr<void> {
            auto map = self->catalogue_.seat_map(screening_id);
            if (!map) {
                return nullptr;
            }
            auto handle = self->watch(screening_id, sink);
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
