#pragma once
// Driven port: where My page rows are kept. Runs inside the mypage module's unit of work;
// throws on infrastructure failure; not thread-safe.
#include <cstdint>
#include <optional>
#include <string>

#include "domain/common/page.hpp"
#include "domain/mypage/my_page.hpp"

namespace mb::domain::mypage {

class MyPageRepository {
public:
    virtual ~MyPageRepository() = default;
    /// Inserts (assigning the id) or updates the row of its booking.
    virtual void save(MyPage& row) = 0;
    [[nodiscard]] virtual std::optional<MyPage> find(std::int64_t id) = 0;
    [[nodiscard]] virtual std::optional<MyPage> find_by_booking(std::int64_t booking_id) = 0;
    /// Visible rows (MyPage::visible), id ascending.
    [[nodiscard]] virtual Page<MyPage> list(const PageRequest& page) = 0;
    [[nodiscard]] virtual Page<MyPage> list_by_customer(const std::string& customer_id,
                                                        const PageRequest& page) = 0;
};

}  // namespace mb::domain::mypage
