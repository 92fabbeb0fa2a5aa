// Server behaviour over a real socket: keep-alive, limits, malformed input, failures inside
// handlers, timeouts, and stop().
#include <algorithm>
#include <atomic>
#include <future>
#include <mutex>
#include <regex>
#include <stdexcept>
#include <system_error>

#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>

#include "adapters/http/problem.hpp"
#include "adapters/http/request_id.hpp"
#include "domain/common/text.hpp"
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

TEST_CASE("Server: a valid X-Request-Id is echoed and handed on, any other is replaced",
          "[http][server][request-id]") {
    // README "Logs": 1-128 visible ASCII characters are kept; otherwise a fresh id is used (not
    // a 400: a tracing header never makes a request fail). Refusals carry one too.
    std::mutex mutex;
    std::vector<std::string> observed;
    auto router = basic_router();
    router->add(bhttp::verb::get, "/id", [](Request request) -> asio::awaitable<Response> {
        Response response{bhttp::status::ok, request.version()};
        response.keep_alive(request.keep_alive());
        response.body() = request.request_id;
        co_return response;
    });
    ServerOptions options;
    options.header_limit = 2048;
    options.observer = [&](const RequestRecord& r) {
        const std::lock_guard lock(mutex);
        observed.emplace_back(r.request_id);
    };
    TestServer server(router, options);
    Client client(server.port());

    auto with_id = [](std::string_view target, std::string_view id) {
        auto request = make_request(bhttp::verb::get, target);
        request.set("X-Request-Id", id);
        return request;
    };
    const std::string longest(kMaxRequestIdLength, 'a');
    for (const std::string& id : {std::string("abc-123"), longest, std::string("{\"x\":\\}")}) {
        INFO(id);
        const auto response = client.send(with_id("/id", id));
        CHECK(std::string(response["X-Request-Id"]) == id);
        CHECK(response.body() == id);  // Request::request_id
    }
    std::vector<std::string> generated;
    for (const std::string& bad : {longest + "a", std::string("two words"),
                                   std::string("caf\xc3\xa9"), std::string("\t")}) {
        INFO(bad);
        const auto response = client.send(with_id("/id", bad));
        const std::string id(response["X-Request-Id"]);
        CHECK(id != bad);
        CHECK(is_valid_request_id(id));
        CHECK(response.body() == id);
        generated.push_back(id);
    }
    const auto plain = client.send(make_request(bhttp::verb::get, "/ping"));
    generated.emplace_back(plain["X-Request-Id"]);
    CHECK(is_valid_request_id(generated.back()));
    std::sort(generated.begin(), generated.end());
    CHECK(std::adjacent_find(generated.begin(), generated.end()) == generated.end());

    // Problems and refusals before routing carry it as well.
    CHECK(std::string(client.send(with_id("/nowhere", "r-404"))["X-Request-Id"]) == "r-404");
    CHECK(std::string(client.send(with_id("/boom", "r-500"))["X-Request-Id"]) == "r-500");
    auto big = with_id("/ping", "r-431");
    big.set("X-Padding", std::string(4096, 'p'));
    const auto refused = client.send(big);
    CHECK(refused.result() == bhttp::status::request_header_fields_too_large);
    CHECK(is_valid_request_id(std::string(refused["X-Request-Id"])));
    Client other(server.port());
    auto framed = with_id("/upload", "r-400");
    framed.set(bhttp::field::transfer_encoding, "gzip");
    const auto bad_framing = other.send(framed);
    CHECK(bad_framing.result() == bhttp::status::bad_request);
    CHECK(std::string(bad_framing["X-Request-Id"]) == "r-400");

    REQUIRE(eventually([&] {
        const std::lock_guard lock(mutex);
        return observed.size() >= 12;
    }));
    const std::lock_guard lock(mutex);
    CHECK(observed[0] == "abc-123");
    CHECK(std::count(observed.begin(), observed.end(), "r-400") == 1);
}

