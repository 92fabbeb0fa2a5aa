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

void Router::add(bhttp::verb method, std::string_view pattern, Handler handler) {
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
                                       [&](const Route& route) { return route.method == method; });
    if (duplicate) {
        throw std::invalid_argument(
            "route registered twice: " + std::string(bhttp::to_string(method)) + " " +
            std::string(pattern));
    }
    node->routes.push_back({method, std::move(handler)});
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

const Handler* Router::handler_for(const Node& node, bhttp::verb method) {
    for (const auto& route : node.routes) {
        if (route.method == method) {
            return &route.handler;
        }
    }
    return nullptr;
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
            method == bhttp::verb::options || handler_for(node, method) != nullptr ||
            (method == bhttp::verb::head && handler_for(node, bhttp::verb::get) != nullptr);
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

asio::awaitable<Response> Router::dispatch(Request request) const {
    const auto method = request.raw->method();
    std::string_view path = request.path;
    if (path.empty()) {
        path = "/";
    }
    if (path.size() > 1 && path.back() == '/') {
        path.remove_suffix(1);
    }
    request.path_params.clear();
    const Node* first_resource = nullptr;
    const Node* found = nullptr;
    if (path.front() == '/') {
        const std::string_view rest = path == "/" ? std::string_view{} : path;
        walk(*root_, rest, method, request.path_params, first_resource, found);
    }

    if (found == nullptr) {
        if (first_resource == nullptr) {
            co_return problem(request, bhttp::status::not_found, "no resource at " + request.path);
        }
        const auto name = request.raw->method_string();
        auto response = problem(request, bhttp::status::method_not_allowed,
                                "method " + std::string(name.data(), name.size()) +
                                    " is not allowed on " + request.path);
        response.set(bhttp::field::allow, first_resource->allow);
        co_return response;
    }

    if (const Handler* handler = handler_for(*found, method)) {
        co_return co_await (*handler)(std::move(request));
    }
    if (method == bhttp::verb::head) {
        const Handler* get = handler_for(*found, bhttp::verb::get);
        Response response = co_await (*get)(std::move(request));
        response.body().clear();
        if (response.chunked()) {
            response.chunked(false);
        }
        co_return response;
    }
    // OPTIONS without a handler of its own.
    auto response = empty_response(request, bhttp::status::no_content);
    response.set(bhttp::field::allow, found->allow);
    co_return response;
}

}  // namespace mb::adapters::http
