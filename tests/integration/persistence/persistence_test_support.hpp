#pragma once
// Test support for the persistence integration tests: a temporary directory for real SQLite
// files (removed afterwards) — or, with MB_TEST_PG_URL_FILE set (label postgresql), a fresh
// schema of the test cluster per file name (at()) —, a module (database + outbox + inbox +
// executor) on a real io_context running on threads, and waiting with a deadline instead of
// sleeping.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <cstdlib>
#include <fstream>
#include <map>

#include <boost/asio/executor_work_guard.hpp>
#include <soci/postgresql/soci-postgresql.h>
#include <boost/asio/io_context.hpp>
#include <unistd.h>

#include "adapters/codec/envelope.hpp"
#include "adapters/persistence/inbox_store.hpp"
#include "adapters/runtime/module_executor.hpp"
#include "adapters/persistence/outbox_store.hpp"
#include "adapters/persistence/database.hpp"

namespace mb::adapters::persistence::test {

using runtime::ModuleExecutor;
using runtime::Outcome;

using namespace std::chrono_literals;

/// Generous upper bound for anything asynchronous in these tests; they normally finish in ms.
inline constexpr std::chrono::seconds kDeadline{10};

/// A fresh directory under the system temp directory, removed with everything in it.
class TempDir {
public:
    TempDir() {
        static std::atomic<int> counter{0};
        std::random_device rd;
        path_ = std::filesystem::temp_directory_path() /
                ("mb-persistence-" + std::to_string(::getpid()) + "-" +
                 std::to_string(counter.fetch_add(1)) + "-" + std::to_string(rd()));
        std::filesystem::create_directories(path_);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
    [[nodiscard]] std::filesystem::path file(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

/// Whether this run stores on PostgreSQL: MB_TEST_PG_URL_FILE names the test cluster's URL
/// file (set by CTest for the suites' postgresql.* copies only).
inline bool on_postgresql() {
    return std::getenv("MB_TEST_PG_URL_FILE") != nullptr;
}

/// Where a test's module database lives: the SQLite `file`; on PostgreSQL a schema of the
/// test cluster (URL in MB_TEST_PG_URL_FILE) standing for that file — empty on its first use
/// in this process, the same schema when the test opens the file again. Throws
/// std::runtime_error when the cluster's URL is missing (never skips).
inline DatabaseLocation at(const std::filesystem::path& file) {
    if (!on_postgresql())
        return DatabaseLocation::sqlite(file);
    static std::mutex mutex;
    static std::map<std::string, std::string> schemas;
    const std::lock_guard lock(mutex);
    const char* url_file = std::getenv("MB_TEST_PG_URL_FILE");
    std::string url;
    if (url_file != nullptr) {
        std::ifstream in(url_file);
        std::getline(in, url);
    }
    if (url.rfind("postgresql://", 0) != 0)
        throw std::runtime_error("MB_TEST_PG_URL_FILE names no postgresql:// URL");
    auto it = schemas.find(file.string());
    if (it == schemas.end()) {
        const auto name = "t" + std::to_string(::getpid()) + "_" + std::to_string(schemas.size());
        soci::session admin(soci::postgresql, postgresql_conninfo(url));
        admin << "DROP SCHEMA IF EXISTS " + name + " CASCADE";
        it = schemas.emplace(file.string(), name).first;
    }
    return DatabaseLocation::postgresql(url, it->second);
}

/// Polls `done` until it holds or the deadline passes; returns its last value.
inline bool poll_until(const std::function<bool()>& done,
                       std::chrono::milliseconds deadline = kDeadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= until)
            return done();
        std::this_thread::yield();
        std::this_thread::sleep_for(1ms);  // a poll interval, not a wait for an outcome
    }
    return true;
}

/// The schema of a minimal test module: one table plus the outbox and inbox every module has.
inline std::vector<Migration> item_migrations() {
    return {{1, "items", {"CREATE TABLE items (id {key}, name TEXT NOT NULL UNIQUE)"}},
            outbox_and_inbox_migration(2), outbox_request_id_migration(3),
            outbox_claims_migration(4)};
}

inline void insert_item(Database& db, const std::string& name) {
    db.session() << "INSERT INTO items(name) VALUES(:n)", soci::use(name);
}

inline std::vector<std::string> item_names(Database& db) {
    std::vector<std::string> out;
    std::string name;
    soci::statement st =
        (db.session().prepare << "SELECT name FROM items ORDER BY id", soci::into(name));
    st.execute();
    while (st.fetch())
        out.push_back(name);
    return out;
}

inline codec::Envelope envelope(const std::string& id, std::int64_t booking_id = 7,
                              const std::string& type = "Test") {
    return codec::Envelope{id, type, booking_id, "20210223233224",
                         R"({"eventType":")" + type + R"(","eventId":")" + id + R"("})"};
}

/// Collects job completions from any thread; wait() blocks with a deadline.
class Completions {
public:
    ModuleExecutor::Completion slot(std::string name) {
        return [this, name = std::move(name)](std::exception_ptr ep) {
            std::lock_guard lock(mutex_);
            done_.emplace_back(name, ep);
            cv_.notify_all();
        };
    }
    [[nodiscard]] bool wait(std::size_t n, std::chrono::milliseconds deadline = kDeadline) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, deadline, [&] { return done_.size() >= n; });
    }
    /// The error a job completed with (nullptr: committed); throws if it did not complete.
    [[nodiscard]] std::exception_ptr error_of(const std::string& name) const {
        std::lock_guard lock(mutex_);
        for (const auto& [n, ep] : done_) {
            if (n == name)
                return ep;
        }
        throw std::logic_error("job " + name + " did not complete");
    }
    [[nodiscard]] std::vector<std::string> order() const {
        std::lock_guard lock(mutex_);
        std::vector<std::string> out;
        for (const auto& d : done_)
            out.push_back(d.first);
        return out;
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<std::pair<std::string, std::exception_ptr>> done_;
};

/// One module on its own SQLite file: database, outbox, inbox and executor, with the shared
/// io_context running on `threads` threads once start() is called. stop() (or the destructor)
/// stops and joins the threads before anything is destroyed.
class Module {
public:
    explicit Module(const std::filesystem::path& file,
                    const std::vector<Migration>& migrations = item_migrations())
        : db(at(file), migrations),
          outbox(db),
          inbox(db),
          executor(io.get_executor(), "test", db, outbox, inbox, ModuleExecutor::Options{}) {}
    Module(const Module&) = delete;
    Module& operator=(const Module&) = delete;
    ~Module() { stop(); }

