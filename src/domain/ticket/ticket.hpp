#pragma once
// Ticket aggregate (MISSION.md, scenario 3-5): issued Waiting when a booking is confirmed,
// Printed when collected, Canceled when its booking is cancelled first. Printing takes a short
// lease (begin_print .. complete_print) while the review record is opened synchronously, so a
// cancel racing the print sees it and exactly one of them wins (MISSION.md, invariant 2).
// Not thread-safe: the ticket module's strand owns it.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/common/clock.hpp"
#include "domain/common/result.hpp"
#include "domain/ticket/errors.hpp"
#include "domain/ticket/events.hpp"

namespace mb::domain::ticket {

enum class TicketStatus { kWaiting, kPrinted, kCanceled };

[[nodiscard]] std::string_view to_string(TicketStatus s) noexcept;
[[nodiscard]] std::optional<TicketStatus> ticket_status_from(std::string_view s) noexcept;

/// What a ticket shows, copied from the booking it belongs to.
struct TicketDetails {
    std::int64_t booking_id = 0;
    std::string customer_id;
    std::string movie_name;
    std::string seat;
    std::int64_t qty = 0;
};

class Ticket {
public:
    /// A new Waiting ticket (id 0 until stored).
    [[nodiscard]] static Ticket issue(TicketDetails details, TimePoint now);
    /// A ticket whose booking was cancelled before the ticket was issued: it is born Canceled
    /// so that a late `Booked` does not issue it.
    [[nodiscard]] static Ticket voided(std::int64_t booking_id, TimePoint now);
    [[nodiscard]] static Ticket restore(std::int64_t id, TicketDetails details, TicketStatus status,
                                        std::optional<TimePoint> print_lease_until,
                                        TimePoint created_at, TimePoint updated_at);

    /// A ticket voided before issue learns what it would have shown (late `Booked`); it stays
    /// Canceled and announces nothing.
    void fill_details(TicketDetails details) { details_ = std::move(details); }

    /// The event announcing issue (call after the id was assigned).
    [[nodiscard]] Created created_event() const;

    /// Takes the print lease until `now + lease`. Errors: kAlreadyPrinted, kCanceled,
    /// kPrintInProgress (an unexpired lease is held).
    [[nodiscard]] Result<void> begin_print(TimePoint now, std::chrono::milliseconds lease);
    /// Lease holder completes: -> Printed. Errors as begin_print except an own lease is fine.
    [[nodiscard]] Result<Printed> complete_print(TimePoint now);
    /// Lease holder gives up (the review could not be opened); the ticket stays Waiting.
    void abort_print(TimePoint now);
    /// The booking is being cancelled: Waiting -> Canceled. Idempotent for Canceled.
    /// Errors: kAlreadyPrinted, kPrintInProgress.
    [[nodiscard]] Result<void> withdraw(TimePoint now);

    void assign_id(std::int64_t id) noexcept { id_ = id; }
    [[nodiscard]] std::int64_t id() const noexcept { return id_; }
    [[nodiscard]] const TicketDetails& details() const noexcept { return details_; }
    [[nodiscard]] std::int64_t booking_id() const noexcept { return details_.booking_id; }
    [[nodiscard]] TicketStatus status() const noexcept { return status_; }
    [[nodiscard]] std::optional<TimePoint> print_lease_until() const noexcept { return lease_; }
    [[nodiscard]] TimePoint created_at() const noexcept { return created_at_; }
    [[nodiscard]] TimePoint updated_at() const noexcept { return updated_at_; }

private:
    Ticket() = default;
    [[nodiscard]] bool leased(TimePoint now) const noexcept { return lease_ && *lease_ > now; }
    std::int64_t id_ = 0;
    TicketDetails details_;
    TicketStatus status_ = TicketStatus::kWaiting;
    std::optional<TimePoint> lease_;
    TimePoint created_at_{};
    TimePoint updated_at_{};
};

}  // namespace mb::domain::ticket
