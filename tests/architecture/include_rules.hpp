#pragma once
// The include allow-list of ARCHITECTURE.md ("Module boundaries"), as data and two checks:
//
//   src/domain/<ctx>/  <standard headers>, "domain/common/...", "domain/<ctx>/..."
//   src/app/<ctx>/     <standard headers>, "app/common/...", "app/<ctx>/...",
//                      "domain/common/...", "domain/<ctx>/...",
//                      "domain/<other ctx>/events.hpp" (the published language) — never another
//                      context's aggregates, repositories or services, never adapters, never a
//                      third-party library (Boost, SOCI, spdlog, fmt, CLI11, Catch, ...).
//
// src/app/exe/ is the composition root: not checked. Adapters and the sagas see the app and
// domain layers, but among themselves the dependencies go one way (part rules, kPartRules
// below): storage (persistence) and transport (bus) know only the wire form (codec), never
// each other; the module runtime (runtime) joins them; the in-process ports and the sagas
// (app/sagas) sit on the runtime; the routes on those. Nothing below includes what sits above.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <istream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace mb::architecture {

/// One #include directive: where it is and what it names.
struct Include {
    std::string file;  ///< path relative to src/, with '/' separators
    int line = 0;
    std::string target;  ///< the header named, without delimiters
    bool angle = false;  ///< <...> rather than "..."
};

/// "file:line: #include <target>: reason"
struct Violation {
    Include include;
    std::string reason;

    [[nodiscard]] std::string describe() const {
        const auto& i = include;
        return i.file + ":" + std::to_string(i.line) + ": #include " + (i.angle ? "<" : "\"") +
               i.target + (i.angle ? ">" : "\"") + ": " + reason;
    }
};

inline constexpr std::string_view kStandardHeaders[] = {"algorithm",
                                                        "any",
                                                        "array",
                                                        "atomic",
                                                        "barrier",
                                                        "bit",
                                                        "bitset",
                                                        "cassert",
                                                        "cctype",
                                                        "cerrno",
                                                        "cfenv",
                                                        "cfloat",
                                                        "charconv",
                                                        "chrono",
                                                        "cinttypes",
                                                        "climits",
                                                        "clocale",
                                                        "cmath",
                                                        "codecvt",
                                                        "compare",
                                                        "complex",
                                                        "concepts",
                                                        "condition_variable",
                                                        "coroutine",
                                                        "csetjmp",
                                                        "csignal",
                                                        "cstdarg",
                                                        "cstddef",
                                                        "cstdint",
                                                        "cstdio",
                                                        "cstdlib",
                                                        "cstring",
                                                        "ctime",
                                                        "cuchar",
                                                        "cwchar",
                                                        "cwctype",
                                                        "deque",
                                                        "exception",
                                                        "execution",
                                                        "expected",
                                                        "filesystem",
                                                        "format",
                                                        "forward_list",
                                                        "fstream",
                                                        "functional",
                                                        "future",
                                                        "initializer_list",
                                                        "iomanip",
                                                        "ios",
                                                        "iosfwd",
                                                        "iostream",
                                                        "istream",
                                                        "iterator",
                                                        "latch",
                                                        "limits",
                                                        "list",
                                                        "locale",
                                                        "map",
                                                        "memory",
                                                        "memory_resource",
                                                        "mutex",
                                                        "new",
                                                        "numbers",
                                                        "numeric",
                                                        "optional",
                                                        "ostream",
                                                        "queue",
                                                        "random",
                                                        "ranges",
                                                        "ratio",
                                                        "regex",
                                                        "scoped_allocator",
                                                        "semaphore",
                                                        "set",
                                                        "shared_mutex",
                                                        "source_location",
                                                        "span",
                                                        "sstream",
                                                        "stack",
                                                        "stdexcept",
                                                        "stop_token",
                                                        "streambuf",
                                                        "string",
                                                        "string_view",
                                                        "syncstream",
                                                        "system_error",
                                                        "thread",
                                                        "tuple",
                                                        "type_traits",
                                                        "typeindex",
                                                        "typeinfo",
                                                        "unordered_map",
                                                        "unordered_set",
                                                        "utility",
                                                        "valarray",
                                                        "variant",
                                                        "vector",
                                                        "version"};

