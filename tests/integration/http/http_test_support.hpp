#pragma once
// Test support: a Server on 127.0.0.1:0 with its io_context on two threads, and a Beast
// client whose every operation has a deadline (a broken server fails a test, never hangs it).
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "adapters/http/request.hpp"
#include "adapters/http/response.hpp"
#include "adapters/http/router.hpp"
#include "adapters/http/server.hpp"

namespace mb::adapters::http::test {

namespace bhttp = beast::http;
using asio::ip::tcp;

inline constexpr std::chrono::seconds kDeadline{10};

/// Polls `condition` until it holds or `deadline` passes; returns its last value.
inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds deadline = kDeadline) {
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > until) {
            return false;
        }
        std::this_thread::yield();
    }
    return true;
}

/// A started Server on an ephemeral loopback port, its io_context run by two threads.
class TestServer {
public:
    explicit TestServer(std::shared_ptr<const Router> router, ServerOptions options = {})
        : work_(asio::make_work_guard(io_context_)) {
        options.address = "127.0.0.1";
        options.port = 0;
        server_.emplace(io_context_, std::move(options), std::move(router));
        server_->start();
        for (int i = 0; i < 2; ++i) {
            threads_.emplace_back([this] { io_context_.run(); });
        }
    }
    TestServer(const TestServer&) = delete;
    TestServer& operator=(const TestServer&) = delete;
    TestServer(TestServer&&) = delete;
    TestServer& operator=(TestServer&&) = delete;
    ~TestServer() {
        server_->stop();
        work_.reset();
        io_context_.stop();
        for (auto& thread : threads_) {
            thread.join();
        }
    }

    [[nodiscard]] Server& server() { return *server_; }
    [[nodiscard]] std::uint16_t port() const { return server_->port(); }

private:
    asio::io_context io_context_;
    asio::executor_work_guard<asio::io_context::executor_type> work_;
    std::optional<Server> server_;
    std::vector<std::thread> threads_;
};

using ClientResponse = bhttp::response<bhttp::string_body>;

/// Builds a request with Host "localhost:8088" (so HAL links are predictable).
inline StringRequest make_request(bhttp::verb method, std::string_view target,
                                  std::string body = {}, std::string_view content_type = {},
                                  unsigned version = 11) {
    StringRequest request{method, target, version};
    request.set(bhttp::field::host, "localhost:8088");
    if (!content_type.empty()) {
        request.set(bhttp::field::content_type, content_type);
    }
    request.body() = std::move(body);
    if (!request.body().empty() || method == bhttp::verb::post || method == bhttp::verb::put ||
        method == bhttp::verb::patch) {
        request.prepare_payload();
    }
    return request;
}

/// A blocking HTTP client over one connection; each call fails (error code set) rather than
/// waiting longer than kDeadline.
class Client {
public:
    explicit Client(std::uint16_t port) : stream_(io_context_) {
        stream_.expires_after(kDeadline);
        boost::system::error_code result;
        stream_.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port),
                              [&result](boost::system::error_code ec) { result = ec; });
        run();
        error_ = result;
    }

    /// Sends `request` and reads one response (headers only for HEAD).
    ClientResponse send(const StringRequest& request) {
        boost::system::error_code result;
        stream_.expires_after(kDeadline);
        bhttp::async_write(stream_, request,
                           [&result](boost::system::error_code ec, std::size_t) { result = ec; });
        run();
        if (result) {
            error_ = result;
            return {};
        }
        return receive(request.method() == bhttp::verb::head);
    }

    /// Sends raw bytes (for malformed requests) and reads one response.
    ClientResponse send_raw(std::string bytes) {
        boost::system::error_code result;
        stream_.expires_after(kDeadline);
        asio::async_write(stream_, asio::buffer(bytes),
                          [&result](boost::system::error_code ec, std::size_t) { result = ec; });
        run();
        if (result) {
            error_ = result;
            return {};
        }
        return receive(false);
    }

    /// Reads one response.
    ClientResponse receive(bool head) {
        bhttp::response_parser<bhttp::string_body> parser;
        parser.body_limit(boost::none);
        parser.skip(head);
        boost::system::error_code result;
        stream_.expires_after(kDeadline);
        bhttp::async_read(stream_, buffer_, parser,
                          [&result](boost::system::error_code ec, std::size_t) { result = ec; });
        run();
        error_ = result;
        return parser.release();
    }

    /// True when the server closes the connection (EOF or reset) within kDeadline.
    bool closed_by_peer() {
        if (buffer_.size() != 0) {
            return false;
        }
        boost::system::error_code result;
        std::array<char, 256> scratch{};
        stream_.expires_after(kDeadline);
        stream_.async_read_some(asio::buffer(scratch), [&result](boost::system::error_code ec,
                                                                 std::size_t) { result = ec; });
        run();
        return result == asio::error::eof || result == asio::error::connection_reset;
    }

    /// The outcome of the last operation (success, or why it failed or timed out).
    [[nodiscard]] boost::system::error_code error() const { return error_; }

private:
    void run() {
        io_context_.restart();
        io_context_.run();
    }

    asio::io_context io_context_;
    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    boost::system::error_code error_;
};

/// The body parsed as JSON (throws on malformed JSON, failing the test).
inline boost::json::value json_of(const ClientResponse& response) {
    return boost::json::parse(response.body());
}

/// A handler that answers 200 with {"handler":<name>,"params":[...path params...]}.
inline Handler echo(std::string name) {
    return [name = std::move(name)](Request request) -> asio::awaitable<Response> {
        boost::json::array params;
        for (const auto& param : request.path_params) {
            params.emplace_back(param);
        }
        co_return json_response(request, bhttp::status::ok,
                                boost::json::object{{"handler", name}, {"params", params}},
                                "application/json");
    };
}

}  // namespace mb::adapters::http::test
