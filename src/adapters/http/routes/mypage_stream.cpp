#include "adapters/http/routes/mypage_stream.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/json/serialize.hpp>

#include "adapters/http/problem.hpp"

namespace mb::adapters::http::routes {
namespace {

/// Most rows sent when a stream opens (a customer's whole My page in practice).
constexpr std::int64_t kSnapshotRows = 1000;

/// The `mypage` event of `row`: its REST fields (links stay on the resource), id = the row id.
std::string row_event(const domain::mypage::MyPage& row) {
    Request bare;
    auto body = encode_mypage(bare, row);
    body.erase("_links");
    return format_event("mypage", boost::json::serialize(body));
}

}  // namespace

void MyPageFeed::changed(std::int64_t booking_id) {
    if (watchers_->empty()) {
        return;  // nobody watches: no read at all (the hot path stays as it was)
    }
    auto self = shared_from_this();
    executor_.submit(
        [self, booking_id] {
            const auto row = self->mypages_.find_by_booking(domain::Principal::system(), booking_id);
            if (row && self->watchers_->watched(row->facts().customer_id)) {
                self->watchers_->push(row->facts().customer_id, row_event(*row));
            }
            return runtime::Outcome::kCommit;  // a read: nothing to keep or undo
        },
        [](const std::exception_ptr&) {});
}

StreamHandler MyPageFeed::handler() {
    std::weak_ptr<MyPageFeed> weak = weak_from_this();
    return [weak](Request request,
                  std::shared_ptr<EventSink> sink) -> asio::awaitable<StreamOpening> {
        const auto self = weak.lock();
        if (!self) {
            co_return StreamOpening{
                problem(request, beast::http::status::service_unavailable, "shutting down"),
                nullptr};
        }
        const auto asked = request.query_param("customerId");
        std::string customer;
        if (request.principal.is_system()) {  // auth = off: the customer the client names
            if (!asked || asked->empty() || asked->size() > 64) {
                co_return StreamOpening{
                    problem(request, beast::http::status::bad_request,
                            "customerId is required (1 to 64 characters)",
                            {{"customerId", "is required"}}),
                    nullptr};
            }
            customer = std::string(*asked);
        } else {
            customer = request.principal.subject();
            if (asked && *asked != customer) {
                co_return StreamOpening{
                    problem(request, beast::http::status::forbidden,
                            "a My page stream shows the caller's own rows only"),
                    nullptr};
            }
            if (customer.empty()) {
                co_return StreamOpening{
                    problem(request, beast::http::status::forbidden,
                            "the token names no customer (sub)"),
                    nullptr};
            }
        }
        // One job: register, then send the current rows; later changes are jobs of the same
        // executor, so none is lost in between and none overtakes the snapshot.
        auto job = [self, sink, customer, caller = request.principal] {
            auto handle = self->watchers_->watch(customer, sink);
            const auto rows = self->mypages_.list_by_customer(caller, customer,
                                                              domain::PageRequest{0, kSnapshotRows});
            for (const auto& row : rows.items) {
                sink->push(row_event(row));
            }
            return handle;
        };
        auto handle = co_await self->executor_.execute(std::move(job));
        co_return StreamOpening{std::nullopt, std::move(handle)};
    };
}

void add_mypage_stream_route(Router& router, const std::shared_ptr<MyPageFeed>& feed) {
    router.add_stream("/mypages/stream", feed->handler(), Access::kAuthenticated);
}

}  // namespace mb::adapters::http::routes
