// Event streams (Router::add_stream) on a real Server: the head and events as a client reads
// them, heartbeats, the stream caps (429 / 503), the in-flight cap not counting streams, the
// end of a stream on stop(), and the request observer's one record per stream.
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "adapters/http/event_stream.hpp"
#include "adapters/http/problem.hpp"
#include "http_test_support.hpp"

namespace mb::adapters::http::test {
namespace {

using namespace std::chrono_literals;

/// The sinks the /events handler opened, for the test to push into.
struct Feed {
    std::mutex mutex;
    std::vector<std::shared_ptr<EventSink>> sinks;
    std::atomic<int> released{0};  ///< keep_alive objects destroyed (streams unsubscribed)

    std::shared_ptr<EventSink> sink(std::size_t i) {
        const std::lock_guard lock(mutex);
        return i < sinks.size() ? sinks[i] : nullptr;
    }
    std::size_t size() {
        const std::lock_guard lock(mutex);
        return sinks.size();
    }
};

std::shared_ptr<Router> stream_router(const std::shared_ptr<Feed>& feed) {
    auto router = std::make_shared<Router>();
    router->add_stream(
        "/events/{topic}",
        [feed](Request request, std::shared_ptr<EventSink> sink) -> asio::awaitable<StreamOpening> {
            if (request.path_params[0] == "missing") {
                co_return StreamOpening{problem(request, bhttp::status::not_found, "no topic"),
                                        nullptr};
            }
            sink->push(format_event("hello", request.path_params[0], "1"));
            {
                const std::lock_guard lock(feed->mutex);
                feed->sinks.push_back(sink);
            }
            // Stands for a bus subscription: counts its release.
            auto keep = std::shared_ptr<void>(nullptr, [feed](void*) { ++feed->released; });
            co_return StreamOpening{std::nullopt, std::move(keep)};
        },
        Access::kPublic);
    router->add(bhttp::verb::get, "/ping", [](Request request) -> asio::awaitable<Response> {
        co_return json_response(request, bhttp::status::ok, boost::json::object{{"pong", true}},
                                "application/json");
    });
    return router;
}

/// A raw client that sends a request and reads the stream's bytes as they come.
class StreamClient {
public:
    StreamClient(std::uint16_t port, std::string_view target) : stream_(io_context_) {
        stream_.expires_after(kDeadline);
        boost::system::error_code ec;
        stream_.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                              [&ec](boost::system::error_code e) { ec = e; });
        run();
        REQUIRE_FALSE(ec);
        const std::string request = "GET " + std::string(target) +
                                    " HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n";
        asio::async_write(stream_, asio::buffer(request),
                          [&ec](boost::system::error_code e, std::size_t) { ec = e; });
        run();
        REQUIRE_FALSE(ec);
    }

    /// Reads until `text` has arrived (true) or the deadline passes / the peer closes (false).
    bool read_until(std::string_view text) {
        const auto until = std::chrono::steady_clock::now() + kDeadline;
        while (received_.find(text) == std::string::npos) {
            if (closed_ || std::chrono::steady_clock::now() > until) {
                return false;
            }
            read_some();
        }
        return true;
    }
    /// Reads until the server closes the connection (true) or the deadline passes.
    bool read_to_end() {
        const auto until = std::chrono::steady_clock::now() + kDeadline;
        while (!closed_) {
            if (std::chrono::steady_clock::now() > until) {
                return false;
            }
            read_some();
        }
        return true;
    }
    [[nodiscard]] const std::string& received() const { return received_; }

private:
    void read_some() {
        std::array<char, 4096> scratch{};
        boost::system::error_code ec;
        std::size_t n = 0;
        stream_.expires_after(kDeadline);
        stream_.async_read_some(asio::buffer(scratch), [&](boost::system::error_code e,
                                                           std::size_t got) {
            ec = e;
            n = got;
        });
        run();
        received_.append(scratch.data(), n);
        if (ec) {
            closed_ = true;
        }
    }
    void run() {
        io_context_.restart();
        io_context_.run();
    }

    asio::io_context io_context_;
    beast::tcp_stream stream_;
    std::string received_;
    bool closed_ = false;
};

}  // namespace

TEST_CASE("Event stream: format_event frames id, event and one data line per line",
          "[http][stream]") {
    CHECK(format_event("seat", "{\"a\":1}", "7") == "id: 7\nevent: seat\ndata: {\"a\":1}\n\n");
    CHECK(format_event("", "one\ntwo\r\nthree") == "data: one\ndata: two\ndata: three\n\n");
    // An id or event name with a line break would inject fields: it is dropped.
    CHECK(format_event("x\ny", "d", "1\n2") == "data: d\n\n");
}

TEST_CASE("Event stream: the sink ends a client too slow to follow", "[http][stream]") {
    EventSink sink(2);
    CHECK(sink.push("a"));
    CHECK(sink.push("b"));
    CHECK_FALSE(sink.push("c"));
    CHECK(sink.closed());
    bool closed = false;
    CHECK(sink.take(&closed).size() == 2);
    CHECK(closed);
}

