#include "adapters/http/routes/route_support.hpp"
#include "adapters/http/routes/routes.hpp"

namespace mb::adapters::http::routes {
namespace {

using domain::review::Review;
using verb = beast::http::verb;
using status = beast::http::status;

// Contents are limited to 2000 characters by the domain; the byte limit here only bounds
// what is decoded (4 bytes per code point at most).
constexpr std::size_t kMaxContentsBytes = 4 * domain::review::kMaxContentsLength;

boost::json::object encode(const Request& request, const Review& r) {
    boost::json::object o{{"id", r.id()},           {"bookingId", r.booking_id()},
                          {"score", nullptr},       {"contents", r.contents()},
                          {"weather", r.weather()}, {"status", to_string(r.status())}};
    if (r.score())
        o["score"] = *r.score();
    return hal_item(std::move(o), request.base_url, "reviews", "review", r.id());
}

}  // namespace

void add_review_routes(Router& router, ReviewRoutes deps) {
    ModuleRoutes routes(router, deps.executor);
    routes.add(verb::get, "/reviews", [deps](Request request) -> asio::awaitable<Response> {
        auto page = page_of(request);
        if (auto* p = std::get_if<Response>(&page))
            co_return std::move(*p);
        const auto pr = std::get<domain::PageRequest>(page);
        auto step1 = [&reviews = deps.reviews, caller = request.principal, pr] {
            return reviews.list(caller, pr);
        };
        auto result = co_await deps.executor.execute(std::move(step1));
        co_return collection_response(request, "reviews", pr, result, encode);
    });

    routes.add(verb::get, "/reviews/{id}", [deps](Request request) -> asio::awaitable<Response> {
        auto id = path_id(request);
        if (auto* p = std::get_if<Response>(&id))
            co_return std::move(*p);
        auto step2 = [&reviews = deps.reviews, caller = request.principal, id = std::get<std::int64_t>(id)] {
            return reviews.find(caller, id);
        };
        auto review = co_await deps.executor.execute(std::move(step2));
        if (!review)
            co_return problem_for(request, domain::review::ReviewError::kNotFound);
        co_return json_response(request, status::ok, encode(request, *review));
    });

    routes.add(verb::get, "/reviews/search/findByBookingId",
               [deps](Request request) -> asio::awaitable<Response> {
                   auto id = query_id(request, "bookingId");
                   if (auto* p = std::get_if<Response>(&id))
                       co_return std::move(*p);
                   auto step3 = [&reviews = deps.reviews, caller = request.principal, id = std::get<std::int64_t>(id)] {
                       return reviews.find_by_booking(caller, id);
                   };
                   auto review = co_await deps.executor.execute(std::move(step3));
                   co_return optional_collection_response(request, "reviews", review, encode);
               });

    // Writing a review: PATCH {score, contents} (the seed: score=10 contents="VeryGood").
    routes.add(verb::patch, "/reviews/{id}", [deps](Request request) -> asio::awaitable<Response> {
        auto id = path_id(request);
        if (auto* p = std::get_if<Response>(&id))
            co_return std::move(*p);
        auto body = parse_json_object(request);
        if (body.problem)
            co_return std::move(*body.problem);
        JsonFields fields(*body.object);
        auto score = fields.integer("score", true);
        auto contents = fields.string("contents", false, kMaxContentsBytes);
        if (!fields.ok()) {
            co_return problem(request, status::bad_request, "the review is invalid",
                              fields.errors());
        }
        if (auto errors = domain::review::validate_write(*score, contents.value_or(""));
            !errors.empty()) {
            co_return problem(request, status::bad_request, "the review is invalid", errors);
        }
        auto step4 = [&reviews = deps.reviews, caller = request.principal, id = std::get<std::int64_t>(id), score = *score,
                      contents = contents.value_or("")] {
            return reviews.write(caller, id, score, contents);
        };
        auto written = co_await deps.executor.execute(std::move(step4));
        if (!written)
            co_return problem_for(request, written.error());
        co_return json_response(request, status::ok, encode(request, *written));
    });
}

}  // namespace mb::adapters::http::routes
