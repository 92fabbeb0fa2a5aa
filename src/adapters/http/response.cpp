#include "adapters/http/response.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/serialize.hpp>

#include "domain/common/text.hpp"

namespace mb::adapters::http {

namespace bhttp = beast::http;

Response json_response(const Request& request, bhttp::status status, const boost::json::value& body,
                       std::string_view content_type) {
    Response response{status, request.version()};
    response.keep_alive(request.keep_alive());
    response.set(bhttp::field::server, kServerName);
    response.set(bhttp::field::content_type, content_type);
    response.body() = boost::json::serialize(body);
    if (!mb::domain::is_utf8(response.body())) {
        // A percent-decoded path or an echoed value may hold any bytes; JSON must be UTF-8.
        response.body() = mb::domain::to_valid_utf8(response.body());
    }
    response.prepare_payload();
    return response;
}

Response empty_response(const Request& request, bhttp::status status) {
    Response response{status, request.version()};
    response.keep_alive(request.keep_alive());
    response.set(bhttp::field::server, kServerName);
    const bool bodiless = bhttp::to_status_class(status) == bhttp::status_class::informational ||
                          status == bhttp::status::no_content ||
                          status == bhttp::status::not_modified;
    if (!bodiless) {
        response.content_length(0);
    }
    return response;
}

}  // namespace mb::adapters::http
