#pragma once
// InMemoryBookingRepository: BookingRepository in a std::map, with the port's contract (ids
// from 1, increasing, never reused; list() hides Pending; pending() and cancel_requested()
// oldest first, filtered by last change and limited). Counts writes so a test can tell
// "nothing stored". Not thread-safe (like the port).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <stdexcept>
#include <vector>

#include "domain/booking/booking_repository.hpp"
#include "fakes/paging.hpp"

namespace mb::test {

class InMemoryBookingRepository final : public domain::booking::BookingRepository {
public:
    void add(domain::booking::Booking& booking) override {
        booking.assign_id(++last_id_);
        rows_.insert_or_assign(booking.id(), booking);
        ++writes_;
    }
    void update(const domain::booking::Booking& booking) override {
        auto it = rows_.find(booking.id());
        if (it == rows_.end())
            throw std::logic_error("update of an unknown booking");
        it->second = booking;
        ++writes_;
    }
    void remove(std::int64_t id) override {
        rows_.erase(id);
        ++writes_;
    }
    [[nodiscard]] std::optional<domain::booking::Booking> find(std::int64_t id) override {
        auto it = rows_.find(id);
        if (it == rows_.end())
            return std::nullopt;
        return it->second;
    }
    [[nodiscard]] domain::Page<domain::booking::Booking> list(
        const domain::PageRequest& page) override {
        std::vector<domain::booking::Booking> visible;
        for (const auto& [id, b] : rows_) {
            if (b.status() != domain::booking::BookingStatus::kPending)
                visible.push_back(b);
        }
        return page_of(visible, page);
    }
    [[nodiscard]] domain::Page<domain::booking::Booking> list_by_customer(
        const std::string& customer_id, const domain::PageRequest& page) override {
        std::vector<domain::booking::Booking> mine;
        for (const auto& [id, b] : rows_) {
            if (b.status() != domain::booking::BookingStatus::kPending &&
                b.customer_id() == customer_id)
                mine.push_back(b);
        }
        return page_of(mine, page);
    }
    [[nodiscard]] std::vector<domain::booking::Booking> pending(domain::TimePoint changed_before,
                                                                std::int64_t limit) override {
        return select(limit, [&](const domain::booking::Booking& b) {
            return b.status() == domain::booking::BookingStatus::kPending &&
                   b.updated_at() <= changed_before;
        });
    }
    [[nodiscard]] std::vector<domain::booking::Booking> cancel_requested(
        domain::TimePoint changed_before, std::int64_t limit) override {
        return select(limit, [&](const domain::booking::Booking& b) {
            return b.cancel_requested() && b.updated_at() <= changed_before;
        });
    }

    /// Every stored row, Pending included (what the table holds).
    [[nodiscard]] std::size_t size() const noexcept { return rows_.size(); }
    [[nodiscard]] std::size_t writes() const noexcept { return writes_; }

private:
    template <class Pred>
    std::vector<domain::booking::Booking> select(std::int64_t limit, Pred pred) const {
        std::vector<domain::booking::Booking> out;
        for (const auto& [id, b] : rows_) {
            if (static_cast<std::int64_t>(out.size()) >= limit)
                break;
            if (pred(b))
                out.push_back(b);
        }
        return out;
    }

    std::map<std::int64_t, domain::booking::Booking> rows_;
    std::int64_t last_id_ = 0;
    std::size_t writes_ = 0;
};

}  // namespace mb::test
