#pragma once
// ReviewPort: ticket's synchronous need of review (MISSION.md, "Transactions": a ticket cannot
// be printed unless its review record was created). Declared in ticket's terms.
#include <cstdint>
#include <functional>
#include <string>

#include "domain/common/result.hpp"

namespace mb::app::ticket {

struct ReviewOpened {
    std::int64_t review_id = 0;
};

/// Callbacks run exactly once, on any thread; errors are app::PortError values (or review's own
/// errors), all of which make the print fail with "print again shortly".
class ReviewPort {
public:
    virtual ~ReviewPort() = default;
    /// Opens the review record of `booking_id`, owned by `customer_id` (the ticket's
    /// customer: only they write it, issue 9).
    virtual void open(std::int64_t booking_id, std::string customer_id,
                      std::function<void(domain::Result<ReviewOpened>)> done) = 0;
};

}  // namespace mb::app::ticket
