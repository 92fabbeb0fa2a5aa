// Router behaviour over a real socket: matching, captured parameters, precedence, and the
// answers the router gives by itself (404, 405 + Allow, HEAD, OPTIONS).
#include "adapters/http/router.hpp"

#include <stdexcept>

#include <catch2/catch.hpp>

#include "http_test_support.hpp"

namespace mb::adapters::http::test {
namespace {

using boost::json::array;
using boost::json::value;

std::shared_ptr<Router> catalogue() {
    auto router = std::make_shared<Router>();
    router->add(bhttp::verb::get, "/books", echo("list"));
    router->add(bhttp::verb::post, "/books", echo("create"));
    router->add(bhttp::verb::get, "/books/{id}", echo("get"));
    router->add(bhttp::verb::delete_, "/books/{id}", echo("delete"));
    router->add(bhttp::verb::get, "/books/search", echo("search"));
    router->add(bhttp::verb::get, "/books/{id}/seats/{seat}", echo("seat"));
    router->add(bhttp::verb::get, "/books/search/findByCustomerId", echo("find"));
    router->add(bhttp::verb::get, "/", echo("root"));
    return router;
}

}  // namespace

TEST_CASE("Router: {name} segments capture their decoded values in pattern order",
          "[http][router]") {
    TestServer server(catalogue());
    Client client(server.port());
    REQUIRE_FALSE(client.error());

    auto response = client.send(make_request(bhttp::verb::get, "/books/42"));
    REQUIRE(response.result() == bhttp::status::ok);
    CHECK(json_of(response) == value{{"handler", "get"}, {"params", array{"42"}}});

    response = client.send(make_request(bhttp::verb::get, "/books/7/seats/1A"));
    CHECK(json_of(response) == value{{"handler", "seat"}, {"params", array{"7", "1A"}}});

    response = client.send(make_request(bhttp::verb::get, "/books/a%20b"));
    CHECK(json_of(response) == value{{"handler", "get"}, {"params", array{"a b"}}});

    response = client.send(make_request(bhttp::verb::get, "/"));
    CHECK(json_of(response).at("handler") == "root");
}

TEST_CASE("Router: one trailing slash of the request path is ignored", "[http][router]") {
    TestServer server(catalogue());
    Client client(server.port());
    const auto response = client.send(make_request(bhttp::verb::get, "/books/42/"));
    REQUIRE(response.result() == bhttp::status::ok);
    CHECK(json_of(response).at("params") == array{"42"});
}

TEST_CASE("Router: a path no pattern matches answers a 404 problem", "[http][router]") {
    TestServer server(catalogue());
    Client client(server.port());
    for (const auto* target : {"/nothing", "/books/1/extra", "/books//seats/1", "/Books"}) {
        INFO(target);
        const auto response = client.send(make_request(bhttp::verb::get, target));
        CHECK(response.result() == bhttp::status::not_found);
        CHECK(response[bhttp::field::content_type] == "application/problem+json");
        const auto body = json_of(response);
        CHECK(body.at("status") == 404);
        CHECK(body.at("title") == "Not Found");
    }
}

TEST_CASE("Router: a matched path without a handler for the method answers 405 with Allow",
          "[http][router]") {
    TestServer server(catalogue());
    Client client(server.port());

    auto response = client.send(make_request(bhttp::verb::delete_, "/books"));
    CHECK(response.result() == bhttp::status::method_not_allowed);
    CHECK(response[bhttp::field::allow] == "GET, HEAD, POST, OPTIONS");
    CHECK(response[bhttp::field::content_type] == "application/problem+json");
    CHECK(json_of(response).at("detail") == "method DELETE is not allowed on /books");

    response = client.send(make_request(bhttp::verb::put, "/books/3"));
    CHECK(response.result() == bhttp::status::method_not_allowed);
    CHECK(response[bhttp::field::allow] == "GET, HEAD, DELETE, OPTIONS");
}

TEST_CASE("Router: HEAD without its own handler is GET with the body dropped", "[http][router]") {
    TestServer server(catalogue());
    Client client(server.port());
    const auto get = client.send(make_request(bhttp::verb::get, "/books/5"));
    REQUIRE(get.result() == bhttp::status::ok);

    const auto head = client.send(make_request(bhttp::verb::head, "/books/5"));
    CHECK(head.result() == bhttp::status::ok);
    CHECK(head.body().empty());
    CHECK(head[bhttp::field::content_length] == get[bhttp::field::content_length]);
    CHECK(head[bhttp::field::content_type] == "application/json");

    // The connection is still framed correctly after a HEAD.
    const auto after = client.send(make_request(bhttp::verb::get, "/books/6"));
    CHECK(json_of(after).at("params") == array{"6"});
}

TEST_CASE("Server: a response to HEAD never carries a body, problems included", "[http][router]") {
    TestServer server(catalogue());
    Client client(server.port());
    for (const auto* target : {"/nowhere", "/books/1/seats"}) {
        INFO(target);
        const auto head = client.send(make_request(bhttp::verb::head, target));
        REQUIRE_FALSE(client.error());
        CHECK(head.result() == bhttp::status::not_found);
        CHECK(head.body().empty());
        CHECK(head[bhttp::field::content_type] == "application/problem+json");
    }
    // Had a body been sent, it would now be read as the next response's status line.
    const auto after = client.send(make_request(bhttp::verb::get, "/books/6"));
    REQUIRE_FALSE(client.error());
    CHECK(json_of(after).at("params") == array{"6"});
}

TEST_CASE("Router: OPTIONS answers 204 with Allow, 404 for unknown paths", "[http][router]") {
    TestServer server(catalogue());
    Client client(server.port());
    auto response = client.send(make_request(bhttp::verb::options, "/books/9"));
    CHECK(response.result() == bhttp::status::no_content);
    CHECK(response[bhttp::field::allow] == "GET, HEAD, DELETE, OPTIONS");
    CHECK(response.find(bhttp::field::content_length) == response.end());

    response = client.send(make_request(bhttp::verb::options, "/nowhere"));
    CHECK(response.result() == bhttp::status::not_found);
}

TEST_CASE("Router: literal segments win over {param} segments, with backtracking",
          "[http][router]") {
    TestServer server(catalogue());
    Client client(server.port());

    // "/books/search" is a literal route: it beats "/books/{id}".
    auto response = client.send(make_request(bhttp::verb::get, "/books/search"));
    CHECK(json_of(response) == value{{"handler", "search"}, {"params", array{}}});

    response = client.send(make_request(bhttp::verb::get, "/books/search/findByCustomerId"));
    CHECK(json_of(response).at("handler") == "find");

    // No literal route continues with "/seats/{seat}", so the {id} branch is taken.
    response = client.send(make_request(bhttp::verb::get, "/books/search/seats/2B"));
    CHECK(json_of(response) == value{{"handler", "seat"}, {"params", array{"search", "2B"}}});

    // The literal resource has only GET; DELETE falls through to "/books/{id}".
    response = client.send(make_request(bhttp::verb::delete_, "/books/search"));
    CHECK(json_of(response) == value{{"handler", "delete"}, {"params", array{"search"}}});
}

TEST_CASE("Router: query parameters are decoded in order and base_url follows the Host header",
          "[http][router]") {
    auto router = std::make_shared<Router>();
    router->add(bhttp::verb::get, "/q", [](Request request) -> asio::awaitable<Response> {
        boost::json::array query;
        for (const auto& [key, val] : request.query) {
            query.push_back(array{boost::json::string(key), boost::json::string(val)});
        }
        const auto missing = request.query_param("missing");
        co_return json_response(request, bhttp::status::ok,
                                boost::json::object{{"path", request.path},
                                                    {"query", query},
                                                    {"b", request.query_param("b").value_or("?")},
                                                    {"missing", missing.has_value()},
                                                    {"base", request.base_url}});
    });
    TestServer server(router);
    Client client(server.port());

    auto response = client.send(make_request(bhttp::verb::get, "/q?b=1&a=x%26y&b=2&c=a+b&flag"));
    REQUIRE(response.result() == bhttp::status::ok);
    auto body = json_of(response);
    CHECK(body.at("path") == "/q");
    CHECK(body.at("query") == array{array{"b", "1"}, array{"a", "x&y"}, array{"b", "2"},
                                    array{"c", "a b"}, array{"flag", ""}});
    CHECK(body.at("b") == "1");
    CHECK(body.at("missing") == false);
    CHECK(body.at("base") == "http://localhost:8088");

    auto no_host = make_request(bhttp::verb::get, "/q");
    no_host.erase(bhttp::field::host);
    no_host.version(10);  // HTTP/1.1 must send Host (RFC 9112 section 3.2); 1.0 may omit it
    response = client.send(no_host);
    CHECK(json_of(response).at("base") ==
          boost::json::string("http://127.0.0.1:" + std::to_string(server.port())));
}

TEST_CASE("Router: malformed or duplicate patterns are refused when added", "[http][router]") {
    Router router;
    router.add(bhttp::verb::get, "/books/{id}", echo("x"));
    CHECK_THROWS_AS(router.add(bhttp::verb::get, "/books/{id}", echo("again")),
                    std::invalid_argument);
    CHECK_THROWS_AS(router.add(bhttp::verb::get, "/books/{bookId}", echo("renamed")),
                    std::invalid_argument);
    CHECK_THROWS_AS(router.add(bhttp::verb::get, "books", echo("x")), std::invalid_argument);
    CHECK_THROWS_AS(router.add(bhttp::verb::get, "", echo("x")), std::invalid_argument);
    CHECK_THROWS_AS(router.add(bhttp::verb::get, "/a//b", echo("x")), std::invalid_argument);
    CHECK_THROWS_AS(router.add(bhttp::verb::get, "/a/{id", echo("x")), std::invalid_argument);
    CHECK_THROWS_AS(router.add(bhttp::verb::get, "/a/{}", echo("x")), std::invalid_argument);
    CHECK_NOTHROW(router.add(bhttp::verb::post, "/books/{id}", echo("x")));
}

}  // namespace mb::adapters::http::test

