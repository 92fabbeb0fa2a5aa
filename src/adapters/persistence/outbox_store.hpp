#pragma once
// The outbox table of one module (ARCHITECTURE.md, "Outbox"): events written in the same
// transaction as the state change that caused them, kept until every subscriber has them.
// Not thread-safe: used only on the owning module's strand.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "adapters/codec/envelope.hpp"
#include "adapters/persistence/database.hpp"

namespace mb::adapters::persistence {

/// One outbox entry; `seq` orders entries in commit order within the module.
struct OutboxRecord {
    std::int64_t seq = 0;
    std::shared_ptr<const codec::Envelope> envelope;
};

/// Claims on outbox rows, for a table that replicas share (PostgreSQL; issue 12): every row
/// names the relay that publishes it (`owner`, the replica's instance id) and until when
/// (`lease`, renewed while the owner lives). Another replica takes a row over only once its
/// lease has passed. `enabled` false (SQLite, one process per file): rows are written
/// unclaimed and nothing else changes.
struct OutboxClaims {
    bool enabled = false;
    std::string owner;
    std::chrono::milliseconds lease{30000};
};

class OutboxStore {
public:
    explicit OutboxStore(Database& db, OutboxClaims claims = {});

    /// Appends inside the current transaction; the record also joins the in-memory list of
    /// entries written since the last take_written() (handed to the relay after commit).
    /// With claims: the row is claimed by this owner, and older rows of the same booking that
    /// another owner still holds are claimed too and join the list first, so that this relay
    /// publishes them before the new one (strict order per booking even when the other replica
    /// died before publishing; if it was only slow, consumers drop the duplicate by event id).
    void append(codec::Envelope envelope);
    /// Entries written by the batch that just committed, in commit order.
    [[nodiscard]] std::vector<OutboxRecord> take_written();
    /// Savepoint support: how many entries the current batch has written so far, and dropping
    /// those written after such a mark (their job was rolled back).
    [[nodiscard]] std::size_t written_mark() const noexcept { return written_.size(); }
    void truncate_written(std::size_t mark);
    /// The whole batch was rolled back.
    void discard_written() noexcept { written_.clear(); }

    /// Entries not yet delivered (start-up recovery), oldest first, at most `limit`, with
    /// seq > `after`.
    [[nodiscard]] std::vector<OutboxRecord> undelivered(std::int64_t after, std::int64_t limit);
    /// Claims: extends the lease of every row this owner holds to now + lease. One UPDATE.
    void renew_claims(std::chrono::system_clock::time_point now);
    /// Claims: takes over, oldest first, at most `limit` rows whose lease has passed — and with
    /// `own_too` this owner's rows whatever their lease (start-up: an earlier run of this
    /// instance is gone) — and returns them in seq order. On PostgreSQL the rows are picked
    /// with FOR UPDATE SKIP LOCKED, so two replicas never take the same row.
    [[nodiscard]] std::vector<OutboxRecord> claim_expired(std::chrono::system_clock::time_point now,
                                                          std::int64_t limit, bool own_too);
    [[nodiscard]] const OutboxClaims& claims() const noexcept { return claims_; }

    /// Removes delivered entries (every subscriber has applied them / the broker has them).
    void remove(const std::vector<std::int64_t>& seqs);
    /// Number of entries waiting for delivery.
    [[nodiscard]] std::int64_t backlog();

private:
    /// Which rows claim() takes: lapsed leases; lapsed leases and this owner's own; one
    /// booking's rows another owner holds.
    enum class ClaimScope { kExpired, kExpiredOrOwn, kBookingOfOthers };
    [[nodiscard]] std::vector<OutboxRecord> claim(ClaimScope scope, std::int64_t limit,
                                                  std::chrono::system_clock::time_point now);

    Database& db_;
    OutboxClaims claims_;
    std::vector<OutboxRecord> written_;
    // Bound buffers of the prepared insert.
    std::string event_id_, event_type_, timestamp_, payload_, request_id_;
    std::int64_t booking_id_ = 0, created_at_ = 0, seq_ = 0, claimed_until_ = 0;
    long long inserted_key_ = 0;  ///< INSERT … RETURNING's output
    soci::statement insert_;
    soci::statement delete_;
};

/// The outbox migration every module includes (its own file, next to its tables).
[[nodiscard]] Migration outbox_and_inbox_migration(std::int64_t version);
/// Index for InboxStore::prune (every module includes it after the outbox migration).
[[nodiscard]] Migration inbox_retention_migration(std::int64_t version);
/// outbox.request_id (Envelope::request_id; '' for the rows written before it).
[[nodiscard]] Migration outbox_request_id_migration(std::int64_t version);
/// outbox.claimed_by / claimed_until (OutboxClaims; '' and 0: unclaimed) and the indexes the
/// take-over and the per-booking adoption use.
[[nodiscard]] Migration outbox_claims_migration(std::int64_t version);

}  // namespace mb::adapters::persistence
