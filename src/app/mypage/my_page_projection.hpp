#pragma once
// My page projection: the CQRS read model fed only by events (MISSION.md, "Performance").
// Each handler loads the booking's row (or starts one), applies the event and saves it; the
// row converges whatever the order of events from different modules. Runs inside the mypage
// module's unit of work; not thread-safe.
#include <cstdint>
#include <optional>
#include <string>

#include "domain/booking/events.hpp"
#include "domain/common/principal.hpp"
#include "domain/mypage/access.hpp"
#include "domain/mypage/my_page.hpp"
#include "domain/mypage/my_page_repository.hpp"
#include "domain/payment/events.hpp"
#include "domain/review/events.hpp"
#include "domain/ticket/events.hpp"

namespace mb::app::mypage {

class MyPageProjection {
public:
    explicit MyPageProjection(domain::mypage::MyPageRepository& repository);

    void on(const domain::booking::Booked& e);
    void on(const domain::booking::Canceled& e);
    void on(const domain::payment::Paid& e);
    void on(const domain::payment::PaymentCanceled& e);
    void on(const domain::ticket::Created& e);
    void on(const domain::ticket::Printed& e);
    void on(const domain::review::WaitedReview& e);
    void on(const domain::review::WrittenReview& e);

    /// Queries return visible rows only (MyPage::visible), and only those `caller` may see
    /// (access.hpp: the row's customer and admin).
    std::optional<domain::mypage::MyPage> find(const domain::Principal& caller, std::int64_t id);
    std::optional<domain::mypage::MyPage> find_by_booking(const domain::Principal& caller,
                                                          std::int64_t booking_id);
    /// Admin lists every row, a customer their own.
    domain::Page<domain::mypage::MyPage> list(const domain::Principal& caller,
                                              const domain::PageRequest& page);
    /// The rows of `customer_id` — for a caller who does not see every row, only when it is
    /// their own id (another customer's id gives an empty page, not an error: ids are not
    /// enumerable).
    domain::Page<domain::mypage::MyPage> list_by_customer(const domain::Principal& caller,
                                                          const std::string& customer_id,
                                                          const domain::PageRequest& page);

private:
    template <class Apply>
    void update(std::int64_t booking_id, Apply&& apply);

    domain::mypage::MyPageRepository& repository_;
};

}  // namespace mb::app::mypage
