#pragma once
// The open event streams of a feed, by key (a screening id, a customer id): register a sink,
// push one event to every live sink of a key, unregister when the stream lets go.
#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "adapters/http/event_stream.hpp"

namespace mb::adapters::http::routes {

/// Thread-safe. Must be owned by a shared_ptr (watch() hands out handles that hold it weakly).
template <class Key>
class StreamWatchers : public std::enable_shared_from_this<StreamWatchers<Key>> {
public:
    /// Registers `sink` under `key`; the sink is dropped when the returned handle is released.
    [[nodiscard]] std::shared_ptr<void> watch(const Key& key, const std::shared_ptr<EventSink>& sink) {
        {
            const std::lock_guard lock(mutex_);
            watchers_[key].push_back(sink);
        }
        return std::make_shared<Unwatch>(this->weak_from_this(), sink, key);
    }

    /// Whether no stream at all is registered (a feed then skips even its read).
    [[nodiscard]] bool empty() const {
        const std::lock_guard lock(mutex_);
        return watchers_.empty();
    }

    /// Whether `key` has a stream (a feed skips its read when not).
    [[nodiscard]] bool watched(const Key& key) const {
        const std::lock_guard lock(mutex_);
        return watchers_.find(key) != watchers_.end();
    }

    /// Pushes `event` to every open stream of `key` (the same bytes to each: no copy per
    /// stream); dead entries are pruned.
    void push(const Key& key, std::string event) {
        push(key, std::make_shared<const std::string>(std::move(event)));
    }
    void push(const Key& key, const SharedEvent& event) {
        std::vector<std::shared_ptr<EventSink>> sinks;
        {
            const std::lock_guard lock(mutex_);
            const auto it = watchers_.find(key);
            if (it == watchers_.end()) {
                return;
            }
            prune(it, nullptr, &sinks);
        }
        for (const auto& sink : sinks) {
            sink->push(event);
        }
    }

    /// Keys with at least one stream registered now.
    [[nodiscard]] std::size_t keys() const {
        const std::lock_guard lock(mutex_);
        return watchers_.size();
    }

    /// Streams registered now.
    [[nodiscard]] std::size_t size() const {
        const std::lock_guard lock(mutex_);
        std::size_t n = 0;
        for (const auto& entry : watchers_) {
            n += entry.second.size();
        }
        return n;
    }

private:
    using Map = std::map<Key, std::vector<std::weak_ptr<EventSink>>>;

    struct Unwatch {
        std::weak_ptr<StreamWatchers> owner;
        std::weak_ptr<EventSink> sink;
        Key key;
        Unwatch(std::weak_ptr<StreamWatchers> o, std::weak_ptr<EventSink> s, Key k)
            : owner(std::move(o)), sink(std::move(s)), key(std::move(k)) {}
        Unwatch(const Unwatch&) = delete;
        Unwatch& operator=(const Unwatch&) = delete;
        ~Unwatch() {
            if (const auto self = owner.lock()) {
                const auto gone = sink.lock();
                const std::lock_guard lock(self->mutex_);
                const auto it = self->watchers_.find(key);
                if (it != self->watchers_.end()) {
                    self->prune(it, gone.get(), nullptr);
                }
            }
        }
    };

    /// Drops expired or closed sinks and `gone` from `it`'s list (erasing an empty one); the
    /// others go to `*live` when not null. Caller holds the mutex.
    void prune(typename Map::iterator it, const EventSink* gone,
               std::vector<std::shared_ptr<EventSink>>* live) {
        auto& list = it->second;
        list.erase(std::remove_if(list.begin(), list.end(),
                                  [&](const std::weak_ptr<EventSink>& weak) {
                                      auto sink = weak.lock();
                                      if (!sink || sink.get() == gone || sink->closed()) {
                                          return true;
                                      }
                                      if (live != nullptr) {
                                          live->push_back(std::move(sink));
                                      }
                                      return false;
                                  }),
                   list.end());
        if (list.empty()) {
            watchers_.erase(it);
        }
    }

    mutable std::mutex mutex_;
    Map watchers_;
};

}  // namespace mb::adapters::http::routes
