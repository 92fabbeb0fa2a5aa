#include "adapters/http/json_body.hpp"
#include "domain/common/text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>
#include <utility>
#include <vector>

#include <boost/beast/http/field.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "adapters/http/problem.hpp"

namespace mb::adapters::http {
namespace {

namespace bhttp = beast::http;

constexpr std::string_view kRequired = "is required";
constexpr std::string_view kMustBeInteger = "must be an integer";
constexpr std::string_view kMustBeSafeInteger =
    "must be an integer between -9007199254740991 and 9007199254740991";
constexpr std::string_view kMustBeString = "must be a string";
constexpr std::string_view kMustBeIdentifier =
    "must be an identifier (1 to 64 of A-Z a-z 0-9 . _ @ -)";

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

char to_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return to_lower(x) == to_lower(y);
           });
}

std::string_view trim(std::string_view text) {
    const auto blank = [](char c) {
        return c == ' ' || c == '\t';
    };
    while (!text.empty() && blank(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && blank(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

/// application/json or application/<subtype>+json, parameters ignored.
bool is_json_media_type(std::string_view content_type) {
    const auto media = trim(content_type.substr(0, content_type.find(';')));
    constexpr std::string_view kApplication = "application/";
    if (media.size() <= kApplication.size() ||
        !iequals(media.substr(0, kApplication.size()), kApplication)) {
        return false;
    }
    const auto subtype = media.substr(kApplication.size());
    if (std::any_of(subtype.begin(), subtype.end(),
                    [](char c) { return c == ' ' || c == '\t' || c == '/'; })) {
        return false;
    }
    constexpr std::string_view kJson = "json";
    constexpr std::string_view kSuffix = "+json";
    return iequals(subtype, kJson) ||
           (subtype.size() > kSuffix.size() &&
            iequals(subtype.substr(subtype.size() - kSuffix.size()), kSuffix));
}


/// Why a parsed document is refused, or empty: a container with more than kMaxJsonElements
/// members or elements, or a number that is not finite (1e400 parses as infinity).
std::string refuse_document(const boost::json::value& root) {
    std::vector<const boost::json::value*> pending{&root};
    while (!pending.empty()) {
        const auto* value = pending.back();
        pending.pop_back();
        if (value->is_object()) {
            const auto& object = value->get_object();
            if (object.size() > kMaxJsonElements) {
                return "a JSON object has more than " + std::to_string(kMaxJsonElements) +
                       " members";
            }
            for (const auto& member : object) {
                pending.push_back(&member.value());
            }
        } else if (value->is_array()) {
            const auto& array = value->get_array();
            if (array.size() > kMaxJsonElements) {
                return "a JSON array has more than " + std::to_string(kMaxJsonElements) +
                       " elements";
            }
            for (const auto& element : array) {
                pending.push_back(&element);
            }
        } else if (value->is_double() && !std::isfinite(value->get_double())) {
            return "a JSON number is out of range";
        }
    }
    return {};
}

/// True for text that looks like a decimal integer (optional '-', digits) whatever its size.
bool is_decimal_integer_text(std::string_view text) {
    if (!text.empty() && text.front() == '-') {
        text.remove_prefix(1);
    }
    return !text.empty() && std::all_of(text.begin(), text.end(), is_digit);
}

}  // namespace

JsonObjectOrProblem parse_json_object(const Request& request) {
    JsonObjectOrProblem result;
    const auto& raw = *request.raw;
    const auto content_type = raw[bhttp::field::content_type];
    if (!is_json_media_type(std::string_view(content_type.data(), content_type.size()))) {
        result.problem = problem(request, bhttp::status::unsupported_media_type,
                                 "Content-Type must be application/json");
        return result;
    }
    const std::string& body = raw.body();
    if (body.empty()) {
        result.problem = problem(request, bhttp::status::bad_request, "malformed JSON: empty body");
        return result;
    }
    boost::json::error_code ec;
    boost::json::parse_options options;
    options.max_depth = kMaxJsonDepth;
    boost::json::value value = boost::json::parse(body, ec, {}, options);
    if (ec == boost::json::error::too_deep) {
        result.problem = problem(
            request, bhttp::status::bad_request,
            "malformed JSON: nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
        return result;
    }
    if (ec) {
        result.problem =
            problem(request, bhttp::status::bad_request, "malformed JSON: " + ec.message());
        return result;
    }
    if (auto refusal = refuse_document(value); !refusal.empty()) {
        result.problem = problem(request, bhttp::status::bad_request, "malformed JSON: " + refusal);
        return result;
    }
    if (!value.is_object()) {
        result.problem =
            problem(request, bhttp::status::bad_request, "request body must be a JSON object");
        return result;
    }
    result.object.emplace(std::move(value.get_object()));
    return result;
}

JsonFields::JsonFields(const boost::json::object& object) : object_(&object) {}

std::optional<std::int64_t> JsonFields::integer(std::string_view name, bool required) {
    const boost::json::value* value = object_->if_contains(name);
    if (value == nullptr || value->is_null()) {
        if (required) {
            add_error(std::string(name), std::string(kRequired));
        }
        return std::nullopt;
    }
    const auto in_range = [](std::int64_t number) {
        return number >= -kMaxSafeInteger && number <= kMaxSafeInteger;
    };
    std::optional<std::int64_t> number;
    bool integral = false;  // an integer, whether or not it is in range
    if (value->is_int64()) {
        number = value->get_int64();
        integral = true;
    } else if (value->is_uint64()) {
        integral = true;  // above int64's maximum (Boost.JSON keeps int64 for the others)
    } else if (value->is_string()) {
        const auto& text = value->get_string();
        const std::string_view view(text.data(), text.size());
        number = parse_decimal_int64(view);
        integral = is_decimal_integer_text(view);
    }
    if (number && in_range(*number)) {
        return number;
    }
    add_error(std::string(name), std::string(integral ? kMustBeSafeInteger : kMustBeInteger));
    return std::nullopt;
}

std::optional<std::string> JsonFields::string(std::string_view name, bool required,
                                              std::size_t max_length) {
    const boost::json::value* value = object_->if_contains(name);
    if (value == nullptr || value->is_null()) {
        if (required) {
            add_error(std::string(name), std::string(kRequired));
        }
        return std::nullopt;
    }
    if (!value->is_string()) {
        add_error(std::string(name), std::string(kMustBeString));
        return std::nullopt;
    }
    const auto& text = value->get_string();
    if (text.size() > max_length) {
        add_error(std::string(name),
                  "must be at most " + std::to_string(max_length) + " characters");
        return std::nullopt;
    }
    return std::string(text.data(), text.size());
}

std::optional<std::string> JsonFields::identifier(std::string_view name, bool required) {
    const boost::json::value* value = object_->if_contains(name);
    if (value == nullptr || value->is_null()) {
        if (required) {
            add_error(std::string(name), std::string(kRequired));
        }
        return std::nullopt;
    }
    if (value->is_int64()) {
        return std::to_string(value->get_int64());
    }
    if (value->is_uint64()) {
        return std::to_string(value->get_uint64());
    }
    if (value->is_string()) {
        const auto& text = value->get_string();
        if (domain::is_customer_id(std::string_view(text.data(), text.size()))) {
            return std::string(text.data(), text.size());
        }
    }
    add_error(std::string(name), std::string(kMustBeIdentifier));
    return std::nullopt;
}

void JsonFields::add_error(std::string field, std::string message) {
    errors_.push_back({std::move(field), std::move(message)});
}

const mb::domain::FieldErrors& JsonFields::errors() const {
    return errors_;
}

bool JsonFields::ok() const {
    return errors_.empty();
}

std::optional<std::int64_t> parse_decimal_int64(std::string_view text) {
    const std::size_t first_digit = (!text.empty() && text.front() == '-') ? 1 : 0;
    if (text.size() == first_digit ||
        !std::all_of(text.begin() + static_cast<std::ptrdiff_t>(first_digit), text.end(),
                     is_digit)) {
        return std::nullopt;
    }
    std::int64_t value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr != end) {
        return std::nullopt;
    }
    return value;
}

std::optional<std::int64_t> parse_id(std::string_view text) {
    if (text.empty() || text.front() == '-') {
        return std::nullopt;
    }
    const auto value = parse_decimal_int64(text);
    if (!value || *value <= 0) {
        return std::nullopt;
    }
    return value;
}

}  // namespace mb::adapters::http
