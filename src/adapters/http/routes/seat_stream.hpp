#pragma once
// GET /screenings/{id}/seats/stream: the seat map as Server-Sent Events (issue 13). The first
// event is the whole map (`seat`: the body of GET /screenings/{id}/seats plus `version`), after
// that only what changed (`seats`: the changed seats and the counts, seat_map_history.hpp),
// each with the inventory version as its SSE `id`. A client that reconnects with
// Last-Event-ID gets the changes it missed (or, when they are no longer kept, the current map):
// it never misses a change, and versions only grow.
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "adapters/http/event_stream.hpp"
#include "adapters/http/router.hpp"
#include "adapters/http/routes/seat_map_history.hpp"
#include "adapters/http/routes/stream_watchers.hpp"
#include "adapters/runtime/module_executor.hpp"
#include "app/booking/catalogue_service.hpp"

namespace mb::adapters::http::routes {

/// The open seat-map streams, per screening, and what feeds them. changed() is called by the
/// composition root for each event that moves seats (Booked, Canceled); it reads the screening's
/// version and taken seats once on the booking module's executor, and sends the difference to
/// what its streams were told last as one `seats` event, the same bytes to every stream. Reads
/// and the first events of a new stream run as jobs of that executor, so the events of a stream
/// leave in version order and each delta applies to the one before. Thread-safe. Must outlive
/// the server (its streams hold it weakly otherwise).
class SeatMapFeed : public std::enable_shared_from_this<SeatMapFeed> {
public:
    /// Changes kept per screening for resume (a `seats` event: ~150 bytes plus ~40 a seat).
    static constexpr std::size_t kDefaultReplay = 64;
    /// Histories of screenings nobody watches kept (for a quick reconnect) before a sweep.
    static constexpr std::size_t kSpareHistories = 64;

    SeatMapFeed(runtime::ModuleExecutor& executor, app::booking::CatalogueService& catalogue,
                std::size_t replay = kDefaultReplay)
        : executor_(executor), catalogue_(catalogue), replay_(replay) {}

    /// A screening's seats changed: its streams get what changed (no-op without streams).
    void changed(std::int64_t screening_id);

    /// The stream handler of GET /screenings/{id}/seats/stream: 404 for an unknown screening;
    /// else the current map as the first event — or, with a Last-Event-ID, the `seats` events
    /// since that version (nothing when it is the current one), the map when they are not kept.
    [[nodiscard]] StreamHandler handler();

    /// Streams open now, over all screenings (dead ones are pruned on the next change).
    [[nodiscard]] std::size_t watchers() const;

private:
    /// On the executor: the history of `map.screening_id`, brought to `map` (a full read now);
    /// a change since is pushed to the streams already open. Sweeps the histories of
    /// screenings nobody watches when there are more than kSpareHistories of them.
    SeatMapHistory& catch_up(const app::booking::SeatMapView& map);

    runtime::ModuleExecutor& executor_;
    app::booking::CatalogueService& catalogue_;
    const std::size_t replay_;
    /// The open streams by screening id (the same registry as My page's feed).
    std::shared_ptr<StreamWatchers<std::int64_t>> watchers_ =
        std::make_shared<StreamWatchers<std::int64_t>>();
    std::mutex mutex_;                          ///< guards pending_
    std::unordered_set<std::int64_t> pending_;  ///< screenings with a read queued, not started
    /// What each watched screening's streams were told (and recently unwatched ones, for a
    /// reconnect). Touched only by jobs on the executor (its strand): no lock.
    std::unordered_map<std::int64_t, SeatMapHistory> histories_;
};

/// The `seat` event of `map` (format_event: id = version, data = the seat map JSON).
[[nodiscard]] std::string seat_event(const app::booking::SeatMapView& map);

/// Registers GET /screenings/{id}/seats/stream (public, like the seat map) on `router`.
void add_seat_stream_route(Router& router, const std::shared_ptr<SeatMapFeed>& feed);

}  // namespace mb::adapters::http::routes
