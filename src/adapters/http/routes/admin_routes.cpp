#include <chrono>

#include "adapters/http/routes/route_support.hpp"
#include "adapters/http/routes/routes.hpp"
#include "domain/booking/catalogue.hpp"

namespace mb::adapters::http::routes {
namespace {

using verb = beast::http::verb;
using status = beast::http::status;

boost::json::object fault_json(const std::string& module, const inprocess::FaultSpec& f) {
    return {{"module", module},
            {"latencyMs", boost::json::array{f.latency_min.count(), f.latency_max.count()}},
            {"errorRate", f.error_rate},
            {"down", f.down}};
}

runtime::EventConsumer* find_consumer(const AdminRoutes& deps, std::string_view name) {
    for (auto* c : deps.consumers) {
        if (c->name() == name)
            return c;
    }
    return nullptr;
}

/// The consumers' dead letters, then the other queues'.
std::vector<runtime::DeadLetterQueue*> dead_letter_queues(const AdminRoutes& deps) {
    std::vector<runtime::DeadLetterQueue*> queues(deps.consumers.begin(), deps.consumers.end());
    queues.insert(queues.end(), deps.dead_letter_queues.begin(), deps.dead_letter_queues.end());
    return queues;
}

runtime::DeadLetterQueue* find_queue(const AdminRoutes& deps, std::string_view name) {
    for (auto* q : dead_letter_queues(deps)) {
        if (q->name() == name)
            return q;
    }
    return nullptr;
}

bool known_module(const AdminRoutes& deps, std::string_view name) {
    return find_consumer(deps, name) != nullptr;
}

std::string iso8601_ms(std::int64_t epoch_ms) {
    return domain::booking::format_utc(
        std::chrono::system_clock::time_point(std::chrono::milliseconds(epoch_ms)));
}

/// Wraps a handler: 403 unless --admin.
Handler admin_only(const AdminRoutes& deps, Handler handler) {
    return [enabled = deps.enabled,
            handler = std::move(handler)](Request request) -> asio::awaitable<Response> {
        if (!enabled) {
            co_return problem(request, status::forbidden,
                              "admin endpoints are disabled; start the server with --admin");
        }
        co_return co_await handler(std::move(request));
    };
}

}  // namespace

void add_admin_routes(Router& router, AdminRoutes deps) {
    auto add = [&](verb method, std::string_view pattern, Handler handler) {
        router.add(method, pattern, admin_only(deps, std::move(handler)), Access::kAdmin);
    };

    add(verb::get, "/admin/faults", [deps](Request request) -> asio::awaitable<Response> {
        boost::json::array list;
        for (const auto& [module, spec] : deps.faults.all()) {
            list.push_back(fault_json(module, spec));
        }
        co_return json_response(request, status::ok, boost::json::object{{"faults", list}},
                                "application/json");
    });

    add(verb::put, "/admin/faults/{module}", [deps](Request request) -> asio::awaitable<Response> {
        const auto& module = request.path_params.front();
        if (!known_module(deps, module)) {
            co_return problem(request, status::not_found, "no module called " + module);
        }
        auto body = parse_json_object(request);
        if (body.problem)
            co_return std::move(*body.problem);
        JsonFields fields(*body.object);
        inprocess::FaultSpec spec;
        if (const auto* latency = body.object->if_contains("latencyMs")) {
            const auto bad = [&] {
                fields.add_error("latencyMs", "must be [min, max] in ms (0..600000) or a number");
            };
            if (latency->is_int64() && latency->as_int64() >= 0 && latency->as_int64() <= 600000) {
                spec.latency_min = spec.latency_max =
                    std::chrono::milliseconds(latency->as_int64());
            } else if (latency->is_array() && latency->as_array().size() == 2 &&
                       latency->as_array()[0].is_int64() && latency->as_array()[1].is_int64()) {
                const auto lo = latency->as_array()[0].as_int64();
                const auto hi = latency->as_array()[1].as_int64();
                if (lo < 0 || hi < lo || hi > 600000) {
                    bad();
                } else {
                    spec.latency_min = std::chrono::milliseconds(lo);
                    spec.latency_max = std::chrono::milliseconds(hi);
                }
            } else if (!latency->is_null()) {
                bad();
            }
        }
        if (const auto* rate = body.object->if_contains("errorRate"); rate && !rate->is_null()) {
            const double r = rate->is_double()  ? rate->as_double()
                             : rate->is_int64() ? static_cast<double>(rate->as_int64())
                                                : -1.0;
            if (r < 0.0 || r > 1.0) {
                fields.add_error("errorRate", "must be a number from 0 to 1");
            } else {
                spec.error_rate = r;
            }
        }
        if (const auto* down = body.object->if_contains("down"); down && !down->is_null()) {
            if (!down->is_bool()) {
                fields.add_error("down", "must be true or false");
            } else {
                spec.down = down->as_bool();
            }
        }
        if (!fields.ok()) {
            co_return problem(request, status::bad_request, "the fault is invalid",
                              fields.errors());
        }
        deps.faults.set(module, spec);
        co_return json_response(request, status::ok, fault_json(module, spec), "application/json");
    });

    add(verb::delete_, "/admin/faults/{module}",
        [deps](Request request) -> asio::awaitable<Response> {
            deps.faults.clear(request.path_params.front());
            co_return empty_response(request, status::no_content);
        });

    add(verb::get, "/admin/modules", [deps](Request request) -> asio::awaitable<Response> {
        boost::json::array list;
        for (auto* c : deps.consumers) {
            const auto st = c->stats();
            list.push_back({{"name", c->name()},
                            {"paused", c->paused()},
                            {"eventsApplied", st.applied},
                            {"eventsFailed", st.failures},
                            {"eventsParked", st.parked},
                            {"heldWhilePaused", st.held_while_paused},
                            {"waitingBehindFailures", st.waiting_behind_failures}});
        }
        co_return json_response(request, status::ok, boost::json::object{{"modules", list}},
                                "application/json");
    });

    for (const char* action : {"pause", "resume"}) {
        add(verb::post, std::string("/admin/modules/{name}/") + action,
            [deps,
             pause = std::string(action) == "pause"](Request request) -> asio::awaitable<Response> {
                auto* consumer = find_consumer(deps, request.path_params.front());
                if (consumer == nullptr) {
                    co_return problem(request, status::not_found,
                                      "no module called " + request.path_params.front());
                }
                if (pause) {
                    consumer->pause();
                } else {
                    consumer->resume();
                }
                co_return json_response(
                    request, status::ok,
                    boost::json::object{{"name", consumer->name()}, {"paused", consumer->paused()}},
                    "application/json");
            });
    }

    add(verb::get, "/admin/dead-letters", [deps](Request request) -> asio::awaitable<Response> {
        boost::json::array list;
        for (auto* c : dead_letter_queues(deps)) {
            auto letters = co_await c->dead_letters(1000);
            for (const auto& l : letters) {
                boost::system::error_code ec;
                auto payload = boost::json::parse(l.payload, ec);
                list.push_back({{"module", c->name()},
                                {"id", l.id},
                                {"eventId", l.event_id},
                                {"eventType", l.event_type},
                                {"bookingId", l.booking_id},
                                {"error", l.error},
                                {"attempts", l.attempts},
                                {"parkedAt", iso8601_ms(l.parked_at)},
                                {"payload", ec ? boost::json::value(l.payload) : payload}});
            }
        }
        co_return json_response(request, status::ok, boost::json::object{{"deadLetters", list}},
                                "application/json");
    });

    add(verb::post, "/admin/dead-letters/{module}/{id}/retry",
        [deps](Request request) -> asio::awaitable<Response> {
            auto* consumer = find_queue(deps, request.path_params[0]);
            auto id = parse_id(request.path_params[1]);
            if (consumer == nullptr || !id) {
                co_return problem(request, status::not_found, "no such dead letter");
            }
            auto applied = co_await consumer->retry(*id);
            if (!applied)
                co_return problem_for(request, applied.error());
            co_return json_response(request, status::ok, boost::json::object{{"applied", *applied}},
                                    "application/json");
        });

    add(verb::delete_, "/admin/dead-letters/{module}/{id}",
        [deps](Request request) -> asio::awaitable<Response> {
            auto* consumer = find_queue(deps, request.path_params[0]);
            auto id = parse_id(request.path_params[1]);
            if (consumer == nullptr || !id) {
                co_return problem(request, status::not_found, "no such dead letter");
            }
            auto discarded = co_await consumer->discard(*id);
            if (!discarded)
                co_return problem_for(request, discarded.error());
            co_return empty_response(request, status::no_content);
        });

    add(verb::get, "/admin/breakers", [deps](Request request) -> asio::awaitable<Response> {
        boost::json::array list;
        for (auto* g : deps.guards) {
            const auto st = g->breaker().stats();
            boost::json::array transitions;
            const auto now_steady = std::chrono::steady_clock::now();
            const auto now_system = std::chrono::system_clock::now();
            for (const auto& t : g->breaker().transitions()) {
                const auto at = now_system - (now_steady - t.at);
                transitions.push_back(
                    {{"from", to_string(t.from)},
                     {"to", to_string(t.to)},
                     {"at", iso8601_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           at.time_since_epoch())
                                           .count())},
                     {"reason", t.reason}});
            }
            list.push_back({{"callee", g->callee()},
                            {"state", to_string(st.state)},
                            {"calls", st.calls},
                            {"failures", st.failures},
                            {"slowCalls", st.slow_calls},
                            {"rejected", st.rejected},
                            {"bulkheadInUse", g->bulkhead().in_use()},
                            {"bulkheadRejected", g->bulkhead().rejected()},
                            {"transitions", transitions}});
        }
        co_return json_response(request, status::ok, boost::json::object{{"breakers", list}},
                                "application/json");
    });
}

}  // namespace mb::adapters::http::routes
