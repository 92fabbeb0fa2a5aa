#pragma once
// The booking context's published language (MISSION.md, "Events"). Other contexts may include
// this header — and only this header — of the booking context.
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace mb::domain::booking {

/// Booking confirmed: its payment was approved and the booking committed.
/// Consumed by ticket (issue a ticket) and mypage. Amounts in KRW.
struct Booked {
    static constexpr const char* kType = "Booked";
    static constexpr const char* kPublisher = "booking";  ///< ordering: per publisher, per booking
    std::int64_t booking_id = 0;
    std::string customer_id;
    std::string movie_name;
    std::string seat;  ///< "1A,2B"
    std::int64_t qty = 0;
    std::int64_t total_price = 0;  ///< KRW
    std::int64_t payment_id = 0;
    std::string status;              ///< "PaidComplete"
    std::int64_t screening_id = 0;   ///< 0 for a legacy booking without a screening
    std::vector<std::string> seats;  ///< {"A1","A2"}: canonical for a screening, as sent for legacy
    std::string screening_starts_at;  ///< ISO-8601 UTC, "" without a screening
};

/// Booking cancelled before its ticket was printed. Consumed by payment (refund), ticket
/// (void) and mypage.
struct Canceled {
    static constexpr const char* kType = "Canceled";
    static constexpr const char* kPublisher = "booking";  ///< ordering: per publisher, per booking
    std::int64_t booking_id = 0;
    std::string customer_id;
    std::string movie_name;
    std::string seat;
    std::int64_t qty = 0;
    std::int64_t total_price = 0;  ///< KRW
    std::string status;            ///< "Canceled"
    std::int64_t screening_id = 0;
    std::vector<std::string> seats;
};

using BookingEvent = std::variant<Booked, Canceled>;

}  // namespace mb::domain::booking
