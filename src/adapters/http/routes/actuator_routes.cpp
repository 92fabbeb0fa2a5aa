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
    }, Access::kPublic);
    // Liveness: the process serves requests (the seed's deployments probed this path).
    router.add(
        verb::get, "/actuator/health/liveness", [](Request request) -> asio::awaitable<Response> {
            co_return json_response(request, status::ok, {{"status", "UP"}}, "application/json");
        },
        Access::kPublic);
    // Readiness: start-up recovery finished and every module is up.
    router.add(verb::get, "/actuator/health/readiness",
               [deps](Request request) -> asio::awaitable<Response> {
                   const bool ready = deps.ready() && deps.health()["status"] == "UP";
                   co_return json_response(
                       request, ready ? status::ok : status::service_unavailable,
                       {{"status", ready ? "UP" : "OUT_OF_SERVICE"}}, "application/json");
               },
               Access::kPublic);
    router.add(verb::get, "/actuator/metrics",
               [deps](Request request) -> asio::awaitable<Response> {
                   co_return json_response(request, status::ok, deps.metrics(), "application/json");
               },
               Access::kAdmin);
    // The route table (Spring Boot Actuator's name): every method and pattern with who may
    // call it. The security matrix test and the README check are generated from it.
    router.add(verb::get, "/actuator/mappings",
               [&router](Request request) -> asio::awaitable<Response> {
                   boost::json::array list;
                   for (const auto& route : router.routes()) {
                       const auto method = beast::http::to_string(route.method);
                       list.push_back({{"method", std::string_view(method.data(), method.size())},
                                       {"pattern", route.pattern},
                                       {"access", to_string(route.access)}});
                   }
                   co_return json_response(request, status::ok, {{"routes", std::move(list)}},
                                           "application/json");
               },
               Access::kAdmin);
}

}  // namespace mb::adapters::http::routes
