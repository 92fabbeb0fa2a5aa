#pragma once
// The request as a route handler sees it: the raw Beast message plus what the server decoded
// once (path, query, base URL) and what the router captured ({name} path segments).
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "domain/common/principal.hpp"

namespace mb::adapters::http {

namespace beast = boost::beast;
namespace asio = boost::asio;

/// The HTTP request exactly as Beast parsed it (headers and the whole body in memory).
using StringRequest = beast::http::request<beast::http::string_body>;
/// Every response of the adapter: a complete message with an in-memory body.
using Response = beast::http::response<beast::http::string_body>;

/// A decoded request, handed by value to a handler.
///
/// `raw` points into the connection that read the request and stays valid until the handler's
/// awaitable completes (do not keep it beyond that). The other members are plain values.
/// Not thread-safe; a handler owns its copy.
struct Request {
    const StringRequest* raw = nullptr;    ///< never null while the handler runs
    std::string path;                      ///< percent-decoded path without the query ("/books/1")
    std::vector<std::string> path_params;  ///< values captured by `{name}` segments, in order
    std::vector<std::pair<std::string, std::string>> query;  ///< decoded query params, in order
    /// The configured public URL (ServerOptions::public_url) when set, else "http://" + the
    /// (validated) Host header, or "http://127.0.0.1:<port>" for HTTP/1.0 without one (see
    /// Server). Used to build absolute HAL links (`base_url + "/books/1"`).
    std::string base_url;
    /// Who is calling, set by the Router before the handler runs: the token's principal on a
    /// route that needs one, Principal::system() when auth = off, anonymous() on a public
    /// route. Handlers pass it to every use case (issue 9).
    domain::Principal principal = domain::Principal::anonymous();
    /// The request id (the client's valid X-Request-Id, else a generated one; request_id.hpp),
    /// echoed on the response. Handlers pass it on to what the request causes (log lines,
    /// events) — see adapters/logging/log_context.hpp.
    std::string request_id;

    /// The value of the first query parameter called `name` ("+" and %XX already decoded), or
    /// nullopt when absent. A parameter given without '=' has an empty value. The view points
    /// into `query` and is valid as long as this Request is unchanged.
    [[nodiscard]] std::optional<std::string_view> query_param(std::string_view name) const;
    /// HTTP version as Beast encodes it: 10 for HTTP/1.0, 11 for HTTP/1.1. Requires `raw`.
    [[nodiscard]] unsigned version() const;
    /// Whether the client wants the connection kept open after this exchange (HTTP/1.1
    /// default yes, HTTP/1.0 only with "Connection: keep-alive"). Requires `raw`.
    [[nodiscard]] bool keep_alive() const;
};

/// A route handler: decodes the request, calls a use case, encodes the result. It runs on the
/// strand of the connection that received the request; exceptions that escape it become a
/// 500 problem (the connection goes on).
///
/// The Router stores the Handler and invokes it in place, so the captures of a lambda
/// coroutine stay valid for the whole call (as long as the Router lives).
using Handler = std::function<asio::awaitable<Response>(Request)>;

}  // namespace mb::adapters::http
