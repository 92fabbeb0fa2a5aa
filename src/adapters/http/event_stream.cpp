#include "adapters/http/event_stream.hpp"

#include <algorithm>
#include <cassert>
#include <string_view>
#include <utility>

namespace mb::adapters::http {
namespace {

bool single_line(std::string_view text) {
    return text.find_first_of("\r\n") == std::string_view::npos;
}

}  // namespace

std::string format_event(std::string_view event, std::string_view data, std::string_view id) {
    std::string out;
    out.reserve(event.size() + data.size() + id.size() + 32);
    if (!id.empty() && single_line(id) && id.find('\0') == std::string_view::npos) {
        out.append("id: ").append(id).append("\n");
    }
    if (!event.empty() && single_line(event)) {
        out.append("event: ").append(event).append("\n");
    }
    for (;;) {
        const auto newline = data.find('\n');
        auto line = data.substr(0, newline);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        out.append("data: ").append(line).append("\n");
        if (newline == std::string_view::npos) {
            break;
        }
        data.remove_prefix(newline + 1);
    }
    out.append("\n");
    return out;
}

// --- EventSink ---

EventSink::EventSink(std::size_t max_queued) : max_queued_(std::max<std::size_t>(1, max_queued)) {}

bool EventSink::push(std::string event) {
    return push(std::make_shared<const std::string>(std::move(event)));
}

bool EventSink::push(SharedEvent event) {
    assert(event != nullptr);
    bool accepted = false;
    {
        const std::lock_guard lock(mutex_);
        if (closed_) {
            return false;
        }
        if (queue_.size() >= max_queued_) {
            closed_ = true;  // too slow to follow: end it, the client resumes
        } else {
            queue_.push_back(std::move(event));
            accepted = true;
        }
    }
    wake();
    return accepted;
}

void EventSink::close() {
    {
        const std::lock_guard lock(mutex_);
        if (closed_) {
            return;
        }
        closed_ = true;
    }
    wake();
}

bool EventSink::closed() const {
    const std::lock_guard lock(mutex_);
    return closed_;
}

std::deque<SharedEvent> EventSink::take(bool* closed) {
    const std::lock_guard lock(mutex_);
    *closed = closed_;
    return std::exchange(queue_, {});
}

bool EventSink::ready() const {
    const std::lock_guard lock(mutex_);
    return closed_ || !queue_.empty();
}

void EventSink::on_wake(std::function<void()> wake) {
    const std::lock_guard lock(mutex_);
    wake_ = std::move(wake);
}

void EventSink::wake() {
    std::function<void()> wake;
    {
        const std::lock_guard lock(mutex_);
        wake = wake_;
    }
    if (wake) {
        wake();
    }
}

// --- StreamGate ---

std::size_t StreamGate::KeyHash::operator()(const ClientKey& key) const noexcept {
    std::size_t hash = 14695981039346656037ULL;  // FNV-1a
    for (const auto byte : key) {
        hash = (hash ^ byte) * 1099511628211ULL;
    }
    return hash;
}

StreamGate::Slot StreamGate::try_open(const ClientKey& client, Refusal* refusal) {
    const std::lock_guard lock(mutex_);
    if (max_total_ != 0 && open_ >= max_total_) {
        *refusal = Refusal::kTotal;
        return {};
    }
    auto& mine = per_client_[client];
    if (max_per_client_ != 0 && mine >= max_per_client_) {
        if (mine == 0) {
            per_client_.erase(client);
        }
        *refusal = Refusal::kPerClient;
        return {};
    }
    ++mine;
    ++open_;
    *refusal = Refusal::kNone;
    return Slot(this, client);
}

std::size_t StreamGate::open() const {
    const std::lock_guard lock(mutex_);
    return open_;
}

StreamGate::Slot::Slot(Slot&& other) noexcept
    : gate_(std::exchange(other.gate_, nullptr)), client_(other.client_) {}

StreamGate::Slot& StreamGate::Slot::operator=(Slot&& other) noexcept {
    if (this != &other) {
        release();
        gate_ = std::exchange(other.gate_, nullptr);
        client_ = other.client_;
    }
    return *this;
}

StreamGate::Slot::~Slot() {
    release();
}

void StreamGate::Slot::release() noexcept {
    if (gate_ == nullptr) {
        return;
    }
    const std::lock_guard lock(gate_->mutex_);
    assert(gate_->open_ > 0);
    --gate_->open_;
    const auto it = gate_->per_client_.find(client_);
    if (it != gate_->per_client_.end() && --it->second == 0) {
        gate_->per_client_.erase(it);
    }
    gate_ = nullptr;
}

}  // namespace mb::adapters::http
