// Server behaviour over a real socket: keep-alive, limits, malformed input, failures inside
// handlers, timeouts, and stop().
#include <atomic>
#include <future>
#include <stdexcept>
#include <system_error>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include "adapters/http/problem.hpp"
#include "http_test_support.hpp"

namespace mb::adapters::http::test {
namespace {

using boost::json::value;

std::shared_ptr<Router> basic_router() {
    auto router = std::make_shared<Router>();
    router->add(bhttp::verb::get, "/ping", echo("ping"));
    router->add(bhttp::verb::post, "/upload", echo("upload"));
    router->add(bhttp::verb::get, "/boom", [](Request) -> asio::awaitable<Response> {
        throw std::runtime_error("handler bug");
        co_return Response{};
    });
    router->add(bhttp::verb::get, "/bare", [](Request request) -> asio::awaitable<Response> {
        // A handler that forgets Content-Length and Server: the server frames it anyway.
        Response response{bhttp::status::ok, request.version()};
        response.keep_alive(request.keep_alive());
        response.body() = "plain";
        co_return response;
    });
    return router;
}

void check_problem(const ClientResponse& response, bhttp::status status) {
    CHECK(response.result() == status);
    CHECK(response[bhttp::field::content_type] == "application/problem+json");
    const auto body = json_of(response);
    CHECK(body.at("type") == "about:blank");
    CHECK(body.at("status") == static_cast<int>(status));
}

}  // namespace

TEST_CASE("Server: HTTP/1.1 keeps the connection alive across requests", "[http][server]") {
    TestServer server(basic_router());
    Client client(server.port());
    REQUIRE_FALSE(client.error());
    for (int i = 0; i < 3; ++i) {
        const auto response = client.send(make_request(bhttp::verb::get, "/ping"));
        REQUIRE_FALSE(client.error());
        CHECK(response.result() == bhttp::status::ok);
        CHECK(response.keep_alive());
        CHECK(response[bhttp::field::server] == "movie-booking");
    }
    CHECK(server.server().active_connections() == 1);
}

TEST_CASE("Server: HTTP/1.0 and 'Connection: close' close after the response", "[http][server]") {
    TestServer server(basic_router());
    {
        Client client(server.port());
        const auto response =
            client.send(make_request(bhttp::verb::get, "/ping", {}, {}, /*version=*/10));
        CHECK(response.result() == bhttp::status::ok);
        CHECK(response.version() == 10);
        CHECK(client.closed_by_peer());
    }
    {
        Client client(server.port());
        auto request = make_request(bhttp::verb::get, "/ping");
        request.keep_alive(false);
        const auto response = client.send(request);
        CHECK(response.result() == bhttp::status::ok);
        CHECK_FALSE(response.keep_alive());
        CHECK(client.closed_by_peer());
    }
    {
        Client client(server.port());
        auto request = make_request(bhttp::verb::get, "/ping", {}, {}, 10);
        request.keep_alive(true);
        CHECK(client.send(request).result() == bhttp::status::ok);
        CHECK(client.send(request).result() == bhttp::status::ok);  // same connection
    }
    CHECK(eventually([&] { return server.server().active_connections() == 0; }));
}

TEST_CASE("Server: a body over body_limit answers 413 problem and closes", "[http][server]") {
    ServerOptions options;
    options.body_limit = 1024;
    TestServer server(basic_router(), options);

    Client ok(server.port());
    CHECK(ok.send(make_request(bhttp::verb::post, "/upload", std::string(1024, 'x'), "text/plain"))
              .result() == bhttp::status::ok);

    Client client(server.port());
    const auto response = client.send(
        make_request(bhttp::verb::post, "/upload", std::string(4096, 'x'), "text/plain"));
    REQUIRE_FALSE(client.error());
    check_problem(response, bhttp::status::payload_too_large);
    CHECK(json_of(response).at("detail") == "request body exceeds 1024 bytes");
    CHECK_FALSE(response.keep_alive());
    CHECK(client.closed_by_peer());
}

TEST_CASE("Server: a header over header_limit answers 431 problem and closes", "[http][server]") {
    ServerOptions options;
    options.header_limit = 2048;
    TestServer server(basic_router(), options);
    Client client(server.port());
    auto request = make_request(bhttp::verb::get, "/ping");
    request.set("X-Padding", std::string(4096, 'p'));
    const auto response = client.send(request);
    REQUIRE_FALSE(client.error());
    check_problem(response, bhttp::status::request_header_fields_too_large);
    CHECK(client.closed_by_peer());
}

TEST_CASE("Server: a malformed request answers 400 problem and closes", "[http][server]") {
    TestServer server(basic_router());
    for (const auto* bytes : {"GET /ping HTTP/9.9\r\nHost: x\r\n\r\n",
                              "GET /ping HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
                              "GET ping HTTP/1.1\r\nHost: x\r\n\r\n"}) {
        INFO(bytes);
        Client client(server.port());
        const auto response = client.send_raw(bytes);
        REQUIRE_FALSE(client.error());
        check_problem(response, bhttp::status::bad_request);
        CHECK(client.closed_by_peer());
    }
}

TEST_CASE("Server: a target that is not a valid URI answers 400 problem", "[http][server]") {
    TestServer server(basic_router());
    Client client(server.port());
    const auto response = client.send_raw("GET /ping%zz HTTP/1.1\r\nHost: x\r\n\r\n");
    check_problem(response, bhttp::status::bad_request);
    CHECK(json_of(response).at("detail") == "malformed request target");
}

TEST_CASE("Server: an exception escaping a handler answers 500 and the connection goes on",
          "[http][server]") {
    TestServer server(basic_router());
    Client client(server.port());
    const auto response = client.send(make_request(bhttp::verb::get, "/boom"));
    check_problem(response, bhttp::status::internal_server_error);
    const auto body = json_of(response);
    CHECK(body.at("detail") == "internal error");  // the exception text is not leaked
    CHECK(body.at("instance") == "/boom");
    CHECK(response.keep_alive());
    CHECK(client.send(make_request(bhttp::verb::get, "/ping")).result() == bhttp::status::ok);
}

TEST_CASE("Server: a response without Content-Length or Server is completed", "[http][server]") {
    TestServer server(basic_router());
    Client client(server.port());
    const auto response = client.send(make_request(bhttp::verb::get, "/bare"));
    CHECK(response.body() == "plain");
    CHECK(response[bhttp::field::content_length] == "5");
    CHECK(response[bhttp::field::server] == "movie-booking");
    CHECK(client.send(make_request(bhttp::verb::get, "/ping")).result() == bhttp::status::ok);
}

TEST_CASE("Server: a kept-alive connection idle longer than idle_timeout is closed",
          "[http][server]") {
    ServerOptions options;
    options.idle_timeout = std::chrono::milliseconds(100);
    TestServer server(basic_router(), options);
    Client client(server.port());
    CHECK(client.send(make_request(bhttp::verb::get, "/ping")).result() == bhttp::status::ok);
    CHECK(client.closed_by_peer());
    CHECK(eventually([&] { return server.server().active_connections() == 0; }));
}

TEST_CASE("Server: a request not completed within read_timeout is dropped", "[http][server]") {
    ServerOptions options;
    options.read_timeout = std::chrono::milliseconds(100);
    TestServer server(basic_router(), options);
    Client client(server.port());
    client.send_raw("GET /ping HTTP/1.1\r\nHost: x\r\n");  // the header never ends
    CHECK(client.error());                                 // closed without a response
    CHECK(eventually([&] { return server.server().active_connections() == 0; }));
}

TEST_CASE("Server: connections beyond max_connections are closed at once", "[http][server]") {
    ServerOptions options;
    options.max_connections = 1;
    TestServer server(basic_router(), options);
    Client first(server.port());
    CHECK(first.send(make_request(bhttp::verb::get, "/ping")).result() == bhttp::status::ok);

    Client second(server.port());
    CHECK(second.closed_by_peer());
    CHECK(first.send(make_request(bhttp::verb::get, "/ping")).result() == bhttp::status::ok);
}

TEST_CASE("Server: binding a port already in use throws system_error naming it", "[http][server]") {
    TestServer first(basic_router());
    asio::io_context io_context;
    ServerOptions options;
    options.address = "127.0.0.1";
    options.port = first.port();
    Server second(io_context, options, basic_router());
    try {
        second.start();
        FAIL("start() should throw");
    } catch (const std::system_error& e) {
        CHECK(e.code() == std::errc::address_in_use);
        CHECK_THAT(e.what(), Catch::Contains("127.0.0.1:" + std::to_string(first.port())));
    }
}

TEST_CASE(
    "Server: stop() closes idle connections, refuses new ones and finishes in-flight "
    "requests",
    "[http][server]") {
    std::promise<void> started;
    std::atomic<bool> release{false};
    auto router = basic_router();
    router->add(bhttp::verb::get, "/slow", [&](Request request) -> asio::awaitable<Response> {
        started.set_value();
        asio::steady_timer timer(co_await asio::this_coro::executor);
        while (!release.load()) {  // polls so that the test thread controls the end
            timer.expires_after(std::chrono::milliseconds(1));
            co_await timer.async_wait(asio::use_awaitable);
        }
        co_return json_response(request, bhttp::status::ok, value{{"slow", true}});
    });
    TestServer server(router);

    Client idle(server.port());
    CHECK(idle.send(make_request(bhttp::verb::get, "/ping")).result() == bhttp::status::ok);

    Client busy(server.port());
    auto pending = std::async(
        std::launch::async, [&busy] { return busy.send(make_request(bhttp::verb::get, "/slow")); });
    started.get_future().wait();
    CHECK(server.server().active_connections() == 2);

    server.server().stop();
    CHECK(idle.closed_by_peer());
    CHECK(eventually([&] { return Client(server.port()).error().failed(); }));

    release = true;
    const auto response = pending.get();
    CHECK(response.result() == bhttp::status::ok);
    CHECK_FALSE(response.keep_alive());
    CHECK(busy.closed_by_peer());
    CHECK(eventually([&] { return server.server().active_connections() == 0; }));
}

}  // namespace mb::adapters::http::test
