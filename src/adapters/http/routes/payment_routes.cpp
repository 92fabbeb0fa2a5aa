#include "adapters/http/routes/route_support.hpp"
#include "adapters/http/routes/routes.hpp"

namespace mb::adapters::http::routes {
namespace {

using domain::payment::Payment;
using verb = beast::http::verb;
using status = beast::http::status;

boost::json::object encode(const Request& request, const Payment& p) {
    return hal_item({{"id", p.id()},
                     {"bookingId", p.booking_id()},
                     {"customerId", p.customer_id()},
                     {"totalPrice", p.amount()},
                     {"status", to_string(p.status())}},
                    request.base_url, "payments", "payment", p.id());
}

}  // namespace

void add_payment_routes(Router& router, PaymentRoutes deps) {
    ModuleRoutes routes(router, deps.executor);
    routes.add(verb::get, "/payments", [deps](Request request) -> asio::awaitable<Response> {
        auto page = page_of(request);
        if (auto* p = std::get_if<Response>(&page))
            co_return std::move(*p);
        const auto pr = std::get<domain::PageRequest>(page);
        auto step1 = [&payments = deps.payments, caller = request.principal, pr] {
            return payments.list(caller, pr);
        };
        auto result = co_await deps.executor.execute(std::move(step1));
        co_return collection_response(request, "payments", pr, result, encode);
    });

    routes.add(verb::get, "/payments/{id}", [deps](Request request) -> asio::awaitable<Response> {
        auto id = path_id(request);
        if (auto* p = std::get_if<Response>(&id))
            co_return std::move(*p);
        auto step2 = [&payments = deps.payments, caller = request.principal, id = std::get<std::int64_t>(id)] {
            return payments.find(caller, id);
        };
        auto payment = co_await deps.executor.execute(std::move(step2));
        if (!payment)
            co_return problem_for(request, domain::payment::PaymentError::kNotFound);
        co_return json_response(request, status::ok, encode(request, *payment));
    });

    routes.add(verb::get, "/payments/search/findByBookingId",
               [deps](Request request) -> asio::awaitable<Response> {
                   auto id = query_id(request, "bookingId");
                   if (auto* p = std::get_if<Response>(&id))
                       co_return std::move(*p);
                   auto step3 = [&payments = deps.payments, caller = request.principal, id = std::get<std::int64_t>(id)] {
                       return payments.find_by_booking(caller, id);
                   };
                   auto payment = co_await deps.executor.execute(std::move(step3));
                   co_return optional_collection_response(request, "payments", payment, encode);
               });
}

}  // namespace mb::adapters::http::routes
