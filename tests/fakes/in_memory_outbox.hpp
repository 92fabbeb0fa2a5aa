#pragma once
// InMemoryOutbox<Event>: the app::Outbox port recording every appended event in order, so a
// test asserts exactly which events a use case caused. Not thread-safe (like the port).
#include <cstddef>
#include <variant>
#include <vector>

#include "app/common/outbox.hpp"

namespace mb::test {

template <class Event>
class InMemoryOutbox final : public app::Outbox<Event> {
public:
    void append(const Event& event) override { events_.push_back(event); }

    [[nodiscard]] const std::vector<Event>& events() const noexcept { return events_; }
    [[nodiscard]] std::size_t size() const noexcept { return events_.size(); }
    [[nodiscard]] bool empty() const noexcept { return events_.empty(); }
    void clear() noexcept { events_.clear(); }

    /// The recorded events of one alternative, in order.
    template <class T>
    [[nodiscard]] std::vector<T> of() const {
        std::vector<T> out;
        for (const auto& e : events_) {
            if (const auto* t = std::get_if<T>(&e))
                out.push_back(*t);
        }
        return out;
    }

private:
    std::vector<Event> events_;
};

}  // namespace mb::test
