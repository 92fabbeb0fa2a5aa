#include "adapters/http/routes/route_support.hpp"
#include "adapters/http/routes/routes.hpp"

namespace mb::adapters::http::routes {
namespace {

using domain::booking::Movie;
using domain::booking::Screen;
using verb = beast::http::verb;
using status = beast::http::status;

boost::json::object encode_movie(const Request& request, const Movie& m) {
    return hal_item({{"id", m.id},
                     {"title", m.title},
                     {"runtimeMinutes", m.runtime_minutes},
                     {"rating", m.rating}},
                    request.base_url, "movies", "movie", m.id);
}

boost::json::array labels(const std::set<std::string>& set) {
    boost::json::array out;
    for (const auto& s : set)
        out.emplace_back(s);
    return out;
}

boost::json::object encode_screen(const Request& request, const Screen& s) {
    return hal_item({{"id", s.id},
                     {"name", s.name},
                     {"rows", s.seat_map.rows()},
                     {"seatsPerRow", s.seat_map.seats_per_row()},
                     {"blocked", labels(s.seat_map.blocked())},
                     {"gaps", labels(s.seat_map.gaps())},
                     {"capacity", s.seat_map.capacity()}},
                    request.base_url, "screens", "screen", s.id);
}

boost::json::object encode_screening(const Request& request, const app::booking::ScreeningView& v) {
    auto item = hal_item({{"id", v.screening.id},
                          {"movieId", v.screening.movie_id},
                          {"movieTitle", v.movie_title},
                          {"screenId", v.screening.screen_id},
                          {"screenName", v.screen_name},
                          {"startsAt", domain::booking::format_utc(v.screening.starts_at)},
                          {"price", v.screening.price}},
                         request.base_url, "screenings", "screening", v.screening.id);
    item["_links"].as_object()["seats"] = {
        {"href", request.base_url + "/screenings/" + std::to_string(v.screening.id) + "/seats"}};
    return item;
}

std::optional<Response> forbid_unless_admin(const CatalogueRoutes& deps, const Request& request) {
    if (deps.admin_enabled)
        return std::nullopt;
    return problem(request, status::forbidden,
                   "catalogue registration is disabled; start the server with --admin");
}

/// An optional JSON array of strings (seat labels), or a field error.
std::vector<std::string> string_list(const boost::json::object& body, const char* name,
                                     JsonFields& fields) {
    std::vector<std::string> out;
    const auto* v = body.if_contains(name);
    if (v == nullptr || v->is_null())
        return out;
    if (!v->is_array() || v->as_array().size() > 1300) {
        fields.add_error(name, "must be an array of seat labels");
        return out;
    }
    for (const auto& item : v->as_array()) {
        if (!item.is_string() || item.as_string().size() > 8) {
            fields.add_error(name, "must hold seat labels such as \"A1\"");
            return {};
        }
        out.emplace_back(item.as_string());
    }
    return out;
}

std::string etag_of(std::int64_t screening_id, std::int64_t version) {
    return "\"" + std::to_string(screening_id) + "-" + std::to_string(version) + "\"";
}

template <class T, class Find, class Encode>
void add_get_item(ModuleRoutes& router, CatalogueRoutes deps, std::string_view pattern, Find find,
                  Encode encode, const char* what) {
    router.add(verb::get, pattern,
               [deps, find, encode, what](Request request) -> asio::awaitable<Response> {
                   auto id = path_id(request);
                   if (auto* p = std::get_if<Response>(&id))
                       co_return std::move(*p);
                   auto job = [&catalogue = deps.catalogue, find, id = std::get<std::int64_t>(id)] {
                       return find(catalogue, id);
                   };
                   std::optional<T> item = co_await deps.executor.execute(std::move(job));
                   if (!item) {
                       co_return problem(request, status::not_found,
                                         std::string("no ") + what + " with that id");
                   }
                   co_return json_response(request, status::ok, encode(request, *item));
               },
               Access::kPublic);
}

template <class Page, class Encode>
void add_get_collection(ModuleRoutes& router, CatalogueRoutes deps, std::string_view pattern,
                        const char* collection, Page page_of_catalogue, Encode encode) {
    router.add(verb::get, pattern,
               [deps, collection, page_of_catalogue,
                encode](Request request) -> asio::awaitable<Response> {
                   auto page = page_of(request);
                   if (auto* p = std::get_if<Response>(&page))
                       co_return std::move(*p);
                   const auto pr = std::get<domain::PageRequest>(page);
                   auto job = [&catalogue = deps.catalogue, page_of_catalogue, pr] {
                       return page_of_catalogue(catalogue, pr);
                   };
                   auto result = co_await deps.executor.execute(std::move(job));
                   co_return collection_response(request, collection, pr, result, encode);
               },
               Access::kPublic);
}

std::int64_t movie_id(const Movie& m) {
    return m.id;
}
std::int64_t screen_id(const Screen& s) {
    return s.id;
}
std::int64_t screening_id(const app::booking::ScreeningView& v) {
    return v.screening.id;
}

/// Runs a registration job (returning the added entry and the field errors) on the booking
/// executor and answers 400 with the errors, or 201 with the HAL item and its Location.
template <class Job, class Encode, class IdOf>
asio::awaitable<Response> register_entry(const CatalogueRoutes& deps, const Request& request,
                                         Job job, Encode encode, IdOf id_of, std::string_view what,
                                         std::string_view collection) {
    auto [added, errors] = co_await deps.executor.execute(std::move(job));
    if (!added && added.error() != domain::booking::BookingError::kInvalidCatalogue)
        co_return problem_for(request, added.error());
    if (!added) {
        co_return problem(request, status::bad_request, "the " + std::string(what) + " is invalid",
                          errors);
    }
    auto response = json_response(request, status::created, encode(request, *added));
    response.set(beast::http::field::location, request.base_url + "/" + std::string(collection) +
                                                   "/" + std::to_string(id_of(*added)));
    co_return response;
}

}  // namespace

void add_catalogue_routes(Router& router, CatalogueRoutes deps) {
    ModuleRoutes routes(router, deps.executor);
    using app::booking::CatalogueService;

    routes.add(verb::post, "/movies", [deps](Request request) -> asio::awaitable<Response> {
        if (auto p = forbid_unless_admin(deps, request))
            co_return std::move(*p);
        auto body = parse_json_object(request);
        if (body.problem)
            co_return std::move(*body.problem);
        JsonFields fields(*body.object);
        auto title = fields.string("title", true, 4 * domain::booking::kMaxTitleLength);
        auto runtime = fields.integer("runtimeMinutes", true);
        auto rating = fields.string("rating", true, 8);
        if (!fields.ok()) {
            co_return problem(request, status::bad_request, "the movie is invalid",
                              fields.errors());
        }
        auto job = [&catalogue = deps.catalogue, caller = request.principal,
                    movie = Movie{0, *title, *runtime, *rating}] {
            domain::FieldErrors errors;
            auto added = catalogue.add_movie(caller, movie, errors);
            return std::make_pair(std::move(added), std::move(errors));
        };
        co_return co_await register_entry(deps, request, std::move(job), encode_movie, movie_id,
                                          "movie", "movies");
    }, Access::kAdmin);

    routes.add(verb::post, "/screens", [deps](Request request) -> asio::awaitable<Response> {
        if (auto p = forbid_unless_admin(deps, request))
            co_return std::move(*p);
        auto body = parse_json_object(request);
        if (body.problem)
            co_return std::move(*body.problem);
        JsonFields fields(*body.object);
        auto name = fields.string("name", true, 400);
        auto rows = fields.integer("rows", true);
        auto per_row = fields.integer("seatsPerRow", true);
        auto blocked = string_list(*body.object, "blocked", fields);
        auto gaps = string_list(*body.object, "gaps", fields);
        if (!fields.ok()) {
            co_return problem(request, status::bad_request, "the screen is invalid",
                              fields.errors());
        }
        auto job = [&catalogue = deps.catalogue, caller = request.principal, name = *name,
                    rows = *rows, per_row = *per_row, blocked, gaps] {
            domain::FieldErrors errors;
            auto added = catalogue.add_screen(caller, name, rows, per_row, blocked, gaps, errors);
            return std::make_pair(std::move(added), std::move(errors));
        };
        co_return co_await register_entry(deps, request, std::move(job), encode_screen, screen_id,
                                          "screen", "screens");
    }, Access::kAdmin);

    routes.add(verb::post, "/screenings", [deps](Request request) -> asio::awaitable<Response> {
        if (auto p = forbid_unless_admin(deps, request))
            co_return std::move(*p);
        auto body = parse_json_object(request);
        if (body.problem)
            co_return std::move(*body.problem);
        JsonFields fields(*body.object);
        auto movie = fields.integer("movieId", true);
        auto screen = fields.integer("screenId", true);
        auto starts = fields.string("startsAt", true, 32);
        auto price = fields.integer("price", true);
        std::optional<domain::TimePoint> starts_at;
        if (starts) {
            starts_at = domain::booking::parse_utc(*starts);
            if (!starts_at) {
                fields.add_error("startsAt", "must be ISO-8601 UTC, e.g. 2030-01-01T19:30:00Z");
            }
        }
        if (!fields.ok()) {
            co_return problem(request, status::bad_request, "the screening is invalid",
                              fields.errors());
        }
        auto job = [&catalogue = deps.catalogue, caller = request.principal, movie = *movie,
                    screen = *screen, starts_at = *starts_at, price = *price] {
            domain::FieldErrors errors;
            auto added = catalogue.add_screening(caller, movie, screen, starts_at, price, errors);
            return std::make_pair(std::move(added), std::move(errors));
        };
        co_return co_await register_entry(deps, request, std::move(job), encode_screening,
                                          screening_id, "screening", "screenings");
    }, Access::kAdmin);

    add_get_item<Movie>(
        routes, deps, "/movies/{id}",
        [](CatalogueService& c, std::int64_t id) { return c.movie(id); }, encode_movie, "movie");
    add_get_item<Screen>(
        routes, deps, "/screens/{id}",
        [](CatalogueService& c, std::int64_t id) { return c.screen(id); }, encode_screen, "screen");
    add_get_item<app::booking::ScreeningView>(
        routes, deps, "/screenings/{id}",
        [](CatalogueService& c, std::int64_t id) { return c.screening(id); }, encode_screening,
        "screening");
    add_get_collection(
        routes, deps, "/movies", "movies",
        [](CatalogueService& c, const domain::PageRequest& p) { return c.movies(p); },
        encode_movie);
    add_get_collection(
        routes, deps, "/screens", "screens",
        [](CatalogueService& c, const domain::PageRequest& p) { return c.screens(p); },
        encode_screen);
    add_get_collection(
        routes, deps, "/screenings", "screenings",
        [](CatalogueService& c, const domain::PageRequest& p) { return c.screenings(p); },
        encode_screening);

    // The seat map: every seat's status at this moment; ETag = screening + inventory version,
    // so clients poll cheaply with If-None-Match (304).
    routes.add(
        verb::get, "/screenings/{id}/seats", [deps](Request request) -> asio::awaitable<Response> {
            auto id = path_id(request);
            if (auto* p = std::get_if<Response>(&id))
                co_return std::move(*p);
            const auto screening_id = std::get<std::int64_t>(id);
            const auto if_none_match =
                std::string((*request.raw)[beast::http::field::if_none_match]);
            auto job = [&catalogue = deps.catalogue, screening_id, if_none_match] {
                // The version first: an unchanged map needs no seat query at all.
                std::optional<domain::Result<app::booking::SeatMapView>> map;
                const auto version = catalogue.seat_map_version(screening_id);
                // RFC 9110: "*" matches any current representation.
                if (if_none_match.empty() ||
                    (if_none_match != "*" &&
                     if_none_match.find(etag_of(screening_id, version)) == std::string::npos)) {
                    map = catalogue.seat_map(screening_id);
                }
                return std::make_pair(version, std::move(map));
            };
            auto [version, map] = co_await deps.executor.execute(std::move(job));
            const auto etag = etag_of(screening_id, version);
            if (!map) {
                auto response = empty_response(request, status::not_modified);
                response.set(beast::http::field::etag, etag);
                co_return response;
            }
            if (!*map) {
                co_return problem(request, status::not_found, "no screening with that id");
            }
            boost::json::array seats;
            std::int64_t counts[4] = {0, 0, 0, 0};
            for (const auto& [label, seat_status] : (*map)->seats) {
                seats.push_back({{"seat", label}, {"status", to_string(seat_status)}});
                ++counts[static_cast<int>(seat_status)];
            }
            auto response = json_response(request, status::ok,
                                          boost::json::object{{"screeningId", screening_id},
                                                              {"seats", std::move(seats)},
                                                              {"available", counts[0]},
                                                              {"held", counts[1]},
                                                              {"booked", counts[2]},
                                                              {"blocked", counts[3]}},
                                          "application/json");
            response.set(beast::http::field::etag, etag);
            response.set(beast::http::field::cache_control, "no-cache");
            co_return response;
        },
        Access::kPublic);
}

}  // namespace mb::adapters::http::routes
