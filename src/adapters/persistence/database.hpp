#pragma once
// One module's own SQLite database file (ARCHITECTURE.md, "Storage: each module owns its
// database"): a SOCI session with the pragmas set on this connection (WAL,
// synchronous=NORMAL, busy timeout, foreign keys), versioned migrations applied at start-up,
// and prepared transaction-control statements for the module's unit of work.
// Not thread-safe: owned by one module and used only on its strand.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <soci/soci.h>

namespace mb::adapters::persistence {

/// One schema step. Versions start at 1 and increase by one; `sql` may hold several
/// statements separated by ';'. A migration that was applied is never edited — add a new one.
struct Migration {
    std::int64_t version = 0;
    std::string description;
    std::string sql;
};

class Database {
public:
    /// Opens or creates `file` (its directory must exist), sets pragmas and applies the
    /// migrations not applied yet, each in its own transaction. Throws soci::soci_error or
    /// std::runtime_error (a database newer than this binary, a failed migration).
    Database(std::filesystem::path file, const std::vector<Migration>& migrations,
                   std::chrono::milliseconds busy_timeout = std::chrono::milliseconds(5000));
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    ~Database();

    [[nodiscard]] soci::session& session() noexcept { return session_; }
    [[nodiscard]] const std::filesystem::path& file() const noexcept { return file_; }
    /// Highest applied migration version.
    [[nodiscard]] std::int64_t schema_version();

    // Unit-of-work control (prepared once). Throw soci::soci_error.
    void begin();
    void commit();
    void rollback() noexcept;
    void savepoint();
    void release_savepoint();
    void rollback_to_savepoint();
    /// Runs `PRAGMA wal_checkpoint(PASSIVE)` outside a transaction; keeps the WAL short.
    void checkpoint();

    /// How many transactions `commit()` has committed on this connection. Lets a cache of
    /// committed rows tell when a write it saw inside a transaction became durable.
    [[nodiscard]] std::uint64_t commits() const noexcept { return commits_; }
    /// Whether a transaction is open on this connection (SQLite's autocommit flag is off).
    [[nodiscard]] bool in_transaction() noexcept;

private:
    void migrate(const std::vector<Migration>& migrations);

    std::filesystem::path file_;
    soci::session session_;
    std::unique_ptr<soci::statement> begin_;
    std::unique_ptr<soci::statement> commit_;
    std::unique_ptr<soci::statement> savepoint_;
    std::unique_ptr<soci::statement> release_;
    std::unique_ptr<soci::statement> rollback_to_;
    std::uint64_t commits_ = 0;
};

/// Milliseconds since the Unix epoch, the unit of every timestamp column.
[[nodiscard]] std::int64_t to_epoch_ms(std::chrono::system_clock::time_point t) noexcept;
[[nodiscard]] std::chrono::system_clock::time_point from_epoch_ms(std::int64_t ms) noexcept;

/// Resets a prepared SELECT after its last wanted row so it holds no read snapshot (a
/// half-read statement pins the WAL: CONVENTIONS.md, SOCI facts). Safe on any statement.
void finish(soci::statement& statement) noexcept;

/// Runs a prepared `INSERT … RETURNING <key>` whose `soci::into` is bound to `key` and returns
/// the new row's key. Why not get_last_insert_id: SOCI's PostgreSQL backend does not implement
/// it (every id would silently be 0), while RETURNING is accepted by SQLite (>= 3.35) and
/// PostgreSQL alike (issue 12). Resets the statement afterwards (finish). Throws what the
/// INSERT throws (soci::soci_error), and std::logic_error when it returned no row (no RETURNING
/// clause). Not thread-safe: the module's strand only.
[[nodiscard]] std::int64_t insert_returning(soci::statement& insert, const long long& key);

/// SQLite's extended result code of a soci_error raised by the sqlite3 backend, or 0.
/// (SOCI reports the category as `unknown` for constraint violations: CONVENTIONS.md.)
[[nodiscard]] int sqlite_result_code(const soci::soci_error& e) noexcept;

}  // namespace mb::adapters::persistence
