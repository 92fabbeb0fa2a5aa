#include "adapters/http/static_files.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <stdexcept>
#include <system_error>

#include <boost/beast/http/field.hpp>
#include <fcntl.h>
#include <openssl/evp.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapters/http/problem.hpp"
#include "adapters/http/response.hpp"

namespace mb::adapters::http {
namespace {

namespace bhttp = beast::http;
namespace fs = std::filesystem;

constexpr std::size_t kMaxPathBytes = 1024;
constexpr std::string_view kAllow = "GET, HEAD, OPTIONS";
constexpr std::size_t kMaxSegments = 32;
constexpr std::size_t kMaxSegmentBytes = 255;

char lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

bool segment_char(char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == '~' || c == '@' || c == '+';
}

/// Whether the raw target (before its query) holds %2F, %5C or %00 in any letter case.
bool has_encoded_separator(std::string_view raw_target) {
    raw_target = raw_target.substr(0, raw_target.find('?'));
    for (std::size_t i = 0; i + 2 < raw_target.size(); ++i) {
        if (raw_target[i] != '%')
            continue;
        const char a = raw_target[i + 1];
        const char b = lower(raw_target[i + 2]);
        if ((a == '2' && b == 'f') || (a == '5' && b == 'c') || (a == '0' && b == '0'))
            return true;
    }
    return false;
}

std::string_view extension_of(std::string_view name) noexcept {
    const auto slash = name.rfind('/');
    if (slash != std::string_view::npos)
        name.remove_prefix(slash + 1);
    const auto dot = name.rfind('.');
    return dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
}

bool is_html(std::string_view name) noexcept {
    const auto ext = extension_of(name);
    return iequals(ext, "html") || iequals(ext, "htm");
}

/// Whether If-None-Match (a list of entity tags, or "*") matches `etag` by the weak
/// comparison RFC 9110 §13.1.2 prescribes for it.
bool none_match_hits(std::string_view header, std::string_view etag) {
    while (!header.empty()) {
        const auto comma = header.find(',');
        auto item = header.substr(0, comma);
        header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
            item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
            item.remove_suffix(1);
        if (item == "*")
            return true;
        if (item.size() > 2 && item[0] == 'W' && item[1] == '/')
            item.remove_prefix(2);
        if (item == etag)
            return true;
    }
    return false;
}

/// Whether `path` (lexically normal, absolute) is `root` or below it, component by component.
bool within(const fs::path& root, const fs::path& path) {
    auto r = root.begin();
    auto p = path.begin();
    for (; r != root.end(); ++r, ++p) {
        if (p == path.end() || *r != *p)
            return false;
    }
    return true;
}

/// Closes a file descriptor on every path out.
struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0)
            ::close(fd);
    }
};

enum class Load { kOk, kMissing, kTooLarge };

/// Reads the regular file at `path` (no symlink as its last component) up to `cap` bytes.
Load load(const fs::path& path, std::size_t cap, std::string& out) {
    // O_NONBLOCK: opening a FIFO planted in the root must not block the io thread; it is then
    // refused as not regular.
    const Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)};
    if (file.fd < 0)
        return Load::kMissing;
    struct stat info {};
    if (::fstat(file.fd, &info) != 0 || !S_ISREG(info.st_mode))
        return Load::kMissing;
    if (static_cast<std::uintmax_t>(info.st_size) > cap)
        return Load::kTooLarge;
    out.resize(static_cast<std::size_t>(info.st_size));
    std::size_t done = 0;
    while (done < out.size()) {
        const auto n = ::read(file.fd, out.data() + done, out.size() - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;  // shrunk while read: serve what is there, consistently hashed
        done += static_cast<std::size_t>(n);
    }
    out.resize(done);
    return Load::kOk;
}

}  // namespace

std::variant<std::string, PathRefusal> resolve_web_path(std::string_view decoded_path,
                                                        std::string_view raw_target) {
    const auto bad = [](std::string detail) {
        return PathRefusal{bhttp::status::bad_request, std::move(detail)};
    };
    const auto missing = [&] {
        return PathRefusal{bhttp::status::not_found, "no resource at " + std::string(decoded_path)};
    };
    if (has_encoded_separator(raw_target))
        return bad("an encoded '/', '\\' or NUL is not allowed in a file path");
    if (decoded_path.size() > kMaxPathBytes)
        return missing();
    if (decoded_path.find('\0') != std::string_view::npos ||
        decoded_path.find('\\') != std::string_view::npos)
        return bad("'\\' and NUL are not allowed in a file path");
    if (decoded_path.empty() || decoded_path.front() != '/')
        return bad("a file path must start with '/'");
    std::string relative;
    std::string_view rest = decoded_path.substr(1);
    std::size_t segments = 0;
    while (!rest.empty()) {
        const auto slash = rest.find('/');
        const auto segment = rest.substr(0, slash);
        rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
        if (segment.empty())
            return bad("empty segments ('//') are not allowed in a file path");
        if (segment == "." || segment == "..")
            return bad("'.' and '..' segments are not allowed in a file path");
        if (segment.front() == '.' || segment.size() > kMaxSegmentBytes ||
            !std::all_of(segment.begin(), segment.end(), segment_char) ||
            ++segments > kMaxSegments)
            return missing();
        if (!relative.empty())
            relative += '/';
        relative.append(segment);
    }
    if (relative.empty() || decoded_path.back() == '/') {
        if (!relative.empty())
            relative += '/';
        relative += "index.html";
    }
    return relative;
}

