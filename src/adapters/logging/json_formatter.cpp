#include "adapters/logging/json_formatter.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <iterator>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <spdlog/pattern_formatter.h>

#include "adapters/logging/log_context.hpp"
#include "domain/common/text.hpp"

namespace mb::adapters::logging {
namespace {

constexpr std::string_view kDefaultModule = "main";

std::string_view module_of(const spdlog::details::log_msg& msg) {
    const std::string_view name(msg.logger_name.data(), msg.logger_name.size());
    return name.empty() ? kDefaultModule : name;
}

/// "2026-12-02T04:30:00.123456Z". The part up to the second is formatted once per second and
/// thread (most lines of a busy second share it); the microseconds every time.
std::string rfc3339_utc_micros(spdlog::log_clock::time_point time) {
    struct Second {
        std::int64_t epoch = -1;
        std::string text;  // "2026-12-02T04:30:00."
    };
    thread_local Second cached;
    const auto since_epoch = time.time_since_epoch();
    const auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(since_epoch - seconds).count();
    if (cached.epoch != seconds.count()) {
        const std::time_t t = seconds.count();
        std::tm tm{};
        gmtime_r(&t, &tm);
        cached.text = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.", tm.tm_year + 1900,
                                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        cached.epoch = seconds.count();
    }
    std::string out;
    out.reserve(cached.text.size() + 7);
    out.append(cached.text);
    char digits[6];
    auto rest = micros;
    for (int i = 5; i >= 0; --i) {
        digits[i] = static_cast<char>('0' + rest % 10);
        rest /= 10;
    }
    out.append(digits, sizeof digits);
    out.push_back('Z');
    return out;
}

/// `text` as a JSON string value: as it is when it is ASCII (the common case: no copy),
/// else repaired into `storage` (ill-formed UTF-8 becomes U+FFFD).
boost::json::string_view valid_utf8(std::string_view text, std::string& storage) {
    const bool ascii = std::all_of(text.begin(), text.end(),
                                   [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (ascii)
        return {text.data(), text.size()};
    storage = domain::to_valid_utf8(text);
    return {storage.data(), storage.size()};
}

/// %* : "module: " for a named logger, nothing for the default one (whose messages carry their
/// own prefix, as before).
class ModulePrefixFlag final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& msg, const std::tm& /*tm*/,
                spdlog::memory_buf_t& dest) override {
        if (msg.logger_name.size() == 0)
            return;
        constexpr std::string_view kSeparator = ": ";
        dest.append(msg.logger_name.data(), msg.logger_name.data() + msg.logger_name.size());
        dest.append(kSeparator.data(), kSeparator.data() + kSeparator.size());
    }
    [[nodiscard]] std::unique_ptr<custom_flag_formatter> clone() const override {
        return spdlog::details::make_unique<ModulePrefixFlag>();
    }
};

/// %& : " requestId=... bookingId=... error=..." for the context fields that are set.
class ContextSuffixFlag final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& /*msg*/, const std::tm& /*tm*/,
                spdlog::memory_buf_t& dest) override {
        const auto& context = current_log_context();
        if (!context.request_id.empty())
            fmt::format_to(std::back_inserter(dest), " requestId={}", context.request_id);
        if (context.booking_id != 0)
            fmt::format_to(std::back_inserter(dest), " bookingId={}", context.booking_id);
        if (!context.error.empty())
            fmt::format_to(std::back_inserter(dest), " error=\"{}\"", context.error);
    }
    [[nodiscard]] std::unique_ptr<custom_flag_formatter> clone() const override {
        return spdlog::details::make_unique<ContextSuffixFlag>();
    }
};

}  // namespace

void JsonFormatter::format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) {
    const auto& context = current_log_context();
    boost::json::object line;
    line.reserve(8);
    line.emplace("time", rfc3339_utc_micros(msg.time));
    const auto level = spdlog::level::to_string_view(msg.level);
    line.emplace("level", std::string_view(level.data(), level.size()));
    line.emplace("module", module_of(msg));
    line.emplace("thread", static_cast<std::uint64_t>(msg.thread_id));
    std::string repaired;
    line.emplace("message",
                 valid_utf8(std::string_view(msg.payload.data(), msg.payload.size()), repaired));
    if (!context.request_id.empty())
        line.emplace("requestId", valid_utf8(context.request_id, repaired));
    if (context.booking_id != 0)
        line.emplace("bookingId", context.booking_id);
    if (!context.error.empty())
        line.emplace("error", valid_utf8(context.error, repaired));
    const std::string text = boost::json::serialize(line);
    dest.append(text.data(), text.data() + text.size());
    dest.push_back('\n');
}

std::unique_ptr<spdlog::formatter> JsonFormatter::clone() const {
    return std::make_unique<JsonFormatter>();
}

std::unique_ptr<spdlog::formatter> make_text_formatter() {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<ModulePrefixFlag>('*').add_flag<ContextSuffixFlag>('&').set_pattern(
        "%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ [%t] %*%v%&");
    return formatter;
}

}  // namespace mb::adapters::logging
