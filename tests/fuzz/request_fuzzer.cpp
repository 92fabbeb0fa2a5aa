// libFuzzer target over the whole request path (issue 9, item 7): HTTP parsing and framing,
// Host and Transfer-Encoding checks, routing, authentication (JWT parsing and verification),
// JSON decoding, validation, the use cases and their SQLite repositories, problem+json and HAL
// encoding — the REAL application (app/exe/Application, every module, auth = jwt, demo
// catalogue, admin routes) answering the input bytes as one connection would
// (adapters::http::Exchange).
//
// Input: the bytes a client sends on one connection. The first byte may select a credential
// that the harness inserts as an `Authorization: Bearer` line after the first request line
// (so the fuzzer reaches the routes behind a token, which it cannot forge):
//   0x01 a customer token (sub alice)     0x02 another customer's (sub bob)
//   0x03 a staff token (sub sam)          0x04 an admin token (sub root)
//   anything else: the bytes as they are (the main mode; an HTTP request starts with a letter).
//
// What must always hold (abort() otherwise, so libFuzzer records the input):
//   - the output is a sequence of syntactically valid HTTP/1.x responses (status line, header
//     field syntax, one decimal Content-Length, the body fits), each with the security headers;
//   - no 500 (an exception escaped a handler: a bug) and no status outside 100..599;
//   - every application/*json body is valid UTF-8 and parses as JSON.
//
// The database is shared by all inputs of a process (bookings accumulate, seats get taken):
// the application is built once, its start-up takes far longer than one input. After an input
// with the admin token the harness resumes every module and clears every fault, so that one
// input cannot switch the rest of the campaign off. Set MB_FUZZ_LOG=debug (spdlog level) to see
// the server's log (off by default) and MB_FUZZ_PRINT=1 to see every output.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "adapters/auth/token_verifier.hpp"
#include "adapters/http/server.hpp"
#include "app/exe/application.hpp"
#include "app/exe/settings.hpp"

namespace {

namespace asio = boost::asio;
namespace http = mb::adapters::http;
using mb::app::exe::Application;

constexpr const char* kSecret = "fuzz-secret-0123456789abcdef-0123456789";  // >= 32 bytes
constexpr std::string_view kModules[] = {"booking", "payment", "ticket", "review", "mypage"};

[[noreturn]] void fail(const char* what, std::string_view output) {
    std::fprintf(stderr, "\n*** request_fuzzer: %s\n--- output (%zu bytes, first 4096) ---\n%.*s\n",
                 what, output.size(), static_cast<int>(std::min<std::size_t>(output.size(), 4096)),
                 output.data());
    std::abort();
}

std::string mint(const char* subject, const char* role) {
    mb::adapters::auth::MintRequest request;
    request.subject = subject;
    request.roles = {role};
    request.ttl = std::chrono::hours(24 * 30);
    return mb::adapters::auth::mint_hs256(kSecret, request, std::chrono::system_clock::now());
}

struct Harness {
    std::filesystem::path dir;
    std::unique_ptr<Application> app;
    std::unique_ptr<http::Exchange> exchange;
    std::string tokens[4];
    bool print = std::getenv("MB_FUZZ_PRINT") != nullptr;  ///< each output to stderr

    Harness() {
        if (const char* level = std::getenv("MB_FUZZ_LOG")) {
            spdlog::set_level(spdlog::level::from_str(level));
        } else {
            spdlog::set_level(spdlog::level::off);
        }
        std::string pattern = (std::filesystem::temp_directory_path() / "mb-fuzz-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) {
            std::perror("mkdtemp");
            std::abort();
        }
        dir = pattern;
        mb::app::exe::Settings s;
        s.address = "127.0.0.1";
        s.port = 8088;  // only for links of HTTP/1.0 requests without Host
        s.threads = 1;
        s.data_dir = dir;
        s.auth = "jwt";
        s.jwt_secret = kSecret;
        s.admin = true;
        s.demo_data = true;
        s.log_level = "off";
        app = std::make_unique<Application>(s, Application::Mode::kInProcess);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
        while (!app->ready()) {
            if (std::chrono::steady_clock::now() > deadline) {
                std::fprintf(stderr, "request_fuzzer: the application did not start in 120 s\n");
                std::abort();
            }
            app->io_context().run_one_for(std::chrono::milliseconds(100));
        }
        exchange = std::make_unique<http::Exchange>(app->server_options(), app->router());
        tokens[0] = mint("alice", "customer");
        tokens[1] = mint("bob", "customer");
        tokens[2] = mint("sam", "staff");
        tokens[3] = mint("root", "admin");
    }