std::string_view content_type_for(std::string_view file_name) noexcept {
    struct Type {
        std::string_view ext;
        std::string_view type;
    };
    static constexpr std::array<Type, 13> kTypes{{
        {"html", "text/html; charset=utf-8"},
        {"htm", "text/html; charset=utf-8"},
        {"js", "text/javascript; charset=utf-8"},
        {"mjs", "text/javascript; charset=utf-8"},
        {"css", "text/css; charset=utf-8"},
        {"svg", "image/svg+xml"},
        {"png", "image/png"},
        {"ico", "image/x-icon"},
        {"json", "application/json"},
        {"webmanifest", "application/manifest+json"},
        {"txt", "text/plain; charset=utf-8"},
        {"map", "application/json"},
        {"woff2", "font/woff2"},
    }};
    const auto ext = extension_of(file_name);
    for (const auto& t : kTypes) {
        if (iequals(ext, t.ext))
            return t.type;
    }
    return "application/octet-stream";
}

std::string_view cache_control_for(std::string_view file_name) noexcept {
    if (is_html(file_name))
        return "no-cache";
    const auto slash = file_name.rfind('/');
    std::string_view name = slash == std::string_view::npos ? file_name : file_name.substr(slash + 1);
    const auto ext = extension_of(name);
    name.remove_suffix(ext.empty() ? 0 : ext.size() + 1);
    while (!name.empty()) {
        const auto sep = name.find_first_of(".-");
        const auto part = name.substr(0, sep);
        name = sep == std::string_view::npos ? std::string_view{} : name.substr(sep + 1);
        const bool hex = part.size() >= 8 && std::all_of(part.begin(), part.end(), [](char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
        });
        if (hex)
            return "public, max-age=31536000, immutable";
    }
    return "public, max-age=300";
}

std::string content_etag(std::string_view content) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    if (EVP_Digest(content.data(), content.size(), digest.data(), &size, EVP_sha256(), nullptr) !=
        1)
        throw std::runtime_error("SHA-256 failed");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string etag = "\"";
    for (unsigned int i = 0; i < 16 && i < size; ++i) {
        etag += kHex[digest[i] >> 4];
        etag += kHex[digest[i] & 0xf];
    }
    etag += '"';
    return etag;
}

StaticFiles::StaticFiles(Options options) : max_file_bytes_(options.max_file_bytes) {
    std::error_code ec;
    root_ = fs::canonical(options.root, ec);
    if (ec || !fs::is_directory(root_, ec))
        throw std::invalid_argument("--web-root " + options.root.string() +
                                    ": not a readable directory");
}

Response StaticFiles::serve(const Request& request) const {
    auto resolved = resolve_web_path(request.path, request.raw->target());
    if (auto* refusal = std::get_if<PathRefusal>(&resolved))
        return problem(request, refusal->status, refusal->detail);
    const auto& relative = std::get<std::string>(resolved);
    const auto not_found = [&] {
        return problem(request, bhttp::status::not_found, "no resource at " + request.path);
    };
    std::error_code ec;
    const fs::path real = fs::canonical(root_ / relative, ec);
    if (ec || !within(root_, real))
        return not_found();
    std::string content;
    switch (load(real, max_file_bytes_, content)) {
        case Load::kOk:
            break;
        case Load::kMissing:
            return not_found();
        case Load::kTooLarge:
            spdlog::warn("web root: {} is over {} bytes; not served", real.string(),
                         max_file_bytes_);
            return not_found();
    }
    const auto method = request.raw->method();
    if (method == bhttp::verb::options) {
        auto response = empty_response(request, bhttp::status::no_content);
        response.set(bhttp::field::allow, kAllow);
        return response;
    }
    if (method != bhttp::verb::get && method != bhttp::verb::head) {
        const auto name = request.raw->method_string();
        auto response = problem(request, bhttp::status::method_not_allowed,
                                "method " + std::string(name.data(), name.size()) +
                                    " is not allowed on " + request.path);
        response.set(bhttp::field::allow, kAllow);
        return response;
    }
    const auto etag = content_etag(content);
    const auto if_none_match = (*request.raw)[bhttp::field::if_none_match];
    const bool fresh = none_match_hits({if_none_match.data(), if_none_match.size()}, etag);
    Response response = fresh ? empty_response(request, bhttp::status::not_modified)
                              : Response{bhttp::status::ok, request.version()};
    if (!fresh) {
        response.keep_alive(request.keep_alive());
        response.set(bhttp::field::server, kServerName);
        response.set(bhttp::field::content_type, content_type_for(relative));
        response.body() = std::move(content);
        response.prepare_payload();
    }
    response.set(bhttp::field::etag, etag);
    response.set(bhttp::field::cache_control, cache_control_for(relative));
    response.set(std::string_view("Content-Security-Policy"), kWebContentSecurityPolicy);
    response.set(std::string_view("X-Content-Type-Options"), "nosniff");
    return response;
}

}  // namespace mb::adapters::http
