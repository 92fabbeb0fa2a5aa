// Review aggregate: opened at print ("Waiting Review"), written with a score 0..10 and at most
// 2000 characters of contents (Unicode code points of the UTF-8 text), rewritable.
#include "domain/review/review.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <system_error>
#include <vector>

#include <catch2/catch.hpp>

#include "fakes/fixed_clock.hpp"

namespace mb::domain::review {
namespace {

using namespace std::chrono_literals;

std::string repeat(const std::string& s, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i)
        out += s;
    return out;
}

const std::string kHangul = "\xec\xa2\x8b";     // U+C88B, 3 bytes
const std::string kEmoji = "\xf0\x9f\x8e\xac";  // U+1F3AC, 4 bytes
const std::string kAccented = "\xc3\xa9";       // U+00E9, 2 bytes

std::vector<std::string> fields_of(const FieldErrors& errors) {
    std::vector<std::string> out;
    for (const auto& e : errors)
        out.push_back(e.field);
    return out;
}
using Fields = std::vector<std::string>;

TEST_CASE("validate_write: score must be an integer from 0 to 10 inclusive", "[review][validate]") {
    CHECK(validate_write(0, "").empty());
    CHECK(validate_write(10, "").empty());
    CHECK(validate_write(5, "ok").empty());
    CHECK(fields_of(validate_write(-1, "")) == Fields{"score"});
    CHECK(fields_of(validate_write(11, "")) == Fields{"score"});
    CHECK(fields_of(validate_write(INT64_MIN, "")) == Fields{"score"});
}

TEST_CASE("validate_write: contents hold at most 2000 characters", "[review][validate]") {
    CHECK(validate_write(5, std::string(2000, 'a')).empty());
    const auto errors = validate_write(5, std::string(2001, 'a'));
    REQUIRE(fields_of(errors) == Fields{"contents"});
    CHECK(errors[0].message == "must be at most 2000 characters");
}

TEST_CASE(
    "validate_write: contents length counts code points, so 2000 multibyte characters "
    "fit and 2001 do not",
    "[review][validate]") {
    CHECK(validate_write(5, repeat(kHangul, 2000)).empty());  // 6000 bytes
    CHECK(validate_write(5, repeat(kEmoji, 2000)).empty());   // 8000 bytes
    CHECK(validate_write(5, repeat(kAccented, 1000) + std::string(1000, 'a')).empty());
    CHECK(fields_of(validate_write(5, repeat(kHangul, 2001))) == Fields{"contents"});
    CHECK(fields_of(validate_write(5, repeat(kEmoji, 2001))) == Fields{"contents"});
}

TEST_CASE("validate_write: both offending fields are reported at once", "[review][validate]") {
    CHECK(fields_of(validate_write(11, std::string(2001, 'x'))) == Fields{"score", "contents"});
}

TEST_CASE("open: a new review record is Waiting Review, unscored, carrying the weather",
          "[review]") {
    test::FixedClock clock;
    const auto r = Review::open(7, "alice", "Sunny", clock.now());
    CHECK(r.id() == 0);
    CHECK(r.booking_id() == 7);
    CHECK(r.weather() == "Sunny");
    CHECK(r.status() == ReviewStatus::kWaitingReview);
    CHECK_FALSE(r.score().has_value());
    CHECK(r.contents().empty());
    CHECK(r.created_at() == clock.now());
}

TEST_CASE("waited_event: announces the opened record (id, booking, weather, Waiting Review)",
          "[review]") {
    test::FixedClock clock;
    auto r = Review::open(7, "alice", "Sunny", clock.now());
    r.assign_id(2);
    const auto e = r.waited_event();
    CHECK(e.review_id == 2);
    CHECK(e.booking_id == 7);
    CHECK(e.weather == "Sunny");
    CHECK(e.status == "Waiting Review");
    CHECK(std::string(WaitedReview::kType) == "WaitedReview");
}

TEST_CASE("write: sets score and contents, -> Written, yielding WrittenReview with the weather",
          "[review][write]") {
    test::FixedClock clock;
    auto r = Review::open(7, "alice", "Sunny", clock.now());
    r.assign_id(2);
    clock.advance(1min);
    const auto written = r.write(10, "VeryGood", clock.now());
    REQUIRE(written);
    CHECK(r.status() == ReviewStatus::kWritten);
    CHECK(r.score() == 10);
    CHECK(r.contents() == "VeryGood");
    CHECK(r.updated_at() == clock.now());
    CHECK(written->review_id == 2);
    CHECK(written->booking_id == 7);
    CHECK(written->score == 10);
    CHECK(written->contents == "VeryGood");
    CHECK(written->weather == "Sunny");
    CHECK(written->status == "Written");
    CHECK(std::string(WrittenReview::kType) == "WrittenReview");
}

TEST_CASE("write: an invalid write is refused (kInvalidReview) and changes nothing",
          "[review][write]") {
    test::FixedClock clock;
    auto r = Review::open(7, "alice", "Sunny", clock.now());
    const auto bad = r.write(11, "too good", clock.now() + 1s);
    REQUIRE_FALSE(bad);
    CHECK(bad.error() == ReviewError::kInvalidReview);
    CHECK(r.status() == ReviewStatus::kWaitingReview);
    CHECK_FALSE(r.score().has_value());
    CHECK(r.contents().empty());
    CHECK(r.updated_at() == clock.now());
}

TEST_CASE("write: a written review may be rewritten, the last write wins", "[review][write]") {
    test::FixedClock clock;
    auto r = Review::open(7, "alice", "Sunny", clock.now());
    REQUIRE(r.write(3, "meh", clock.now()));
    const auto again = r.write(9, "better on second watch", clock.now());
    REQUIRE(again);
    CHECK(r.score() == 9);
    CHECK(r.contents() == "better on second watch");
    CHECK(r.status() == ReviewStatus::kWritten);
}

TEST_CASE("Review status names are the seed's (Waiting Review, Written) and parse back",
          "[review]") {
    CHECK(to_string(ReviewStatus::kWaitingReview) == "Waiting Review");
    CHECK(to_string(ReviewStatus::kWritten) == "Written");
    CHECK(review_status_from("Waiting Review") == ReviewStatus::kWaitingReview);
    CHECK(review_status_from("Written") == ReviewStatus::kWritten);
    CHECK_FALSE(review_status_from("WaitingReview").has_value());
}

TEST_CASE("ReviewError category: name mb.review, a message per value, mapped to conditions",
          "[review][errors][category]") {
    using E = ReviewError;
    struct Row {
        E error;
        Condition condition;
        const char* message_part;
    };
    const Row rows[] = {
        {E::kNotFound, Condition::kNotFound, "no review"},
        {E::kInvalidReview, Condition::kInvalidInput, "invalid"},
        {E::kUnavailable, Condition::kUnavailable, "cannot be opened"},
    };
    CHECK(static_cast<int>(E::kNotFound) == 1);
    for (const auto& row : rows) {
        const std::error_code ec = row.error;
        INFO("value " << ec.value() << ": " << ec.message());
        CHECK(std::string(ec.category().name()) == "mb.review");
        CHECK(ec.message().find(row.message_part) != std::string::npos);
        CHECK(ec == row.condition);
    }
    const std::error_code unknown(99, make_error_code(E::kNotFound).category());
    CHECK(unknown.message() == "unknown review error");
}

}  // namespace
}  // namespace mb::domain::review
