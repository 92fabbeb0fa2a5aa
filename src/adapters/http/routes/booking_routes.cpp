#include <algorithm>

#include <spdlog/spdlog.h>

#include "adapters/http/routes/route_support.hpp"
#include "adapters/http/routes/routes.hpp"
#include "domain/common/seats.hpp"

namespace mb::adapters::http::routes {
namespace {

using domain::booking::Booking;
using verb = beast::http::verb;
using status = beast::http::status;

constexpr std::size_t kMaxSeatListLength = 2000;

boost::json::object encode(const Request& request, const Booking& b) {
    const auto& d = b.details();
    return hal_item({{"id", b.id()},
                     {"customerId", d.customer_id},
                     {"qty", d.qty},
                     {"movieName", d.movie_name},
                     {"seat", d.seat},
                     {"totalPrice", d.total_price},
                     {"status", to_string(b.status())},
                     {"paymentId", b.payment_id()},
                     {"screeningId", d.screening_id}},
                    request.base_url, "books", "book", b.id());
}

/// `seats` as a JSON array of strings (the screening shape), or nullopt + a field error.
std::optional<std::vector<std::string>> seat_list(const boost::json::object& body,
                                                  JsonFields& fields) {
    const auto* v = body.if_contains("seats");
    if (v == nullptr || v->is_null()) {
        fields.add_error("seats", "is required (an array of seat labels such as [\"A1\",\"A2\"])");
        return std::nullopt;
    }
    if (!v->is_array() || v->as_array().empty() ||
        v->as_array().size() > static_cast<std::size_t>(domain::booking::kMaxSeatsPerBooking)) {
        fields.add_error("seats", "must be an array of 1 to 100 seat labels");
        return std::nullopt;
    }
    std::vector<std::string> out;
    for (const auto& item : v->as_array()) {
        if (!item.is_string() || item.as_string().size() > 8) {
            fields.add_error("seats", "must hold seat labels such as \"A1\"");
            return std::nullopt;
        }
        out.emplace_back(item.as_string());
    }
    return out;
}

/// The problem for a failed place(), with what PlaceDetails says.
Response place_problem(const Request& request, const std::error_code& ec,
                       const app::booking::PlaceDetails& d) {
    using E = domain::booking::BookingError;
    if (ec == E::kInvalidBooking || ec == E::kUnknownScreening) {
        return problem(request, status::bad_request, "the booking request is invalid", d.errors);
    }
    if (ec == E::kSeatBlocked || ec == E::kSeatTaken) {
        const auto seats = domain::join_seats(d.seats);
        return problem(request, status::conflict,
                       ec == E::kSeatBlocked ? "seat " + seats + " is not for sale"
                                             : "seat " + seats + " is no longer available",
                       {{"seats", seats + (ec == E::kSeatBlocked ? " is blocked" : " is taken")}});
    }
    if (ec == E::kOtherCustomer) {
        return problem(request, status::forbidden, ec.message(), d.errors);
    }
    if (ec == E::kUnlistedMovie) {
        return problem(request, status::not_found,
                       "the movie is not in the catalogue; bookings are priced from the catalogue "
                       "only",
                       d.errors);
    }
    if (ec == E::kNoOpenScreening) {
        return problem(request, status::conflict, "the movie has no screening open for sale",
                       {{"movieName", "has no upcoming screening"}});
    }
    if (ec == E::kPriceMismatch) {
        const auto expected = std::to_string(d.expected_price);
        return problem(request, status::conflict,
                       "totalPrice does not match the seats: expected " + expected + " KRW",
                       {{"totalPrice", "must be " + expected}});
    }
    return problem_for(request, ec);
}

asio::awaitable<Response> create(BookingRoutes deps, Request request) {
    auto body = parse_json_object(request);
    if (body.problem)
        co_return std::move(*body.problem);
    JsonFields fields(*body.object);
    domain::booking::BookingRequest booking;
    // Empty = the caller; BookingService decides (domain/booking/access.hpp).
    auto customer = fields.identifier("customerId", false);
    booking.customer_id = customer.value_or("");
    const auto* screening_field = body.object->if_contains("screeningId");
    if (screening_field != nullptr && !screening_field->is_null()) {
        // Issue 3's shape: {screeningId, seats:[...], totalPrice?, qty?}; the server prices it.
        auto screening = fields.integer("screeningId", true);
        auto seats = seat_list(*body.object, fields);
        auto qty = fields.integer("qty", false);
        auto price = fields.integer("totalPrice", false);
        if (screening && *screening <= 0)
            fields.add_error("screeningId", "must be positive");
        if (!fields.ok()) {
            co_return problem(request, status::bad_request, "the booking request is invalid",
                              fields.errors());
        }
        booking.screening_id = *screening;
        booking.seat = domain::join_seats(*seats);
        booking.qty = qty.value_or(static_cast<std::int64_t>(seats->size()));
        booking.total_price = price.value_or(0);
        booking.total_price_given = price.has_value();
        if (booking.total_price < 0) {
            co_return problem(request, status::bad_request, "the booking request is invalid",
                              {{"totalPrice", "must not be negative"}});
        }
    } else {
        // The seed's shape: {qty, movieName, seat:"1A,2B", totalPrice}.
        auto qty = fields.integer("qty", true);
        auto movie = fields.string("movieName", true, 4 * domain::booking::kMaxMovieNameLength);
        auto seat = fields.string("seat", true, kMaxSeatListLength);
        auto price = fields.integer("totalPrice", true);
        // Report every broken rule at once: the domain rules run on what did parse; a rule
        // about a field that is already reported (missing, wrong type) is not repeated.
        booking.qty = qty.value_or(0);
        booking.movie_name = movie.value_or("");
        booking.seat = seat.value_or("");
        booking.total_price = price.value_or(0);
        auto errors = fields.errors();
        for (auto& e : domain::booking::validate(booking)) {
            const bool reported = std::any_of(errors.begin(), errors.end(),
                                              [&](const auto& r) { return r.field == e.field; });
            if (!reported)
                errors.push_back(std::move(e));
        }
        if (!errors.empty()) {
            co_return problem(request, status::bad_request, "the booking request is invalid",
                              errors);
        }
    }
    auto details = std::make_shared<app::booking::PlaceDetails>();
    auto placed = co_await deps.saga.place(request.principal, std::move(booking), details,
                                           request.request_id);
    if (!placed)
        co_return place_problem(request, placed.error(), *details);
    auto response = json_response(request, status::created, encode(request, *placed));
    response.set(beast::http::field::location,
                 request.base_url + "/books/" + std::to_string(placed->id()));
    response.prepare_payload();
    co_return response;
}

asio::awaitable<Response> cancel(BookingRoutes deps, Request request, bool with_body) {
    auto id = path_id(request);
    if (auto* p = std::get_if<Response>(&id))
        co_return std::move(*p);
    auto canceled = co_await deps.saga.cancel(request.principal, std::get<std::int64_t>(id),
                                              request.request_id);
    if (!canceled)
        co_return problem_for(request, canceled.error());
    if (!with_body)
        co_return empty_response(request, status::no_content);
    co_return json_response(request, status::ok, encode(request, *canceled));
}

}  // namespace

void add_booking_routes(Router& router, BookingRoutes deps) {
    ModuleRoutes routes(router, deps.executor);
    routes.add(verb::post, "/books",
               [deps](Request request) { return create(deps, std::move(request)); });

    routes.add(verb::get, "/books", [deps](Request request) -> asio::awaitable<Response> {
        auto page = page_of(request);
        if (auto* p = std::get_if<Response>(&page))
            co_return std::move(*p);
        const auto pr = std::get<domain::PageRequest>(page);
        auto step1 = [&bookings = deps.bookings, caller = request.principal, pr] {
            return bookings.list(caller, pr);
        };
        auto result = co_await deps.executor.execute(std::move(step1));
        co_return collection_response(request, "books", pr, result, encode);
    });

    routes.add(verb::get, "/books/{id}", [deps](Request request) -> asio::awaitable<Response> {
        auto id = path_id(request);
        if (auto* p = std::get_if<Response>(&id))
            co_return std::move(*p);
        auto step2 = [&bookings = deps.bookings, caller = request.principal, id = std::get<std::int64_t>(id)] {
            return bookings.find(caller, id);
        };
        auto booking = co_await deps.executor.execute(std::move(step2));
        if (!booking)
            co_return problem_for(request, domain::booking::BookingError::kNotFound);
        co_return json_response(request, status::ok, encode(request, *booking));
    });

    routes.add(verb::delete_, "/books/{id}",
               [deps](Request request) { return cancel(deps, std::move(request), false); });

    routes.add(verb::patch, "/books/{id}", [deps](Request request) -> asio::awaitable<Response> {
        auto body = parse_json_object(request);
        if (body.problem)
            co_return std::move(*body.problem);
        JsonFields fields(*body.object);
        auto wanted = fields.string("status", true, 64);
        if (!fields.ok()) {
            co_return problem(request, status::bad_request, "status is required", fields.errors());
        }
        if (*wanted != "Canceled") {
            co_return problem(request, status::bad_request,
                              "only status \"Canceled\" can be requested for a booking",
                              {{"status", "must be \"Canceled\""}});
        }
        co_return co_await cancel(deps, std::move(request), true);
    });
}

}  // namespace mb::adapters::http::routes
