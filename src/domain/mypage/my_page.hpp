#pragma once
// My page read model (MISSION.md, "Performance": CQRS, fed only by events). One row per
// booking. Events from different modules arrive in any order; every update here is a join on a
// per-source rank (a status never moves backwards), so the row converges to the same state
// whatever the interleaving (MISSION.md, "Events"). Pure value type; not thread-safe.
#include <cstdint>
#include <optional>
#include <string>

namespace mb::domain::mypage {

/// What the booking context said about the booking (from `Booked` / `Canceled`).
struct BookingFacts {
    std::string customer_id;
    std::string movie_name;
    std::string seat;
    std::int64_t qty = 0;
    std::int64_t total_price = 0;     ///< KRW
    std::int64_t screening_id = 0;    ///< 0 for a legacy booking
    std::string screening_starts_at;  ///< ISO-8601 UTC, "" for a legacy booking
};

class MyPage {
public:
    /// An empty row for a booking, before any event was applied.
    [[nodiscard]] static MyPage for_booking(std::int64_t booking_id);

    void on_booked(const BookingFacts& facts);
    void on_booking_canceled(const BookingFacts& facts);
    void on_paid(std::int64_t payment_id);
    void on_payment_canceled(std::int64_t payment_id);
    void on_ticket_created(std::int64_t ticket_id);
    void on_ticket_printed(std::int64_t ticket_id);
    void on_review_opened(std::int64_t review_id);
    /// Later writes of the same review replace score and contents (same publisher: in order).
    void on_review_written(std::int64_t review_id, std::int64_t score, std::string contents);

    /// The customer-facing status: "Canceled" if the booking was cancelled, else
    /// "ReviewComplete" once the review was written, else "PrintComplete" once the ticket was
    /// printed, else "PaidComplete"; "" before `Booked` arrived.
    [[nodiscard]] std::string status() const;
    /// Ticket status as the customer sees it: a ticket of a cancelled booking reads "Canceled".
    [[nodiscard]] std::string ticket_status() const;
    /// A row is shown once its booking is known to be confirmed (`Booked` applied): a payment
    /// whose booking never completed shows nothing (MISSION.md, invariant 1).
    [[nodiscard]] bool visible() const noexcept { return booked_; }

    // Persistence accessors (repositories restore rows field by field).
    struct State {
        std::int64_t id = 0;
        std::int64_t booking_id = 0;
        bool booked = false;
        BookingFacts facts;
        std::string booking_status;
        std::int64_t payment_id = 0;
        std::string payment_status;
        std::int64_t ticket_id = 0;
        std::string ticket_status;
        std::int64_t review_id = 0;
        std::string review_status;
        std::optional<std::int64_t> score;
        std::string contents;
    };
    [[nodiscard]] static MyPage restore(State state);
    [[nodiscard]] State state() const;

    void assign_id(std::int64_t id) noexcept { id_ = id; }
    [[nodiscard]] std::int64_t id() const noexcept { return id_; }
    [[nodiscard]] std::int64_t booking_id() const noexcept { return booking_id_; }
    [[nodiscard]] const BookingFacts& facts() const noexcept { return facts_; }
    [[nodiscard]] const std::string& booking_status() const noexcept { return booking_status_; }
    [[nodiscard]] std::int64_t payment_id() const noexcept { return payment_id_; }
    [[nodiscard]] const std::string& payment_status() const noexcept { return payment_status_; }
    [[nodiscard]] std::int64_t ticket_id() const noexcept { return ticket_id_; }
    [[nodiscard]] std::int64_t review_id() const noexcept { return review_id_; }
    [[nodiscard]] const std::string& review_status() const noexcept { return review_status_; }
    [[nodiscard]] std::optional<std::int64_t> score() const noexcept { return score_; }
    [[nodiscard]] const std::string& contents() const noexcept { return contents_; }

private:
    MyPage() = default;
    std::int64_t id_ = 0;
    std::int64_t booking_id_ = 0;
    bool booked_ = false;
    BookingFacts facts_;
    std::string booking_status_;
    std::int64_t payment_id_ = 0;
    std::string payment_status_;
    std::int64_t ticket_id_ = 0;
    std::string ticket_status_;
    std::int64_t review_id_ = 0;
    std::string review_status_;
    std::optional<std::int64_t> score_;
    std::string contents_;
};

}  // namespace mb::domain::mypage
