#include "adapters/http/error_mapping.hpp"

#include <array>
#include <string>
#include <utility>

#include <boost/beast/http/field.hpp>

#include "adapters/http/problem.hpp"
#include "domain/common/errors.hpp"

namespace mb::adapters::http {
namespace {

namespace bhttp = beast::http;
using mb::domain::Condition;

/// The table. Adding a Condition means adding exactly one row here.
constexpr std::array<std::pair<Condition, bhttp::status>, 7> kStatusTable{{
    {Condition::kInvalidInput, bhttp::status::bad_request},
    {Condition::kNotFound, bhttp::status::not_found},
    {Condition::kConflict, bhttp::status::conflict},
    {Condition::kPaymentDeclined, bhttp::status::payment_required},
    {Condition::kUnavailable, bhttp::status::service_unavailable},
    {Condition::kForbidden, bhttp::status::forbidden},
    {Condition::kUnauthenticated, bhttp::status::unauthorized},
}};

}  // namespace

bhttp::status status_for(const std::error_code& ec) {
    const std::error_condition condition = ec.default_error_condition();
    for (const auto& [generic, status] : kStatusTable) {
        if (condition == generic) {
            return status;
        }
    }
    return bhttp::status::internal_server_error;
}

Response problem_for(const Request& request, const std::error_code& ec, std::string_view detail) {
    const auto status = status_for(ec);
    std::string message;
    if (detail.empty()) {
        message = ec.message();
        detail = message;
    }
    auto response = problem(request, status, detail);
    if (status == bhttp::status::service_unavailable) {
        response.set(bhttp::field::retry_after, "1");
    }
    return response;
}

}  // namespace mb::adapters::http
