#include "adapters/http/routes/route_support.hpp"
#include "adapters/http/routes/routes.hpp"

namespace mb::adapters::http::routes {
namespace {

using domain::ticket::Ticket;
using verb = beast::http::verb;
using status = beast::http::status;

boost::json::object encode(const Request& request, const Ticket& t) {
    const auto& d = t.details();
    return hal_item({{"id", t.id()},
                     {"bookingId", d.booking_id},
                     {"customerId", d.customer_id},
                     {"movieName", d.movie_name},
                     {"seat", d.seat},
                     {"qty", d.qty},
                     {"status", to_string(t.status())}},
                    request.base_url, "tickets", "ticket", t.id());
}

}  // namespace

void add_ticket_routes(Router& router, TicketRoutes deps) {
    ModuleRoutes routes(router, deps.executor);
    routes.add(verb::get, "/tickets", [deps](Request request) -> asio::awaitable<Response> {
        auto page = page_of(request);
        if (auto* p = std::get_if<Response>(&page))
            co_return std::move(*p);
        const auto pr = std::get<domain::PageRequest>(page);
        auto step1 = [&tickets = deps.tickets, caller = request.principal, pr] {
            return tickets.list(caller, pr);
        };
        auto result = co_await deps.executor.execute(std::move(step1));
        co_return collection_response(request, "tickets", pr, result, encode);
    });

    routes.add(verb::get, "/tickets/{id}", [deps](Request request) -> asio::awaitable<Response> {
        auto id = path_id(request);
        if (auto* p = std::get_if<Response>(&id))
            co_return std::move(*p);
        auto step2 = [&tickets = deps.tickets, caller = request.principal, id = std::get<std::int64_t>(id)] {
            return tickets.find(caller, id);
        };
        auto ticket = co_await deps.executor.execute(std::move(step2));
        if (!ticket)
            co_return problem_for(request, domain::ticket::TicketError::kNotFound);
        co_return json_response(request, status::ok, encode(request, *ticket));
    });

    routes.add(verb::get, "/tickets/search/findByBookingId",
               [deps](Request request) -> asio::awaitable<Response> {
                   auto id = query_id(request, "bookingId");
                   if (auto* p = std::get_if<Response>(&id))
                       co_return std::move(*p);
                   auto step3 = [&tickets = deps.tickets, caller = request.principal, id = std::get<std::int64_t>(id)] {
                       return tickets.find_by_booking(caller, id);
                   };
                   auto ticket = co_await deps.executor.execute(std::move(step3));
                   co_return optional_collection_response(request, "tickets", ticket, encode);
               });

    // Collecting (printing) a ticket: PATCH {"status":"Printed"} as the seed's clients do.
    routes.add(verb::patch, "/tickets/{id}", [deps](Request request) -> asio::awaitable<Response> {
        auto id = path_id(request);
        if (auto* p = std::get_if<Response>(&id))
            co_return std::move(*p);
        auto body = parse_json_object(request);
        if (body.problem)
            co_return std::move(*body.problem);
        JsonFields fields(*body.object);
        auto wanted = fields.string("status", true, 64);
        if (!fields.ok()) {
            co_return problem(request, status::bad_request, "status is required", fields.errors());
        }
        if (*wanted != "Printed") {
            co_return problem(request, status::bad_request,
                              "only status \"Printed\" can be requested for a ticket",
                              {{"status", "must be \"Printed\""}});
        }
        auto printed = co_await deps.print.print(request.principal, std::get<std::int64_t>(id));
        if (!printed)
            co_return problem_for(request, printed.error());
        co_return json_response(request, status::ok, encode(request, *printed));
    });
}

}  // namespace mb::adapters::http::routes
