// The Server's overload and abuse limits over a real socket (README "Operating" > "Limits"):
// slow-loris headers, header count, connection cap, the per-client write rate limit (on an
// injected clock) and the in-flight cap with handlers held on a latch. Every client operation
// has a deadline (http_test_support.hpp).
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <catch2/catch.hpp>

#include "http_test_support.hpp"

namespace mb::adapters::http::test {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<Router> limits_router() {
    auto router = std::make_shared<Router>();
    router->add(bhttp::verb::get, "/ping", echo("ping"));
    router->add(bhttp::verb::post, "/books", echo("book"));
    router->add(bhttp::verb::get, "/actuator/health", echo("health"));
    return router;
}

void check_problem(const ClientResponse& response, bhttp::status status) {
    CHECK(response.result() == status);
    CHECK(response[bhttp::field::content_type] == "application/problem+json");
    const auto body = json_of(response);
    CHECK(body.at("status") == static_cast<int>(status));
}

/// A time source the test moves; read from the server's threads.
struct ManualClock {
    std::atomic<std::chrono::steady_clock::rep> ticks{
        std::chrono::steady_clock::duration(1h).count()};
    SteadyClock source() {
        return [this] {
            return std::chrono::steady_clock::time_point(
                std::chrono::steady_clock::duration(ticks.load()));
        };
    }
    void advance(std::chrono::steady_clock::duration by) { ticks += by.count(); }
};

/// A raw connection that sends bytes and tells, without waiting, whether the server closed it.
class RawConnection {
public:
    explicit RawConnection(std::uint16_t port) : socket_(io_context_) {
        socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
        socket_.non_blocking(true);
    }
    /// False when the write fails (the server has closed the connection).
    bool send(std::string_view bytes) {
        boost::system::error_code ec;
        asio::write(socket_, asio::buffer(bytes), ec);
        return !ec;
    }
    /// True once the server closed its side; `received` gets any bytes it sent.
    bool closed(std::string& received) {
        std::array<char, 512> scratch{};
        for (;;) {
            boost::system::error_code ec;
            const auto n = socket_.read_some(asio::buffer(scratch), ec);
            if (ec == asio::error::would_block) {
                return false;
            }
            if (ec) {
                return true;  // EOF or reset
            }
            received.append(scratch.data(), n);
        }
    }

private:
    asio::io_context io_context_;
    tcp::socket socket_;
};

}  // namespace

TEST_CASE("Limits: a slow-loris header is dropped after header_timeout while others are served",
          "[http][limits]") {
    ServerOptions options;
    options.header_timeout = 300ms;
    options.read_timeout = 60s;  // longer than the test's deadline: only the header timeout
    options.idle_timeout = 60s;  // can close the slow connection in time
    TestServer server(limits_router(), options);
    Client normal(server.port());

    RawConnection slow(server.port());
    const std::string trickle = "GET /ping HTTP/1.1\r\nHost: x\r\nX-Slow: " + std::string(200, 'a');
    std::string received;
    bool dropped = false;
    int served = 0;
    const auto deadline = std::chrono::steady_clock::now() + kDeadline;
    for (std::size_t i = 0; i < trickle.size() && std::chrono::steady_clock::now() < deadline;
         ++i) {
        if (!slow.send(trickle.substr(i, 1)) || slow.closed(received)) {
            dropped = true;
            break;
        }
        // Meanwhile a normal client is answered at once, request after request.
        CHECK(normal.send(make_request(bhttp::verb::get, "/ping")).result() == bhttp::status::ok);
        ++served;
        // One header byte every 100 ms: the slow client's pace, not a wait for the server.
        asio::io_context pace;
        asio::steady_timer timer(pace, 100ms);
        timer.wait();
    }
    CHECK(dropped);
    CHECK(received.empty());  // closed without an answer
    CHECK(served >= 2);       // it trickled for a while, and others were served meanwhile
    CHECK(normal.send(make_request(bhttp::verb::get, "/ping")).result() == bhttp::status::ok);
}

