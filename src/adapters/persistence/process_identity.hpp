#pragma once
// Which process wrote a row, for tables that replicas share on PostgreSQL (issue 12): the
// outbox rows a relay has claimed, the Pending bookings a live saga is working on.
#include <string>

namespace mb::adapters::persistence {

/// `instance` names a replica and stays the same across its restarts (--instance-id; by
/// default host name + data directory); `run` is new with every start. A row of an earlier run
/// of this instance belongs to a process that is gone, so it is settled at once; another
/// instance's row only once its lease or safe age has passed (it may be alive).
struct ProcessIdentity {
    std::string instance;
    std::string run;
};

}  // namespace mb::adapters::persistence
