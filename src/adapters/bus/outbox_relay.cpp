#include "adapters/bus/outbox_relay.hpp"

#include <spdlog/spdlog.h>

namespace mb::adapters::bus {

OutboxRelay::OutboxRelay(persistence::ModuleExecutor& executor, persistence::OutboxStore& store,
                         EventBus& bus, Options options)
    : executor_(executor), store_(store), bus_(bus), options_(options), timer_(executor.strand()) {}

void OutboxRelay::start() {
    std::int64_t after = 0;
    std::size_t recovered = 0;
    while (true) {
        auto records = store_.undelivered(after, 1000);
        if (records.empty())
            break;
        after = records.back().seq;
        recovered += records.size();
        publish(std::move(records));
    }
    if (recovered > 0) {
        spdlog::info("{}: republishing {} outbox entries left by the previous run",
                     executor_.name(), recovered);
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
        if (in_flight_.erase(seq) == 0)
            return;  // a redelivery's second ack
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
            return true;
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

void OutboxRelay::sweep() {
    flush_delivered();
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
        spdlog::warn("{}: {} events not acknowledged within {} ms, publishing again",
                     executor_.name(), again.size(), options_.redelivery_after.count());
    }
    for (auto& r : again) {
        const auto seq = r.seq;
        bus_.publish(std::move(r.envelope), [this, seq] { delivered(seq); });
    }
}

OutboxRelay::Stats OutboxRelay::stats() const {
    std::lock_guard lock(mutex_);
    return Stats{published_, delivered_count_, republished_, in_flight_.size(), longest_backoff_};
}

}  // namespace mb::adapters::bus
