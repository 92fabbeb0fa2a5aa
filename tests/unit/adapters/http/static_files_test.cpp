// The web page's files (README "Web page") without a socket: which request paths name which
// file (traversal, encoded separators, NUL, hidden files), the media types and caching rules,
// and StaticFiles on a real temporary directory (ETag and 304, symlinks out of the root, FIFOs,
// the size cap, a wrong method).
#include "adapters/http/static_files.hpp"

#include <fstream>
#include <string>
#include <variant>

#include <boost/beast/http/field.hpp>
#include <catch2/catch.hpp>
#include <sys/stat.h>
#include <unistd.h>

namespace mb::adapters::http {
namespace {

namespace fs = std::filesystem;
using beast::http::status;

std::string file_of(std::string_view path, std::string_view raw = {}) {
    auto r = resolve_web_path(path, raw.empty() ? path : raw);
    if (auto* refusal = std::get_if<PathRefusal>(&r))
        FAIL("refused " << std::string(path) << ": " << refusal->detail);
    return std::get<std::string>(r);
}

status refusal_of(std::string_view path, std::string_view raw = {}) {
    auto r = resolve_web_path(path, raw.empty() ? path : raw);
    if (auto* file = std::get_if<std::string>(&r))
        FAIL("accepted " << std::string(path) << " as " << *file);
    return std::get<PathRefusal>(r).status;
}

TEST_CASE("a request path names a file below the web root") {
    CHECK(file_of("/") == "index.html");
    CHECK(file_of("/app.js") == "app.js");
    CHECK(file_of("/js/pages/seat-map.js") == "js/pages/seat-map.js");
    CHECK(file_of("/docs/") == "docs/index.html");
    CHECK(file_of("/vendor/lib-1.2.3.min.js") == "vendor/lib-1.2.3.min.js");
    // An absolute file system path is just a path below the root.
    CHECK(file_of("/etc/passwd") == "etc/passwd");
    // The query is not part of the path.
    CHECK(file_of("/app.js", "/app.js?v=%2f") == "app.js");
}

TEST_CASE("dot segments are refused, encoded or not") {
    CHECK(refusal_of("/../etc/passwd") == status::bad_request);
    CHECK(refusal_of("/js/../../etc/passwd") == status::bad_request);
    CHECK(refusal_of("/./index.html") == status::bad_request);
    CHECK(refusal_of("/..") == status::bad_request);
    // %2e%2e is decoded to ".." before the check (Request::path is decoded).
    CHECK(refusal_of("/../etc/passwd", "/%2e%2e/etc/passwd") == status::bad_request);
    CHECK(refusal_of("/js/../x", "/js/%2E%2E/x") == status::bad_request);
}

TEST_CASE("encoded separators, backslashes, NUL and empty segments are refused") {
    CHECK(refusal_of("/js/app.js", "/js%2fapp.js") == status::bad_request);
    CHECK(refusal_of("/js/app.js", "/js%2Fapp.js") == status::bad_request);
    CHECK(refusal_of("/..\\x", "/..%5cx") == status::bad_request);
    CHECK(refusal_of("/a\\b") == status::bad_request);
    CHECK(refusal_of(std::string_view("/index.html\0.png", 16), "/index.html%00.png") ==
          status::bad_request);
    CHECK(refusal_of(std::string_view("/index.html\0", 12), "/x") == status::bad_request);
    CHECK(refusal_of("//etc/passwd") == status::bad_request);
    CHECK(refusal_of("/js//app.js") == status::bad_request);
}

TEST_CASE("hidden files, odd characters and overlong paths name no file") {
    CHECK(refusal_of("/.git/config") == status::not_found);
    CHECK(refusal_of("/.env") == status::not_found);
    CHECK(refusal_of("/a b.js") == status::not_found);
    CHECK(refusal_of("/a:b") == status::not_found);
    CHECK(refusal_of("/" + std::string(256, 'a')) == status::not_found);
    std::string deep;
    for (int i = 0; i < 33; ++i)
        deep += "/a";
    CHECK(refusal_of(deep) == status::not_found);
    CHECK(refusal_of("/" + std::string(1100, 'a')) == status::not_found);
}

TEST_CASE("media types by extension") {
    CHECK(content_type_for("index.html") == "text/html; charset=utf-8");
    CHECK(content_type_for("js/app.js") == "text/javascript; charset=utf-8");
    CHECK(content_type_for("a.MJS") == "text/javascript; charset=utf-8");
    CHECK(content_type_for("style.css") == "text/css; charset=utf-8");
    CHECK(content_type_for("logo.svg") == "image/svg+xml");
    CHECK(content_type_for("shot.png") == "image/png");
    CHECK(content_type_for("LICENSE") == "application/octet-stream");
    CHECK(content_type_for("x.exe") == "application/octet-stream");
}

TEST_CASE("caching: HTML revalidated, hashed names immutable, other assets five minutes") {
    CHECK(cache_control_for("index.html") == "no-cache");
    CHECK(cache_control_for("a/b.htm") == "no-cache");
    CHECK(cache_control_for("app.3f9a1c2e.js") == "public, max-age=31536000, immutable");
    CHECK(cache_control_for("js/app-0123456789abcdef.css") ==
          "public, max-age=31536000, immutable");
    CHECK(cache_control_for("app.js") == "public, max-age=300");
    CHECK(cache_control_for("app.3f9a1c2.js") == "public, max-age=300");   // 7 digits
    CHECK(cache_control_for("app.3F9A1C2E.js") == "public, max-age=300");  // not lowercase
    CHECK(cache_control_for("deadbeef/app.js") == "public, max-age=300");  // a directory
}

TEST_CASE("the ETag is strong and follows the content") {
    const auto a = content_etag("hello");
    CHECK(a == "\"2cf24dba5fb0a30e26e83b2ac5b9e29e\"");  // SHA-256("hello"), first 128 bits
    CHECK(content_etag("hello!") != a);
    CHECK(content_etag("") == "\"e3b0c44298fc1c149afbf4c8996fb924\"");
}

/// A temporary web root with an index, an asset, a secret outside it and symlinks.
struct WebRoot {
    fs::path base;
    fs::path root;
    WebRoot() {
        char pattern[] = "/tmp/mb-static-XXXXXX";
        base = ::mkdtemp(pattern);
        root = base / "web";
        fs::create_directories(root / "js");
        write(root / "index.html", "<!doctype html><title>t</title>");
        write(root / "js" / "app.js", "export const x = 1;\n");
        write(base / "secret.txt", "top secret");
        fs::create_symlink(base / "secret.txt", root / "leak.txt");
        fs::create_symlink(base, root / "up");
        fs::create_symlink(root / "js" / "app.js", root / "alias.js");
        ::mkfifo((root / "pipe.js").c_str(), 0600);
        write(root / "big.js", std::string(2048, 'x'));
    }
    ~WebRoot() {
        std::error_code ec;
        fs::remove_all(base, ec);
    }
    static void write(const fs::path& p, const std::string& content) {
        std::ofstream(p, std::ios::binary) << content;
    }
};

struct Exchange {
    StringRequest raw;
    Request request;
    Exchange(beast::http::verb method, std::string path, std::string if_none_match = {}) {
        raw.method(method);
        raw.target(path);
        raw.version(11);
        if (!if_none_match.empty())
            raw.set(beast::http::field::if_none_match, if_none_match);
        request.raw = &raw;
        request.path = std::move(path);
    }
};

Response get(const StaticFiles& files, std::string path, std::string if_none_match = {}) {
    Exchange e(beast::http::verb::get, std::move(path), std::move(if_none_match));
    return files.serve(e.request);
}

TEST_CASE("StaticFiles serves regular files of its root with validators") {
    WebRoot dir;
    const StaticFiles files({dir.root, 1024});
    const auto index = get(files, "/");
    REQUIRE(index.result() == status::ok);
    CHECK(index.body() == "<!doctype html><title>t</title>");
    CHECK(index[beast::http::field::content_type] == "text/html; charset=utf-8");
    CHECK(index[beast::http::field::cache_control] == "no-cache");
    CHECK(index["Content-Security-Policy"] == kWebContentSecurityPolicy);
    CHECK(index["X-Content-Type-Options"] == "nosniff");
    const std::string etag(index[beast::http::field::etag]);
    CHECK(etag == content_etag(index.body()));

    const auto again = get(files, "/index.html", etag);
    CHECK(again.result() == status::not_modified);
    CHECK(again.body().empty());
    CHECK(again[beast::http::field::etag] == etag);
    CHECK(get(files, "/", "\"other\", W/" + etag).result() == status::not_modified);
    CHECK(get(files, "/", "*").result() == status::not_modified);
    CHECK(get(files, "/", "\"other\"").result() == status::ok);

    const auto js = get(files, "/js/app.js");
    CHECK(js.result() == status::ok);
    CHECK(js[beast::http::field::content_type] == "text/javascript; charset=utf-8");
    // A symlink that stays inside the root is followed.
    CHECK(get(files, "/alias.js").body() == "export const x = 1;\n");
}

TEST_CASE("StaticFiles refuses what is not a regular file inside its root") {
    WebRoot dir;
    const StaticFiles files({dir.root, 1024});
    CHECK(get(files, "/leak.txt").result() == status::not_found);
    CHECK(get(files, "/up/secret.txt").result() == status::not_found);
    CHECK(get(files, "/pipe.js").result() == status::not_found);
    CHECK(get(files, "/js").result() == status::not_found);  // a directory
    CHECK(get(files, "/js/").result() == status::not_found);  // no index.html there
    CHECK(get(files, "/big.js").result() == status::not_found);  // over the cap
    CHECK(get(files, "/missing.js").result() == status::not_found);
    CHECK(get(files, "/../secret.txt").result() == status::bad_request);
    const auto not_found = get(files, "/leak.txt");
    CHECK(not_found[beast::http::field::content_type] == "application/problem+json");
    CHECK(not_found.body().find("top secret") == std::string::npos);
}

TEST_CASE("StaticFiles answers OPTIONS with its methods and 405 to the others") {
    WebRoot dir;
    const StaticFiles files({dir.root, 1024});
    Exchange post(beast::http::verb::post, "/index.html");
    const auto answer = files.serve(post.request);
    CHECK(answer.result() == status::method_not_allowed);
    CHECK(answer[beast::http::field::allow] == "GET, HEAD, OPTIONS");
    Exchange options(beast::http::verb::options, "/index.html");
    const auto allowed = files.serve(options.request);
    CHECK(allowed.result() == status::no_content);
    CHECK(allowed[beast::http::field::allow] == "GET, HEAD, OPTIONS");
    Exchange missing(beast::http::verb::post, "/nothing");
    CHECK(files.serve(missing.request).result() == status::not_found);
}

TEST_CASE("StaticFiles needs a directory") {
    WebRoot dir;
    CHECK_THROWS_AS(StaticFiles({dir.root / "index.html"}), std::invalid_argument);
    CHECK_THROWS_AS(StaticFiles({dir.base / "absent"}), std::invalid_argument);
}

}  // namespace
}  // namespace mb::adapters::http
