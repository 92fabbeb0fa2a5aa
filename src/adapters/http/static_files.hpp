#pragma once
// The web page's files (README "Web page"): a directory served read-only under `/`, as the
// Router's fallback for GET and HEAD of paths no API route knows.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <variant>

#include <boost/beast/http/status.hpp>

#include "adapters/http/request.hpp"

namespace mb::adapters::http {

/// The Content-Security-Policy of every file served: scripts, styles, images, fonts and
/// fetch() only from this origin; no inline script or style (no 'unsafe-inline'), no
/// plugins, no <base>, forms post only here, never framed.
inline constexpr std::string_view kWebContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

/// Why a request path names no servable file: 400 (malformed: a dot segment, an encoded
/// slash or backslash, NUL, an empty segment) or 404 (well-formed, but no such file).
struct PathRefusal {
    beast::http::status status;
    std::string detail;
};

/// The file a request path names, relative to the web root ("index.html", "js/app.js"), or
/// why there is none. Pure (no file system access), thread-safe.
///
/// `decoded_path` is Request::path (percent-decoded, starts with '/'); `raw_target` is the
/// request target as received, checked for %2F / %5C / %00, which decoding would otherwise
/// turn into a separator or a NUL. Rules: a path ending in '/' names its index.html; every
/// segment is 1–255 of `A-Z a-z 0-9 - _ . ~ @ +`, does not start with '.' (no "..", ".", and no
/// hidden file such as .git) — a dot segment is 400, other characters 404; at most 32
/// segments and 1024 bytes.
[[nodiscard]] std::variant<std::string, PathRefusal> resolve_web_path(std::string_view decoded_path,
                                                                      std::string_view raw_target);

/// The Content-Type for a file name, by its extension (case-insensitive): text/html,
/// text/javascript (js, mjs), text/css, image/svg+xml, image/png, image/x-icon,
/// application/json, application/manifest+json, text/plain, font/woff2; text types with
/// `; charset=utf-8`. Anything else is application/octet-stream.
[[nodiscard]] std::string_view content_type_for(std::string_view file_name) noexcept;

/// The Cache-Control for a file name: "no-cache" for HTML (always revalidated with its ETag,
/// so a deploy shows at once); "public, max-age=31536000, immutable" for a name carrying a
/// content hash (a part of the name between '.' or '-' separators that is 8 or more lowercase
/// hex digits: "app.3f9a1c2e.js"); "public, max-age=300" for other assets (a deploy reaches
/// every browser within 5 minutes).
[[nodiscard]] std::string_view cache_control_for(std::string_view file_name) noexcept;

/// A strong ETag from the content: `"` + the first 128 bits of its SHA-256, hex + `"`.
[[nodiscard]] std::string content_etag(std::string_view content);

/// Serves the files under one directory.
///
/// Each request re-reads its file (a deploy is seen at once, nothing is cached in memory), so
/// the web root should hold small files: one over `max_file_bytes` is refused (404, logged).
/// Only regular files are served; a path whose real location (symlinks resolved) is outside
/// the root is 404, and the final open does not follow symlinks. Thread-safe (no mutable
/// state); the file reads are blocking, which is fine for a handful of small files on a local
/// disk but not for a large or remote tree.
class StaticFiles {
public:
    struct Options {
        std::filesystem::path root;            ///< must be a directory
        std::size_t max_file_bytes = 4 << 20;  ///< larger files are not served
    };

    /// Throws std::invalid_argument when `options.root` is not a readable directory.
    explicit StaticFiles(Options options);

    /// The root as resolved at construction (absolute, symlinks resolved).
    [[nodiscard]] const std::filesystem::path& root() const noexcept { return root_; }

    /// The response to `request`, whatever its method:
    /// - GET / HEAD of a file: 200 with its Content-Type, Content-Length, a strong ETag,
    ///   Cache-Control (cache_control_for), kWebContentSecurityPolicy,
    ///   `X-Content-Type-Options: nosniff`; 304 (no body) when If-None-Match matches the ETag
    ///   or is "*"; HEAD carries the GET headers and no body;
    /// - OPTIONS of a file: 204 with `Allow: GET, HEAD, OPTIONS`; any other method on a file:
    ///   405 problem with that Allow;
    /// - no such file: 404 problem (as for an unknown API path); a malformed path: 400 problem.
    [[nodiscard]] Response serve(const Request& request) const;

private:
    std::filesystem::path root_;
    std::size_t max_file_bytes_;
};

}  // namespace mb::adapters::http
