#pragma once
// Driven port: where reviews are kept. Runs inside the review module's unit of work; throws on
// infrastructure failure; not thread-safe.
#include <cstdint>
#include <optional>
#include <string>

#include "domain/common/page.hpp"
#include "domain/review/review.hpp"

namespace mb::domain::review {

class ReviewRepository {
public:
    virtual ~ReviewRepository() = default;
    /// Stores a new review and assigns its id. One review per booking (unique).
    virtual void add(Review& review) = 0;
    virtual void update(const Review& review) = 0;
    [[nodiscard]] virtual std::optional<Review> find(std::int64_t id) = 0;
    [[nodiscard]] virtual std::optional<Review> find_by_booking(std::int64_t booking_id) = 0;
    [[nodiscard]] virtual Page<Review> list(const PageRequest& page) = 0;
    /// Reviews of one customer (`customer_id` exact), by id ascending (issue 9: collections are
    /// filtered to the caller).
    [[nodiscard]] virtual Page<Review> list_by_customer(const std::string& customer_id,
                                                    const PageRequest& page) = 0;
};

}  // namespace mb::domain::review
