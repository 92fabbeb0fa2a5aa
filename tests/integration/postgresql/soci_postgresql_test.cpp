// What the PostgreSQL storage adapter (issue 12) relies on, checked against a real server
// through SOCI 4.0.3's PostgreSQL backend (CONVENTIONS.md, "SOCI facts"):
//  - it takes libpq's keyword=value connection string; a postgresql:// URL is mangled;
//  - get_last_insert_id is not implemented there (it answers false and leaves the value alone):
//    ids must come from INSERT ... RETURNING, which also works on SQLite >= 3.35;
//  - a unique violation is a postgresql_soci_error with SQLSTATE 23505 (the code the one
//    translation into the domain's conflict errors maps);
//  - each module's schema is reached through search_path on its own connection, so the same
//    unqualified SQL runs in `booking` and in `payment` without seeing the other's tables;
//  - more than 64 savepoints in one transaction still commit (the per-transaction subtransaction
//    cache of 64 only costs speed beyond it, which the group commit must keep in mind).
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include <catch2/catch.hpp>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

namespace {

/// The test cluster's URL (postgresql://mb@127.0.0.1:PORT/movie_booking), from the file the
/// CTest fixture wrote; fails the test when there is none (never skips).
std::string cluster_url() {
    const char* file = std::getenv("MB_TEST_PG_URL_FILE");
    REQUIRE(file != nullptr);
    std::ifstream in(file);
    std::string url;
    std::getline(in, url);
    INFO("MB_TEST_PG_URL_FILE=" << file);
    REQUIRE(url.rfind("postgresql://", 0) == 0);
    return url;
}

/// libpq's keyword=value form of a postgresql://USER@HOST:PORT/DBNAME URL (only the parts the
/// test cluster's URL has).
std::string conninfo(const std::string& url) {
    const std::string rest = url.substr(std::string("postgresql://").size());
    const auto at = rest.find('@');
    const auto colon = rest.find(':', at);
    const auto slash = rest.find('/', colon);
    REQUIRE((at != std::string::npos && colon != std::string::npos && slash != std::string::npos));
    return "host=" + rest.substr(at + 1, colon - at - 1) +
           " port=" + rest.substr(colon + 1, slash - colon - 1) + " user=" + rest.substr(0, at) +
           " dbname=" + rest.substr(slash + 1);
}

/// A fresh schema `name` (dropped first) and a session whose search_path is only that schema.
std::unique_ptr<soci::session> open_schema(const std::string& name) {
    soci::session admin(soci::postgresql, conninfo(cluster_url()));
    admin << "DROP SCHEMA IF EXISTS " + name + " CASCADE";
    admin << "CREATE SCHEMA " + name;
    auto session = std::make_unique<soci::session>(soci::postgresql, conninfo(cluster_url()));
    *session << "SET search_path TO " + name;
    return session;
}

TEST_CASE("PostgreSQL: SOCI takes libpq's keyword=value form, not a postgresql:// URL",
          "[postgresql]") {
    // SOCI 4.0.3 rewrites the connect string before libpq sees it: a URL names a database
    // "movie_booking=" that does not exist. --db accepts URLs; the adapter converts them.
    CHECK_THROWS_WITH(soci::session(soci::postgresql, cluster_url()),
                      Catch::Contains("does not exist"));
    soci::session db(soci::postgresql, conninfo(cluster_url()));
    std::string name;
    db << "SELECT current_user || ' ' || current_database()", soci::into(name);
    CHECK(name == "mb movie_booking");
}

TEST_CASE("PostgreSQL: ids come from INSERT ... RETURNING, not get_last_insert_id",
          "[postgresql]") {
    auto db_session = open_schema("mb_test_ids");
    soci::session& db = *db_session;
    db << "CREATE TABLE t (id BIGSERIAL PRIMARY KEY, v TEXT NOT NULL)";
    long long first = 0;
    long long second = 0;
    db << "INSERT INTO t (v) VALUES ('a') RETURNING id", soci::into(first);
    db << "INSERT INTO t (v) VALUES ('b') RETURNING id", soci::into(second);
    CHECK(first > 0);
    CHECK(second > first);
    long long last = -1;
    CHECK_FALSE(db.get_last_insert_id("t", last));  // the backend has no such call
    CHECK(last == -1);
}

TEST_CASE("PostgreSQL: a unique violation is SQLSTATE 23505", "[postgresql]") {
    auto db_session = open_schema("mb_test_unique");
    soci::session& db = *db_session;
    db << "CREATE TABLE seat (screening_id BIGINT, seat TEXT, PRIMARY KEY (screening_id, seat))";
    db << "INSERT INTO seat VALUES (1, 'A1')";
    std::string sqlstate;
    try {
        db << "INSERT INTO seat VALUES (1, 'A1')";
    } catch (const soci::postgresql_soci_error& e) {
        sqlstate = e.sqlstate();
    }
    CHECK(sqlstate == "23505");
    // ON CONFLICT DO NOTHING, the dialect-neutral spelling of SQLite's INSERT OR IGNORE.
    db << "INSERT INTO seat VALUES (1, 'A1') ON CONFLICT DO NOTHING";
    int rows = 0;
    db << "SELECT count(*) FROM seat", soci::into(rows);
    CHECK(rows == 1);
}

TEST_CASE("PostgreSQL: a module's schema through search_path hides the other modules' tables",
          "[postgresql]") {
    auto booking_session = open_schema("mb_test_booking");
    soci::session& booking = *booking_session;
    auto payment_session = open_schema("mb_test_payment");
    soci::session& payment = *payment_session;
    booking << "CREATE TABLE outbox (id BIGSERIAL PRIMARY KEY, payload TEXT)";
    payment << "CREATE TABLE outbox (id BIGSERIAL PRIMARY KEY, payload TEXT)";
    booking << "INSERT INTO outbox (payload) VALUES ('booked')";
    int in_payment = -1;
    payment << "SELECT count(*) FROM outbox", soci::into(in_payment);
    CHECK(in_payment == 0);
    int in_booking = -1;
    booking << "SELECT count(*) FROM outbox", soci::into(in_booking);
    CHECK(in_booking == 1);
}

TEST_CASE("PostgreSQL: a transaction of 256 savepoints (one group commit) commits them all",
          "[postgresql]") {
    auto db_session = open_schema("mb_test_savepoints");
    soci::session& db = *db_session;
    db << "CREATE TABLE t (id BIGSERIAL PRIMARY KEY, n INT)";
    soci::transaction tx(db);
    for (int i = 0; i < 256; ++i) {
        db << "SAVEPOINT job";
        db << "INSERT INTO t (n) VALUES (:n)", soci::use(i);
        if (i % 10 == 9) {
            db << "ROLLBACK TO SAVEPOINT job";  // a job that failed: rolled back alone
        }
        db << "RELEASE SAVEPOINT job";
    }
    tx.commit();
    int rows = 0;
    db << "SELECT count(*) FROM t", soci::into(rows);
    CHECK(rows == 256 - 25);
}

}  // namespace
