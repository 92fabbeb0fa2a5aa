#pragma once
// InMemoryReviewRepository: ReviewRepository in a std::map; one review per booking, enforced
// like the SQLite UNIQUE column (throws). Not thread-safe.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <stdexcept>
#include <vector>

#include "domain/review/review_repository.hpp"
#include "fakes/paging.hpp"

namespace mb::test {

class InMemoryReviewRepository final : public domain::review::ReviewRepository {
public:
    void add(domain::review::Review& review) override {
        if (find_by_booking(review.booking_id())) {
            throw std::logic_error("UNIQUE constraint failed: reviews.booking_id");
        }
        review.assign_id(++last_id_);
        rows_.insert_or_assign(review.id(), review);
        ++writes_;
    }
    void update(const domain::review::Review& review) override {
        auto it = rows_.find(review.id());
        if (it == rows_.end())
            throw std::logic_error("update of an unknown review");
        it->second = review;
        ++writes_;
    }
    [[nodiscard]] std::optional<domain::review::Review> find(std::int64_t id) override {
        auto it = rows_.find(id);
        if (it == rows_.end())
            return std::nullopt;
        return it->second;
    }
    [[nodiscard]] std::optional<domain::review::Review> find_by_booking(
        std::int64_t booking_id) override {
        for (const auto& [id, r] : rows_) {
            if (r.booking_id() == booking_id)
                return r;
        }
        return std::nullopt;
    }
    [[nodiscard]] domain::Page<domain::review::Review> list(
        const domain::PageRequest& page) override {
        std::vector<domain::review::Review> all;
        for (const auto& [id, r] : rows_)
            all.push_back(r);
        return page_of(all, page);
    }
    [[nodiscard]] domain::Page<domain::review::Review> list_by_customer(
        const std::string& customer_id, const domain::PageRequest& page) override {
        std::vector<domain::review::Review> mine;
        for (const auto& [id, r] : rows_) {
            if (r.customer_id() == customer_id)
                mine.push_back(r);
        }
        return page_of(mine, page);
    }

    [[nodiscard]] std::size_t size() const noexcept { return rows_.size(); }
    [[nodiscard]] std::size_t writes() const noexcept { return writes_; }

private:
    std::map<std::int64_t, domain::review::Review> rows_;
    std::int64_t last_id_ = 0;
    std::size_t writes_ = 0;
};

}  // namespace mb::test
