#pragma once
// The payment context's published language (MISSION.md, "Events").
#include <cstdint>
#include <string>
#include <variant>

namespace mb::domain::payment {

/// Payment approved. Consumed by mypage.
struct Paid {
    static constexpr const char* kType = "Paid";
    static constexpr const char* kPublisher = "payment";  ///< ordering: per publisher, per booking
    std::int64_t payment_id = 0;
    std::int64_t booking_id = 0;
    std::string customer_id;
    std::int64_t total_price = 0;  ///< KRW
    std::string status;            ///< "Paid"
};

/// Payment refunded: its booking was cancelled, or never completed. Consumed by mypage.
struct PaymentCanceled {
    static constexpr const char* kType = "PaymentCanceled";
    static constexpr const char* kPublisher = "payment";  ///< ordering: per publisher, per booking
    std::int64_t payment_id = 0;
    std::int64_t booking_id = 0;
    std::string customer_id;
    std::int64_t total_price = 0;  ///< KRW
    std::string status;            ///< "Canceled"
};

using PaymentEvent = std::variant<Paid, PaymentCanceled>;

}  // namespace mb::domain::payment