/// Third-party libraries that must never reach domain or app code (checked by name, so the
/// report says which library leaked in).
inline constexpr std::string_view kThirdParty[] = {
    "boost", "asio", "soci", "sqlite", "spdlog", "fmt", "CLI", "catch", "rdkafka", "jwt", "json"};

[[nodiscard]] inline bool is_standard_header(std::string_view h) {
    return std::find(std::begin(kStandardHeaders), std::end(kStandardHeaders), h) !=
           std::end(kStandardHeaders);
}

/// The path components of a '/'-separated path.
[[nodiscard]] inline std::vector<std::string> components(std::string_view path) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= path.size()) {
        const auto slash = path.find('/', start);
        const auto end = slash == std::string_view::npos ? path.size() : slash;
        out.emplace_back(path.substr(start, end - start));
        if (slash == std::string_view::npos)
            break;
        start = slash + 1;
    }
    return out;
}

/// Why an angle include is not allowed in domain or app code, or nullopt.
[[nodiscard]] inline std::optional<std::string> check_angle(const Include& inc) {
    for (const auto lib : kThirdParty) {
        if (inc.target.find(lib) != std::string::npos) {
            return "third-party library (" + std::string(lib) + ") outside adapters";
        }
    }
    if (inc.target.find('/') != std::string::npos || inc.target.find('.') != std::string::npos ||
        !is_standard_header(inc.target)) {
        return "not a C++ standard library header";
    }
    return std::nullopt;
}

/// Why a quoted include of a file under src/domain/<ctx>/ is not allowed, or nullopt.
[[nodiscard]] inline std::optional<std::string> check_domain_quoted(const std::string& ctx,
                                                                    const Include& inc) {
    const auto parts = components(inc.target);
    if (parts.size() < 3 || parts[0] != "domain") {
        if (!parts.empty() && (parts[0] == "app" || parts[0] == "adapters")) {
            return "the domain depends on nothing outside the domain (" + parts[0] + "/)";
        }
        return "includes are rooted at src/ and domain code may include only domain/";
    }
    if (parts[1] == "common" || parts[1] == ctx)
        return std::nullopt;
    return "domain/" + ctx + " may not include another context (domain/" + parts[1] + ")";
}

/// Why a quoted include of a file under src/app/<ctx>/ is not allowed, or nullopt.
[[nodiscard]] inline std::optional<std::string> check_app_quoted(const std::string& ctx,
                                                                 const Include& inc) {
    const auto parts = components(inc.target);
    if (parts.size() < 3 || (parts[0] != "domain" && parts[0] != "app")) {
        if (!parts.empty() && parts[0] == "adapters") {
            return "the application layer never includes adapters";
        }
        return "includes are rooted at src/ and app code may include only app/ and domain/";
    }
    const auto& layer = parts[0];
    const auto& other = parts[1];
    if (other == "common" || other == ctx)
        return std::nullopt;
    if (layer == "domain" && parts.size() == 3 && parts[2] == "events.hpp") {
        return std::nullopt;  // another context's published language
    }
    if (layer == "app") {
        return "app/" + ctx + " may not include another context's application layer (app/" + other +
               ")";
    }
    return "app/" + ctx + " may include only the events header of domain/" + other +
           ", not its aggregates, repositories or services";
}

/// The context a file under src/ belongs to, for the checked layers: {layer, ctx}, or nullopt
/// for files these rules do not cover (adapters, the sagas on the module runtime app/sagas, the
/// composition root app/exe; the first two are checked by the part rules below).
[[nodiscard]] inline std::optional<std::pair<std::string, std::string>> checked_context(
    const std::string& file) {
    const auto parts = components(file);
    if (parts.size() < 3)
        return std::nullopt;
    if (parts[0] == "domain")
        return std::pair{parts[0], parts[1]};
    if (parts[0] == "app" && parts[1] != "exe" && parts[1] != "sagas")
        return std::pair{parts[0], parts[1]};
    return std::nullopt;
}