    ~Harness() {
        exchange.reset();
        app.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }

    /// Answers `bytes` on the application's own io_context, on this thread: the handlers'
    /// `co_await executor.execute(...)` complete there (ModuleExecutor posts its jobs to the
    /// module strands of that io_context), and timers (port deadlines) fire in order.
    std::string answer(std::string_view bytes) {
        auto& io = app->io_context();
        bool done = false;
        std::string output;
        std::exception_ptr error;
        asio::co_spawn(io, exchange->answer(bytes),
                       [&](std::exception_ptr ep, std::string out) {
                           done = true;
                           error = ep;
                           output = std::move(out);
                       });
        while (!done) {
            if (io.stopped())
                io.restart();
            io.run_one();
        }
        if (error) {
            try {
                std::rethrow_exception(error);
            } catch (const std::exception& e) {
                fail(e.what(), output);
            }
        }
        return output;
    }

    /// What an admin input may have switched off: every module resumed, every fault cleared.
    void reset_operations() {
        std::string requests;
        for (auto module : kModules) {
            for (const char* line : {"POST /admin/modules/%s/resume", "DELETE /admin/faults/%s"}) {
                char first[128];
                std::snprintf(first, sizeof first, line, std::string(module).c_str());
                requests += std::string(first) +
                            " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n"
                            "Authorization: Bearer " +
                            tokens[3] + "\r\n\r\n";
            }
        }
        (void)answer(requests);
    }
};

bool is_tchar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}

/// RFC 3629 well-formed UTF-8 (no overlongs, no surrogates, at most U+10FFFF).
bool valid_utf8(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = 0;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            ++i;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            if (c == 0xE0)
                lo = 0xA0;
            if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            if (c == 0xF0)
                lo = 0x90;
            if (c == 0xF4)
                hi = 0x8F;
        } else {
            return false;
        }
        if (i + n >= s.size())
            return false;
        for (std::size_t k = 1; k <= n; ++k) {
            const auto b = static_cast<unsigned char>(s[i + k]);
            if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF))
                return false;
        }
        i += n + 1;
    }
    return true;
}

