#pragma once
// The ticket context's published language (MISSION.md, "Events").
#include <cstdint>
#include <string>
#include <variant>

namespace mb::domain::ticket {

/// Ticket issued (status "Waiting"). Consumed by mypage.
struct Created {
    static constexpr const char* kType = "Created";
    static constexpr const char* kPublisher = "ticket";  ///< ordering: per publisher, per booking
    std::int64_t ticket_id = 0;
    std::int64_t booking_id = 0;
    std::string customer_id;
    std::string movie_name;
    std::string seat;
    std::int64_t qty = 0;
    std::string status;  ///< "Waiting"
};

/// Ticket collected at the cinema. Consumed by booking (-> PrintComplete) and mypage.
struct Printed {
    static constexpr const char* kType = "Printed";
    static constexpr const char* kPublisher = "ticket";  ///< ordering: per publisher, per booking
    std::int64_t ticket_id = 0;
    std::int64_t booking_id = 0;
    std::string status;  ///< "Printed"
};

using TicketEvent = std::variant<Created, Printed>;

}  // namespace mb::domain::ticket