/// Applies the rules to one include of a checked file.
[[nodiscard]] inline std::optional<std::string> check(const Include& inc) {
    const auto where = checked_context(inc.file);
    if (!where)
        return std::nullopt;
    if (inc.angle)
        return check_angle(inc);
    return where->first == "domain" ? check_domain_quoted(where->second, inc)
                                    : check_app_quoted(where->second, inc);
}

/// The #include directives of one source text (comments skipped).
[[nodiscard]] inline std::vector<Include> parse_includes(const std::string& file,
                                                         std::istream& in) {
    std::vector<Include> out;
    std::string line;
    int number = 0;
    bool in_block_comment = false;
    while (std::getline(in, line)) {
        ++number;
        std::string code;
        for (std::size_t i = 0; i < line.size(); ++i) {
            if (in_block_comment) {
                if (line.compare(i, 2, "*/") == 0) {
                    in_block_comment = false;
                    ++i;
                }
                continue;
            }
            if (line.compare(i, 2, "/*") == 0) {
                in_block_comment = true;
                ++i;
                continue;
            }
            if (line.compare(i, 2, "//") == 0)
                break;
            code += line[i];
        }
        std::size_t p = code.find_first_not_of(" \t");
        if (p == std::string::npos || code[p] != '#')
            continue;
        p = code.find_first_not_of(" \t", p + 1);
        if (p == std::string::npos || code.compare(p, 7, "include") != 0)
            continue;
        p = code.find_first_not_of(" \t", p + 7);
        if (p == std::string::npos)
            continue;
        const char open = code[p];
        if (open != '<' && open != '"')
            continue;
        const char close = open == '<' ? '>' : '"';
        const auto end = code.find(close, p + 1);
        if (end == std::string::npos)
            continue;
        out.push_back(Include{file, number, code.substr(p + 1, end - p - 1), open == '<'});
    }
    return out;
}

