#include "adapters/http/routes/mypage_stream.hpp"
#include "adapters/http/routes/route_support.hpp"
#include "adapters/http/routes/routes.hpp"

namespace mb::adapters::http::routes {

boost::json::object encode_mypage(const Request& request, const domain::mypage::MyPage& m) {
    const auto& f = m.facts();
    boost::json::object o{{"id", m.id()},
                          {"bookingId", m.booking_id()},
                          {"customerId", f.customer_id},
                          {"movieName", f.movie_name},
                          {"seat", f.seat},
                          {"qty", f.qty},
                          {"totalPrice", f.total_price},
                          {"screeningId", f.screening_id},
                          {"screeningStartsAt", f.screening_starts_at},
                          {"status", m.status()},
                          {"bookingStatus", m.booking_status()},
                          {"paymentId", m.payment_id()},
                          {"paymentStatus", m.payment_status()},
                          {"ticketId", m.ticket_id()},
                          {"ticketStatus", m.ticket_status()},
                          {"reviewId", m.review_id()},
                          {"reviewStatus", m.review_status()},
                          {"score", nullptr},
                          {"contents", m.contents()}};
    if (m.score())
        o["score"] = *m.score();
    return hal_item(std::move(o), request.base_url, "mypages", "mypage", m.id());
}

namespace {

using domain::mypage::MyPage;
using verb = beast::http::verb;
using status = beast::http::status;

boost::json::object encode(const Request& request, const MyPage& m) {
    return encode_mypage(request, m);
}

}  // namespace

void add_mypage_routes(Router& router, MyPageRoutes deps) {
    ModuleRoutes routes(router, deps.executor);
    routes.add(verb::get, "/mypages", [deps](Request request) -> asio::awaitable<Response> {
        auto page = page_of(request);
        if (auto* p = std::get_if<Response>(&page))
            co_return std::move(*p);
        const auto pr = std::get<domain::PageRequest>(page);
        auto step1 = [&mypages = deps.mypages, caller = request.principal, pr] {
            return mypages.list(caller, pr);
        };
        auto result = co_await deps.executor.execute(std::move(step1));
        co_return collection_response(request, "mypages", pr, result, encode);
    });

    routes.add(verb::get, "/mypages/{id}", [deps](Request request) -> asio::awaitable<Response> {
        auto id = path_id(request);
        if (auto* p = std::get_if<Response>(&id))
            co_return std::move(*p);
        auto step2 = [&mypages = deps.mypages, caller = request.principal, id = std::get<std::int64_t>(id)] {
            return mypages.find(caller, id);
        };
        auto row = co_await deps.executor.execute(std::move(step2));
        if (!row) {
            co_return problem(request, status::not_found, "no My page row with that id");
        }
        co_return json_response(request, status::ok, encode(request, *row));
    });

    routes.add(verb::get, "/mypages/search/findByBookingId",
               [deps](Request request) -> asio::awaitable<Response> {
                   auto id = query_id(request, "bookingId");
                   if (auto* p = std::get_if<Response>(&id))
                       co_return std::move(*p);
                   auto step3 = [&mypages = deps.mypages, caller = request.principal, id = std::get<std::int64_t>(id)] {
                       return mypages.find_by_booking(caller, id);
                   };
                   auto row = co_await deps.executor.execute(std::move(step3));
                   co_return optional_collection_response(request, "mypages", row, encode);
               });

    routes.add(verb::get, "/mypages/search/findByCustomerId",
               [deps](Request request) -> asio::awaitable<Response> {
                   auto customer = request.query_param("customerId");
                   if (!customer || customer->empty() || customer->size() > 64) {
                       co_return problem(request, status::bad_request,
                                         "customerId is required (1 to 64 characters)",
                                         {{"customerId", "is required"}});
                   }
                   auto page = page_of(request);
                   if (auto* p = std::get_if<Response>(&page))
                       co_return std::move(*p);
                   const auto pr = std::get<domain::PageRequest>(page);
                   auto step4 = [&mypages = deps.mypages, caller = request.principal, pr, c = std::string(*customer)] {
                       return mypages.list_by_customer(caller, c, pr);
                   };
                   auto result = co_await deps.executor.execute(std::move(step4));
                   co_return collection_response(request, "mypages", pr, result, encode);
               });
}

}  // namespace mb::adapters::http::routes
