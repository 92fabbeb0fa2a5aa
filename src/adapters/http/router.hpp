#pragma once
// Method + path routing with `{name}` segments, answering 404 / 405 / OPTIONS / HEAD itself.
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/verb.hpp>

#include "adapters/http/request.hpp"

namespace mb::adapters::http {

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
/// - no pattern matches the path: 404 problem;
/// - a pattern matches but has no handler for the method: 405 problem with `Allow`;
/// - HEAD without its own handler: the GET handler's response with the body dropped
///   (Content-Length kept);
/// - OPTIONS without its own handler: 204 with `Allow`.
///
/// Build the router completely (add) before serving; afterwards it is immutable and
/// dispatch() may run concurrently on any number of threads. add() is not thread-safe.
class Router {
public:
    Router();

    /// Registers `handler` for `method` on `pattern`. Throws std::invalid_argument for a
    /// pattern that is not absolute, has a malformed placeholder, or is already registered
    /// for `method`.
    void add(beast::http::verb method, std::string_view pattern, Handler handler);

    /// Routes `request` (its `path` must be filled; `path_params` is overwritten) and awaits
    /// the handler. Exceptions of the handler propagate (the server turns them into 500).
    /// The Router must outlive the returned awaitable.
    [[nodiscard]] asio::awaitable<Response> dispatch(Request request) const;

private:
    struct Route {
        beast::http::verb method;
        Handler handler;
    };
    struct Node {
        std::vector<std::pair<std::string, std::unique_ptr<Node>>> literals;
        std::unique_ptr<Node> param;
        std::vector<Route> routes;
        std::string allow;  ///< value of the Allow header for this resource
    };

    static bool walk(const Node& node, std::string_view rest, beast::http::verb method,
                     std::vector<std::string>& params, const Node*& first_resource,
                     const Node*& found);
    static const Handler* handler_for(const Node& node, beast::http::verb method);
    static void update_allow(Node& node);

    std::unique_ptr<Node> root_;
};

}  // namespace mb::adapters::http
