#pragma once
// ModuleExecutor: a module's single writer and bulkhead (ARCHITECTURE.md, "Threads"). Every
// use case, query and event of one module runs here, serially, on the module's own strand of
// the shared io_context — no locks in domain or app code, one SQLite writer per file.
//
// Group commit: jobs queued while a batch runs form the next batch, executed in ONE
// transaction with a SAVEPOINT per job. A job whose Outcome is kRollback — for execute() and
// run(), a domain::Result holding an error (outcome_of) — or that throws is rolled back to its
// savepoint alone, its outbox entries with it; the batch commits the rest. A job's
// caller is answered only after the commit, so an answer never reports an uncommitted change.
// After each commit the outbox entries written by the batch go to the commit hook (the
// relay), in commit order.
//
// Thread-safety: submit/execute/deliver may be called from any thread.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "adapters/codec/envelope.hpp"
#include "adapters/logging/log_context.hpp"
#include "adapters/persistence/inbox_store.hpp"
#include "adapters/persistence/outbox_store.hpp"
#include "adapters/persistence/database.hpp"
#include "domain/common/result.hpp"

namespace mb::adapters::runtime {

/// The transaction rule (ARCHITECTURE.md, "Module executor"): what a job's unit of work does
/// with it. kCommit keeps the job's rows and its outbox entries (published after the commit);
/// kRollback undoes both back to the job's savepoint — no row written, nothing published —
/// and the rest of the batch still commits. A job that throws is rolled back the same way.
enum class Outcome { kCommit, kRollback };

namespace detail {
template <class R>
struct IsResult : std::false_type {};
template <class T>
struct IsResult<domain::Result<T>> : std::true_type {};
}  // namespace detail

/// The outcome a job's return value stands for, used by execute() and run(): a
/// domain::Result holding an error is kRollback (a use case that refuses — a seat taken, a
/// payment declined — leaves nothing behind), a Result holding a value is kCommit, and any
/// other value (a query's rows) is kCommit. `bool` and Outcome are refused at compile time:
/// they do not say what the caller receives; use submit() for a raw Outcome.
template <class R>
[[nodiscard]] Outcome outcome_of(const R& r) {
    static_assert(!std::is_same_v<R, bool>,
                  "a bool does not say whether to commit: return domain::Result<T> (an error "
                  "rolls the job back) or a value (commits)");
    static_assert(!std::is_same_v<R, Outcome>, "use ModuleExecutor::submit for a raw Outcome");
    if constexpr (detail::IsResult<R>::value) {
        return r.has_value() ? Outcome::kCommit : Outcome::kRollback;
    } else {
        return Outcome::kCommit;
    }
}

class ModuleExecutor {
public:
    struct Options {
        std::size_t max_batch = 256;  ///< jobs per transaction at most
    };
    struct Stats {
        std::uint64_t batches = 0;
        std::uint64_t jobs = 0;
        std::uint64_t failed_jobs = 0;     ///< threw (rolled back alone)
        std::uint64_t failed_batches = 0;  ///< the commit itself failed
        std::uint64_t duplicates = 0;      ///< redelivered events skipped by the inbox
        std::size_t queued = 0;
        /// Jobs run again after losing a row lock to another replica (PostgreSQL deadlock
        /// 40P01, lock timeout 55P03, serialization failure 40001).
        std::uint64_t conflict_retries = 0;
    };
    using Body = std::function<Outcome()>;
    using Completion = std::function<void(std::exception_ptr)>;
    using CommitHook = std::function<void(std::vector<persistence::OutboxRecord>)>;
    /// One transaction as an observer (metrics) sees it: how many jobs it ran, how long from
    /// BEGIN to the end of COMMIT (or ROLLBACK), whether it committed, and the outbox entries
    /// it committed (empty when it did not). Valid during the call only.
    struct BatchRecord {
        std::size_t jobs = 0;
        std::chrono::nanoseconds duration{0};
        bool committed = false;
        const std::vector<persistence::OutboxRecord>& written;
    };
    using BatchObserver = std::function<void(const BatchRecord&)>;

    ModuleExecutor(boost::asio::any_io_executor io, std::string name,
                   persistence::Database& db, persistence::OutboxStore& outbox,
                   persistence::InboxStore& inbox, Options options);
    ModuleExecutor(const ModuleExecutor&) = delete;
    ModuleExecutor& operator=(const ModuleExecutor&) = delete;

    /// Low-level: `body` runs in the next batch and returns its Outcome (kRollback, or a throw,
    /// rolls back its savepoint: its rows and outbox entries are undone, nothing published);
    /// `complete` runs on the module strand after the commit (or with the error that failed
    /// the job or the commit). `complete` must not block. The calling thread's log context
    /// (request id, booking id) is restored while `body` runs, so the log lines and the
    /// outbox entries of the job carry them (SqlOutbox).
    void submit(Body body, Completion complete);

