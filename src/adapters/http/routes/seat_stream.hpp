#pragma once
// GET /screenings/{id}/seats/stream: the seat map as Server-Sent Events (issue 13). Each `seat`
// event is the whole map (the body of GET /screenings/{id}/seats) with the inventory version as
// its SSE `id`, so a client that reconnects with Last-Event-ID gets the current map unless it
// already has it, and never misses a change: every event is complete, versions only grow.
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_set>

#include "adapters/http/event_stream.hpp"
#include "adapters/http/router.hpp"
#include "adapters/http/routes/stream_watchers.hpp"
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
    runtime::ModuleExecutor& executor_;
    app::booking::CatalogueService& catalogue_;
    /// The open streams by screening id (the same registry as My page's feed).
    std::shared_ptr<StreamWatchers<std::int64_t>> watchers_ =
        std::make_shared<StreamWatchers<std::int64_t>>();
    std::mutex mutex_;                          ///< guards pending_
    std::unordered_set<std::int64_t> pending_;  ///< screenings with a read queued, not started
};

/// The `seat` event of `map` (format_event: id = version, data = the seat map JSON).
[[nodiscard]] std::string seat_event(const app::booking::SeatMapView& map);

/// Registers GET /screenings/{id}/seats/stream (public, like the seat map) on `router`.
void add_seat_stream_route(Router& router, const std::shared_ptr<SeatMapFeed>& feed);

}  // namespace mb::adapters::http::routes
