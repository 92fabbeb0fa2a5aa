#include "adapters/runtime/outbox_relay.hpp"

#include <charconv>

#include <spdlog/spdlog.h>

#include "adapters/logging/logging.hpp"
#include "adapters/runtime/type_counts.hpp"

namespace mb::adapters::runtime {
namespace {

/// The envelope's yyyyMMddHHmmss (UTC) as a time point; nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parse_wire_time(const std::string& text) {
    if (text.size() != 14)
        return std::nullopt;
    int v[6] = {};
    const int widths[6] = {4, 2, 2, 2, 2, 2};
    std::size_t at = 0;
    for (int i = 0; i < 6; ++i) {
        const auto* first = text.data() + at;
        const auto [end, ec] = std::from_chars(first, first + widths[i], v[i]);
        if (ec != std::errc{} || end != first + widths[i])
            return std::nullopt;
        at += static_cast<std::size_t>(widths[i]);
    }
    const std::chrono::year_month_day day{std::chrono::year(v[0]),
                                          std::chrono::month(static_cast<unsigned>(v[1])),
                                          std::chrono::day(static_cast<unsigned>(v[2]))};
    if (!day.ok())
        return std::nullopt;
    return std::chrono::sys_days(day) + std::chrono::hours(v[3]) + std::chrono::minutes(v[4]) +
           std::chrono::seconds(v[5]);
}

}  // namespace

OutboxRelay::OutboxRelay(runtime::ModuleExecutor& executor, persistence::OutboxStore& store,
                         bus::EventBus& bus, Options options)
    : executor_(executor), store_(store), bus_(bus), options_(options), timer_(executor.strand()) {}

void OutboxRelay::start() {
    std::int64_t after = 0;
    std::size_t recovered = 0;
    if (store_.claims().enabled) {
        // A shared outbox: only rows this instance's earlier run left, and rows whose lease
        // has passed (their replica died); a live replica's rows stay its own. One call: the
        // rows claimed here match again (they are ours now), so no paging by claim.
        auto records = store_.claim_expired(std::chrono::system_clock::now(), 1'000'000, true);
        recovered = records.size();
        publish(std::move(records));
        last_renewal_ = last_takeover_ = std::chrono::steady_clock::now();
    }
    while (!store_.claims().enabled) {
        auto records = store_.undelivered(after, 1000);
        if (records.empty())
            break;
        after = records.back().seq;
        recovered += records.size();
        publish(std::move(records));
    }
    if (recovered > 0) {
        logging::module_logger(executor_.name())
            ->info("republishing {} outbox entries left by the previous run", recovered);
    }
    executor_.on_commit(
        [this](std::vector<persistence::OutboxRecord> records) { publish(std::move(records)); });
    arm_sweep();
}

void OutboxRelay::stop() {
    boost::asio::post(executor_.strand(), [this] {
        stopped_ = true;
        timer_.cancel();
    });
}

void OutboxRelay::publish(std::vector<persistence::OutboxRecord> records) {
    const auto now = std::chrono::steady_clock::now();
    {
        std::lock_guard lock(mutex_);
        for (const auto& r : records) {
            in_flight_[r.seq] =
                InFlight{r.envelope, now + options_.redelivery_after, options_.redelivery_after};
            count_type(published_by_type_, r.envelope->event_type);
        }
        published_ += records.size();
    }
    for (auto& r : records) {
        const auto seq = r.seq;
        bus_.publish(std::move(r.envelope), [this, seq] { delivered(seq); });
    }
}

void OutboxRelay::delivered(std::int64_t seq) {
    bool flush = false;
    {
        std::lock_guard lock(mutex_);
        const auto it = in_flight_.find(seq);
        if (it == in_flight_.end())
            return;  // a redelivery's second ack
        count_type(delivered_by_type_, it->second.envelope->event_type);
        in_flight_.erase(it);
        delivered_.push_back(seq);
        ++delivered_count_;
        flush = delivered_.size() >= options_.delete_batch;
    }
    if (flush)
        flush_delivered();
}