TEST_CASE("request ids: the validation rule and the generator", "[http][request-id]") {
    CHECK(is_valid_request_id("a"));
    CHECK(is_valid_request_id(std::string(kMaxRequestIdLength, '~')));
    CHECK_FALSE(is_valid_request_id(""));
    CHECK_FALSE(is_valid_request_id(std::string(kMaxRequestIdLength + 1, 'a')));
    CHECK_FALSE(is_valid_request_id("a b"));
    CHECK_FALSE(is_valid_request_id("a\nb"));
    CHECK_FALSE(is_valid_request_id(std::string_view("a\0b", 3)));
    CHECK_FALSE(is_valid_request_id("\x7f"));
    CHECK_FALSE(is_valid_request_id("\xc3\xa9"));
    CHECK(accept_request_id("kept") == "kept");
    const auto fresh = accept_request_id("not valid");
    CHECK(is_valid_request_id(fresh));
    CHECK(fresh != accept_request_id("not valid"));
    // One prefix per process, then a counter: same prefix, different ids.
    const auto a = new_request_id();
    const auto b = new_request_id();
    CHECK(a != b);
    CHECK(a.substr(0, 17) == b.substr(0, 17));
    CHECK(a.size() <= kMaxRequestIdLength);
}

TEST_CASE("Server: the observer sees each request once with its route template, not its path",
          "[http][server]") {
    struct Seen {
        std::string method;
        std::string route;
        unsigned status;
        std::size_t bytes;
        bool routed;
    };
    std::mutex mutex;
    std::vector<Seen> seen;
    auto router = basic_router();
    router->add(bhttp::verb::get, "/items/{id}", echo("item"));
    ServerOptions options;
    options.header_limit = 2048;
    options.observer = [&](const RequestRecord& r) {
        const std::lock_guard lock(mutex);
        seen.push_back({std::string(r.method), std::string(r.route), r.status, r.body_bytes,
                        r.routed});
    };
    TestServer server(router, options);
    Client client(server.port());
    CHECK(client.send(make_request(bhttp::verb::get, "/items/42")).result() == bhttp::status::ok);
    CHECK(client.send(make_request(bhttp::verb::get, "/nowhere")).result() ==
          bhttp::status::not_found);
    CHECK(client.send(make_request(bhttp::verb::delete_, "/ping")).result() ==
          bhttp::status::method_not_allowed);
    auto big = make_request(bhttp::verb::get, "/ping");
    big.set("X-Padding", std::string(4096, 'p'));
    CHECK(client.send(big).result() == bhttp::status::request_header_fields_too_large);
    REQUIRE(eventually([&] {
        const std::lock_guard lock(mutex);
        return seen.size() >= 4;
    }));
    const std::lock_guard lock(mutex);
    REQUIRE(seen.size() == 4);
    CHECK(seen[0].method == "GET");
    CHECK(seen[0].route == "/items/{id}");
    CHECK(seen[0].status == 200);
    CHECK(seen[0].bytes > 0);
    CHECK(seen[0].routed);
    CHECK(seen[1].route.empty());
    CHECK(seen[1].status == 404);
    CHECK(seen[2].method == "DELETE");
    CHECK(seen[2].route == "/ping");
    CHECK(seen[2].status == 405);
    CHECK(seen[3].route.empty());
    CHECK(seen[3].status == 431);
    CHECK_FALSE(seen[3].routed);
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

TEST_CASE(
    "Server: after stop() a kept-alive connection may still send its next request within "
    "drain_idle and is answered with Connection: close, not reset",
    "[http][server][drain]") {
    ServerOptions options;
    options.drain_idle = std::chrono::milliseconds(30000);  // the test sends well within it
    TestServer server(basic_router(), options);
    Client client(server.port());
    CHECK(client.send(make_request(bhttp::verb::get, "/ping")).result() == bhttp::status::ok);

    server.server().stop();
    CHECK(eventually([&] { return Client(server.port()).error().failed(); }));  // not accepting
    // A client under load sends its next request right after a response: it must not be lost.
    const auto response = client.send(make_request(bhttp::verb::get, "/ping"));
    CHECK(response.result() == bhttp::status::ok);
    CHECK_FALSE(response.keep_alive());
    CHECK(client.closed_by_peer());
    CHECK(eventually([&] { return server.server().active_connections() == 0; }));
}

TEST_CASE("Server: open_listener with reuse_port lets two sockets share a port, without it the "
          "second bind fails",
          "[http][server][listen]") {
    const int first = open_listener("127.0.0.1", 0, true);
    TestServer server(basic_router(), [first] {
        ServerOptions o;
        o.listen_fd = first;  // adopted: address and port are ignored
        return o;
    }());
    const auto port = server.port();
    REQUIRE(port != 0);
    CHECK(Client(port).send(make_request(bhttp::verb::get, "/ping")).result() ==
          bhttp::status::ok);
    const int second = open_listener("127.0.0.1", port, true);
    CHECK(second >= 0);
    ::close(second);
    CHECK_THROWS_AS(open_listener("127.0.0.1", port, false), std::system_error);
}

}  // namespace mb::adapters::http::test