TEST_CASE("Limits: a new connection that sends nothing is closed after header_timeout",
          "[http][limits]") {
    ServerOptions options;
    options.header_timeout = 200ms;
    options.idle_timeout = 60s;
    TestServer server(limits_router(), options);
    Client silent(server.port());
    CHECK(silent.closed_by_peer());
    // A kept-alive connection after its first request waits idle_timeout, not header_timeout:
    Client client(server.port());
    CHECK(client.send(make_request(bhttp::verb::get, "/ping")).result() == bhttp::status::ok);
    CHECK(eventually([&] { return server.server().active_connections() == 1; }));
}

TEST_CASE("Limits: more than max_header_count header fields answer 431 problem and close",
          "[http][limits]") {
    ServerOptions options;
    options.max_header_count = 5;
    TestServer server(limits_router(), options);
    {
        Client client(server.port());
        auto request = make_request(bhttp::verb::get, "/ping");  // Host
        for (int i = 0; i < 4; ++i) {
            request.insert("X-Field-" + std::to_string(i), "v");
        }
        CHECK(client.send(request).result() == bhttp::status::ok);  // exactly 5: fine
    }
    Client client(server.port());
    auto request = make_request(bhttp::verb::get, "/ping");
    for (int i = 0; i < 10; ++i) {
        request.insert("X-Field-" + std::to_string(i), "v");
    }
    const auto response = client.send(request);
    REQUIRE_FALSE(client.error());
    check_problem(response, bhttp::status::request_header_fields_too_large);
    CHECK(json_of(response).at("detail") == "request has more than 5 header fields");
    CHECK(client.closed_by_peer());
}

TEST_CASE("Limits: beyond max_connections a connection is closed unanswered, until one frees",
          "[http][limits]") {
    ServerOptions options;
    options.max_connections = 2;
    TestServer server(limits_router(), options);
    std::optional<Client> first(std::in_place, server.port());
    Client second(server.port());
    CHECK(first->send(make_request(bhttp::verb::get, "/ping")).result() == bhttp::status::ok);
    CHECK(second.send(make_request(bhttp::verb::get, "/ping")).result() == bhttp::status::ok);
    {
        Client third(server.port());
        CHECK(third.closed_by_peer());
    }
    first.reset();
    REQUIRE(eventually([&] { return server.server().active_connections() == 1; }));
    Client fourth(server.port());
    CHECK(fourth.send(make_request(bhttp::verb::get, "/ping")).result() == bhttp::status::ok);
}

TEST_CASE("Limits: writes over a client's rate answer 429 with Retry-After, then refill",
          "[http][limits]") {
    ManualClock clock;
    ServerOptions options;
    options.write_rate_limit = {0.5, 2.0, 1000};  // a token every 2 s, 2 at once
    options.clock = clock.source();
    TestServer server(limits_router(), options);
    Client client(server.port());
    const auto book = make_request(bhttp::verb::post, "/books", "{}", "application/json");

    CHECK(client.send(book).result() == bhttp::status::ok);
    CHECK(client.send(book).result() == bhttp::status::ok);
    auto limited = client.send(book);
    REQUIRE_FALSE(client.error());
    check_problem(limited, bhttp::status::too_many_requests);
    CHECK(limited[bhttp::field::retry_after] == "2");
    CHECK(limited.keep_alive());
    // Reads are not limited, and the connection goes on.
    CHECK(client.send(make_request(bhttp::verb::get, "/ping")).result() == bhttp::status::ok);

    clock.advance(1500ms);  // 0.75 of a token: 0.5 s to go, rounded up
    limited = client.send(book);
    CHECK(limited.result() == bhttp::status::too_many_requests);
    CHECK(limited[bhttp::field::retry_after] == "1");
    clock.advance(500ms);
    CHECK(client.send(book).result() == bhttp::status::ok);
    CHECK(client.send(book).result() == bhttp::status::too_many_requests);

    // The bucket is per client address, not per connection.
    Client other_connection(server.port());
    CHECK(other_connection.send(book).result() == bhttp::status::too_many_requests);
}

