#include "adapters/http/routes/route_support.hpp"
#include "adapters/http/routes/routes.hpp"

namespace mb::adapters::http::routes {
namespace {
using verb = beast::http::verb;
using status = beast::http::status;

/// Spring Boot Actuator's mapping: UP answers 200, DOWN and OUT_OF_SERVICE 503.
status status_of(const boost::json::object& body) {
    const auto* s = body.if_contains("status");
    return s != nullptr && s->is_string() && s->get_string() == "UP" ? status::ok
                                                                     : status::service_unavailable;
}

}  // namespace

void add_actuator_routes(Router& router, ActuatorRoutes deps) {
    router.add(verb::get, "/actuator/health", [deps](Request request) -> asio::awaitable<Response> {
        auto body = co_await deps.health();
        co_return json_response(request, status_of(body), body, "application/json");
    }, Access::kPublic);
    // Liveness: the process is not wedged (restart it if this fails).
    router.add(verb::get, "/actuator/health/liveness",
               [deps](Request request) -> asio::awaitable<Response> {
                   auto body = co_await deps.liveness();
                   co_return json_response(request, status_of(body), body, "application/json");
               },
               Access::kPublic);
    // Readiness: send traffic here (start-up done, not draining, the bus delivers).
    router.add(verb::get, "/actuator/health/readiness",
               [deps](Request request) -> asio::awaitable<Response> {
                   auto body = deps.readiness();
                   co_return json_response(request, status_of(body), body, "application/json");
               },
               Access::kPublic);
    if (deps.prometheus) {
        router.add(verb::get, "/actuator/prometheus",
                   [deps](Request request) -> asio::awaitable<Response> {
                       // Not `body() = co_await ...`: g++ 12 mis-destroys temporaries inside
                       // co_await expressions (see ModuleExecutor::execute).
                       std::string text = co_await deps.prometheus();
                       Response response{status::ok, request.version()};
                       response.keep_alive(request.keep_alive());
                       response.set(beast::http::field::server, kServerName);
                       response.set(beast::http::field::content_type,
                                    "text/plain; version=0.0.4; charset=utf-8");
                       response.body() = std::move(text);
                       response.prepare_payload();
                       co_return response;
                   },
                   deps.prometheus_access);
    }
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