    void start(int threads = 2) {
        for (int i = 0; i < threads; ++i)
            threads_.emplace_back([this] { io.run(); });
    }
    void stop() {
        work_.reset();
        io.stop();
        for (auto& t : threads_) {
            if (t.joinable())
                t.join();
        }
        threads_.clear();
    }

    /// Runs `f` on the module strand (inside its unit of work) and returns its value.
    template <class F>
    auto on_strand(F f) -> std::invoke_result_t<F&> {
        using R = std::invoke_result_t<F&>;
        auto promise = std::make_shared<std::promise<std::optional<R>>>();
        auto future = promise->get_future();
        executor.run(std::move(f), [promise](std::optional<R> r) { promise->set_value(r); });
        if (future.wait_for(kDeadline) != std::future_status::ready) {
            throw std::runtime_error("the module strand did not answer in time");
        }
        auto r = future.get();
        if (!r)
            throw std::runtime_error("the job on the module strand failed");
        return std::move(*r);
    }

    /// Occupies the strand until open() so that the jobs submitted meanwhile form ONE batch.
    class Gate {
    public:
        explicit Gate(ModuleExecutor& executor) {
            auto opened = opened_.get_future().share();
            executor.submit(
                [opened, this] {
                    entered_.store(true);
                    return opened.wait_for(kDeadline) == std::future_status::ready
                               ? runtime::Outcome::kCommit
                               : runtime::Outcome::kRollback;
                },
                {});
        }
        [[nodiscard]] bool entered() const noexcept { return entered_.load(); }
        void open() { opened_.set_value(); }

    private:
        std::promise<void> opened_;
        std::atomic<bool> entered_{false};
    };

    /// Blocks the strand and waits until the gate job is running, so the next submits queue.
    std::unique_ptr<Gate> close_gate() {
        auto gate = std::make_unique<Gate>(executor);
        if (!poll_until([&] { return gate->entered(); })) {
            throw std::runtime_error("the gate job never ran");
        }
        return gate;
    }

    boost::asio::io_context io;
    Database db;
    OutboxStore outbox;
    InboxStore inbox;
    ModuleExecutor executor;

private:
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
        boost::asio::make_work_guard(io);
    std::vector<std::thread> threads_;
};

}  // namespace mb::adapters::persistence::test
