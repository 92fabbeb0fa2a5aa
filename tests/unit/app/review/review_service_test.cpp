// ReviewService with fakes: the record opened at print (idempotent, carrying the configured
// weather) and the write (validated, announced with WrittenReview).
#include "app/review/review_service.hpp"

#include <chrono>
#include <string>

#include <catch2/catch.hpp>

#include "fakes/principals.hpp"

#include "fakes/fixed_clock.hpp"
#include "fakes/in_memory_outbox.hpp"
#include "fakes/in_memory_review_repository.hpp"

namespace mb::app::review {
namespace {

using namespace std::chrono_literals;
using domain::review::ReviewError;
using domain::review::ReviewStatus;
using domain::review::WaitedReview;
using domain::review::WrittenReview;

struct Fixture {
    test::FixedClock clock;
    test::InMemoryReviewRepository repository;
    test::InMemoryOutbox<domain::review::ReviewEvent> outbox;
    ReviewService service{repository, outbox, clock, "Sunny"};
};

TEST_CASE(
    "ReviewService::open creates a Waiting Review record with the configured weather and "
    "appends WaitedReview",
    "[app][review]") {
    Fixture f;
    const auto r = f.service.open(7, "alice");
    REQUIRE(r);
    CHECK(r->id() == 1);
    CHECK(r->booking_id() == 7);
    CHECK(r->status() == ReviewStatus::kWaitingReview);
    CHECK(r->weather() == "Sunny");
    const auto waited = f.outbox.of<WaitedReview>();
    REQUIRE(waited.size() == 1);
    CHECK(waited[0].review_id == r->id());
    CHECK(waited[0].booking_id == 7);
    CHECK(waited[0].weather == "Sunny");
    CHECK(waited[0].status == "Waiting Review");
}

TEST_CASE(
    "ReviewService::open is idempotent per booking: the existing record is returned "
    "unchanged, nothing appended",
    "[app][review]") {
    Fixture f;
    const auto first = f.service.open(7, "alice");
    REQUIRE(first);
    REQUIRE(f.service.write(mb::domain::Principal::system(), first->id(), 8, "good"));
    f.outbox.clear();
    const auto second = f.service.open(7, "alice");
    REQUIRE(second);
    CHECK(second->id() == first->id());
    CHECK(second->status() == ReviewStatus::kWritten);  // not reset by a second print attempt
    CHECK(second->score() == 8);
    CHECK(f.repository.size() == 1);
    CHECK(f.outbox.empty());
}

TEST_CASE(
    "ReviewService::write stores score and contents, -> Written, appends WrittenReview "
    "with the weather",
    "[app][review]") {
    Fixture f;
    const auto id = f.service.open(7, "alice")->id();
    f.outbox.clear();
    f.clock.advance(1h);
    const auto r = f.service.write(mb::domain::Principal::system(), id, 10, "VeryGood");
    REQUIRE(r);
    CHECK(r->status() == ReviewStatus::kWritten);
    const auto stored = f.service.find(mb::domain::Principal::system(), id);
    REQUIRE(stored);
    CHECK(stored->score() == 10);
    CHECK(stored->contents() == "VeryGood");
    CHECK(stored->weather() == "Sunny");
    CHECK(stored->updated_at() == f.clock.now());
    const auto written = f.outbox.of<WrittenReview>();
    REQUIRE(written.size() == 1);
    CHECK(written[0].review_id == id);
    CHECK(written[0].booking_id == 7);
    CHECK(written[0].score == 10);
    CHECK(written[0].contents == "VeryGood");
    CHECK(written[0].weather == "Sunny");
    CHECK(written[0].status == "Written");
}

TEST_CASE("ReviewService::write of an unknown review: kNotFound", "[app][review]") {
    Fixture f;
    const auto r = f.service.write(mb::domain::Principal::system(), 42, 5, "x");
    REQUIRE_FALSE(r);
    CHECK(r.error() == ReviewError::kNotFound);
    CHECK(f.outbox.empty());
}

TEST_CASE(
    "ReviewService::write validates score 0..10 and 2000 characters, an invalid write "
    "stores and appends nothing",
    "[app][review]") {
    Fixture f;
    const auto id = f.service.open(7, "alice")->id();
    f.outbox.clear();
    for (const auto& [score, contents] : {std::pair<std::int64_t, std::string>{11, "ok"},
                                          {-1, "ok"},
                                          {5, std::string(2001, 'x')}}) {
        INFO("score " << score << ", " << contents.size() << " bytes");
        const auto r = f.service.write(mb::domain::Principal::system(), id, score, contents);
        REQUIRE_FALSE(r);
        CHECK(r.error() == ReviewError::kInvalidReview);
        CHECK(r.error() == domain::Condition::kInvalidInput);
    }
    CHECK(f.outbox.empty());
    CHECK(f.service.find(mb::domain::Principal::system(), id)->status() == ReviewStatus::kWaitingReview);
    CHECK(f.service.write(mb::domain::Principal::system(), id, 0, std::string(2000, 'x')));  // the bounds themselves are fine
}

TEST_CASE("ReviewService::write again replaces score and contents and announces again",
          "[app][review]") {
    Fixture f;
    const auto id = f.service.open(7, "alice")->id();
    REQUIRE(f.service.write(mb::domain::Principal::system(), id, 3, "meh"));
    REQUIRE(f.service.write(mb::domain::Principal::system(), id, 9, "better"));
    CHECK(f.service.find(mb::domain::Principal::system(), id)->score() == 9);
    CHECK(f.service.find(mb::domain::Principal::system(), id)->contents() == "better");
    CHECK(f.outbox.of<WrittenReview>().size() == 2);
}

TEST_CASE("ReviewService queries: find_by_booking and list", "[app][review]") {
    Fixture f;
    REQUIRE(f.service.open(7, "alice"));
    REQUIRE(f.service.open(8, "alice"));
    REQUIRE(f.service.find_by_booking(mb::domain::Principal::system(), 8).has_value());
    CHECK(f.service.find_by_booking(mb::domain::Principal::system(), 8)->id() == 2);
    CHECK_FALSE(f.service.find_by_booking(mb::domain::Principal::system(), 9).has_value());
    const auto page = f.service.list(mb::domain::Principal::system(), {0, 1});
    CHECK(page.total == 2);
    REQUIRE(page.items.size() == 1);
    CHECK(page.items[0].booking_id() == 7);
}

}  // namespace
}  // namespace mb::app::review

namespace mb::app::review {
namespace {

TEST_CASE("ReviewService with a caller: only the booking's customer writes the review, another "
          "customer gets kNotFound, admin kForbidden, and the review is unchanged (issue 9)",
          "[app][review][security]") {
    Fixture f;
    const auto id = f.service.open(7, "alice")->id();
    const auto admin = test::admin();
    const auto bob = domain::Principal::customer("bob");
    CHECK(f.service.write(bob, id, 1, "forged").error() == domain::review::ReviewError::kNotFound);
    CHECK(f.service.write(admin, id, 1, "forged").error() ==
          domain::review::ReviewError::kForbidden);
    CHECK_FALSE(f.service.find(admin, id)->score().has_value());
    CHECK_FALSE(f.service.find(bob, id).has_value());
    CHECK(f.service.list(bob, {0, 20}).total == 0);
    REQUIRE(f.service.write(domain::Principal::customer("alice"), id, 9, "mine"));
    CHECK(f.service.find(admin, id)->score() == 9);
}

}  // namespace
}  // namespace mb::app::review