namespace mb::adapters::http::test {

TEST_CASE(
    "Server: a Transfer-Encoding other than chunked answers 400 and closes before the body is "
    "read (RFC 9112 6.1, 6.3: no request smuggling)",
    "[http][server][framing]") {
    TestServer server(basic_router());
    const std::string second = "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n";
    for (const std::string framing : {
             "Transfer-Encoding: gzip\r\n",
             "Transfer-Encoding: identity\r\n",
             "Transfer-Encoding: chunked, gzip\r\n",
             "Transfer-Encoding: gzip, chunked\r\n",
             "Transfer-Encoding: chunked, chunked\r\n",
             "Transfer-Encoding: x-unknown\r\n",
             "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",
             "Transfer-Encoding: gzip\r\nContent-Length: 4\r\n",
             "Content-Length: 4\r\nTransfer-Encoding: chunked\r\n",
             "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n",
         }) {
        INFO(framing);
        Client client(server.port());
        const auto response = client.send_raw("POST /upload HTTP/1.1\r\nHost: x\r\n" + framing +
                                              "\r\n" + "0\r\n\r\n" + second);
        REQUIRE_FALSE(client.error());
        check_problem(response, bhttp::status::bad_request);
        CHECK_FALSE(response.keep_alive());
        CHECK(client.closed_by_peer());  // exactly one response: the second request is not run
    }
}

TEST_CASE("Server: Transfer-Encoding in an HTTP/1.0 request answers 400 and closes",
          "[http][server][framing]") {
    TestServer server(basic_router());
    Client client(server.port());
    const auto response = client.send_raw(
        "POST /upload HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n"
        "4\r\nGET \r\n0\r\n\r\nGET /ping HTTP/1.0\r\n\r\n");
    REQUIRE_FALSE(client.error());
    check_problem(response, bhttp::status::bad_request);
    CHECK(response.version() == 10);
    CHECK(client.closed_by_peer());
}

TEST_CASE("Server: a chunked request body is still accepted and the connection goes on",
          "[http][server][framing]") {
    TestServer server(basic_router());
    Client client(server.port());
    const auto response = client.send_raw(
        "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n"
        "5\r\nhello\r\n0\r\n\r\n");
    CHECK(response.result() == bhttp::status::ok);
    CHECK(client.send(make_request(bhttp::verb::get, "/ping")).result() == bhttp::status::ok);
}

}  // namespace mb::adapters::http::test

