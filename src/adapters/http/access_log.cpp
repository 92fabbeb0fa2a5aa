#include "adapters/http/access_log.hpp"

#include <charconv>
#include <string>

#include <spdlog/logger.h>

#include "adapters/logging/log_context.hpp"
#include "adapters/logging/logging.hpp"

namespace mb::adapters::http {
namespace {

constexpr std::string_view kSamplePrefix = "sample:";
constexpr std::uint64_t kMaxSampleEvery = 1'000'000;
constexpr unsigned kFirstErrorStatus = 400;

}  // namespace

std::optional<AccessLogPolicy> AccessLogPolicy::parse(std::string_view text) {
    if (text == "all")
        return AccessLogPolicy{Mode::kAll, 1};
    if (text == "errors")
        return AccessLogPolicy{Mode::kErrors, 1};
    if (text == "off")
        return AccessLogPolicy{Mode::kOff, 1};
    if (text.rfind(kSamplePrefix, 0) != 0)
        return std::nullopt;
    const auto digits = text.substr(kSamplePrefix.size());
    std::uint64_t every = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), every);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || every == 0 ||
        every > kMaxSampleEvery) {
        return std::nullopt;
    }
    return AccessLogPolicy{Mode::kSample, every};
}

AccessLog::AccessLog(AccessLogPolicy policy, std::chrono::microseconds slow)
    : policy_(policy), slow_(slow), logger_(logging::module_logger("access")) {}

bool AccessLog::admit(const RequestRecord& record) {
    switch (policy_.mode) {
        case AccessLogPolicy::Mode::kOff:
            return false;
        case AccessLogPolicy::Mode::kAll:
            return true;
        case AccessLogPolicy::Mode::kErrors:
        case AccessLogPolicy::Mode::kSample:
            break;
    }
    if (record.status >= kFirstErrorStatus || record.duration >= slow_)
        return true;
    if (policy_.mode == AccessLogPolicy::Mode::kErrors)
        return false;
    return seen_.fetch_add(1, std::memory_order_relaxed) % policy_.every == 0;
}

void AccessLog::observe(const RequestRecord& record) {
    if (!logger_->should_log(spdlog::level::info) || !admit(record))
        return;
    const logging::ScopedLogContext context({std::string(record.request_id), 0, {}});
    logger_->info("method={} route={} status={} durationUs={} bytes={}",
                  record.method.empty() ? std::string_view("-") : record.method,
                  record.route.empty() ? std::string_view("-") : record.route, record.status,
                  record.duration.count(), record.body_bytes);
}

RequestObserver AccessLog::observer(std::shared_ptr<AccessLog> log) {
    return [log = std::move(log)](const RequestRecord& record) {
        log->observe(record);
    };
}

}  // namespace mb::adapters::http
