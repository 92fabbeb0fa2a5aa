// ModuleExecutor with a real io_context on two threads and a real SQLite file: jobs run on the
// module strand and commit as a batch with a savepoint each; a job that fails (error Result or
// exception) is rolled back alone; deliver() applies an event once (inbox) and acks each
// delivery; the commit hook gets exactly the committed outbox entries, in order.
//
// A "gate" job holds the strand while the jobs under test are queued, so they form ONE batch.
#include "adapters/runtime/module_executor.hpp"

#include <atomic>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <catch2/catch.hpp>

#include "adapters/logging/log_context.hpp"
#include "persistence_test_support.hpp"

namespace mb::adapters::persistence::test {
namespace {

using Names = std::vector<std::string>;

domain::Result<int> failed_result() {
    return domain::Unexpected(std::make_error_code(std::errc::invalid_argument));
}

/// Waits until `n` jobs are queued behind the gate.
bool queued(Module& m, std::size_t n) {
    return poll_until([&] { return m.executor.stats().queued >= n; });
}

TEST_CASE("ModuleExecutor: submitted jobs run on the module strand and commit",
          "[persistence][executor]") {
    TempDir dir;
    const auto file = dir.file("m.db");
    {
        Module m(file);
        m.start();
        Completions done;
        std::atomic<int> off_strand{0};  // Catch assertions stay on the test thread
        for (const auto* name : {"a", "b", "c"}) {
            m.executor.submit(
                [&m, &off_strand, name] {
                    if (!m.executor.strand().running_in_this_thread())
                        off_strand.fetch_add(1);
                    insert_item(m.db, name);
                    return Outcome::kCommit;
                },
                done.slot(name));
        }
        REQUIRE(done.wait(3));
        CHECK(off_strand.load() == 0);
        CHECK(done.error_of("a") == nullptr);
        CHECK(done.error_of("b") == nullptr);
        CHECK(done.error_of("c") == nullptr);
        CHECK(done.order() == Names{"a", "b", "c"});
        CHECK(m.on_strand([&] { return item_names(m.db); }) == Names{"a", "b", "c"});
        CHECK(m.executor.stats().jobs >= 3);
    }
    // Committed means durable: a new connection on the file sees every row.
    Database reopened(at(file), item_migrations());
    CHECK(item_names(reopened) == Names{"a", "b", "c"});
}

TEST_CASE("ModuleExecutor: a job runs in its submitter's log context, an event in its own",
          "[persistence][executor]") {
    // README "Logs": the request id of the thread that submits a job (a saga step) is the
    // job's log context, so its lines and outbox entries carry it; an event delivered to the
    // module is applied in the context of the event's request id and booking.
    TempDir dir;
    Module m(dir.file("m.db"));
    m.start();
    Completions done;
    std::mutex mutex;
    std::vector<logging::LogContext> seen;
    auto record = [&] {
        const std::lock_guard lock(mutex);
        seen.push_back(logging::current_log_context());
    };
    {
        const logging::ScopedLogContext context({"req-job", 5, {}});
        m.executor.submit(
            [&] {
                record();
                return Outcome::kCommit;
            },
            done.slot("job"));
    }
    m.executor.submit(
        [&] {
            record();
            return Outcome::kCommit;
        },
        done.slot("plain"));
    REQUIRE(done.wait(2));
    auto event = envelope("ev-1", 9);
    event.request_id = "req-event";
    std::promise<void> applied;
    m.executor.deliver(
        std::make_shared<const codec::Envelope>(event), [&](const codec::Envelope&) { record(); },
        [&](std::exception_ptr) { applied.set_value(); });
    REQUIRE(applied.get_future().wait_for(std::chrono::seconds(5)) == std::future_status::ready);
    const std::lock_guard lock(mutex);
    REQUIRE(seen.size() == 3);
    CHECK(seen[0].request_id == "req-job");
    CHECK(seen[0].booking_id == 5);
    CHECK(seen[1].request_id.empty());
    CHECK(seen[1].booking_id == 0);
    CHECK(seen[2].request_id == "req-event");
    CHECK(seen[2].booking_id == 9);
    CHECK(logging::current_log_context().request_id.empty());
}

TEST_CASE("ModuleExecutor: jobs queued while a batch runs commit together as the next batch",
          "[persistence][executor]") {
    TempDir dir;
    Module m(dir.file("m.db"));
    m.start();
    auto gate = m.close_gate();
    Completions done;
    for (int i = 0; i < 10; ++i) {
        const auto name = "item-" + std::to_string(i);
        m.executor.submit(
            [&m, name] {
                insert_item(m.db, name);
                return Outcome::kCommit;
            },
            done.slot(name));
    }
    REQUIRE(queued(m, 10));
    const auto before = m.executor.stats().batches;
    gate->open();
    REQUIRE(done.wait(10));
    CHECK(m.executor.stats().batches == before + 2);  // the gate's batch, then one for all ten
    CHECK(m.on_strand([&] { return item_names(m.db); }).size() == 10);
}

TEST_CASE(
    "ModuleExecutor: a job returning an error Result is rolled back alone, the rest of "
    "its batch commits",
    "[persistence][executor]") {
    TempDir dir;
    Module m(dir.file("m.db"));
    m.start();
    auto gate = m.close_gate();
    std::vector<std::optional<domain::Result<int>>> results(3);
    std::atomic<int> answered{0};
    const auto job = [&](std::size_t i, std::string name, bool fail) {
        m.executor.run(
            [&m, name, fail]() -> domain::Result<int> {
                insert_item(m.db, name);
                if (fail)
                    return failed_result();
                return 1;
            },
            [&, i](std::optional<domain::Result<int>> r) {
                results[i] = std::move(r);
                answered.fetch_add(1);
            });
    };
    job(0, "a", false);
    job(1, "b", true);
    job(2, "c", false);
    REQUIRE(queued(m, 3));
    const auto before = m.executor.stats();
    gate->open();
    REQUIRE(poll_until([&] { return answered.load() == 3; }));
    const auto after = m.executor.stats();
    CHECK(after.batches == before.batches + 2);  // the three jobs shared one batch
    CHECK(after.failed_batches == 0);

    REQUIRE(results[0].has_value());
    CHECK(results[0]->has_value());
    REQUIRE(results[1].has_value());  // the caller gets the error value, not nullopt
    REQUIRE_FALSE(results[1]->has_value());
    CHECK(results[1]->error() == std::errc::invalid_argument);
    REQUIRE(results[2].has_value());
    CHECK(results[2]->has_value());
    CHECK(m.on_strand([&] { return item_names(m.db); }) == Names{"a", "c"});
}

TEST_CASE(
    "ModuleExecutor::execute: a job returning an error leaves no row written, publishes "
    "nothing, and its caller gets the error",
    "[persistence][executor][outbox]") {
    // The transaction rule (Outcome, outcome_of): a use case that refuses after writing — a
    // saga step whose Result is an error — keeps nothing, and none of its events leave.
    TempDir dir;
    Module m(dir.file("m.db"));
    std::mutex mutex;
    std::vector<std::string> published;  // what the commit hook (the relay) was handed
    m.executor.on_commit([&](std::vector<OutboxRecord> records) {
        std::lock_guard lock(mutex);
        for (const auto& r : records)
            published.push_back(r.envelope->event_id);
    });
    m.start();
    std::promise<domain::Result<int>> refused;
    std::promise<domain::Result<int>> kept;
    boost::asio::co_spawn(
        m.io,
        [&]() -> boost::asio::awaitable<void> {
            auto refuse = [&m]() -> domain::Result<int> {
                insert_item(m.db, "refused");
                m.outbox.append(envelope("refused-event"));
                return failed_result();
            };
            refused.set_value(co_await m.executor.execute(std::move(refuse)));
            // A later job that commits: the hook runs, so "nothing published" above is not
            // just a hook that never runs.
            auto keep = [&m]() -> domain::Result<int> {
                insert_item(m.db, "kept");
                m.outbox.append(envelope("kept-event"));
                return 7;
            };
            kept.set_value(co_await m.executor.execute(std::move(keep)));
        },
        boost::asio::detached);
    auto refused_future = refused.get_future();
    REQUIRE(refused_future.wait_for(kDeadline) == std::future_status::ready);
    const auto error = refused_future.get();
    REQUIRE_FALSE(error.has_value());
    CHECK(error.error() == std::errc::invalid_argument);
    auto kept_future = kept.get_future();
    REQUIRE(kept_future.wait_for(kDeadline) == std::future_status::ready);
    const auto value = kept_future.get();
    REQUIRE(value.has_value());
    CHECK(*value == 7);

    CHECK(m.on_strand([&] { return item_names(m.db); }) == Names{"kept"});
    const auto stored = m.on_strand([&] { return m.outbox.undelivered(0, 100); });
    REQUIRE(stored.size() == 1);
    CHECK(stored[0].envelope->event_id == "kept-event");
    std::lock_guard lock(mutex);
    CHECK(published == std::vector<std::string>{"kept-event"});
}

TEST_CASE("ModuleExecutor: outcome_of states the transaction rule of a job's return value",
          "[persistence][executor]") {
    using runtime::outcome_of;
    CHECK(outcome_of(failed_result()) == Outcome::kRollback);
    CHECK(outcome_of(domain::Result<int>{3}) == Outcome::kCommit);
    CHECK(outcome_of(domain::Result<void>{}) == Outcome::kCommit);
    CHECK(outcome_of(domain::Result<void>{domain::Unexpected(
              std::make_error_code(std::errc::invalid_argument))}) == Outcome::kRollback);
    CHECK(outcome_of(std::vector<int>{}) == Outcome::kCommit);  // a query's rows
}

TEST_CASE(
    "ModuleExecutor: a throwing job is rolled back alone and its awaiting caller gets the "
    "exception, the batch's other jobs commit",
    "[persistence][executor]") {
    TempDir dir;
    Module m(dir.file("m.db"));
    m.start();
    auto gate = m.close_gate();

    std::promise<std::string> thrower_saw;
    std::promise<int> other_got;
    boost::asio::co_spawn(
        m.io,
        [&]() -> boost::asio::awaitable<void> {
            try {
                co_await m.executor.execute([&m]() -> int {
                    insert_item(m.db, "x");
                    throw std::runtime_error("broken job");
                });
                thrower_saw.set_value("no exception");
            } catch (const std::runtime_error& e) {
                thrower_saw.set_value(e.what());
            }
        },
        boost::asio::detached);
    boost::asio::co_spawn(
        m.io,
        [&]() -> boost::asio::awaitable<void> {
            const int v = co_await m.executor.execute([&m] {
                insert_item(m.db, "y");
                return 42;
            });
            other_got.set_value(v);
        },
        boost::asio::detached);
    Completions done;
    m.executor.submit(
        [&m] {
            insert_item(m.db, "z");
            return Outcome::kCommit;
        },
        done.slot("z"));
    REQUIRE(queued(m, 3));
    const auto before = m.executor.stats();
    gate->open();

    auto saw = thrower_saw.get_future();
    auto got = other_got.get_future();
    REQUIRE(saw.wait_for(kDeadline) == std::future_status::ready);
    REQUIRE(got.wait_for(kDeadline) == std::future_status::ready);
    REQUIRE(done.wait(1));
    CHECK(saw.get() == "broken job");
    CHECK(got.get() == 42);
    CHECK(done.error_of("z") == nullptr);
    const auto after = m.executor.stats();
    CHECK(after.batches == before.batches + 2);
    CHECK(after.failed_jobs == before.failed_jobs + 1);
    CHECK(after.failed_batches == 0);
    const auto names = m.on_strand([&] { return item_names(m.db); });
    CHECK(std::find(names.begin(), names.end(), "x") == names.end());
    CHECK(std::find(names.begin(), names.end(), "y") != names.end());
    CHECK(std::find(names.begin(), names.end(), "z") != names.end());
}

TEST_CASE("ModuleExecutor: a job that throws hands its completion the exception",
          "[persistence][executor]") {
    TempDir dir;
    Module m(dir.file("m.db"));
    m.start();
    Completions done;
    m.executor.submit([]() -> Outcome { throw std::logic_error("bug"); }, done.slot("bug"));
    REQUIRE(done.wait(1));
    const auto ep = done.error_of("bug");
    REQUIRE(ep != nullptr);
    CHECK_THROWS_AS(std::rethrow_exception(ep), std::logic_error);
}

TEST_CASE("ModuleExecutor::run: the callback gets nullopt when the job threw",
          "[persistence][executor]") {
    TempDir dir;
    Module m(dir.file("m.db"));
    m.start();
    std::promise<bool> answered;
    m.executor.run([]() -> int { throw std::runtime_error("x"); },
                   [&](std::optional<int> r) { answered.set_value(r.has_value()); });
    auto f = answered.get_future();
    REQUIRE(f.wait_for(kDeadline) == std::future_status::ready);
    CHECK_FALSE(f.get());
}

TEST_CASE("ModuleExecutor::deliver applies an event delivered twice once and acks both",
          "[persistence][executor][inbox]") {
    TempDir dir;
    Module m(dir.file("m.db"));
    m.start();
    const auto event = std::make_shared<const codec::Envelope>(envelope("event-1"));
    std::atomic<int> applied{0};
    std::atomic<int> acked{0};
    const auto apply = [&](const codec::Envelope& e) {
        applied.fetch_add(1);
        insert_item(m.db, "applied " + e.event_id);
    };
    // `done` runs after the commit: nullptr = applied or skipped as a duplicate (ack it).
    const auto done = [&](std::exception_ptr ep) {
        if (!ep)
            acked.fetch_add(1);
    };

    SECTION("in separate batches") {
        m.executor.deliver(event, apply, done);
        REQUIRE(poll_until([&] { return acked.load() == 1; }));
        m.executor.deliver(event, apply, done);
    }
    SECTION("in one batch") {
        auto gate = m.close_gate();
        m.executor.deliver(event, apply, done);
        m.executor.deliver(event, apply, done);
        REQUIRE(queued(m, 2));
        gate->open();
    }
    REQUIRE(poll_until([&] { return acked.load() == 2; }));
    CHECK(applied.load() == 1);
    CHECK(m.executor.stats().duplicates == 1);
    CHECK(m.on_strand([&] { return item_names(m.db); }) == Names{"applied event-1"});
}

TEST_CASE(
    "ModuleExecutor::deliver: a failing apply is not acked, not recorded, and applies on "
    "redelivery",
    "[persistence][executor][inbox]") {
    TempDir dir;
    Module m(dir.file("m.db"));
    m.start();
    const auto event = std::make_shared<const codec::Envelope>(envelope("event-1"));
    std::atomic<int> attempts{0};
    std::atomic<int> acked{0};
    const auto apply = [&](const codec::Envelope&) {
        insert_item(m.db, "attempt " + std::to_string(attempts.load()));
        if (attempts.fetch_add(1) == 0)
            throw std::runtime_error("consumer failed");
    };
    std::atomic<int> failed{0};
    const auto done = [&](std::exception_ptr ep) {
        (ep ? failed : acked).fetch_add(1);
    };
    m.executor.deliver(event, apply, done);
    REQUIRE(poll_until([&] { return failed.load() == 1; }));  // done got what apply threw
    // The failed delivery's job has completed once the strand answers the next job.
    CHECK(m.on_strand([&] { return item_names(m.db); }).empty());
    CHECK(acked.load() == 0);

    m.executor.deliver(event, apply, done);
    REQUIRE(poll_until([&] { return acked.load() == 1; }));
    CHECK(failed.load() == 1);
    CHECK(attempts.load() == 2);
    CHECK(m.on_strand([&] { return item_names(m.db); }) == Names{"attempt 1"});
    CHECK(m.executor.stats().duplicates == 0);
}

TEST_CASE(
    "ModuleExecutor: after a commit the hook receives exactly the outbox entries of the "
    "committed jobs, in order",
    "[persistence][executor][outbox]") {
    TempDir dir;
    Module m(dir.file("m.db"));
    std::mutex mutex;
    std::vector<std::vector<OutboxRecord>> hooked;
    std::atomic<int> off_strand{0};
    m.executor.on_commit([&](std::vector<OutboxRecord> records) {
        if (!m.executor.strand().running_in_this_thread())
            off_strand.fetch_add(1);
        std::lock_guard lock(mutex);
        hooked.push_back(std::move(records));
    });
    m.start();
    auto gate = m.close_gate();
    Completions done;
    const auto append = [&m](std::initializer_list<const char*> ids) {
        for (const auto* id : ids)
            m.outbox.append(envelope(id));
    };
    m.executor.submit(
        [&] {
            append({"a1", "a2"});
            return Outcome::kCommit;
        },
        done.slot("a"));
    m.executor.submit(
        [&] {
            append({"b1"});
            return Outcome::kRollback;
        },
        done.slot("b"));  // rolled back
    m.executor.submit(
        [&]() -> Outcome {
            append({"c1"});
            throw std::runtime_error("c failed");
        },
        done.slot("c"));
    m.executor.run(
        [&]() -> domain::Result<int> {
            append({"d1"});
            return failed_result();
        },
        [](std::optional<domain::Result<int>>) {});
    m.executor.submit(
        [&] {
            append({"e1"});
            return Outcome::kCommit;
        },
        done.slot("e"));
    REQUIRE(queued(m, 5));
    gate->open();
    REQUIRE(done.wait(4));

    const auto stored = m.on_strand([&] { return m.outbox.undelivered(0, 100); });
    CHECK(off_strand.load() == 0);
    std::lock_guard lock(mutex);
    REQUIRE(hooked.size() == 1);  // one batch with entries; the gate's batch wrote none
    const auto& records = hooked.front();
    REQUIRE(records.size() == 3);
    CHECK(records[0].envelope->event_id == "a1");
    CHECK(records[1].envelope->event_id == "a2");
    CHECK(records[2].envelope->event_id == "e1");
    CHECK(records[0].seq < records[1].seq);
    CHECK(records[1].seq < records[2].seq);
    // ... and they are exactly what the outbox table holds.
    REQUIRE(stored.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
        CHECK(stored[i].seq == records[i].seq);
        CHECK(stored[i].envelope->event_id == records[i].envelope->event_id);
    }
}

TEST_CASE("ModuleExecutor: a job's answer comes only after its batch committed",
          "[persistence][executor]") {
    TempDir dir;
    Module m(dir.file("m.db"));
    m.start();
    std::promise<bool> no_transaction_open;
    m.executor.submit(
        [&m] {
            insert_item(m.db, "a");
            return Outcome::kCommit;
        },
        [&](std::exception_ptr ep) {
            // On the strand, after the batch: BEGIN fails if one is still open.
            bool committed = ep == nullptr;
            try {
                m.db.begin();
                m.db.commit();
            } catch (const std::exception&) {
                committed = false;
            }
            no_transaction_open.set_value(committed);
        });
    auto f = no_transaction_open.get_future();
    REQUIRE(f.wait_for(kDeadline) == std::future_status::ready);
    CHECK(f.get());
    CHECK(m.on_strand([&] { return item_names(m.db); }) == Names{"a"});
}

}  // namespace
}  // namespace mb::adapters::persistence::test
