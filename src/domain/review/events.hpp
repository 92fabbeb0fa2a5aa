#pragma once
// The review context's published language (MISSION.md, "Events").
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

namespace mb::domain::review {

/// Review record opened at print (status "Waiting Review"). Consumed by mypage.
struct WaitedReview {
    static constexpr const char* kType = "WaitedReview";
    static constexpr const char* kPublisher = "review";  ///< ordering: per publisher, per booking
    std::int64_t review_id = 0;
    std::int64_t booking_id = 0;
    std::string weather;
    std::string status;  ///< "Waiting Review"
};

/// Review written. Consumed by booking (-> ReviewComplete) and mypage.
struct WrittenReview {
    static constexpr const char* kType = "WrittenReview";
    static constexpr const char* kPublisher = "review";  ///< ordering: per publisher, per booking
    std::int64_t review_id = 0;
    std::int64_t booking_id = 0;
    std::int64_t score = 0;  ///< 0..10
    std::string contents;
    std::string weather;
    std::string status;  ///< "Written"
};

using ReviewEvent = std::variant<WaitedReview, WrittenReview>;

}  // namespace mb::domain::review
