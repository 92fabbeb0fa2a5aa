#include "adapters/http/routes/route_support.hpp"
#include "adapters/http/routes/routes.hpp"

namespace mb::adapters::http::routes {
namespace {

asio::awaitable<Response> paused_problem(Request request, std::string module) {
    auto response =
        problem(request, beast::http::status::service_unavailable,
                "the " + module + " module is paused for maintenance; try again shortly");
    response.set(beast::http::field::retry_after, "5");
    co_return response;
}

}  // namespace

void ModuleRoutes::add(beast::http::verb method, std::string_view pattern, Handler handler,
                       Access access) {
    // Not a coroutine itself: a running module's request goes straight to its handler's
    // awaitable, without a second coroutine frame per request.
    router_.add(method, pattern,
                [&module = module_,
                 handler = std::move(handler)](Request request) -> asio::awaitable<Response> {
                    if (module.paused())
                        return paused_problem(std::move(request), module.name());
                    return handler(std::move(request));
                },
                access);
}

}  // namespace mb::adapters::http::routes
