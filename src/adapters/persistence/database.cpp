#include "adapters/persistence/database.hpp"

#include <mutex>
#include <stdexcept>

#include <soci/sqlite3/soci-sqlite3.h>
#include <spdlog/spdlog.h>

#include "adapters/logging/logging.hpp"

namespace mb::adapters::persistence {
namespace {

spdlog::logger& sqlite_log() {
    static const auto logger = mb::adapters::logging::module_logger("sqlite");
    return *logger;
}

std::vector<std::string> split_statements(const std::string& sql) {
    std::vector<std::string> out;
    std::string current;
    for (const char c : sql) {
        if (c == ';') {
            if (current.find_first_not_of(" \t\r\n") != std::string::npos)
                out.push_back(current);
            current.clear();
        } else {
            current += c;
        }
    }
    if (current.find_first_not_of(" \t\r\n") != std::string::npos)
        out.push_back(current);
    return out;
}

/// Process-wide SQLite settings, applied once before the first connection opens:
/// - multi-thread mode: a connection is only ever used by its module's strand (one thread at a
///   time), so SQLite's per-connection mutex is pure overhead;
/// - no memory statistics: they take a global mutex on every allocation, which five modules
///   on two threads contend for.
void configure_sqlite_once() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (sqlite_api::sqlite3_config(SQLITE_CONFIG_MULTITHREAD) != SQLITE_OK ||
            sqlite_api::sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK) {
            sqlite_log().warn("could not apply process-wide configuration (already in use)");
        }
    });
}

}  // namespace

std::int64_t to_epoch_ms(std::chrono::system_clock::time_point t) noexcept {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::chrono::system_clock::time_point from_epoch_ms(std::int64_t ms) noexcept {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(ms));
}

void finish(soci::statement&
                statement) noexcept {  // NOLINT(cppcoreguidelines-pro-type-static-cast-downcast)
    // Only Database sessions reach here, so the backend is SQLite's (SOCI does not
    // export its typeinfo, so no dynamic_cast).
    if (auto* be = static_cast<soci::sqlite3_statement_backend*>(statement.get_backend())) {
        if (be->stmt_ != nullptr) {
            sqlite_api::sqlite3_reset(be->stmt_);
            be->databaseReady_ = false;
        }
    }
}

std::int64_t insert_returning(soci::statement& insert, const long long& key) {
    const bool returned = insert.execute(true);
    finish(insert);
    if (!returned)
        throw std::logic_error("an INSERT … RETURNING statement returned no row");
    return static_cast<std::int64_t>(key);
}

int sqlite_result_code(const soci::soci_error& e) noexcept {
    if (const auto* se = dynamic_cast<const soci::sqlite3_soci_error*>(&e))
        return se->result();
    return 0;
}

Database::Database(std::filesystem::path file, const std::vector<Migration>& migrations,
                               std::chrono::milliseconds busy_timeout)
    : file_(std::move(file)) {
    configure_sqlite_once();
    session_.open(soci::sqlite3, "db=" + file_.string() +
                                     " timeout=" + std::to_string(busy_timeout.count() / 1000 + 1));
    // Pragmas are per connection (ARCHITECTURE.md): set them on every one we open.
    session_ << "PRAGMA journal_mode=WAL";
    session_ << "PRAGMA synchronous=NORMAL";
    session_ << "PRAGMA busy_timeout=" + std::to_string(busy_timeout.count());
    session_ << "PRAGMA foreign_keys=ON";
    session_ << "PRAGMA temp_store=MEMORY";
    // One connection owns each file (ARCHITECTURE.md: no table is read by two modules): hold the
    // lock for the connection's life, so WAL needs no shared-memory locking per transaction.
    session_ << "PRAGMA locking_mode=EXCLUSIVE";
    session_ << "PRAGMA cache_size=-16000";  // 16 MiB page cache
    migrate(migrations);
    begin_ = std::make_unique<soci::statement>((session_.prepare << "BEGIN IMMEDIATE"));
    commit_ = std::make_unique<soci::statement>((session_.prepare << "COMMIT"));
    savepoint_ = std::make_unique<soci::statement>((session_.prepare << "SAVEPOINT job"));
    release_ = std::make_unique<soci::statement>((session_.prepare << "RELEASE job"));
    rollback_to_ = std::make_unique<soci::statement>((session_.prepare << "ROLLBACK TO job"));
}

Database::~Database() {
    // Prepared statements must be finalised before the session closes.
    begin_.reset();
    commit_.reset();
    savepoint_.reset();
    release_.reset();
    rollback_to_.reset();
}

void Database::migrate(const std::vector<Migration>& migrations) {
    session_ << "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, "
                "description TEXT NOT NULL, applied_at BIGINT NOT NULL)";
    const auto current = schema_version();
    std::int64_t latest = 0;
    for (const auto& m : migrations)
        latest = std::max(latest, m.version);
    if (current > latest) {
        throw std::runtime_error("database " + file_.string() + " has schema version " +
                                 std::to_string(current) + ", newer than this binary (" +
                                 std::to_string(latest) + ")");
    }
    for (const auto& m : migrations) {
        if (m.version <= current)
            continue;
        soci::transaction tx(session_);
        for (const auto& statement : split_statements(m.sql))
            session_ << statement;
        const auto now = to_epoch_ms(std::chrono::system_clock::now());
        session_ << "INSERT INTO schema_migrations(version, description, applied_at) "
                    "VALUES(:v, :d, :t)",
            soci::use(m.version), soci::use(m.description), soci::use(now);
        tx.commit();
        sqlite_log().info("{}: applied migration {} ({})", file_.filename().string(), m.version,
                          m.description);
    }
}

std::int64_t Database::schema_version() {
    std::int64_t version = 0;
    soci::indicator ind = soci::i_null;
    session_ << "SELECT MAX(version) FROM schema_migrations", soci::into(version, ind);
    return ind == soci::i_ok ? version : 0;
}

void Database::begin() {
    begin_->execute(true);
}
void Database::commit() {
    commit_->execute(true);
    ++commits_;
}
bool Database::in_transaction() noexcept {
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-static-cast-downcast): see finish()
    auto* be = static_cast<soci::sqlite3_session_backend*>(session_.get_backend());
    return be != nullptr && be->conn_ != nullptr &&
           sqlite_api::sqlite3_get_autocommit(be->conn_) == 0;
}
void Database::rollback() noexcept {
    try {
        session_ << "ROLLBACK";
    } catch (const std::exception& e) {
        sqlite_log().error("{}: rollback failed: {}", file_.filename().string(), e.what());
    }
}
void Database::savepoint() {
    savepoint_->execute(true);
}
void Database::release_savepoint() {
    release_->execute(true);
}
void Database::rollback_to_savepoint() {
    rollback_to_->execute(true);
    release_->execute(true);
}
void Database::checkpoint() {
    session_ << "PRAGMA wal_checkpoint(PASSIVE)";
}

}  // namespace mb::adapters::persistence
