#include "app/mypage/my_page_projection.hpp"

namespace mb::app::mypage {

using domain::mypage::BookingFacts;
using domain::mypage::MyPage;

MyPageProjection::MyPageProjection(domain::mypage::MyPageRepository& repository)
    : repository_(repository) {}

template <class Apply>
void MyPageProjection::update(std::int64_t booking_id, Apply&& apply) {
    auto row = repository_.find_by_booking(booking_id);
    if (!row)
        row = MyPage::for_booking(booking_id);
    apply(*row);
    repository_.save(*row);
}

void MyPageProjection::on(const domain::booking::Booked& e) {
    update(e.booking_id, [&](MyPage& row) {
        row.on_booked(BookingFacts{e.customer_id, e.movie_name, e.seat, e.qty, e.total_price,
                                   e.screening_id, e.screening_starts_at});
    });
}

void MyPageProjection::on(const domain::booking::Canceled& e) {
    update(e.booking_id, [&](MyPage& row) {
        row.on_booking_canceled(BookingFacts{
            e.customer_id, e.movie_name, e.seat, e.qty, e.total_price, e.screening_id, {}});
    });
}

void MyPageProjection::on(const domain::payment::Paid& e) {
    update(e.booking_id, [&](MyPage& row) { row.on_paid(e.payment_id); });
}

void MyPageProjection::on(const domain::payment::PaymentCanceled& e) {
    update(e.booking_id, [&](MyPage& row) { row.on_payment_canceled(e.payment_id); });
}

void MyPageProjection::on(const domain::ticket::Created& e) {
    update(e.booking_id, [&](MyPage& row) { row.on_ticket_created(e.ticket_id); });
}

void MyPageProjection::on(const domain::ticket::Printed& e) {
    update(e.booking_id, [&](MyPage& row) { row.on_ticket_printed(e.ticket_id); });
}

void MyPageProjection::on(const domain::review::WaitedReview& e) {
    update(e.booking_id, [&](MyPage& row) { row.on_review_opened(e.review_id); });
}

void MyPageProjection::on(const domain::review::WrittenReview& e) {
    update(e.booking_id,
           [&](MyPage& row) { row.on_review_written(e.review_id, e.score, e.contents); });
}

namespace {
std::optional<MyPage> visible_to(const domain::Principal& caller, std::optional<MyPage> row) {
    if (!row || !row->visible() || !domain::mypage::may_read(caller, *row))
        return std::nullopt;
    return row;
}
}  // namespace

std::optional<MyPage> MyPageProjection::find(const domain::Principal& caller, std::int64_t id) {
    return visible_to(caller, repository_.find(id));
}

std::optional<MyPage> MyPageProjection::find_by_booking(const domain::Principal& caller,
                                                        std::int64_t booking_id) {
    return visible_to(caller, repository_.find_by_booking(booking_id));
}

domain::Page<MyPage> MyPageProjection::list(const domain::Principal& caller,
                                            const domain::PageRequest& page) {
    if (auto mine = domain::customer_filter(caller, domain::mypage::kSeesAllMyPages))
        return repository_.list_by_customer(*mine, page);
    return repository_.list(page);
}

domain::Page<MyPage> MyPageProjection::list_by_customer(const domain::Principal& caller,
                                                        const std::string& customer_id,
                                                        const domain::PageRequest& page) {
    if (auto mine = domain::customer_filter(caller, domain::mypage::kSeesAllMyPages);
        mine && *mine != customer_id) {
        domain::Page<MyPage> nothing;
        return nothing;
    }
    return repository_.list_by_customer(customer_id, page);
}

}  // namespace mb::app::mypage