TEST_CASE("Limits: X-Forwarded-For names the client only behind a trusted proxy",
          "[http][limits]") {
    ManualClock clock;
    ServerOptions options;
    options.write_rate_limit = {1.0, 1.0, 1000};
    options.clock = clock.source();
    const auto from = [](const char* client) {
        auto request = make_request(bhttp::verb::post, "/books", "{}", "application/json");
        request.set("X-Forwarded-For", client);
        return request;
    };
    SECTION("untrusted peer: the header is ignored, one bucket for the peer") {
        TestServer server(limits_router(), options);
        Client client(server.port());
        CHECK(client.send(from("198.51.100.1")).result() == bhttp::status::ok);
        CHECK(client.send(from("198.51.100.2")).result() == bhttp::status::too_many_requests);
    }
    SECTION("trusted proxy: one bucket per forwarded client") {
        options.trusted_proxies = {"127.0.0.0/8"};
        TestServer server(limits_router(), options);
        Client client(server.port());
        CHECK(client.send(from("198.51.100.1")).result() == bhttp::status::ok);
        CHECK(client.send(from("198.51.100.2")).result() == bhttp::status::ok);
        CHECK(client.send(from("198.51.100.1")).result() == bhttp::status::too_many_requests);
    }
}

TEST_CASE("Limits: beyond max_in_flight a request is shed with 503, /actuator still answers",
          "[http][limits]") {
    // Handlers of /slow hold their slot until the test opens the latch.
    struct Latch {
        std::atomic<int> entered{0};
        std::atomic<bool> open{false};
    };
    auto latch = std::make_shared<Latch>();
    auto router = limits_router();
    router->add(bhttp::verb::get, "/slow", [latch](Request request) -> asio::awaitable<Response> {
        ++latch->entered;
        asio::steady_timer timer(co_await asio::this_coro::executor);
        while (!latch->open.load()) {
            timer.expires_after(1ms);
            co_await timer.async_wait(asio::use_awaitable);
        }
        co_return json_response(request, bhttp::status::ok, boost::json::object{{"slow", true}},
                                "application/json");
    });
    ServerOptions options;
    options.max_in_flight = 1;
    TestServer server(router, options);

    auto held = std::async(std::launch::async, [port = server.port()] {
        Client client(port);
        return client.send(make_request(bhttp::verb::get, "/slow")).result();
    });
    REQUIRE(eventually([&] { return latch->entered.load() == 1; }));

    Client client(server.port());
    const auto shed = client.send(make_request(bhttp::verb::get, "/ping"));
    REQUIRE_FALSE(client.error());
    check_problem(shed, bhttp::status::service_unavailable);
    CHECK(shed[bhttp::field::retry_after] == "1");
    CHECK(shed.keep_alive());
    CHECK(client.send(make_request(bhttp::verb::get, "/actuator/health")).result() ==
          bhttp::status::ok);

    latch->open = true;
    CHECK(held.get() == bhttp::status::ok);
    CHECK(client.send(make_request(bhttp::verb::get, "/ping")).result() == bhttp::status::ok);
}

TEST_CASE("Limits: a malformed trusted proxy or a negative rate is refused at construction",
          "[http][limits]") {
    ServerOptions options;
    options.trusted_proxies = {"not-an-address"};
    CHECK_THROWS_AS(Exchange(options, limits_router()), std::invalid_argument);
    options.trusted_proxies.clear();
    options.write_rate_limit.per_second = -1;
    CHECK_THROWS_AS(Exchange(options, limits_router()), std::invalid_argument);
}

}  // namespace mb::adapters::http::test
