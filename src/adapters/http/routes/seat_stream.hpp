#pragma once
// GET /screenings/{id}/seats/stream: the seat map as Server-Sent Events (issue 13). Each `seat`
// event is the whole map (the body of GET /screenings/{id}/seats) with the inventory version as
// its SSE `id`, so a client that reconnects with Last-Event-ID gets the current map unless it
// already has it, and never misses a change: every event is complete, versions only grow.
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "adapters/http/event_stream.hpp"
#include "adapters/http/router.hpp"
#include "adapters/runtime/module_executor.hpp"
#include "app/booking/catalogue_service.hpp"

namespace mb::adapters::http::routes {

/// The open seat-map streams, per screening, and what feeds them. changed() is called by the
/// composition root for each event that moves seats (Booked, Canceled); it reads the map once on
/// the booking module's executor and pushes it to every stream of the screening. Reads and the
/// first event of a new stream run as jobs of that executor, so the events of a stream leave in
/// version order. Thread-safe. Must outlive the server (its streams hold it weakly otherwise).
class SeatMapFeed : public std::enable_shared_from_this<SeatMapFeed> {
public:
    SeatMapFeed(runtime::ModuleExecutor& executor, app::booking::CatalogueService& catalogue)
        : executor_(executor), catalogue_(catalogue) {}

    /// A screening's seats changed: its streams get the current map (no-op without streams).
    void changed(std::int64_t screening_id);

    /// The stream handler of GET /screenings/{id}/seats/stream: 404 for an unknown screening;
    /// else the current map as the first event (skipped when Last-Event-ID is its version).
    [[nodiscard]] StreamHandler handler();

    /// Streams open now, over all screenings (dead ones are pruned on the next change).
    [[nodiscard]] std::size_t watchers() const;

private:
    /// Registers `sink` for `screening_id`; the returned handle unregisters it.
    std::shared_ptr<void> watch(std::int64_t screening_id, const std::shared_ptr<EventSink>& sink);
    /// Drops `gone` (and expired entries) from the streams of `screening_id`.
    void unwatch(std::int64_t screening_id, const std::shared_ptr<EventSink>& gone);
    /// Pushes `map` to the streams of its screening (on the executor's thread).
    void publish(const app::booking::SeatMapView& map);

    runtime::ModuleExecutor& executor_;
    app::booking::CatalogueService& catalogue_;
    mutable std::mutex mutex_;
    std::unordered_map<std::int64_t, std::vector<std::weak_ptr<EventSink>>> watchers_;
    std::unordered_set<std::int64_t> pending_;  ///< screenings with a read queued, not started
};

/// The `seat` event of `map` (format_event: id = version, data = the seat map JSON).
[[nodiscard]] std::string seat_event(const app::booking::SeatMapView& map);

/// Registers GET /screenings/{id}/seats/stream (public, like the seat map) on `router`.
void add_seat_stream_route(Router& router, const std::shared_ptr<SeatMapFeed>& feed);

}  // namespace mb::adapters::http::routes