/// Checks the responses in `out` (see the file comment); abort()s on the first broken rule.
void check_responses(std::string_view out) {
    std::string_view rest = out;
    while (!rest.empty()) {
        const auto head_end = rest.find("\r\n\r\n");
        if (head_end == std::string_view::npos)
            fail("a response header without its end", out);
        const auto head = rest.substr(0, head_end + 2);
        rest.remove_prefix(head_end + 4);
        // Status line: HTTP/1.x SP 3DIGIT SP reason CRLF.
        const auto line_end = head.find("\r\n");
        const auto status_line = head.substr(0, line_end);
        if (status_line.size() < 13 ||
            (status_line.substr(0, 9) != "HTTP/1.1 " && status_line.substr(0, 9) != "HTTP/1.0 ") ||
            std::isdigit(static_cast<unsigned char>(status_line[9])) == 0 ||
            std::isdigit(static_cast<unsigned char>(status_line[10])) == 0 ||
            std::isdigit(static_cast<unsigned char>(status_line[11])) == 0 ||
            status_line[12] != ' ')
            fail("a malformed status line", out);
        for (char c : status_line) {
            if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f)
                fail("a control character in the status line", out);
        }
        const int status = std::atoi(std::string(status_line.substr(9, 3)).c_str());
        if (status < 100 || status > 599)
            fail("a status outside 100..599", out);
        if (status == 500)
            fail("500 Internal Server Error (an exception escaped a handler)", out);
        // Header fields: token ":" OWS value OWS CRLF; no CR, LF or NUL inside a value.
        std::string_view fields = head.substr(line_end + 2);
        std::string_view content_type;
        long long content_length = -1;
        bool nosniff = false, server = false;
        while (!fields.empty()) {
            const auto end = fields.find("\r\n");
            const auto field = fields.substr(0, end);
            fields.remove_prefix(end + 2);
            const auto colon = field.find(':');
            if (colon == 0 || colon == std::string_view::npos)
                fail("a header line without a field name", out);
            for (char c : field.substr(0, colon)) {
                if (!is_tchar(c))
                    fail("a header field name that is not a token", out);
            }
            std::string_view value = field.substr(colon + 1);
            for (char c : value) {
                const auto u = static_cast<unsigned char>(c);
                if ((u < 0x20 && c != '\t') || u == 0x7f)
                    fail("a control character in a header value", out);
            }
            while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
                value.remove_prefix(1);
            while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
                value.remove_suffix(1);
            const auto name = field.substr(0, colon);
            if (iequals(name, "content-length")) {
                if (content_length >= 0)
                    fail("two Content-Length fields", out);
                if (value.empty() || value.size() > 12 ||
                    value.find_first_not_of("0123456789") != std::string_view::npos)
                    fail("a Content-Length that is not a decimal number", out);
                content_length = std::atoll(std::string(value).c_str());
            } else if (iequals(name, "transfer-encoding")) {
                fail("a response with Transfer-Encoding (the server always sends a length)", out);
            } else if (iequals(name, "content-type")) {
                content_type = value;
            } else if (iequals(name, "x-content-type-options")) {
                nosniff = value == "nosniff";
            } else if (iequals(name, "server")) {
                server = value == "movie-booking";
            }
        }
        if (!nosniff || !server)
            fail("a response without X-Content-Type-Options: nosniff or Server", out);
        // The body. A response to HEAD carries the GET's Content-Length but no body: then the
        // next response (or the end) follows the header at once.
        std::size_t length = 0;
        if (status >= 200 && status != 204 && status != 304) {
            if (content_length < 0)
                fail("a response without Content-Length", out);
            length = static_cast<std::size_t>(content_length);
        }
        const bool head_response = length > 0 && (rest.empty() || rest.substr(0, 7) == "HTTP/1.");
        if (head_response)
            continue;
        if (length > rest.size())
            fail("a body shorter than its Content-Length", out);
        const auto body = rest.substr(0, length);
        rest.remove_prefix(length);
        std::string lowered(content_type);
        for (auto& c : lowered)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lowered.rfind("application/", 0) == 0 && lowered.find("json") != std::string::npos) {
            if (!valid_utf8(body))
                fail("a JSON body that is not valid UTF-8", out);
            boost::system::error_code ec;
            (void)boost::json::parse(body, ec);
            if (ec)
                fail("a JSON body that does not parse", out);
        }
    }
}

Harness* harness = nullptr;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
    harness = new Harness();  // NOLINT: lives as long as the process (libFuzzer exits)
    std::atexit([] { delete harness; });
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);  // NOLINT
    int credential = -1;
    if (!input.empty() && input.front() >= 0x01 && input.front() <= 0x04) {
        credential = input.front() - 1;
        input.remove_prefix(1);
    }
    std::string bytes(input);
    if (credential >= 0) {
        const auto eol = bytes.find('\n');
        if (eol != std::string::npos) {
            bytes.insert(eol + 1,
                         "Authorization: Bearer " + harness->tokens[credential] + "\r\n");
        }
    }
    const auto output = harness->answer(bytes);
    if (harness->print)
        std::fprintf(stderr, "%s\n", output.c_str());
    check_responses(output);
    if (credential == 3)
        harness->reset_operations();
    return 0;
}