void OutboxRelay::flush_delivered() {
    std::vector<std::int64_t> seqs;
    {
        std::lock_guard lock(mutex_);
        seqs.swap(delivered_);
    }
    if (seqs.empty())
        return;
    executor_.submit(
        [this, seqs] {
            store_.remove(seqs);
            return Outcome::kCommit;
        },
        [this, seqs](std::exception_ptr ep) {
            if (!ep)
                return;
            // Keep them for the next flush; deleting is idempotent.
            std::lock_guard lock(mutex_);
            delivered_.insert(delivered_.end(), seqs.begin(), seqs.end());
        });
}

void OutboxRelay::arm_sweep() {
    timer_.expires_after(options_.sweep_interval);
    timer_.async_wait([this](boost::system::error_code ec) {
        if (ec || stopped_)
            return;
        sweep();
        arm_sweep();
    });
}

void OutboxRelay::tend_claims() {
    const auto lease = store_.claims().lease;
    const auto now = std::chrono::steady_clock::now();
    if (claim_job_running_)
        return;
    const bool renew = now - last_renewal_ >= lease / 3;
    const bool take_over = now - last_takeover_ >= lease / 2;
    if (!renew && !take_over)
        return;
    claim_job_running_ = true;
    if (renew)
        last_renewal_ = now;
    if (take_over)
        last_takeover_ = now;
    auto taken = std::make_shared<std::vector<persistence::OutboxRecord>>();
    executor_.submit(
        [this, renew, take_over, taken] {
            const auto wall = std::chrono::system_clock::now();
            if (renew)
                store_.renew_claims(wall);
            if (take_over)
                *taken = store_.claim_expired(wall, 1000, false);
            return Outcome::kCommit;
        },
        [this, taken](std::exception_ptr ep) {
            boost::asio::post(executor_.strand(), [this] { claim_job_running_ = false; });
            if (ep) {
                try {
                    std::rethrow_exception(ep);
                } catch (const std::exception& e) {
                    logging::module_logger(executor_.name())
                        ->warn("outbox claims: renewal or take-over failed ({}); retrying",
                               e.what());
                }
                return;
            }
            if (!taken->empty()) {
                logging::module_logger(executor_.name())
                    ->warn("took over {} outbox entries whose relay's lease had passed",
                           taken->size());
                publish(std::move(*taken));
            }
        });
}

void OutboxRelay::sweep() {
    flush_delivered();
    if (store_.claims().enabled)
        tend_claims();
    const auto now = std::chrono::steady_clock::now();
    std::vector<persistence::OutboxRecord> again;
    {
        std::lock_guard lock(mutex_);
        std::chrono::milliseconds longest{0};
        for (auto& [seq, f] : in_flight_) {
            if (now >= f.next_at) {
                again.push_back({seq, f.envelope});
                f.backoff = std::min(f.backoff * 2, options_.max_redelivery_after);
                f.next_at = now + f.backoff;
            }
            if (f.backoff > options_.redelivery_after)
                longest = std::max(longest, f.backoff);
        }
        republished_ += again.size();
        longest_backoff_ = longest;
    }
    if (!again.empty()) {
        logging::module_logger(executor_.name())
            ->warn("{} events not acknowledged within {} ms, publishing again", again.size(),
                   options_.redelivery_after.count());
    }
    for (auto& r : again) {
        const auto seq = r.seq;
        bus_.publish(std::move(r.envelope), [this, seq] { delivered(seq); });
    }
}

OutboxRelay::Stats OutboxRelay::stats() const {
    std::lock_guard lock(mutex_);
    Stats s{published_,   delivered_count_,   republished_,       in_flight_.size(),
            std::nullopt, published_by_type_, delivered_by_type_, longest_backoff_};
    if (!in_flight_.empty())
        s.oldest_committed_at = parse_wire_time(in_flight_.begin()->second.envelope->timestamp);
    return s;
}

}  // namespace mb::adapters::runtime
