// Database on a real file: versioned migrations applied once (idempotent on reopen), a
// database newer than the binary refused, and the per-connection pragmas (ARCHITECTURE.md,
// "Storage").
#include "adapters/persistence/database.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include <catch2/catch.hpp>

#include "adapters/persistence/dead_letter_store.hpp"
#include "adapters/persistence/sql_booking_repository.hpp"
#include "adapters/persistence/sql_my_page_repository.hpp"
#include "adapters/persistence/sql_payment_repository.hpp"
#include "adapters/persistence/sql_review_repository.hpp"
#include "adapters/persistence/sql_ticket_repository.hpp"
#include "persistence_test_support.hpp"

namespace mb::adapters::persistence::test {
namespace {

std::int64_t latest(const std::vector<Migration>& migrations) {
    std::int64_t v = 0;
    for (const auto& m : migrations)
        v = std::max(v, m.version);
    return v;
}

std::int64_t count(Database& db, const std::string& table) {
    std::int64_t n = 0;
    db.session() << "SELECT COUNT(*) FROM " + table, soci::into(n);
    return n;
}

bool has_table(Database& db, const std::string& name) {
    std::int64_t n = 0;
    if (db.dialect() == Dialect::kSqlite) {
        db.session() << "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = :n",
            soci::use(name), soci::into(n);
    } else {
        db.session() << "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = "
                        "current_schema() AND table_name = :n",
            soci::use(name), soci::into(n);
    }
    return n == 1;
}

TEST_CASE("Database: a new file gets every migration, each recorded once",
          "[persistence][migrations]") {
    TempDir dir;
    const auto file = dir.file("items.db");
    Database db(at(file), item_migrations());
    CHECK(std::filesystem::exists(file) == (db.dialect() == Dialect::kSqlite));
    CHECK(db.schema_version() == 4);
    CHECK(count(db, "schema_migrations") == 4);
    CHECK(has_table(db, "items"));
    CHECK(has_table(db, "outbox"));
    CHECK(has_table(db, "inbox"));
}

TEST_CASE(
    "Database: each module's migrations end with the outbox and inbox in its own "
    "file, versions start at 1 and increase by one",
    "[persistence][migrations]") {
    struct Case {
        const char* module;
        std::vector<Migration> migrations;
        const char* table;
    };
    const Case cases[] = {{"booking", booking_migrations(), "bookings"},
                          {"payment", payment_migrations(), "payments"},
                          {"ticket", ticket_migrations(), "tickets"},
                          {"review", review_migrations(), "reviews"},
                          {"mypage", mypage_migrations(), "mypages"}};
    TempDir dir;
    for (const auto& c : cases) {
        INFO("module " << c.module);
        for (std::size_t i = 0; i < c.migrations.size(); ++i) {
            CHECK(c.migrations[i].version == static_cast<std::int64_t>(i) + 1);
        }
        Database db(at(dir.file(std::string(c.module) + ".db")), c.migrations);
        CHECK(db.schema_version() == latest(c.migrations));
        CHECK(db.schema_version() >= 2);
        CHECK(count(db, "schema_migrations") == static_cast<std::int64_t>(c.migrations.size()));
        CHECK(has_table(db, c.table));
        CHECK(has_table(db, "outbox"));
        CHECK(has_table(db, "inbox"));
    }
}

TEST_CASE("Database: reopening applies nothing again and keeps the data",
          "[persistence][migrations]") {
    TempDir dir;
    const auto file = dir.file("items.db");
    {
        Database db(at(file), item_migrations());
        insert_item(db, "kept");
    }
    for (int reopen = 0; reopen < 2; ++reopen) {
        Database db(at(file), item_migrations());  // would throw "table exists" if re-run
        CHECK(db.schema_version() == 4);
        CHECK(count(db, "schema_migrations") == 4);
        CHECK(item_names(db) == std::vector<std::string>{"kept"});
    }
}

TEST_CASE("Database: a later binary applies only the migrations that are new",
          "[persistence][migrations]") {
    TempDir dir;
    const auto file = dir.file("items.db");
    { Database db(at(file), item_migrations()); }
    auto newer = item_migrations();
    newer.push_back({5, "item colour", {"ALTER TABLE items ADD COLUMN colour TEXT"}});
    Database db(at(file), newer);
    CHECK(db.schema_version() == 5);
    CHECK(count(db, "schema_migrations") == 5);
    db.session() << "INSERT INTO items(name, colour) VALUES('a', 'red')";
}

TEST_CASE("Database: a database with a newer schema version than the binary is refused",
          "[persistence][migrations]") {
    TempDir dir;
    const auto file = dir.file("items.db");
    {
        Database db(at(file), item_migrations());
        db.session() << "INSERT INTO schema_migrations(version, description, applied_at) "
                        "VALUES(5, 'from the future', 0)";
    }
    try {
        Database db(at(file), item_migrations());
        FAIL("opening a newer database must throw");
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        CHECK(what.find("schema version 5") != std::string::npos);
    }
}

TEST_CASE("Database: a failing migration throws and leaves its step unapplied",
          "[persistence][migrations]") {
    TempDir dir;
    const auto file = dir.file("items.db");
    auto broken = item_migrations();
    broken.push_back({5, "broken", {"CREATE TABLE extra (x BIGINT)", "THIS IS NOT SQL"}});
    CHECK_THROWS(Database(at(file), broken));
    Database db(at(file), item_migrations());
    CHECK(db.schema_version() == 4);
    CHECK_FALSE(has_table(db, "extra"));  // the step's transaction was rolled back
}

TEST_CASE("Database: the connection runs WAL with synchronous=NORMAL and foreign keys",
          "[persistence][pragmas][sqlite]") {
    TempDir dir;
    Database db(at(dir.file("items.db")), item_migrations());
    std::string journal;
    db.session() << "PRAGMA journal_mode", soci::into(journal);
    CHECK(journal == "wal");
    int synchronous = -1;
    db.session() << "PRAGMA synchronous", soci::into(synchronous);
    CHECK(synchronous == 1);  // NORMAL
    int foreign_keys = -1;
    db.session() << "PRAGMA foreign_keys", soci::into(foreign_keys);
    CHECK(foreign_keys == 1);
}

TEST_CASE("Database: rollback_to_savepoint undoes one job, commit keeps the rest",
          "[persistence][transactions]") {
    TempDir dir;
    Database db(at(dir.file("items.db")), item_migrations());
    db.begin();
    db.savepoint();
    insert_item(db, "a");
    db.release_savepoint();
    db.savepoint();
    insert_item(db, "b");
    db.rollback_to_savepoint();
    db.savepoint();
    insert_item(db, "c");
    db.release_savepoint();
    db.commit();
    CHECK(item_names(db) == std::vector<std::string>{"a", "c"});

    db.begin();
    insert_item(db, "d");
    db.rollback();
    CHECK(item_names(db) == std::vector<std::string>{"a", "c"});
}

TEST_CASE("Epoch milliseconds: timestamps round-trip at millisecond precision", "[persistence]") {
    const std::chrono::system_clock::time_point t{std::chrono::milliseconds(1614123144123)};
    CHECK(to_epoch_ms(t) == 1614123144123);
    CHECK(from_epoch_ms(1614123144123) == t);
    CHECK(to_epoch_ms(t + std::chrono::microseconds(999)) == 1614123144123);
}

}  // namespace
}  // namespace mb::adapters::persistence::test

