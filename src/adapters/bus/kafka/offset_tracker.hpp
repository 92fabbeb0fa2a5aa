#pragma once
// OffsetTracker: which offset of each partition a consumer group may commit (ARCHITECTURE.md,
// "Envelope": offsets committed only after the consumer's transaction commits).
//
// Messages of a partition are handed out in offset order but acknowledged in any order (the
// module applies other bookings' events concurrently). The committable position of a partition
// is the lowest offset handed out and not yet acknowledged — or, when none is outstanding, one
// past the highest handed out. A crash therefore redelivers at most the outstanding messages
// and those after them; the inbox skips the ones already applied.
//
// Thread-safety: every member may be called from any thread (one internal mutex).
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

namespace mb::adapters::bus::kafka {

class OffsetTracker {
public:
    /// A message at `offset` of `partition` was handed to the consumer.
    void fetched(std::int32_t partition, std::int64_t offset);
    /// A message at `offset` needs nothing (not for this consumer): like fetched + done.
    void skipped(std::int32_t partition, std::int64_t offset);
    /// The message's effect committed. Unknown (e.g. revoked) offsets are ignored.
    void done(std::int32_t partition, std::int64_t offset);
    /// Forgets `partition` (revoked: its new owner starts from the committed offset).
    void forget(std::int32_t partition);
    void forget_all();

    /// Partitions whose committable position advanced since the last call, with that position
    /// (the offset of the next message to consume, as Kafka stores it).
    [[nodiscard]] std::vector<std::pair<std::int32_t, std::int64_t>> take_advanced();
    /// Messages handed out and not yet acknowledged, over all partitions.
    [[nodiscard]] std::size_t outstanding() const;

private:
    struct Partition {
        std::set<std::int64_t> pending;
        std::int64_t next = -1;    ///< highest offset handed out + 1
        std::int64_t stored = -1;  ///< position last returned by take_advanced
    };
    mutable std::mutex mutex_;
    std::map<std::int32_t, Partition> partitions_;
    std::size_t outstanding_ = 0;
};

}  // namespace mb::adapters::bus::kafka