/// Every #include of the .hpp/.cpp files under `src_root`/`subdir`, files in sorted order.
[[nodiscard]] inline std::vector<Include> scan(const std::filesystem::path& src_root,
                                               const std::string& subdir) {
    namespace fs = std::filesystem;
    std::vector<fs::path> files;
    const auto dir = src_root / subdir;
    if (!fs::exists(dir))
        return {};
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
        if (!entry.is_regular_file())
            continue;
        const auto ext = entry.path().extension().string();
        if (ext == ".hpp" || ext == ".cpp" || ext == ".h" || ext == ".ipp") {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    std::vector<Include> out;
    for (const auto& f : files) {
        std::ifstream in(f);
        const auto rel = fs::relative(f, src_root).generic_string();
        auto includes = parse_includes(rel, in);
        out.insert(out.end(), includes.begin(), includes.end());
    }
    return out;
}

/// The violations among `includes`, restricted to angle or quoted ones.
[[nodiscard]] inline std::vector<Violation> violations(const std::vector<Include>& includes,
                                                       bool angle) {
    std::vector<Violation> out;
    for (const auto& inc : includes) {
        if (inc.angle != angle)
            continue;
        if (auto reason = check(inc))
            out.push_back({inc, *reason});
    }
    return out;
}

/// Observability (issue 11) is read by the composition root only, and prometheus-cpp stays
/// inside it: why `inc` (of any file under src/) breaks that, or nullopt.
///   <prometheus/...>                   only in adapters/observability/
///   "adapters/observability/..."       only in adapters/observability/ and app/exe/
[[nodiscard]] inline std::optional<std::string> check_observability(const Include& inc) {
    const auto parts = components(inc.file);
    const bool inside = parts.size() >= 2 && parts[0] == "adapters" && parts[1] == "observability";
    const bool root = parts.size() >= 2 && parts[0] == "app" && parts[1] == "exe";
    const auto target = components(inc.target);
    if (inc.angle && !target.empty() && target[0] == "prometheus" && !inside)
        return "prometheus-cpp outside adapters/observability";
    if (!inc.angle && target.size() >= 2 && target[0] == "adapters" &&
        target[1] == "observability" && !inside && !root) {
        return "adapters/observability is wired by the composition root (app/exe) only";
    }
    return std::nullopt;
}

[[nodiscard]] inline std::vector<Violation> observability_violations(
    const std::vector<Include>& includes) {
    std::vector<Violation> out;
    for (const auto& inc : includes) {
        if (auto reason = check_observability(inc))
            out.push_back({inc, *reason});
    }
    return out;
}

/// The parts of the tree the one-way rule between adapters covers: a folder under adapters/
/// (bus/kafka and http/routes are parts of their own), or app/sagas.
[[nodiscard]] inline std::optional<std::string> part_of(std::string_view path) {
    const auto parts = components(path);
    if (parts.size() < 3)
        return std::nullopt;
    if (parts[0] == "app" && parts[1] == "sagas")
        return "app/sagas";
    if (parts[0] != "adapters")
        return std::nullopt;
    if (parts.size() >= 4 && ((parts[1] == "bus" && parts[2] == "kafka") ||
                              (parts[1] == "http" && parts[2] == "routes"))) {
        return parts[0] + "/" + parts[1] + "/" + parts[2];
    }
    return parts[0] + "/" + parts[1];
}

/// A part and the other parts it may include (besides itself). A part not listed here
/// (adapters/observability, read by the composition root only) is not constrained by it.
struct PartRule {
    std::string_view part;
    std::vector<std::string_view> may_include;
};

inline const std::vector<PartRule> kPartRules = {
    {"adapters/codec", {}},    // the wire form of events: domain events in, envelopes out
    {"adapters/logging", {}},  // below everything
    {"adapters/system", {}},   // clock, ids, the simulated payment provider
    {"adapters/auth", {}},
    {"adapters/persistence", {"adapters/codec", "adapters/logging", "adapters/system"}},
    {"adapters/bus", {"adapters/codec", "adapters/logging"}},
    {"adapters/bus/kafka", {"adapters/bus", "adapters/codec", "adapters/logging"}},
    {"adapters/runtime",
     {"adapters/persistence", "adapters/bus", "adapters/codec", "adapters/logging"}},
    {"adapters/inprocess", {"adapters/runtime", "adapters/logging"}},
    // the Notifier port and the webhook adapter: on the module runtime (the notify module's
    // executor and storage), with a breaker from inprocess
    {"adapters/notification",
     {"adapters/runtime", "adapters/persistence", "adapters/inprocess", "adapters/logging"}},
    {"app/sagas", {"adapters/runtime", "adapters/logging"}},
    {"adapters/http", {"adapters/logging"}},
    {"adapters/http/routes",
     {"adapters/http", "adapters/inprocess", "adapters/runtime", "app/sagas", "adapters/logging",
      "adapters/auth"}},
};

/// Why a quoted include breaks the one-way rule between parts, or nullopt.
[[nodiscard]] inline std::optional<std::string> check_part(const Include& inc) {
    if (inc.angle)
        return std::nullopt;
    const auto from = part_of(inc.file);
    const auto to = part_of(inc.target);
    if (!from || !to || *from == *to)
        return std::nullopt;
    const auto rule = std::find_if(kPartRules.begin(), kPartRules.end(),
                                   [&](const PartRule& r) { return r.part == *from; });
    if (rule == kPartRules.end())
        return std::nullopt;
    if (std::find(rule->may_include.begin(), rule->may_include.end(), *to) !=
        rule->may_include.end()) {
        return std::nullopt;
    }
    std::string allowed;
    for (const auto p : rule->may_include)
        allowed += (allowed.empty() ? "" : ", ") + std::string(p);
    return *from + " may not include " + *to + " (dependencies between adapters go one way; " +
           *from + " may include " + (allowed.empty() ? "no other part" : allowed) + ")";
}

[[nodiscard]] inline std::vector<Violation> part_violations(const std::vector<Include>& includes) {
    std::vector<Violation> out;
    for (const auto& inc : includes) {
        if (auto reason = check_part(inc))
            out.push_back({inc, *reason});
    }
    return out;
}

[[nodiscard]] inline std::string report(const std::vector<Violation>& found) {
    std::string out;
    for (const auto& v : found)
        out += v.describe() + "\n";
    return out;
}

}  // namespace mb::architecture
