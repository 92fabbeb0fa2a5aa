#pragma once
// InMemoryMyPageRepository: MyPageRepository in a std::map (save inserts or updates the row of
// its booking; list shows visible rows only, id ascending). Not thread-safe.
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "domain/mypage/my_page_repository.hpp"
#include "fakes/paging.hpp"

namespace mb::test {

class InMemoryMyPageRepository final : public domain::mypage::MyPageRepository {
public:
    void save(domain::mypage::MyPage& row) override {
        if (row.id() == 0) {
            if (find_by_booking(row.booking_id())) {
                throw std::logic_error("UNIQUE constraint failed: mypages.booking_id");
            }
            row.assign_id(++last_id_);
        }
        rows_.insert_or_assign(row.id(), row);
        ++writes_;
    }
    [[nodiscard]] std::optional<domain::mypage::MyPage> find(std::int64_t id) override {
        auto it = rows_.find(id);
        if (it == rows_.end())
            return std::nullopt;
        return it->second;
    }
    [[nodiscard]] std::optional<domain::mypage::MyPage> find_by_booking(
        std::int64_t booking_id) override {
        for (const auto& [id, r] : rows_) {
            if (r.booking_id() == booking_id)
                return r;
        }
        return std::nullopt;
    }
    [[nodiscard]] domain::Page<domain::mypage::MyPage> list(
        const domain::PageRequest& page) override {
        std::vector<domain::mypage::MyPage> visible;
        for (const auto& [id, r] : rows_) {
            if (r.visible())
                visible.push_back(r);
        }
        return page_of(visible, page);
    }
    [[nodiscard]] domain::Page<domain::mypage::MyPage> list_by_customer(
        const std::string& customer_id, const domain::PageRequest& page) override {
        std::vector<domain::mypage::MyPage> visible;
        for (const auto& [id, r] : rows_) {
            if (r.visible() && r.facts().customer_id == customer_id)
                visible.push_back(r);
        }
        return page_of(visible, page);
    }

    /// Every stored row, invisible ones included.
    [[nodiscard]] std::size_t size() const noexcept { return rows_.size(); }
    [[nodiscard]] std::size_t writes() const noexcept { return writes_; }

private:
    std::map<std::int64_t, domain::mypage::MyPage> rows_;
    std::int64_t last_id_ = 0;
    std::size_t writes_ = 0;
};

}  // namespace mb::test
