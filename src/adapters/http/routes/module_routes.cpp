#include "adapters/http/routes/route_support.hpp"
#include "adapters/http/routes/routes.hpp"

namespace mb::adapters::http::routes {

void ModuleRoutes::add(beast::http::verb method, std::string_view pattern, Handler handler) {
    router_.add(method, pattern,
                [&module = module_,
                 handler = std::move(handler)](Request request) -> asio::awaitable<Response> {
                    if (module.paused()) {
                        auto response =
                            problem(request, beast::http::status::service_unavailable,
                                    "the " + module.name() +
                                        " module is paused for maintenance; try again shortly");
                        response.set(beast::http::field::retry_after, "5");
                        co_return response;
                    }
                    co_return co_await handler(std::move(request));
                });
}

}  // namespace mb::adapters::http::routes