namespace mb::adapters::http::test {
namespace {

/// A router whose authenticator accepts the token "good" (customer alice) and "boss" (admin).
std::shared_ptr<Router> guarded() {
    auto router = std::make_shared<Router>();
    router->add(bhttp::verb::get, "/open", echo("open"), Access::kPublic);
    router->add(bhttp::verb::get, "/mine",
                [](Request request) -> asio::awaitable<Response> {
                    co_return json_response(request, bhttp::status::ok,
                                            {{"sub", request.principal.subject()}});
                });
    router->add(bhttp::verb::post, "/ops", echo("ops"), Access::kAdmin);
    router->set_authenticator([](std::string_view token) -> domain::Result<domain::Principal> {
        if (token == "good")
            return domain::Principal::customer("alice");
        if (token == "boss")
            return domain::Principal::user("root",
                                           static_cast<std::uint8_t>(domain::Role::kAdmin));
        return domain::Unexpected(std::make_error_code(std::errc::permission_denied));
    });
    return router;
}

StringRequest with_authorization(bhttp::verb verb, std::string_view target,
                                 std::vector<std::string> values) {
    auto request = make_request(verb, target);
    for (auto& v : values)
        request.insert(bhttp::field::authorization, v);
    return request;
}

}  // namespace

TEST_CASE("Router: a protected route without a token is 401 with a bare Bearer challenge, a "
          "public one is served (RFC 6750 section 3)",
          "[http][router][security]") {
    TestServer server(guarded());
    Client client(server.port());
    auto response = client.send(make_request(bhttp::verb::get, "/mine"));
    CHECK(response.result() == bhttp::status::unauthorized);
    CHECK(response[bhttp::field::www_authenticate] == "Bearer realm=\"movie-booking\"");
    CHECK(response[bhttp::field::content_type] == "application/problem+json");
    response = client.send(make_request(bhttp::verb::get, "/open"));
    CHECK(response.result() == bhttp::status::ok);
}

TEST_CASE("Router: the handler sees the token's principal, with the scheme matched "
          "case-insensitively",
          "[http][router][security]") {
    TestServer server(guarded());
    Client client(server.port());
    for (const char* header : {"Bearer good", "bearer good", "BEARER good"}) {
        const auto response = client.send(with_authorization(bhttp::verb::get, "/mine", {header}));
        REQUIRE(response.result() == bhttp::status::ok);
        CHECK(json_of(response).at("sub") == "alice");
    }
}

TEST_CASE("Router: a refused, malformed or doubled credential is 401 invalid_token",
          "[http][router][security]") {
    TestServer server(guarded());
    Client client(server.port());
    const std::vector<std::vector<std::string>> cases{
        {"Bearer forged"}, {"Basic YWxpY2U6eA=="}, {"Bearer"}, {"Bearer good extra"},
        {"Bearer good", "Bearer good"}};
    for (const auto& values : cases) {
        const auto response = client.send(with_authorization(bhttp::verb::get, "/mine", values));
        CHECK(response.result() == bhttp::status::unauthorized);
        CHECK(std::string(response[bhttp::field::www_authenticate])
                  .find("error=\"invalid_token\"") != std::string::npos);
    }
}

TEST_CASE("Router: an admin route is 403 insufficient_scope for a customer, served for admin",
          "[http][router][security]") {
    TestServer server(guarded());
    Client client(server.port());
    auto response = client.send(with_authorization(bhttp::verb::post, "/ops", {"Bearer good"}));
    CHECK(response.result() == bhttp::status::forbidden);
    CHECK(std::string(response[bhttp::field::www_authenticate]).find("insufficient_scope") !=
          std::string::npos);
    response = client.send(with_authorization(bhttp::verb::post, "/ops", {"Bearer boss"}));
    CHECK(response.result() == bhttp::status::ok);
}

TEST_CASE("Router: routes() lists every registration with its access, in order",
          "[http][router][security]") {
    const auto router = guarded();
    REQUIRE(router->routes().size() == 3);
    CHECK(router->routes()[0].pattern == "/open");
    CHECK(router->routes()[0].access == Access::kPublic);
    CHECK(router->routes()[1].access == Access::kAuthenticated);
    CHECK(router->routes()[2].access == Access::kAdmin);
    CHECK(to_string(Access::kAdmin) == "admin");
}

}  // namespace mb::adapters::http::test
