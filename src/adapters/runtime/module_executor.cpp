#include "adapters/runtime/module_executor.hpp"

#include <spdlog/spdlog.h>

#include "adapters/logging/logging.hpp"
#include "adapters/persistence/database.hpp"

namespace mb::adapters::runtime {

ModuleExecutor::ModuleExecutor(boost::asio::any_io_executor io, std::string name,
                               persistence::Database& db, persistence::OutboxStore& outbox,
                               persistence::InboxStore& inbox, Options options)
    : name_(std::move(name)),
      db_(db),
      outbox_(outbox),
      inbox_(inbox),
      options_(options),
      strand_(boost::asio::make_strand(std::move(io))) {}

void ModuleExecutor::submit(Body body, Completion complete) {
    bool schedule = false;
    {
        std::lock_guard lock(mutex_);
        queue_.push_back(Job{std::move(body), std::move(complete), logging::current_log_context()});
        if (!scheduled_) {
            scheduled_ = true;
            schedule = true;
        }
    }
    if (schedule)
        boost::asio::post(strand_, [this] { drain(); });
}

void ModuleExecutor::deliver(std::shared_ptr<const codec::Envelope> envelope,
                             std::function<void(const codec::Envelope&)> apply,
                             std::function<void(std::exception_ptr)> done) {
    submit(
        [this, envelope, apply = std::move(apply)] {
            if (!inbox_.record(envelope->event_id)) {
                duplicates_.fetch_add(1, std::memory_order_relaxed);
                return Outcome::kCommit;
            }
            // The event's request id follows what it causes: log lines and new events.
            const logging::ScopedLogContext context(
                {envelope->request_id, envelope->booking_id, {}});
            apply(*envelope);
            return Outcome::kCommit;
        },
        std::move(done));
}

void ModuleExecutor::drain() {
    std::vector<Job> batch;
    {
        std::lock_guard lock(mutex_);
        const auto n = std::min(queue_.size(), options_.max_batch);
        batch.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            batch.push_back(std::move(queue_.front()));
            queue_.pop_front();
        }
        if (batch.empty()) {
            scheduled_ = false;
            return;
        }
    }

    std::vector<std::exception_ptr> errors(batch.size());
    std::exception_ptr batch_error;
    const auto started = std::chrono::steady_clock::now();
    try {
        db_.begin();
        for (std::size_t i = 0; i < batch.size(); ++i) {
            for (int attempt = 1;; ++attempt) {
                const auto mark = outbox_.written_mark();
                db_.savepoint();
                auto outcome = Outcome::kRollback;
                bool again = false;
                try {
                    const logging::ScopedLogContext context(batch[i].context);
                    outcome = batch[i].body();
                } catch (const soci::soci_error& e) {
                    // Another replica's transaction won a row lock (deadlock, lock timeout):
                    // the job's savepoint undoes it alone, and it runs again (issue 12).
                    again = attempt < kConflictAttempts && persistence::is_transient_conflict(e);
                    if (again)
                        conflict_retries_.fetch_add(1, std::memory_order_relaxed);
                    else
                        errors[i] = std::current_exception();
                } catch (...) {
                    errors[i] = std::current_exception();
                }
                if (outcome == Outcome::kCommit && !errors[i] && !again) {
                    db_.release_savepoint();
                } else {
                    db_.rollback_to_savepoint();
                    outbox_.truncate_written(mark);
                }
                if (!again)
                    break;
            }
            if (errors[i])
                failed_jobs_.fetch_add(1, std::memory_order_relaxed);
        }
        db_.commit();
    } catch (...) {
        batch_error = std::current_exception();
        db_.rollback();
        outbox_.discard_written();
        failed_batches_.fetch_add(1, std::memory_order_relaxed);
        try {
            std::rethrow_exception(batch_error);
        } catch (const std::exception& e) {
            logging::module_logger(name_)->error(
                "a batch of {} jobs failed and was rolled back: {}", batch.size(), e.what());
        }
    }

    batches_.fetch_add(1, std::memory_order_relaxed);
    jobs_.fetch_add(batch.size(), std::memory_order_relaxed);
    const auto duration = std::chrono::steady_clock::now() - started;
    std::vector<persistence::OutboxRecord> written;
    if (!batch_error)
        written = outbox_.take_written();
    if (batch_observer_) {
        try {
            batch_observer_(BatchRecord{batch.size(), duration, !batch_error, written});
        } catch (const std::exception& e) {
            logging::module_logger(name_)->error("batch observer failed: {}", e.what());
        }
    }
    if (!written.empty() && hook_)
        hook_(std::move(written));
    for (std::size_t i = 0; i < batch.size(); ++i) {
        if (batch[i].complete)
            batch[i].complete(batch_error ? batch_error : errors[i]);
    }

    bool more = false;
    {
        std::lock_guard lock(mutex_);
        more = !queue_.empty();
        if (!more)
            scheduled_ = false;
    }
    // Yield between batches so other work on this io_context thread gets its turn.
    if (more)
        boost::asio::post(strand_, [this] { drain(); });
}

ModuleExecutor::Stats ModuleExecutor::stats() const {
    Stats s;
    s.batches = batches_.load(std::memory_order_relaxed);
    s.jobs = jobs_.load(std::memory_order_relaxed);
    s.failed_jobs = failed_jobs_.load(std::memory_order_relaxed);
    s.failed_batches = failed_batches_.load(std::memory_order_relaxed);
    s.duplicates = duplicates_.load(std::memory_order_relaxed);
    s.conflict_retries = conflict_retries_.load(std::memory_order_relaxed);
    std::lock_guard lock(mutex_);
    s.queued = queue_.size();
    return s;
}

}  // namespace mb::adapters::runtime
