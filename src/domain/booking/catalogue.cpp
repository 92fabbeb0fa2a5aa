#include "domain/booking/catalogue.hpp"

#include <cctype>
#include <chrono>
#include <cstdio>

#include "domain/common/text.hpp"

namespace mb::domain::booking {
namespace {

std::string label_of(std::int64_t row, std::int64_t seat) {
    return std::string(1, static_cast<char>('A' + row)) + std::to_string(seat + 1);
}

}  // namespace

FieldErrors validate(const Movie& m) {
    FieldErrors errors;
    const auto length = utf8_length(m.title);
    if (length == 0)
        errors.push_back({"title", "must not be empty"});
    if (length > kMaxTitleLength)
        errors.push_back({"title", "must be at most 200 characters"});
    if (m.runtime_minutes < 1 || m.runtime_minutes > 1000) {
        errors.push_back({"runtimeMinutes", "must be from 1 to 1000"});
    }
    if (m.rating != "ALL" && m.rating != "12" && m.rating != "15" && m.rating != "18") {
        errors.push_back({"rating", "must be one of ALL, 12, 15, 18"});
    }
    return errors;
}

std::optional<std::string> SeatMap::canonical(std::string_view label) {
    if (label.size() < 2 || label.size() > 3)
        return std::nullopt;
    char row = 0;
    std::string_view digits;
    if (std::isalpha(static_cast<unsigned char>(label.front())) != 0) {
        row = label.front();
        digits = label.substr(1);
    } else if (std::isalpha(static_cast<unsigned char>(label.back())) != 0) {
        row = label.back();  // the seed's "1A"
        digits = label.substr(0, label.size() - 1);
    } else {
        return std::nullopt;
    }
    if (digits.empty() || digits.front() == '0')
        return std::nullopt;
    for (const char c : digits) {
        if (std::isdigit(static_cast<unsigned char>(c)) == 0)
            return std::nullopt;
    }
    return std::string(1, static_cast<char>(std::toupper(static_cast<unsigned char>(row)))) +
           std::string(digits);
}

std::optional<SeatMap> SeatMap::create(std::int64_t rows, std::int64_t seats_per_row,
                                       const std::vector<std::string>& blocked,
                                       const std::vector<std::string>& gaps, FieldErrors& errors) {
    const auto before = errors.size();
    if (rows < 1 || rows > kMaxRows)
        errors.push_back({"rows", "must be from 1 to 26"});
    if (seats_per_row < 1 || seats_per_row > kMaxSeatsPerRow) {
        errors.push_back({"seatsPerRow", "must be from 1 to 50"});
    }
    if (errors.size() != before)
        return std::nullopt;
    SeatMap map;
    map.rows_ = rows;
    map.seats_per_row_ = seats_per_row;
    auto inside = [&](const std::string& label) {
        const auto row = label.front() - 'A';
        const auto seat = std::stoll(label.substr(1));
        return row >= 0 && row < rows && seat >= 1 && seat <= seats_per_row;
    };
    auto add = [&](const std::vector<std::string>& labels, std::set<std::string>& into,
                   const char* field) {
        for (const auto& raw : labels) {
            auto label = canonical(raw);
            if (!label || !inside(*label)) {
                errors.push_back({field, "\"" + raw + "\" is not a seat of a " +
                                             std::to_string(rows) + " x " +
                                             std::to_string(seats_per_row) + " screen"});
                continue;
            }
            into.insert(*label);
        }
    };
    add(gaps, map.gaps_, "gaps");
    add(blocked, map.blocked_, "blocked");
    for (const auto& b : map.blocked_) {
        if (map.gaps_.contains(b))
            errors.push_back({"blocked", b + " is also a gap"});
    }
    if (errors.size() != before)
        return std::nullopt;
    return map;
}

bool SeatMap::exists(const std::string& label) const {
    if (label.size() < 2)
        return false;
    const auto row = label.front() - 'A';
    std::int64_t seat = 0;
    for (std::size_t i = 1; i < label.size(); ++i) {
        if (std::isdigit(static_cast<unsigned char>(label[i])) == 0)
            return false;
        seat = seat * 10 + (label[i] - '0');
    }
    return row >= 0 && row < rows_ && seat >= 1 && seat <= seats_per_row_ && !gaps_.contains(label);
}

std::vector<std::string> SeatMap::seats() const {
    std::vector<std::string> out;
    out.reserve(static_cast<std::size_t>(rows_ * seats_per_row_));
    for (std::int64_t r = 0; r < rows_; ++r) {
        for (std::int64_t s = 0; s < seats_per_row_; ++s) {
            auto label = label_of(r, s);
            if (!gaps_.contains(label))
                out.push_back(std::move(label));
        }
    }
    return out;
}

std::int64_t SeatMap::capacity() const {
    return rows_ * seats_per_row_ - static_cast<std::int64_t>(gaps_.size()) -
           static_cast<std::int64_t>(blocked_.size());
}

std::optional<SeatSelection> select_seats(const SeatMap& map,
                                          const std::vector<std::string>& requested,
                                          std::string_view field, FieldErrors& errors,
                                          std::vector<std::string>& blocked_out) {
    const auto before = errors.size();
    SeatSelection selection;
    std::set<std::string> seen;
    if (requested.empty())
        errors.push_back({std::string(field), "must name at least one seat"});
    for (const auto& raw : requested) {
        auto label = SeatMap::canonical(raw);
        if (!label || !map.exists(*label)) {
            errors.push_back({std::string(field), "\"" + raw + "\" is not a seat of this screen"});
            continue;
        }
        if (!seen.insert(*label).second) {
            errors.push_back({std::string(field), "seat " + *label + " is listed twice"});
            continue;
        }
        if (map.is_blocked(*label))
            blocked_out.push_back(*label);
        selection.seats.push_back(*label);
    }
    if (errors.size() != before)
        return std::nullopt;
    return selection;
}

std::optional<TimePoint> parse_utc(std::string_view text) {
    // YYYY-MM-DDTHH:MM:SSZ
    if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
        text[13] != ':' || text[16] != ':' || text[19] != 'Z') {
        return std::nullopt;
    }
    auto num = [&](std::size_t pos, std::size_t len) -> std::optional<int> {
        int v = 0;
        for (std::size_t i = pos; i < pos + len; ++i) {
            if (std::isdigit(static_cast<unsigned char>(text[i])) == 0)
                return std::nullopt;
            v = v * 10 + (text[i] - '0');
        }
        return v;
    };
    const auto y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2),
               s = num(17, 2);
    if (!y || !mo || !d || !h || !mi || !s || *h > 23 || *mi > 59 || *s > 59) {
        return std::nullopt;
    }
    const std::chrono::year_month_day ymd{std::chrono::year(*y),
                                          std::chrono::month(static_cast<unsigned>(*mo)),
                                          std::chrono::day(static_cast<unsigned>(*d))};
    if (!ymd.ok())
        return std::nullopt;
    // In seconds first: any 4-digit year fits. TimePoint counts nanoseconds in 64 bits, so a
    // time outside its range is refused instead of overflowing (undefined behaviour).
    const std::chrono::sys_seconds t = std::chrono::sys_days(ymd) + std::chrono::hours(*h) +
                                       std::chrono::minutes(*mi) + std::chrono::seconds(*s);
    if (t < std::chrono::ceil<std::chrono::seconds>(TimePoint::min()) ||
        t > std::chrono::floor<std::chrono::seconds>(TimePoint::max()))
        return std::nullopt;
    return std::chrono::time_point_cast<TimePoint::duration>(t);
}

std::string format_utc(TimePoint t) {
    const auto secs = std::chrono::floor<std::chrono::seconds>(t);
    const auto days = std::chrono::floor<std::chrono::days>(secs);
    const std::chrono::year_month_day ymd{days};
    const std::chrono::hh_mm_ss hms{secs - days};
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                  static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                  static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                  static_cast<int>(hms.seconds().count()));
    return buf;
}

}  // namespace mb::domain::booking
