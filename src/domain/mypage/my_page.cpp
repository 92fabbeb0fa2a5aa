#include "domain/mypage/my_page.hpp"

#include <array>
#include <string_view>

namespace mb::domain::mypage {
namespace {

/// Takes an id from an event unless it is 0: producers that send no id (the seed services'
/// messages on a shared Kafka topic) must not erase the one an earlier event gave.
void keep_id(std::int64_t& field, std::int64_t id) {
    if (id != 0)
        field = id;
}

// Ranks per source: a status only moves to a higher rank, so the order of arrival is irrelevant.
int booking_rank(std::string_view s) {
    return s == "Canceled" ? 2 : (s == "PaidComplete" ? 1 : 0);
}
int payment_rank(std::string_view s) {
    return s == "Canceled" ? 2 : (s == "Paid" ? 1 : 0);
}
int ticket_rank(std::string_view s) {
    return s == "Printed" ? 2 : (s == "Waiting" ? 1 : 0);
}
int review_rank(std::string_view s) {
    return s == "Written" ? 2 : (s == "Waiting Review" ? 1 : 0);
}

void raise(std::string& current, std::string_view next, int (*rank)(std::string_view)) {
    if (rank(next) > rank(current))
        current = std::string(next);
}

}  // namespace

MyPage MyPage::for_booking(std::int64_t booking_id) {
    MyPage p;
    p.booking_id_ = booking_id;
    return p;
}

void MyPage::on_booked(const BookingFacts& facts) {
    facts_ = facts;
    booked_ = true;
    raise(booking_status_, "PaidComplete", booking_rank);
}

void MyPage::on_booking_canceled(const BookingFacts& facts) {
    if (!booked_)
        facts_ = facts;  // Booked (with the screening time) normally came first
    booked_ = true;      // a Canceled booking was confirmed before (only confirmed ones cancel)
    raise(booking_status_, "Canceled", booking_rank);
}

void MyPage::on_paid(std::int64_t payment_id) {
    keep_id(payment_id_, payment_id);
    raise(payment_status_, "Paid", payment_rank);
}

void MyPage::on_payment_canceled(std::int64_t payment_id) {
    keep_id(payment_id_, payment_id);
    raise(payment_status_, "Canceled", payment_rank);
}

void MyPage::on_ticket_created(std::int64_t ticket_id) {
    keep_id(ticket_id_, ticket_id);
    raise(ticket_status_, "Waiting", ticket_rank);
}

void MyPage::on_ticket_printed(std::int64_t ticket_id) {
    keep_id(ticket_id_, ticket_id);
    raise(ticket_status_, "Printed", ticket_rank);
}

void MyPage::on_review_opened(std::int64_t review_id) {
    keep_id(review_id_, review_id);
    raise(review_status_, "Waiting Review", review_rank);
}

void MyPage::on_review_written(std::int64_t review_id, std::int64_t score, std::string contents) {
    keep_id(review_id_, review_id);
    score_ = score;
    contents_ = std::move(contents);
    raise(review_status_, "Written", review_rank);
}

std::string MyPage::status() const {
    if (booking_status_ == "Canceled")
        return "Canceled";
    if (!booked_)
        return "";
    if (review_status_ == "Written")
        return "ReviewComplete";
    if (ticket_status_ == "Printed")
        return "PrintComplete";
    return "PaidComplete";
}

std::string MyPage::ticket_status() const {
    if (booking_status_ == "Canceled" && ticket_status_ != "Printed")
        return "Canceled";
    return ticket_status_;
}

MyPage MyPage::restore(State s) {
    MyPage p;
    p.id_ = s.id;
    p.booking_id_ = s.booking_id;
    p.booked_ = s.booked;
    p.facts_ = std::move(s.facts);
    p.booking_status_ = std::move(s.booking_status);
    p.payment_id_ = s.payment_id;
    p.payment_status_ = std::move(s.payment_status);
    p.ticket_id_ = s.ticket_id;
    p.ticket_status_ = std::move(s.ticket_status);
    p.review_id_ = s.review_id;
    p.review_status_ = std::move(s.review_status);
    p.score_ = s.score;
    p.contents_ = std::move(s.contents);
    return p;
}

MyPage::State MyPage::state() const {
    return State{id_,
                 booking_id_,
                 booked_,
                 facts_,
                 booking_status_,
                 payment_id_,
                 payment_status_,
                 ticket_id_,
                 ticket_status_,
                 review_id_,
                 review_status_,
                 score_,
                 contents_};
}

}  // namespace mb::domain::mypage
