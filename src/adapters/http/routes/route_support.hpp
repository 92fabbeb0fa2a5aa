#pragma once
// Small helpers shared by the route files: path ids, search parameters, and list/item
// responses in the HAL shape.
#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include <boost/json.hpp>

#include "adapters/http/error_mapping.hpp"
#include "adapters/http/hal.hpp"
#include "adapters/http/json_body.hpp"
#include "adapters/http/problem.hpp"
#include "adapters/http/response.hpp"

namespace mb::adapters::http::routes {

/// The `{id}` path segment as a positive integer, or the 400 problem to send.
inline std::variant<std::int64_t, Response> path_id(const Request& request) {
    if (request.path_params.empty()) {
        return problem(request, beast::http::status::bad_request, "id is missing");
    }
    if (auto id = parse_id(request.path_params.front()))
        return *id;
    return problem(request, beast::http::status::bad_request, "id must be a positive integer",
                   {{"id", "must be a positive integer"}});
}

/// A required positive integer query parameter (e.g. bookingId), or the 400 problem.
inline std::variant<std::int64_t, Response> query_id(const Request& request,
                                                     std::string_view name) {
    auto value = request.query_param(name);
    if (!value) {
        return problem(request, beast::http::status::bad_request,
                       std::string(name) + " is required", {{std::string(name), "is required"}});
    }
    if (auto id = parse_id(*value))
        return *id;
    return problem(request, beast::http::status::bad_request,
                   std::string(name) + " must be a positive integer",
                   {{std::string(name), "must be a positive integer"}});
}

/// ?page=&size=, or the 400 problem.
inline std::variant<domain::PageRequest, Response> page_of(const Request& request) {
    domain::FieldErrors errors;
    if (auto page = parse_page(request, errors))
        return *page;
    return problem(request, beast::http::status::bad_request, "invalid paging parameters", errors);
}

/// Percent-encodes a query component (RFC 3986 unreserved characters pass as they are).
inline std::string encode_query_component(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += kHex[u >> 4U];
            out += kHex[u & 0xFU];
        }
    }
    return out;
}

/// The request's path plus its (re-encoded) query minus page/size, for the self link of a
/// collection.
inline std::string self_path(const Request& request) {
    std::string out = request.path;
    char sep = '?';
    for (const auto& [k, v] : request.query) {
        if (k == "page" || k == "size")
            continue;
        out += sep;
        out += encode_query_component(k);
        out += '=';
        out += encode_query_component(v);
        sep = '&';
    }
    return out;
}

/// 200 with a HAL collection of `page` encoded by `encode`.
template <class T, class Encode>
Response collection_response(const Request& request, std::string_view collection,
                             const domain::PageRequest& page_request, const domain::Page<T>& page,
                             Encode encode) {
    std::vector<boost::json::object> items;
    items.reserve(page.items.size());
    for (const auto& item : page.items)
        items.push_back(encode(request, item));
    return json_response(request, beast::http::status::ok,
                         hal_collection(std::move(items), request.base_url, collection,
                                        self_path(request), page_request, page.total));
}

/// A single-item search (findByBookingId) as a collection of zero or one.
template <class T, class Encode>
Response optional_collection_response(const Request& request, std::string_view collection,
                                      const std::optional<T>& item, Encode encode) {
    domain::Page<T> page;
    if (item) {
        page.items.push_back(*item);
        page.total = 1;
    }
    return collection_response(request, collection, domain::PageRequest{0, 20}, page, encode);
}

}  // namespace mb::adapters::http::routes
