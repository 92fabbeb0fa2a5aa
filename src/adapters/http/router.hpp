#pragma once
// Method + path routing with `{name}` segments, answering 404 / 405 / OPTIONS / HEAD itself.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>

#include "adapters/http/event_stream.hpp"
#include "adapters/http/request.hpp"
#include "domain/common/result.hpp"

namespace mb::adapters::http {

/// Who may call a route (README "Security", the matrix).
enum class Access {
    kPublic,         ///< no token: health probes and the public catalogue
    kAuthenticated,  ///< any valid token; the use case decides what the principal may see
    kAdmin,          ///< a valid token with the `admin` role (else 403)
};

/// The wire name of an Access ("public", "authenticated", "admin").
[[nodiscard]] std::string_view to_string(Access access) noexcept;

/// Turns a request's bearer credential into its principal. `bearer_token` is the text after
/// "Bearer " of the one Authorization header; empty when the request has none. Returns an
/// error whose condition is kUnauthenticated for a missing or invalid token. Must be
/// thread-safe (the Router calls it on any connection's strand).
using Authenticator =
    std::function<domain::Result<domain::Principal>(std::string_view bearer_token)>;

/// One registered (method, pattern) and who may call it — the route table that the README's
/// API table and the security matrix test are checked against.
struct RouteInfo {
    beast::http::verb method;
    std::string pattern;
    Access access;
    bool stream = false;  ///< a StreamHandler (text/event-stream), not a Handler
};

/// What Router::dispatch answers: a complete response, or the head of an event stream.
struct Dispatched {
    /// The response; for a stream its head only (200, `Content-Type: text/event-stream`,
    /// no body, no Content-Length), the events follow from `sink`.
    Response response;
    /// Non-null when a stream opened: its events (the handler may already have queued some).
    std::shared_ptr<EventSink> sink;
    /// StreamOpening::keep_alive of the stream's handler; hold it while the stream is open.
    std::shared_ptr<void> keep_alive;
};

/// Maps (method, path) to a Handler.
///
/// Patterns are absolute paths whose segments are literals or `{name}` placeholders, e.g.
/// "/books", "/books/{id}", "/tickets/search/findByBookingId". A placeholder matches one
/// non-empty segment; the captured (percent-decoded) values are passed in
/// Request::path_params, in pattern order. Literal segments win over placeholders
/// ("/books/search" is tried before "/books/{id}"), with backtracking when the literal branch
/// has no match further down. One trailing '/' of the request path is ignored.
///
/// dispatch() answers by itself:
/// - no pattern matches the path: 404 problem (or the fallback handler, set_fallback);
/// - a pattern matches but has no handler for the method: 405 problem with `Allow`;
/// - HEAD without its own handler: the GET handler's response with the body dropped
///   (Content-Length kept);
/// - OPTIONS without its own handler: 204 with `Allow`.
/// - a route that is not kPublic without a valid token: 401 problem with `WWW-Authenticate:
///   Bearer realm="movie-booking"` (plus `error="invalid_token"` and `error_description` when
///   a token was sent: RFC 6750 §3); a kAdmin route for a principal without the admin role:
///   403 problem with `error="insufficient_scope"`. The handler runs with
///   Request::principal set.
/// Without an authenticator (set_authenticator never called) every caller of every route is
/// Principal::system() — auth = off.
///
/// Build the router completely (add) before serving; afterwards it is immutable and
/// dispatch() may run concurrently on any number of threads. add() is not thread-safe.
class Router {
public:
    Router();

    /// Registers `handler` for `method` on `pattern`, callable by `access` (secure by
    /// default). Throws std::invalid_argument for a pattern that is not absolute, has a
    /// malformed placeholder, or is already registered for `method`.
    void add(beast::http::verb method, std::string_view pattern, Handler handler,
             Access access = Access::kAuthenticated);

    /// Registers a stream handler (event_stream.hpp) for GET on `pattern`; HEAD answers the
    /// stream's head without opening it (the handler does not run). Throws as add() does.
    void add_stream(std::string_view pattern, StreamHandler handler,
                    Access access = Access::kAuthenticated);


    /// Sets the handler of every request whose path matches no registered resource (any
    /// method), in place of the 404 problem — the web page's files (static_files.hpp). It is
    /// public (no token checked; Request::principal stays anonymous) and is not in routes();
    /// `route` is what dispatch reports as its route template ("/{file}"). API routes keep
    /// priority: a path that matches a resource never reaches it (a wrong method there is
    /// still 405). Not thread-safe: call before serving.
    void set_fallback(std::string route, Handler handler);

    /// Sets how tokens are checked (auth = jwt). Not thread-safe: call before serving.
    void set_authenticator(Authenticator authenticator);

    /// Every registered route in registration order. Thread-safe once built.
    [[nodiscard]] const std::vector<RouteInfo>& routes() const noexcept { return table_; }

    /// Routes `request` (its `path` must be filled; `path_params` is overwritten) and awaits
    /// the handler (a stream handler: see Dispatched; its refusal is the response). Exceptions of the handler propagate (the server turns them into 500).
    /// When `route` is not null it is set, before the handler runs, to the pattern of the
    /// resource the path matched ("/books/{id}", also for a 405 or OPTIONS answer), or to ""
    /// when no resource matched (404) — the route template of metrics and access logs, never
    /// the raw path. The view stays valid as long as the Router. The Router (and `*route`)
    /// must outlive the returned awaitable.
    [[nodiscard]] asio::awaitable<Dispatched> dispatch(Request request,
                                                       std::string_view* route = nullptr) const;

private:
    struct Route {
        beast::http::verb method;
        Handler handler;        ///< empty for a stream route
        Access access;
        StreamHandler stream;  ///< empty for a plain route
    };
    struct Node {
        std::vector<std::pair<std::string, std::unique_ptr<Node>>> literals;
        std::unique_ptr<Node> param;
        std::vector<Route> routes;
        std::string allow;    ///< value of the Allow header for this resource
        std::string pattern;  ///< the pattern registered for this resource ("" for inner nodes)
    };

    static bool walk(const Node& node, std::string_view rest, beast::http::verb method,
                     std::vector<std::string>& params, const Node*& first_resource,
                     const Node*& found);
    static const Route* route_for(const Node& node, beast::http::verb method);
    /// The principal for `request` on a route of `access`, or the 401/403 answer.
    [[nodiscard]] std::optional<Response> authorize(Request& request, Access access) const;
    static void update_allow(Node& node);
    /// The node of `path` (normalized as dispatch does) that accepts `method`, or null; fills
    /// `params` and `first_resource` as walk() does.
    const Node* find(std::string_view path, beast::http::verb method,
                     std::vector<std::string>& params, const Node*& first_resource) const;
    void insert(beast::http::verb method, std::string_view pattern, Route route);
    /// Awaits a stream route's handler.
    static asio::awaitable<Dispatched> open_stream(const Route& route, Request request);

    std::unique_ptr<Node> root_;
    std::vector<RouteInfo> table_;
    Authenticator authenticator_;
    std::string fallback_route_;
    Handler fallback_;
};

}  // namespace mb::adapters::http
