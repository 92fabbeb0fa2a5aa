#pragma once
// What a screening's seat-map streams were last told, and the changes since (issue 13): a
// change goes out as the seats it changed — one `seats` event, serialised once and shared by
// every stream of the screening — instead of the whole map, and a client that reconnects with
// Last-Event-ID replays the changes it missed from a bounded ring (the whole map only when they
// are no longer kept).
//
// Wire format of a `seats` event (`id:` = `version`; `since` = the version it applies to; the
// seats listed carry their new status, absolute, so applying one twice is harmless; the counts
// are the whole screening's after the change):
//
//     id: 9
//     event: seats
//     data: {"screeningId":19,"version":9,"since":7,"seats":[{"seat":"A1","status":"booked"}],
//            "available":196,"held":0,"booked":2,"blocked":2}
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/http/event_stream.hpp"
#include "app/booking/catalogue_service.hpp"

namespace mb::adapters::http::routes {

/// Seats held or booked, by label. Every other seat of the screen is available or blocked, and
/// which ones are blocked never changes, so this is all that moves between two versions.
using TakenSeats = std::map<std::string, app::booking::SeatStatus>;

/// The held and booked seats of a full map.
[[nodiscard]] TakenSeats taken_seats(const app::booking::SeatMapView& map);

/// One screening's delta history. Not thread-safe: the feed uses it on the booking module's
/// executor only (its strand), where the reads it is fed from happen in version order.
class SeatMapHistory {
public:
    /// Starts at `map` (a full read). `replay` >= 1: how many changes are kept for resume.
    SeatMapHistory(const app::booking::SeatMapView& map, std::size_t replay);

    /// The version the screening's streams were last brought to.
    [[nodiscard]] std::int64_t version() const noexcept { return version_; }

    /// The screening is now at `version` with `taken`: records the change since version() and
    /// returns its `seats` event (null when no seat changed; a version that did not grow
    /// changes nothing and returns null too). Throws only std::bad_alloc.
    [[nodiscard]] SharedEvent advance(std::int64_t version, TakenSeats taken);

    /// What a client whose last event id is `last_event_id` has missed, in order: nothing when
    /// it is up to date; std::nullopt when the changes since its id are not kept (too old, not
    /// a version of this history, not a number) — it then needs the full map.
    [[nodiscard]] std::optional<std::vector<SharedEvent>> since(
        std::string_view last_event_id) const;

private:
    struct Change {
        std::int64_t since = 0;
        std::int64_t version = 0;
        SharedEvent event;  ///< null: the version moved, no seat did (a hold released)
    };

    std::int64_t screening_id_;
    std::int64_t version_;
    std::int64_t seats_ = 0;  ///< seats of the screen, gaps excluded
    std::int64_t blocked_ = 0;
    TakenSeats taken_;
    std::size_t replay_;
    std::deque<Change> changes_;  ///< oldest first; each one's `since` is its predecessor's version
};

}  // namespace mb::adapters::http::routes
