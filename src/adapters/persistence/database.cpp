#include "adapters/persistence/database.hpp"

#include <algorithm>
#include <mutex>
#include <stdexcept>

#include <boost/url/parse.hpp>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <spdlog/spdlog.h>

#include "adapters/logging/logging.hpp"

namespace mb::adapters::persistence {
namespace {

/// The dialect's logger: `sqlite` or `postgresql` is the module field of its lines.
spdlog::logger& storage_log(Dialect dialect = Dialect::kSqlite) {
    static const auto sqlite = mb::adapters::logging::module_logger("sqlite");
    static const auto postgresql = mb::adapters::logging::module_logger("postgresql");
    return dialect == Dialect::kSqlite ? *sqlite : *postgresql;
}

bool valid_schema_name(std::string_view name) {
    if (name.empty() || name.size() > 63)
        return false;
    for (std::size_t i = 0; i < name.size(); ++i) {
        const char c = name[i];
        const bool ok = (c >= 'a' && c <= 'z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
        if (!ok)
            return false;
    }
    return true;
}

/// A libpq keyword value, quoted when it needs to be (libpq: single quotes, backslash escapes).
std::string conninfo_value(std::string_view value) {
    const bool plain = !value.empty() && value.find_first_of(" \t\n'\\") == std::string_view::npos;
    if (plain)
        return std::string(value);
    std::string out = "'";
    for (const char c : value) {
        if (c == '\'' || c == '\\')
            out += '\\';
        out += c;
    }
    out += '\'';
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
            storage_log().warn("could not apply process-wide configuration (already in use)");
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

std::int64_t Database::insert_returning(soci::statement& insert, const long long& key) {
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

std::string postgresql_sqlstate(const soci::soci_error& e) {
    if (const auto* pe = dynamic_cast<const soci::postgresql_soci_error*>(&e))
        return pe->sqlstate();
    return {};
}

bool is_unique_violation(const soci::soci_error& e) noexcept {
    const int code = sqlite_result_code(e);
    if (code == 2067 /* SQLITE_CONSTRAINT_UNIQUE */ || code == 1555 /* _PRIMARYKEY */)
        return true;
    try {
        return postgresql_sqlstate(e) == "23505";
    } catch (...) {
        return false;
    }
}

bool is_transient_conflict(const soci::soci_error& e) noexcept {
    try {
        const auto state = postgresql_sqlstate(e);
        return state == "40P01" || state == "55P03" || state == "40001";
    } catch (...) {
        return false;
    }
}

DatabaseLocation DatabaseLocation::sqlite(std::filesystem::path file) {
    DatabaseLocation out;
    out.dialect = Dialect::kSqlite;
    out.file = std::move(file);
    return out;
}

DatabaseLocation DatabaseLocation::postgresql(std::string_view url, std::string schema) {
    if (!valid_schema_name(schema))
        throw std::invalid_argument("'" + schema +
                                    "' is not a schema name (lower-case letters, digits, _)");
    DatabaseLocation out;
    out.dialect = Dialect::kPostgresql;
    out.conninfo = postgresql_conninfo(url);
    out.schema = std::move(schema);
    // describe(): host, port and database from the URL, never the password.
    const auto parsed = boost::urls::parse_uri(url);
    out.file.clear();
    out.display_ = out.schema + "@" + std::string(parsed->encoded_host()) +
                   (parsed->has_port() ? ":" + std::string(parsed->port()) : "") +
                   std::string(parsed->encoded_path());
    return out;
}

std::string DatabaseLocation::describe() const {
    return dialect == Dialect::kSqlite ? file.string() : "postgresql " + display_;
}

std::string postgresql_conninfo(std::string_view url) {
    const auto parsed = boost::urls::parse_uri(url);
    if (!parsed)
        throw std::invalid_argument("not a URL: " + parsed.error().message());
    const auto& u = *parsed;
    if (u.scheme() != "postgresql" && u.scheme() != "postgres")
        throw std::invalid_argument("the URL's scheme must be postgresql://, not " +
                                    std::string(u.scheme()) + "://");
    if (!u.has_authority() || u.host().empty())
        throw std::invalid_argument("the URL names no host (postgresql://USER@HOST:PORT/DBNAME)");
    std::string dbname = u.path();
    if (!dbname.empty() && dbname.front() == '/')
        dbname.erase(0, 1);
    if (dbname.empty() || dbname.find('/') != std::string::npos)
        throw std::invalid_argument(
            "the URL names no database (postgresql://USER@HOST:PORT/DBNAME)");
    std::string out = "host=" + conninfo_value(u.host());
    if (u.has_port())
        out += " port=" + conninfo_value(u.port());
    if (u.has_userinfo() && !u.user().empty())
        out += " user=" + conninfo_value(u.user());
    if (u.has_password())
        out += " password=" + conninfo_value(u.password());
    out += " dbname=" + conninfo_value(dbname);
    for (const auto param : u.params()) {
        if (param.key.empty() ||
            !std::all_of(param.key.begin(), param.key.end(),
                         [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; }))
            throw std::invalid_argument("'" + param.key + "' is not a libpq connection keyword");
        out += " " + param.key + "=" + conninfo_value(param.value);
    }
    return out;
}

std::string expand_placeholders(std::string_view statement, Dialect dialect) {
    std::string out;
    out.reserve(statement.size() + 32);
    std::size_t at = 0;
    while (at < statement.size()) {
        const auto open = statement.find('{', at);
        if (open == std::string_view::npos) {
            out.append(statement.substr(at));
            break;
        }
        const auto close = statement.find('}', open);
        if (close == std::string_view::npos)
            throw std::invalid_argument("unclosed '{' in migration: " + std::string(statement));
        out.append(statement.substr(at, open - at));
        const auto name = statement.substr(open + 1, close - open - 1);
        if (name == "key") {
            out += dialect == Dialect::kSqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT"
                                               : "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
        } else if (name == "without_rowid") {
            out += dialect == Dialect::kSqlite ? " WITHOUT ROWID" : "";
        } else {
            throw std::invalid_argument("unknown migration placeholder {" + std::string(name) + "}");
        }
        at = close + 1;
    }
    return out;
}

Database::Database(std::filesystem::path file, const std::vector<Migration>& migrations,
                   std::chrono::milliseconds busy_timeout)
    : Database(DatabaseLocation::sqlite(std::move(file)), migrations, busy_timeout) {}

Database::Database(const DatabaseLocation& location, const std::vector<Migration>& migrations,
                   std::chrono::milliseconds busy_timeout)
    : location_(location) {
    if (location_.dialect == Dialect::kSqlite) {
        open_sqlite(busy_timeout);
        migrate(migrations);
    } else {
        open_postgresql(busy_timeout);
        // Replicas starting together: one applies each step, the others wait and see it done.
        // A session-level advisory lock keyed by the schema, held across the whole pass.
        const std::string key = "movie-booking migrations " + location_.schema;
        session_ << "SELECT pg_advisory_lock(hashtext(:k))", soci::use(key);
        try {
            session_ << "CREATE SCHEMA IF NOT EXISTS " + location_.schema;
            migrate(migrations);
        } catch (...) {
            try {
                session_ << "SELECT pg_advisory_unlock(hashtext(:k))", soci::use(key);
            } catch (...) {  // the connection closes with the object, releasing the lock
            }
            throw;
        }
        session_ << "SELECT pg_advisory_unlock(hashtext(:k))", soci::use(key);
    }
    prepare_unit_of_work();
}

void Database::open_sqlite(std::chrono::milliseconds busy_timeout) {
    configure_sqlite_once();
    session_.open(soci::sqlite3, "db=" + location_.file.string() + " timeout=" +
                                     std::to_string(busy_timeout.count() / 1000 + 1));
    // Extended result codes: a unique violation (2067) is told from other constraints (19).
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-static-cast-downcast): see finish()
    auto* be = static_cast<soci::sqlite3_session_backend*>(session_.get_backend());
    sqlite_api::sqlite3_extended_result_codes(be->conn_, 1);
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
}

void Database::open_postgresql(std::chrono::milliseconds busy_timeout) {
    session_.open(soci::postgresql, location_.conninfo);
    // search_path is per connection: only the module's schema, so unqualified names never
    // reach another module's tables (ARCHITECTURE.md: no table is read by two modules).
    session_ << "SET client_min_messages = warning";  // no NOTICE lines on stderr
    session_ << "SET search_path TO " + location_.schema;
    // The busy timeout's analogue: a row or table lock waited for longer fails the job.
    session_ << "SET lock_timeout = " + std::to_string(busy_timeout.count());
    session_ << "SET application_name = 'movie-booking " + location_.schema + "'";
}

void Database::prepare_unit_of_work() {
    begin_ = std::make_unique<soci::statement>((session_.prepare << (
                 location_.dialect == Dialect::kSqlite ? "BEGIN IMMEDIATE" : "BEGIN")));
    commit_ = std::make_unique<soci::statement>((session_.prepare << "COMMIT"));
    savepoint_ = std::make_unique<soci::statement>((session_.prepare << "SAVEPOINT job"));
    release_ = std::make_unique<soci::statement>((session_.prepare << "RELEASE SAVEPOINT job"));
    rollback_to_ =
        std::make_unique<soci::statement>((session_.prepare << "ROLLBACK TO SAVEPOINT job"));
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
        throw std::runtime_error("database " + location_.describe() + " has schema version " +
                                 std::to_string(current) + ", newer than this binary (" +
                                 std::to_string(latest) + ")");
    }
    for (const auto& m : migrations) {
        if (m.version > current)
            apply(m);
    }
}

void Database::apply(const Migration& m) {
    const auto& statements = location_.dialect == Dialect::kPostgresql && m.postgresql
                                 ? *m.postgresql
                                 : m.statements;
    soci::transaction tx(session_);
    for (const auto& statement : statements)
        session_ << expand_placeholders(statement, location_.dialect);
    const auto now = to_epoch_ms(std::chrono::system_clock::now());
    session_ << "INSERT INTO schema_migrations(version, description, applied_at) "
                "VALUES(:v, :d, :t)",
        soci::use(m.version), soci::use(m.description), soci::use(now);
    tx.commit();
    storage_log(location_.dialect)
        .info("{}: applied migration {} ({})", log_name(), m.version, m.description);
}

std::int64_t Database::schema_version() {
    std::int64_t version = 0;
    soci::indicator ind = soci::i_null;
    session_ << "SELECT MAX(version) FROM schema_migrations", soci::into(version, ind);
    return ind == soci::i_ok ? version : 0;
}

void Database::finish(soci::statement& statement) noexcept {
    if (location_.dialect != Dialect::kSqlite)
        return;
    // The backend is SQLite's (SOCI does not export its typeinfo, so no dynamic_cast).
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-static-cast-downcast)
    if (auto* be = static_cast<soci::sqlite3_statement_backend*>(statement.get_backend())) {
        if (be->stmt_ != nullptr) {
            sqlite_api::sqlite3_reset(be->stmt_);
            be->databaseReady_ = false;
        }
    }
}

std::string Database::log_name() const {
    return location_.dialect == Dialect::kSqlite ? location_.file.filename().string()
                                                  : location_.describe();
}

void Database::begin() {
    begin_->execute(true);
}
void Database::commit() {
    commit_->execute(true);
    ++commits_;
}
bool Database::in_transaction() noexcept {
    if (location_.dialect == Dialect::kPostgresql) {
        // NOLINTNEXTLINE(cppcoreguidelines-pro-type-static-cast-downcast): see finish()
        auto* be = static_cast<soci::postgresql_session_backend*>(session_.get_backend());
        return be != nullptr && be->conn_ != nullptr &&
               PQtransactionStatus(be->conn_) != PQTRANS_IDLE;
    }
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-static-cast-downcast): see finish()
    auto* be = static_cast<soci::sqlite3_session_backend*>(session_.get_backend());
    return be != nullptr && be->conn_ != nullptr &&
           sqlite_api::sqlite3_get_autocommit(be->conn_) == 0;
}
void Database::rollback() noexcept {
    try {
        session_ << "ROLLBACK";
    } catch (const std::exception& e) {
        storage_log(location_.dialect).error("{}: rollback failed: {}", log_name(), e.what());
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
    if (location_.dialect == Dialect::kSqlite)
        session_ << "PRAGMA wal_checkpoint(PASSIVE)";
}

}  // namespace mb::adapters::persistence