namespace mb::adapters::http::test {
namespace {

/// A router whose /base answers the request's base_url, /etag sets its own validator and
/// /cached its own Cache-Control, and /echo/{x} echoes a captured segment.
std::shared_ptr<Router> header_router() {
    auto router = basic_router();
    router->add(bhttp::verb::get, "/base", [](Request request) -> asio::awaitable<Response> {
        co_return json_response(request, bhttp::status::ok, value{{"base", request.base_url}});
    });
    router->add(bhttp::verb::get, "/etag", [](Request request) -> asio::awaitable<Response> {
        auto response = json_response(request, bhttp::status::ok, value{{"v", 1}});
        response.set(bhttp::field::etag, "\"1\"");
        co_return response;
    });
    router->add(bhttp::verb::get, "/cached", [](Request request) -> asio::awaitable<Response> {
        auto response = json_response(request, bhttp::status::ok, value{{"v", 1}});
        response.set(bhttp::field::cache_control, "public, max-age=60");
        co_return response;
    });
    router->add(bhttp::verb::get, "/echo/{x}", [](Request request) -> asio::awaitable<Response> {
        co_return json_response(request, bhttp::status::ok, value{{"x", request.path_params.at(0)}},
                                "application/json");
    });
    return router;
}

void check_security_headers(const ClientResponse& response, std::string_view cache_control) {
    CHECK(response["X-Content-Type-Options"] == "nosniff");
    CHECK(response["Referrer-Policy"] == "no-referrer");
    CHECK(response["X-Frame-Options"] == "DENY");
    CHECK(response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'");
    CHECK(response[bhttp::field::cache_control] == cache_control);
}

}  // namespace

TEST_CASE(
    "Server: HTTP/1.1 without Host, with two, or with a malformed one is 400 + close "
    "(RFC 9112 3.2)",
    "[http][server][host]") {
    TestServer server(header_router());
    for (const std::string& host : {
             std::string(),  // none
             std::string("Host: a\r\nHost: a\r\n"),
             std::string("Host: \r\n"),
             std::string("Host: user@example.com\r\n"),
             std::string("Host: example.com/path\r\n"),
             std::string("Host: example.com:99999\r\n"),
             std::string("Host: example.com:\r\n"),
             std::string("Host: exa mple.com\r\n"),
             std::string("Host: exa%41mple.com\r\n"),
             std::string("Host: \"><script>\r\n"),
             std::string("Host: [::1\r\n"),
             std::string("Host: example.com:80:80\r\n"),
         }) {
        INFO(host);
        Client client(server.port());
        const auto response = client.send_raw("GET /base HTTP/1.1\r\n" + host +
                                              "\r\nGET /ping HTTP/1.1\r\nHost: x\r\n\r\n");
        REQUIRE_FALSE(client.error());
        check_problem(response, bhttp::status::bad_request);
        CHECK(client.closed_by_peer());
    }
}

TEST_CASE("Server: a valid Host builds the links and HTTP/1.0 may omit it",
          "[http][server][host]") {
    TestServer server(header_router());
    for (const auto* host : {"localhost:8088", "example.com", "127.0.0.1:1", "[::1]:8088",
                             "tickets.example-1.co_x~y:0"}) {
        INFO(host);
        Client client(server.port());
        auto request = make_request(bhttp::verb::get, "/base");
        request.set(bhttp::field::host, host);
        const auto response = client.send(request);
        CHECK(response.result() == bhttp::status::ok);
        CHECK(json_of(response).at("base") == value(std::string("http://") + host));
    }
    Client client(server.port());
    const auto response = client.send_raw("GET /base HTTP/1.0\r\n\r\n");
    CHECK(json_of(response).at("base") ==
          value("http://127.0.0.1:" + std::to_string(server.port())));
}

TEST_CASE("Server: public_url replaces the Host in every link and a malformed one is refused",
          "[http][server][host]") {
    ServerOptions options;
    options.public_url = "HTTPS://Tickets.Example.com/";
    TestServer server(header_router(), options);
    Client client(server.port());
    CHECK(json_of(client.send(make_request(bhttp::verb::get, "/base"))).at("base") ==
          "https://tickets.example.com");
    CHECK(json_of(client.send_raw("GET /base HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"))
              .at("base") == "https://tickets.example.com");

    for (const auto* bad :
         {"ftp://example.com", "https://", "https://u@example.com", "https://example.com/api",
          "https://example.com?x=1", "https://example.com#top", "example.com",
          "https://example.com:70000", "https://exa mple.com"}) {
        INFO(bad);
        ServerOptions wrong;
        wrong.public_url = bad;
        asio::io_context io_context;
        CHECK_THROWS_AS(Server(io_context, wrong, basic_router()), std::invalid_argument);
    }
    ServerOptions wrong_origin;
    wrong_origin.cors_origins = {"https://app.example.com/"};
    CHECK_THROWS_AS(Exchange(wrong_origin, basic_router()), std::invalid_argument);
}

TEST_CASE("Server: every JSON body is valid UTF-8, whatever bytes the path or query decode to",
          "[http][server][utf8]") {
    TestServer server(header_router());
    Client client(server.port());
    const std::string fffd = "\xEF\xBF\xBD";
    for (const auto* target : {"/%ff", "/books/%ff", "/mypages/%e2%82", "/ping/%c0%af?x=%ff"}) {
        INFO(target);
        const auto response = client.send(make_request(bhttp::verb::get, target));
        CHECK(response.result() == bhttp::status::not_found);
        CHECK(mb::domain::is_utf8(response.body()));
        CHECK(json_of(response).at("instance").as_string().find(fffd) != std::string::npos);
    }
    const auto echoed = client.send(make_request(bhttp::verb::get, "/echo/a%ffb"));
    CHECK(echoed.result() == bhttp::status::ok);
    CHECK(json_of(echoed).at("x") == value("a" + fffd + "b"));
    CHECK(echoed[bhttp::field::content_length] == std::to_string(echoed.body().size()));
}

TEST_CASE("Server: security headers are on every response, problems and 304-style ones too",
          "[http][server][headers]") {
    TestServer server(header_router());
    Client client(server.port());
    check_security_headers(client.send(make_request(bhttp::verb::get, "/ping")), "no-store");
    check_security_headers(client.send(make_request(bhttp::verb::get, "/nowhere")), "no-store");
    check_security_headers(client.send(make_request(bhttp::verb::delete_, "/ping")), "no-store");
    check_security_headers(client.send(make_request(bhttp::verb::options, "/ping")), "no-store");
    check_security_headers(client.send(make_request(bhttp::verb::get, "/boom")), "no-store");
    check_security_headers(client.send(make_request(bhttp::verb::get, "/bare")), "no-store");
    check_security_headers(client.send(make_request(bhttp::verb::get, "/etag")), "no-cache");
    check_security_headers(client.send(make_request(bhttp::verb::get, "/cached")),
                           "public, max-age=60");
    Client rejected(server.port());
    check_security_headers(rejected.send_raw("GET /ping HTTP/1.1\r\n\r\n"), "no-store");
    Client malformed(server.port());
    check_security_headers(malformed.send_raw("GET /ping HTTP/9.9\r\nHost: x\r\n\r\n"), "no-store");
}

TEST_CASE("Server: CORS is off by default and answers only the configured origins",
          "[http][server][cors]") {
    const auto preflight = [](std::string_view origin) {
        auto request = make_request(bhttp::verb::options, "/upload");
        request.set(bhttp::field::origin, origin);
        request.set(bhttp::field::access_control_request_method, "POST");
        return request;
    };
    const auto cors_headers = [](const ClientResponse& response) {
        int n = 0;
        for (const auto& field : response) {
            const auto name = field.name_string();
            n += std::string_view(name.data(), name.size()).rfind("Access-Control-", 0) == 0;
        }
        return n;
    };
    {
        TestServer off(header_router());
        Client client(off.port());
        const auto response = client.send(preflight("https://app.example.com"));
        CHECK(response.result() == bhttp::status::no_content);
        CHECK(cors_headers(response) == 0);
    }
    ServerOptions options;
    options.cors_origins = {"https://app.example.com", "http://localhost:3000"};
    TestServer server(header_router(), options);
    Client client(server.port());

    auto response = client.send(preflight("https://app.example.com"));
    CHECK(response.result() == bhttp::status::no_content);
    CHECK(response[bhttp::field::access_control_allow_origin] == "https://app.example.com");
    CHECK(response[bhttp::field::vary] == "Origin");
    CHECK(response[bhttp::field::access_control_allow_methods] == response[bhttp::field::allow]);
    CHECK(response[bhttp::field::access_control_allow_methods] == "POST, OPTIONS");
    CHECK(response[bhttp::field::access_control_allow_headers] ==
          "Authorization, Content-Type, If-None-Match, X-Request-Id");
    CHECK(response[bhttp::field::access_control_max_age] == "600");

    auto get = make_request(bhttp::verb::get, "/ping");
    get.set(bhttp::field::origin, "http://localhost:3000");
    response = client.send(get);
    CHECK(response[bhttp::field::access_control_allow_origin] == "http://localhost:3000");
    CHECK(response[bhttp::field::vary] == "Origin");
    CHECK(response.find(bhttp::field::access_control_allow_methods) == response.end());
    // A browser script may read the request id (to quote it in a support ticket).
    CHECK(response[bhttp::field::access_control_expose_headers] ==
          "Location, ETag, Retry-After, X-Request-Id");

    for (const auto* other : {"https://evil.example.com", "https://app.example.com.evil.com",
                              "http://app.example.com", "null"}) {
        INFO(other);
        CHECK(cors_headers(client.send(preflight(other))) == 0);
        get.set(bhttp::field::origin, other);
        CHECK(cors_headers(client.send(get)) == 0);
    }
    CHECK(cors_headers(client.send(make_request(bhttp::verb::get, "/ping"))) == 0);  // no Origin
}

TEST_CASE("Exchange: the same bytes get the same answers as over a real socket",
          "[http][server][exchange]") {
    ServerOptions options;
    options.port = 0;
    auto router = header_router();
    const Exchange exchange(options, router);
    TestServer server(router, options);
    // The port appears in links only for HTTP/1.0 without Host, which these inputs avoid.
    for (const std::string& bytes : {
             std::string("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"
                         "GET /base HTTP/1.1\r\nHost: h:1\r\n\r\n"
                         "GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                         "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"),
             std::string("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"
                         "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n"),
             std::string("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "3\r\nabc\r\n0\r\n\r\nGET /%ff HTTP/1.1\r\nHost: x\r\n\r\n"),
             std::string("GET /ping HTTP/1.1\r\n\r\n"),
             std::string("GET /ping HTTP/1.1\r\nHost: x\r\n\r\nGET /pi"),  // cut off: no answer
             std::string("garbage\r\n\r\n"),
         }) {
        INFO(bytes);
        const auto in_memory = exchange.answer_now(bytes);
        std::string over_socket;
        {
            asio::io_context io_context;
            tcp::socket socket(io_context);
            socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), server.port()));
            asio::write(socket, asio::buffer(bytes));
            socket.shutdown(tcp::socket::shutdown_send);
            boost::system::error_code ec;
            std::array<char, 4096> chunk{};
            for (;;) {
                const auto n = socket.read_some(asio::buffer(chunk), ec);
                over_socket.append(chunk.data(), n);
                if (ec) {
                    break;
                }
            }
        }
        // Every response has a request id; the generated ones differ between the two runs.
        static const std::regex kRequestId("X-Request-Id: [!-~]{1,128}\r\n");
        CHECK(std::distance(std::sregex_iterator(in_memory.begin(), in_memory.end(), kRequestId),
                            std::sregex_iterator()) ==
              std::distance(std::sregex_iterator(over_socket.begin(), over_socket.end(), kRequestId),
                            std::sregex_iterator()));
        CHECK(std::regex_replace(in_memory, kRequestId, "") ==
              std::regex_replace(over_socket, kRequestId, ""));
    }
    // answer_bytes borrows the router and gives the same answer.
    const std::string ping = "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n";
    asio::io_context io_context;
    auto answered =
        asio::co_spawn(io_context, answer_bytes(options, *router, ping), asio::use_future);
    io_context.run();
    const auto text = answered.get();
    static const std::regex kRequestId("X-Request-Id: [^\r]*\r\n");
    CHECK(std::regex_replace(text, kRequestId, "") ==
          std::regex_replace(exchange.answer_now(ping), kRequestId, ""));
    CHECK(text.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
}

}  // namespace mb::adapters::http::test

namespace mb::adapters::http::test {

TEST_CASE("Exchange: mutated requests get only well-formed answers, never a 500",
          "[http][server][exchange]") {
    const Exchange exchange(ServerOptions{}, header_router());
    const std::vector<std::string> seeds = {
        "GET /ping HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
        "chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
        "GET /echo/%e2%82?q=%ff HTTP/1.0\r\n\r\n",
    };
    std::uint32_t state = 12345;  // a fixed LCG: the same inputs on every run
    const auto next = [&state] {
        state = state * 1103515245U + 12345U;
        return state >> 8;
    };
    for (int round = 0; round < 400; ++round) {
        std::string bytes = seeds[next() % seeds.size()];
        for (int edits = 1 + static_cast<int>(next() % 4); edits > 0; --edits) {
            const auto at = next() % bytes.size();
            switch (next() % 3) {
                case 0:
                    bytes[at] = static_cast<char>(next() & 0xFFU);
                    break;
                case 1:
                    bytes.erase(at, 1);
                    break;
                default:
                    bytes.insert(at, 1, static_cast<char>(next() & 0xFFU));
            }
            if (bytes.empty()) {
                bytes = "x";
            }
        }
        INFO(bytes);
        const auto answer = exchange.answer_now(bytes);
        beast::error_code ec;
        std::string_view rest = answer;
        while (!rest.empty()) {
            bhttp::response_parser<bhttp::string_body> one;
            std::size_t used = 0;
            while (!one.is_done()) {
                const auto n = one.put(asio::buffer(rest.data() + used, rest.size() - used), ec);
                used += n;
                if (ec == bhttp::error::need_more || n == 0) {
                    break;
                }
                REQUIRE_FALSE(ec);
            }
            REQUIRE(one.is_done());
            rest.remove_prefix(used);
            const auto& response = one.get();
            CHECK(response.result_int() < 500);
            CHECK(response["X-Content-Type-Options"] == "nosniff");
            if (response.result_int() >= 400) {
                CHECK(response[bhttp::field::content_type] == "application/problem+json");
                CHECK(mb::domain::is_utf8(response.body()));
                CHECK_NOTHROW(boost::json::parse(response.body()));
            }
        }
    }
}

}  // namespace mb::adapters::http::test