TEST_CASE("Event stream: head, the handler's first event, pushed events, then the end",
          "[http][stream]") {
    auto feed = std::make_shared<Feed>();
    std::mutex records_mutex;
    std::vector<std::pair<std::string, std::size_t>> records;
    ServerOptions options;
    options.observer = [&](const RequestRecord& record) {
        const std::lock_guard lock(records_mutex);
        records.emplace_back(std::string(record.route), record.body_bytes);
    };
    TestServer server(stream_router(feed), options);
    StreamClient client(server.port(), "/events/news");
    REQUIRE(client.read_until("data: news\n\n"));
    const auto& head = client.received();
    CHECK(head.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(head.find("Content-Type: text/event-stream\r\n") != std::string::npos);
    CHECK(head.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
    CHECK(head.find("Cache-Control: no-store\r\n") != std::string::npos);
    CHECK(head.find("Content-Length") == std::string::npos);
    CHECK(head.find("id: 1\nevent: hello\n") != std::string::npos);

    REQUIRE(eventually([&] { return feed->size() == 1; }));
    CHECK(feed->sink(0)->push(format_event("update", "second", "2")));
    REQUIRE(client.read_until("id: 2\nevent: update\ndata: second\n\n"));
    feed->sink(0)->close();
    REQUIRE(client.read_to_end());
    CHECK(client.received().find("\r\n0\r\n\r\n") != std::string::npos);  // the last chunk
    REQUIRE(eventually([&] { return feed->released.load() == 1; }));
    REQUIRE(eventually([&] {
        const std::lock_guard lock(records_mutex);
        return records.size() == 1;
    }));
    const std::lock_guard lock(records_mutex);
    CHECK(records[0].first == "/events/{topic}");
    CHECK(records[0].second > 0);
}

TEST_CASE("Event stream: a refusal of the handler is an ordinary response", "[http][stream]") {
    auto feed = std::make_shared<Feed>();
    TestServer server(stream_router(feed));
    Client client(server.port());
    const auto response = client.send(make_request(bhttp::verb::get, "/events/missing"));
    REQUIRE_FALSE(client.error());
    CHECK(response.result() == bhttp::status::not_found);
    CHECK(response[bhttp::field::content_type] == "application/problem+json");
    // HEAD answers the head without opening a stream.
    const auto head = client.send(make_request(bhttp::verb::head, "/events/news"));
    REQUIRE_FALSE(client.error());
    CHECK(head.result() == bhttp::status::ok);
    CHECK(head[bhttp::field::content_type] == "text/event-stream");
    CHECK(feed->size() == 0);
}

TEST_CASE("Event stream: a silent stream sends heartbeats", "[http][stream]") {
    auto feed = std::make_shared<Feed>();
    ServerOptions options;
    options.stream_heartbeat = 20ms;
    TestServer server(stream_router(feed), options);
    StreamClient client(server.port(), "/events/quiet");
    REQUIRE(client.read_until(": heartbeat\n\n"));
}

TEST_CASE("Event stream: caps per client (429) and in total (503), no in-flight slot held",
          "[http][stream][limits]") {
    auto feed = std::make_shared<Feed>();
    SECTION("per client") {
        ServerOptions options;
        options.max_streams_per_client = 1;
        options.max_in_flight = 1;
        TestServer server(stream_router(feed), options);
        StreamClient first(server.port(), "/events/a");
        REQUIRE(first.read_until("data: a\n\n"));
        Client second(server.port());
        const auto refused = second.send(make_request(bhttp::verb::get, "/events/b"));
        REQUIRE_FALSE(second.error());
        CHECK(refused.result() == bhttp::status::too_many_requests);
        CHECK(refused[bhttp::field::retry_after] == "1");
        CHECK(refused[bhttp::field::content_type] == "application/problem+json");
        // The open stream does not hold the one in-flight slot.
        CHECK(second.send(make_request(bhttp::verb::get, "/ping")).result() == bhttp::status::ok);
        // The refused stream's subscription was dropped at once.
        REQUIRE(eventually([&] { return feed->released.load() == 1; }));
    }
    SECTION("in total") {
        ServerOptions options;
        options.max_streams = 1;
        options.max_streams_per_client = 0;
        TestServer server(stream_router(feed), options);
        StreamClient first(server.port(), "/events/a");
        REQUIRE(first.read_until("data: a\n\n"));
        Client second(server.port());
        const auto refused = second.send(make_request(bhttp::verb::get, "/events/b"));
        REQUIRE_FALSE(second.error());
        CHECK(refused.result() == bhttp::status::service_unavailable);
        CHECK(refused[bhttp::field::retry_after] == "1");
        // The slot frees when the stream ends.
        feed->sink(0)->close();
        REQUIRE(first.read_to_end());
        StreamClient third(server.port(), "/events/c");
        CHECK(third.read_until("data: c\n\n"));
    }
}

TEST_CASE("Event stream: stop() ends open streams with their last chunk", "[http][stream]") {
    auto feed = std::make_shared<Feed>();
    TestServer server(stream_router(feed));
    StreamClient client(server.port(), "/events/a");
    REQUIRE(client.read_until("data: a\n\n"));
    server.server().stop();
    REQUIRE(client.read_to_end());
    CHECK(client.received().find("\r\n0\r\n\r\n") != std::string::npos);
    REQUIRE(eventually([&] { return server.server().active_connections() == 0; }));
    CHECK(feed->released.load() == 1);
}

TEST_CASE("Event stream: in memory (Exchange) the stream sends what the handler queued",
          "[http][stream]") {
    auto feed = std::make_shared<Feed>();
    const Exchange exchange({}, stream_router(feed));
    const auto out = exchange.answer_now("GET /events/x HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK(out.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(out.find("id: 1\nevent: hello\ndata: x\n\n") != std::string::npos);
    CHECK(out.find("\r\n0\r\n\r\n") != std::string::npos);
}

}  // namespace mb::adapters::http::test
