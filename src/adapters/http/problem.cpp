#include "adapters/http/problem.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "adapters/http/response.hpp"
#include "domain/common/text.hpp"

namespace mb::adapters::http {
namespace {

namespace bhttp = beast::http;

boost::json::object problem_body(bhttp::status status, std::string_view detail) {
    const auto reason = bhttp::obsolete_reason(status);
    boost::json::object body;
    body.reserve(6);
    body.emplace("type", "about:blank");
    body.emplace("title", std::string_view(reason.data(), reason.size()));
    body.emplace("status", static_cast<unsigned>(status));
    body.emplace("detail", detail);
    return body;
}

Response problem_response(unsigned version, bool keep_alive, bhttp::status status,
                          const boost::json::object& body) {
    Response response{status, version};
    response.keep_alive(keep_alive);
    response.set(bhttp::field::server, kServerName);
    response.set(bhttp::field::content_type, kProblemContentType);
    response.body() = boost::json::serialize(body);
    if (!mb::domain::is_utf8(response.body())) {
        // A percent-decoded path or an echoed value may hold any bytes; JSON must be UTF-8.
        response.body() = mb::domain::to_valid_utf8(response.body());
    }
    response.prepare_payload();
    return response;
}

}  // namespace

Response problem(const Request& request, bhttp::status status, std::string_view detail,
                 const mb::domain::FieldErrors& errors) {
    auto body = problem_body(status, detail);
    body.emplace("instance", request.path);
    if (!errors.empty()) {
        boost::json::array list;
        list.reserve(errors.size());
        for (const auto& error : errors) {
            list.push_back(boost::json::object{{"field", error.field}, {"message", error.message}});
        }
        body.emplace("errors", std::move(list));
    }
    return problem_response(request.version(), request.keep_alive(), status, body);
}

Response problem(unsigned version, bool keep_alive, bhttp::status status, std::string_view detail,
                 std::string_view instance) {
    auto body = problem_body(status, detail);
    if (!instance.empty())
        body.emplace("instance", instance);
    return problem_response(version, keep_alive, status, body);
}

}  // namespace mb::adapters::http
