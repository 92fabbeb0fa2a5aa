#include "adapters/http/router.hpp"

#include <algorithm>
#include <stdexcept>

#include <boost/beast/http/field.hpp>

#include "adapters/http/problem.hpp"
#include "adapters/http/response.hpp"

namespace mb::adapters::http {
namespace {

namespace bhttp = beast::http;

bool has_method(const std::vector<bhttp::verb>& methods, bhttp::verb method) {
    return std::find(methods.begin(), methods.end(), method) != methods.end();
}

/// Splits an absolute pattern into segments ("/" has none); validates placeholders.
std::vector<std::string_view> pattern_segments(std::string_view pattern) {
    if (pattern.empty() || pattern.front() != '/') {
        throw std::invalid_argument("route pattern must start with '/': " + std::string(pattern));
    }
    if (pattern.size() > 1 && pattern.back() == '/') {
        pattern.remove_suffix(1);
    }
    std::vector<std::string_view> segments;
    if (pattern == "/") {
        return segments;
    }
    std::string_view rest = pattern.substr(1);
    for (;;) {
        const auto slash = rest.find('/');
        const auto segment = rest.substr(0, slash);
        const bool placeholder =
            segment.size() >= 3 && segment.front() == '{' && segment.back() == '}';
        const auto inner = placeholder ? segment.substr(1, segment.size() - 2) : segment;
        if (segment.empty() || inner.find_first_of("{}") != std::string_view::npos) {
            throw std::invalid_argument("malformed route pattern: " + std::string(pattern));
        }
        segments.push_back(segment);
        if (slash == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(slash + 1);
    }
    return segments;
}

}  // namespace

Router::Router() : root_(std::make_unique<Node>()) {}

std::string_view to_string(Access access) noexcept {
    switch (access) {
        case Access::kPublic:
            return "public";
        case Access::kAuthenticated:
            return "authenticated";
        case Access::kAdmin:
            return "admin";
    }
    return "authenticated";
}

void Router::set_authenticator(Authenticator authenticator) {
    authenticator_ = std::move(authenticator);
}

void Router::set_fallback(std::string route, Handler handler) {
    fallback_route_ = std::move(route);
    fallback_ = std::move(handler);
}

void Router::add(bhttp::verb method, std::string_view pattern, Handler handler, Access access) {
    insert(method, pattern, Route{method, std::move(handler), access, {}});
}

void Router::add_stream(std::string_view pattern, StreamHandler handler, Access access) {
    insert(bhttp::verb::get, pattern, Route{bhttp::verb::get, {}, access, std::move(handler)});
}

void Router::insert(bhttp::verb method, std::string_view pattern, Route route) {
    Node* node = root_.get();
    for (const auto segment : pattern_segments(pattern)) {
        if (segment.front() == '{') {
            if (!node->param) {
                node->param = std::make_unique<Node>();
            }
            node = node->param.get();
            continue;
        }
        auto it = std::find_if(node->literals.begin(), node->literals.end(),
                               [&](const auto& child) { return child.first == segment; });
        if (it == node->literals.end()) {
            node->literals.emplace_back(std::string(segment), std::make_unique<Node>());
            it = std::prev(node->literals.end());
        }
        node = it->second.get();
    }
    const bool duplicate = std::any_of(node->routes.begin(), node->routes.end(),
                                       [&](const Route& other) { return other.method == method; });
    if (duplicate) {
        throw std::invalid_argument(
            "route registered twice: " + std::string(bhttp::to_string(method)) + " " +
            std::string(pattern));
    }
    const bool stream = static_cast<bool>(route.stream);
    const Access access = route.access;
    node->routes.push_back(std::move(route));
    node->pattern = std::string(pattern);
    table_.push_back({method, std::string(pattern), access, stream});
    update_allow(*node);
}

void Router::update_allow(Node& node) {
    std::vector<bhttp::verb> methods;
    for (const auto& route : node.routes) {
        methods.push_back(route.method);
        if (route.method == bhttp::verb::get && !has_method(methods, bhttp::verb::head)) {
            methods.push_back(bhttp::verb::head);
        }
    }
    // An explicit HEAD registered after GET would otherwise appear twice.
    std::vector<bhttp::verb> unique;
    for (const auto method : methods) {
        if (!has_method(unique, method)) {
            unique.push_back(method);
        }
    }
    if (!has_method(unique, bhttp::verb::options)) {
        unique.push_back(bhttp::verb::options);
    }
    node.allow.clear();
    for (const auto method : unique) {
        if (!node.allow.empty()) {
            node.allow.append(", ");
        }
        const auto name = bhttp::to_string(method);
        node.allow.append(name.data(), name.size());
    }
}

const Router::Route* Router::route_for(const Node& node, bhttp::verb method) {
    for (const auto& route : node.routes) {
        if (route.method == method) {
            return &route;
        }
    }
    return nullptr;
}

namespace {

/// The credential of the one `Authorization: Bearer <token>` header: "" when there is none,
/// nullopt when it is not a single Bearer credential (RFC 6750 §2.1: the scheme is
/// case-insensitive, one space, token68 characters).
std::optional<std::string_view> bearer_credential(const StringRequest& raw) {
    const auto [first, last] = raw.equal_range(bhttp::field::authorization);
    if (first == last) {
        return std::string_view{};
    }
    if (std::next(first) != last) {
        return std::nullopt;
    }
    const auto value = first->value();
    const std::string_view text(value.data(), value.size());
    constexpr std::string_view kScheme = "bearer ";
    if (text.size() <= kScheme.size()) {
        return std::nullopt;
    }
    for (std::size_t i = 0; i < kScheme.size(); ++i) {
        const char c = text[i];
        const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        if (lower != kScheme[i]) {
            return std::nullopt;
        }
    }
    auto token = text.substr(kScheme.size());
    const auto token68 = [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
    };
    if (!std::all_of(token.begin(), token.end(), token68)) {
        return std::nullopt;
    }
    return token;
}

/// `value` as a quoted-string body: only printable ASCII, without '"' and '\'.
std::string quoted_safe(std::string_view value) {
    std::string out;
    for (const char c : value) {
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            out += c;
        }
    }
    return out;
}

}  // namespace

std::optional<Response> Router::authorize(Request& request, Access access) const {
    if (!authenticator_) {
        request.principal = domain::Principal::system();
        return std::nullopt;
    }
    if (access == Access::kPublic) {
        return std::nullopt;  // anonymous (Request's default)
    }
    const auto credential = bearer_credential(*request.raw);
    domain::Result<domain::Principal> principal =
        credential ? authenticator_(*credential)
                   : domain::Result<domain::Principal>(domain::Unexpected(std::make_error_code(
                         std::errc::invalid_argument)));
    if (!principal) {
        const bool sent = !credential || !credential->empty();
        const std::string why = !credential ? std::string("the Authorization header is not one "
                                                          "Bearer token")
                                            : principal.error().message();
        auto response = problem(request, bhttp::status::unauthorized,
                                sent ? why : std::string("a bearer token is required"));
        response.set(bhttp::field::www_authenticate,
                     sent ? "Bearer realm=\"movie-booking\", error=\"invalid_token\", "
                            "error_description=\"" + quoted_safe(why) + "\""
                          : std::string("Bearer realm=\"movie-booking\""));
        return response;
    }
    if (access == Access::kAdmin && !principal->has(domain::Role::kAdmin)) {
        auto response =
            problem(request, bhttp::status::forbidden, "this resource needs the admin role");
        response.set(bhttp::field::www_authenticate,
                     "Bearer realm=\"movie-booking\", error=\"insufficient_scope\", "
                     "error_description=\"the admin role is required\"");
        return response;
    }
    request.principal = std::move(*principal);
    return std::nullopt;
}

bool Router::walk(const Node& node, std::string_view rest, bhttp::verb method,
                  std::vector<std::string>& params, const Node*& first_resource,
                  const Node*& found) {
    if (rest.empty()) {
        if (node.routes.empty()) {
            return false;
        }
        if (first_resource == nullptr) {
            first_resource = &node;
        }
        const bool accepts =
            method == bhttp::verb::options || route_for(node, method) != nullptr ||
            (method == bhttp::verb::head && route_for(node, bhttp::verb::get) != nullptr);
        if (accepts) {
            found = &node;
        }
        return accepts;
    }
    // rest starts with '/'
    rest.remove_prefix(1);
    const auto slash = rest.find('/');
    const auto segment = rest.substr(0, slash);
    const auto tail = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
    for (const auto& [literal, child] : node.literals) {
        if (literal == segment && walk(*child, tail, method, params, first_resource, found)) {
            return true;
        }
    }
    if (node.param && !segment.empty()) {
        params.emplace_back(segment);
        if (walk(*node.param, tail, method, params, first_resource, found)) {
            return true;
        }
        params.pop_back();
    }
    return false;
}

const Router::Node* Router::find(std::string_view path, bhttp::verb method,
                                 std::vector<std::string>& params,
                                 const Node*& first_resource) const {
    if (path.empty()) {
        path = "/";
    }
    if (path.size() > 1 && path.back() == '/') {
        path.remove_suffix(1);
    }
    const Node* found = nullptr;
    if (path.front() == '/') {
        const std::string_view rest = path == "/" ? std::string_view{} : path;
        walk(*root_, rest, method, params, first_resource, found);
    }
    return found;
}

namespace {

/// The head of a stream response: 200, text/event-stream, never cached or transformed.
Response stream_head(const Request& request) {
    Response head{bhttp::status::ok, request.version()};
    head.keep_alive(request.keep_alive());
    head.set(bhttp::field::server, kServerName);
    head.set(bhttp::field::content_type, kEventStreamContentType);
    head.set(bhttp::field::cache_control, "no-store");
    // nginx would otherwise buffer the stream (its documented opt-out header).
    head.set(std::string_view("X-Accel-Buffering"), "no");
    return head;
}

}  // namespace

asio::awaitable<Dispatched> Router::open_stream(const Route& route, Request request) {
    auto sink = std::make_shared<EventSink>();
    Response head = stream_head(request);
    auto opening = co_await route.stream(std::move(request), sink);
    if (opening.refusal) {
        sink->close();
        co_return Dispatched{std::move(*opening.refusal), nullptr, nullptr};
    }
    co_return Dispatched{std::move(head), std::move(sink), std::move(opening.keep_alive)};
}

asio::awaitable<Dispatched> Router::dispatch(Request request, std::string_view* route_out) const {
    const auto method = request.raw->method();
    request.path_params.clear();
    const Node* first_resource = nullptr;
    const Node* found = find(request.path, method, request.path_params, first_resource);

    if (route_out != nullptr) {
        const Node* resource = found != nullptr ? found : first_resource;
        *route_out = resource != nullptr ? std::string_view(resource->pattern) : std::string_view{};
    }
    if (found == nullptr && first_resource == nullptr && fallback_) {
        if (route_out != nullptr) {
            *route_out = fallback_route_;
        }
        Response response = co_await fallback_(std::move(request));
        co_return Dispatched{std::move(response), nullptr, nullptr};
    }
    if (found == nullptr) {
        if (first_resource == nullptr) {
            co_return Dispatched{
                problem(request, bhttp::status::not_found, "no resource at " + request.path),
                nullptr, nullptr};
        }
        const auto name = request.raw->method_string();
        auto response = problem(request, bhttp::status::method_not_allowed,
                                "method " + std::string(name.data(), name.size()) +
                                    " is not allowed on " + request.path);
        response.set(bhttp::field::allow, first_resource->allow);
        co_return Dispatched{std::move(response), nullptr, nullptr};
    }

    if (const Route* route = route_for(*found, method)) {
        if (auto refused = authorize(request, route->access)) {
            co_return Dispatched{std::move(*refused), nullptr, nullptr};
        }
        // (Named results: GCC 12 miscompiles a co_await inside a braced initializer.)
        if (route->stream) {
            Dispatched opened = co_await open_stream(*route, std::move(request));
            co_return opened;
        }
        Response response = co_await route->handler(std::move(request));
        co_return Dispatched{std::move(response), nullptr, nullptr};
    }
    if (method == bhttp::verb::head) {
        const Route* get = route_for(*found, bhttp::verb::get);
        if (auto refused = authorize(request, get->access)) {
            co_return Dispatched{std::move(*refused), nullptr, nullptr};
        }
        if (get->stream) {
            co_return Dispatched{stream_head(request), nullptr, nullptr};
        }
        Response response = co_await get->handler(std::move(request));
        response.body().clear();
        if (response.chunked()) {
            response.chunked(false);
        }
        co_return Dispatched{std::move(response), nullptr, nullptr};
    }
    // OPTIONS without a handler of its own.
    auto response = empty_response(request, bhttp::status::no_content);
    response.set(bhttp::field::allow, found->allow);
    co_return Dispatched{std::move(response), nullptr, nullptr};
}

}  // namespace mb::adapters::http
