#pragma once
// GET /mypages/stream: the caller's own My page rows as Server-Sent Events (issue 13). First
// every current row of the customer, then each row again whenever an event changed it. Whose
// rows: with auth = jwt the token's subject (a `customerId` query parameter, when given, must
// be that subject: else 403); with auth = off the `customerId` parameter, as
// /mypages/search/findByCustomerId takes it (400 without it).
#include <cstdint>
#include <memory>
#include <string>

#include <boost/json/object.hpp>

#include "adapters/http/event_stream.hpp"
#include "adapters/http/router.hpp"
#include "adapters/http/routes/stream_watchers.hpp"
#include "adapters/runtime/module_executor.hpp"
#include "app/mypage/my_page_projection.hpp"

namespace mb::adapters::http::routes {

/// A My page row as the REST resource shows it (mypage_routes.cpp).
[[nodiscard]] boost::json::object encode_mypage(const Request& request,
                                                const domain::mypage::MyPage& row);

/// The open My page streams, per customer, and what feeds them. changed() is called by the
/// composition root after the projection applied an event of `booking_id`; the row is read on
/// the mypage executor (a later batch: after the event's commit) and sent to its customer's
/// streams only. Thread-safe.
class MyPageFeed : public std::enable_shared_from_this<MyPageFeed> {
public:
    MyPageFeed(runtime::ModuleExecutor& executor, app::mypage::MyPageProjection& mypages)
        : executor_(executor), mypages_(mypages) {}

    /// The row of `booking_id` changed.
    void changed(std::int64_t booking_id);

    /// The stream handler of GET /mypages/stream (see the file comment).
    [[nodiscard]] StreamHandler handler();

private:
    runtime::ModuleExecutor& executor_;
    app::mypage::MyPageProjection& mypages_;
    std::shared_ptr<StreamWatchers<std::string>> watchers_ =
        std::make_shared<StreamWatchers<std::string>>();
};

/// Registers GET /mypages/stream (authenticated) on `router`.
void add_mypage_stream_route(Router& router, const std::shared_ptr<MyPageFeed>& feed);

}  // namespace mb::adapters::http::routes