namespace mb::adapters::persistence::test {
namespace {

TEST_CASE(
    "insert_returning: two inserts through one prepared INSERT … RETURNING get distinct, "
    "increasing keys, the rows' own, and the transaction commits after them",
    "[persistence][sqlite]") {
    // Issue 12: ids come from RETURNING, not get_last_insert_id (which SOCI's PostgreSQL
    // backend does not implement). The statement is reset after its row, so COMMIT (and a
    // rollback to a savepoint) is not blocked by a write statement left in progress.
    TempDir dir;
    const auto file = dir.file("r.db");
    std::int64_t first = 0;
    std::int64_t second = 0;
    {
        Database db(at(file), item_migrations());
        std::string name;
        long long key = 0;
        soci::statement insert =
            (db.session().prepare << "INSERT INTO items(name) VALUES(:n) RETURNING id",
             soci::use(name), soci::into(key));
        db.begin();
        name = "a";
        first = db.insert_returning(insert, key);
        name = "b";
        second = db.insert_returning(insert, key);
        db.savepoint();
        name = "c";
        CHECK(db.insert_returning(insert, key) > second);
        db.rollback_to_savepoint();  // undoes "c" alone
        db.commit();
        CHECK(first > 0);
        CHECK(second > first);
    }
    Database reopened(at(file), item_migrations());
    std::int64_t id_a = 0;
    std::int64_t id_b = 0;
    reopened.session() << "SELECT id FROM items WHERE name = 'a'", soci::into(id_a);
    reopened.session() << "SELECT id FROM items WHERE name = 'b'", soci::into(id_b);
    CHECK(id_a == first);
    CHECK(id_b == second);
    CHECK(item_names(reopened) == std::vector<std::string>{"a", "b"});
}

TEST_CASE("insert_returning: a statement without RETURNING is refused, not read as id 0",
          "[persistence][sqlite]") {
    TempDir dir;
    Database db(at(dir.file("r.db")), item_migrations());
    std::string name = "a";
    long long key = 0;
    soci::statement insert =
        (db.session().prepare << "INSERT INTO items(name) VALUES(:n)", soci::use(name));
    CHECK_THROWS_AS(db.insert_returning(insert, key), std::logic_error);
}

TEST_CASE(
    "Stores: keys of added dead letters and outbox entries come from RETURNING, distinct and "
    "increasing",
    "[persistence][sqlite]") {
    TempDir dir;
    Module m(dir.file("m.db"), {outbox_and_inbox_migration(1), dead_letter_migration(2),
                                outbox_request_id_migration(3), outbox_claims_migration(4)});
    m.start();
    DeadLetterStore letters(m.db);
    DeadLetter a{0, "e1", "Booked", 7, "{}", "boom", 1, 0};
    DeadLetter b{0, "e2", "Booked", 7, "{}", "boom", 1, 0};
    m.on_strand([&] {
        letters.add(a);
        letters.add(b);
        m.outbox.append(envelope("o1"));
        m.outbox.append(envelope("o2"));
        return 0;
    });
    CHECK(a.id > 0);
    CHECK(b.id > a.id);
    const auto written = m.on_strand([&] { return m.outbox.undelivered(0, 100); });
    REQUIRE(written.size() == 2);
    CHECK(written[0].seq > 0);
    CHECK(written[1].seq > written[0].seq);
}

}  // namespace
}  // namespace mb::adapters::persistence::test