    /// Runs `f()` in the module's unit of work and resumes the awaiting coroutine, on its own
    /// executor, with f's result after the commit — or after the rollback of f's work when
    /// outcome_of(result) is kRollback (an error Result). Rethrows what f (or the commit) threw.
    template <class F>
    boost::asio::awaitable<std::invoke_result_t<F&>> execute(F f) {
        using R = std::invoke_result_t<F&>;
        static_assert(!std::is_void_v<R>, "return a value (e.g. domain::Result<void>)");
        auto slot = std::make_shared<std::optional<R>>();
        // A named initiation: g++ 12 mis-destroys non-trivial temporaries inside co_await
        // expressions (double destruction), so none are created there.
        auto initiation = [this, slot, f = std::move(f)](auto handler) mutable {
            auto h = std::make_shared<decltype(handler)>(std::move(handler));
            submit(
                [slot, f = std::move(f)]() mutable {
                    slot->emplace(f());
                    return outcome_of(**slot);
                },
                [h](std::exception_ptr ep) {
                    auto ex = boost::asio::get_associated_executor(*h);
                    boost::asio::post(ex, [h, ep]() mutable { std::move (*h)(ep); });
                });
        };
        co_await boost::asio::async_initiate<const boost::asio::use_awaitable_t<>&,
                                             void(std::exception_ptr)>(std::move(initiation),
                                                                       boost::asio::use_awaitable);
        co_return std::move(**slot);
    }

    /// Callback form for ports: `done(std::optional<R>)` after the commit, on the module strand;
    /// nullopt when f or the commit threw (logged). An error Result is rolled back as in
    /// execute() and handed to `done` as it is.
    template <class F, class Done>
    void run(F f, Done done) {
        using R = std::invoke_result_t<F&>;
        auto slot = std::make_shared<std::optional<R>>();
        submit(
            [slot, f = std::move(f)]() mutable {
                slot->emplace(f());
                return outcome_of(**slot);
            },
            [slot, done = std::move(done)](std::exception_ptr ep) mutable {
                if (ep)
                    slot->reset();
                done(std::move(*slot));
            });
    }

    /// Applies an event at most once (ARCHITECTURE.md, "Inbox"): records its id in the inbox
    /// and runs `apply` in one savepoint; a duplicate is skipped. `done` runs on the strand
    /// after the commit with nullptr (applied, or skipped as a duplicate) or what `apply` (or
    /// the commit) threw — then nothing of it was kept.
    void deliver(std::shared_ptr<const codec::Envelope> envelope,
                 std::function<void(const codec::Envelope&)> apply,
                 std::function<void(std::exception_ptr)> done);

    /// A paused module (issue 4: pause and resume) answers 503 on its routes and refuses
    /// synchronous calls; its event consumer holds deliveries until resumed. The executor
    /// itself keeps running jobs (relay clean-up, admin reads). Thread-safe.
    void set_paused(bool paused) noexcept { paused_.store(paused); }
    [[nodiscard]] bool paused() const noexcept { return paused_.load(); }

    /// Set once, before any job: receives each committed batch's outbox entries on the strand.
    void on_commit(CommitHook hook) { hook_ = std::move(hook); }
    /// Set once, before any job: sees every batch on the strand, before on_commit's hook. Must
    /// be cheap and must not throw (an exception is logged and ignored).
    void on_batch(BatchObserver observer) { batch_observer_ = std::move(observer); }

    [[nodiscard]] const std::string& name() const noexcept { return name_; }
    [[nodiscard]] Stats stats() const;
    [[nodiscard]] boost::asio::strand<boost::asio::any_io_executor>& strand() noexcept {
        return strand_;
    }

private:
    struct Job {
        Body body;
        Completion complete;
        logging::LogContext context;  ///< the submitter's, restored while `body` runs
    };
    void drain();

    std::string name_;
    persistence::Database& db_;
    persistence::OutboxStore& outbox_;
    persistence::InboxStore& inbox_;
    Options options_;
    boost::asio::strand<boost::asio::any_io_executor> strand_;
    CommitHook hook_;
    BatchObserver batch_observer_;

    mutable std::mutex mutex_;
    std::deque<Job> queue_;
    bool scheduled_ = false;

    std::atomic<bool> paused_{false};
    std::atomic<std::uint64_t> batches_{0}, jobs_{0}, failed_jobs_{0}, failed_batches_{0},
        duplicates_{0}, conflict_retries_{0};
    /// A job that lost a row lock to another replica (deadlock, lock timeout) runs this many
    /// times in all before its error is its answer.
    static constexpr int kConflictAttempts = 3;
};

}  // namespace mb::adapters::runtime
