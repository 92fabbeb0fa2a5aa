#include "adapters/http/routes/route_support.hpp"
#include "adapters/http/routes/routes.hpp"

namespace mb::adapters::http::routes {
namespace {
using verb = beast::http::verb;
using status = beast::http::status;
}  // namespace

void add_actuator_routes(Router& router, ActuatorRoutes deps) {
    router.add(verb::get, "/actuator/health", [deps](Request request) -> asio::awaitable<Response> {
        auto body = deps.health();
        const bool up = body["status"] == "UP";
        co_return json_response(request, up ? status::ok : status::service_unavailable, body,
                                "application/json");
    });
    // Liveness: the process serves requests (the seed's deployments probed this path).
    router.add(
        verb::get, "/actuator/health/liveness", [](Request request) -> asio::awaitable<Response> {
            co_return json_response(request, status::ok, {{"status", "UP"}}, "application/json");
        });
    // Readiness: start-up recovery finished and every module is up.
    router.add(verb::get, "/actuator/health/readiness",
               [deps](Request request) -> asio::awaitable<Response> {
                   const bool ready = deps.ready() && deps.health()["status"] == "UP";
                   co_return json_response(
                       request, ready ? status::ok : status::service_unavailable,
                       {{"status", ready ? "UP" : "OUT_OF_SERVICE"}}, "application/json");
               });
    router.add(verb::get, "/actuator/metrics",
               [deps](Request request) -> asio::awaitable<Response> {
                   co_return json_response(request, status::ok, deps.metrics(), "application/json");
               });
}

}  // namespace mb::adapters::http::routes