namespace mb::adapters::persistence::test {

TEST_CASE("postgresql_conninfo: a postgresql:// URL becomes libpq's keyword=value form",
          "[persistence][postgresql-url]") {
    // SOCI 4.0.3 mangles URLs (tests/integration/postgresql): --db takes URLs, libpq gets
    // keywords.
    CHECK(postgresql_conninfo("postgresql://mb@127.0.0.1:5432/movie_booking") ==
          "host=127.0.0.1 port=5432 user=mb dbname=movie_booking");
    CHECK(postgresql_conninfo("postgres://db.example/cinema") ==
          "host=db.example dbname=cinema");
    // Percent-decoded, quoted when libpq needs it; query parameters are libpq keywords.
    CHECK(postgresql_conninfo("postgresql://ann:it%27s%20me@h:1/d?sslmode=require") ==
          "host=h port=1 user=ann password='it\\'s me' dbname=d sslmode=require");
}

TEST_CASE("postgresql_conninfo: what is not a usable URL is refused with the reason",
          "[persistence][postgresql-url]") {
    CHECK_THROWS_WITH(postgresql_conninfo("mysql://h/d"), Catch::Contains("scheme"));
    CHECK_THROWS_WITH(postgresql_conninfo("postgresql:///d"), Catch::Contains("no host"));
    CHECK_THROWS_WITH(postgresql_conninfo("postgresql://h"), Catch::Contains("no database"));
    CHECK_THROWS_WITH(postgresql_conninfo("postgresql://h/a/b"), Catch::Contains("no database"));
    CHECK_THROWS_WITH(postgresql_conninfo("postgresql://h/d?host%20x=1"),
                      Catch::Contains("not a libpq connection keyword"));
    CHECK_THROWS_WITH(postgresql_conninfo("not a url"), Catch::Contains("not a URL"));
    CHECK_THROWS_AS(DatabaseLocation::postgresql("postgresql://h/d", "Booking; DROP"),
                    std::invalid_argument);
}

TEST_CASE("DatabaseLocation: describe() names schema, host and database, never the password",
          "[persistence][postgresql-url]") {
    const auto where = DatabaseLocation::postgresql("postgresql://mb:secret@h:5/cinema", "booking");
    CHECK(where.describe() == "postgresql booking@h:5/cinema");
    CHECK(where.describe().find("secret") == std::string::npos);
    CHECK(DatabaseLocation::sqlite("/x/booking.db").describe() == "/x/booking.db");
}

TEST_CASE("expand_placeholders: the two dialect words of a migration, and nothing else",
          "[persistence][migrations]") {
    const std::string ddl = "CREATE TABLE t (id {key}, x TEXT){without_rowid}";
    CHECK(expand_placeholders(ddl, Dialect::kSqlite) ==
          "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, x TEXT) WITHOUT ROWID");
    CHECK(expand_placeholders(ddl, Dialect::kPostgresql) ==
          "CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, x TEXT)");
    CHECK_THROWS_WITH(expand_placeholders("CREATE TABLE t (id {serial})", Dialect::kSqlite),
                      Catch::Contains("{serial}"));
    CHECK_THROWS_AS(expand_placeholders("CREATE TABLE t (id {key", Dialect::kSqlite),
                    std::invalid_argument);
}

}  // namespace mb::adapters::persistence::test
