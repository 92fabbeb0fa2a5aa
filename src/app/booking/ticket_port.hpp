#pragma once
// TicketPort: booking asks ticket, synchronously, to withdraw a booking's ticket before the
// booking is cancelled, so that cancel and print racing on one booking have exactly one winner
// (MISSION.md, invariant 2). Declared in booking's terms; implemented by adapters/inprocess.
#include <cstdint>
#include <functional>

#include "domain/common/result.hpp"

namespace mb::app::booking {

enum class WithdrawOutcome {
    kWithdrawn,        ///< no ticket can be printed for this booking any more
    kAlreadyPrinted,   ///< the ticket was collected: the cancel loses
    kPrintInProgress,  ///< a print holds the ticket right now: the cancel loses
};

/// Callbacks run exactly once, on any thread; errors are app::PortError values.
class TicketPort {
public:
    virtual ~TicketPort() = default;
    virtual void withdraw(std::int64_t booking_id,
                          std::function<void(domain::Result<WithdrawOutcome>)> done) = 0;
};

}  // namespace mb::app::booking
