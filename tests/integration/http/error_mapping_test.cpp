// The one table from error conditions to statuses, and the problem+json shape.
#include "adapters/http/error_mapping.hpp"

#include <string>
#include <system_error>

#include <catch2/catch.hpp>

#include "adapters/http/problem.hpp"
#include "domain/common/errors.hpp"
#include "http_test_support.hpp"

namespace mb::adapters::http::test {

/// A context-like error enum whose category maps every value onto a generic Condition, the
/// way each bounded context does.
enum class SampleError {
    kBadQuantity = 1,
    kNoSuchBooking,
    kSeatTaken,
    kCardDeclined,
    kPaymentDown,
    kNotYours,
    kUnmapped,
};

namespace {

class SampleCategory final : public std::error_category {
public:
    [[nodiscard]] const char* name() const noexcept override { return "mb.sample"; }
    [[nodiscard]] std::string message(int value) const override {
        return "sample error " + std::to_string(value);
    }
    [[nodiscard]] std::error_condition default_error_condition(int value) const noexcept override {
        using mb::domain::Condition;
        switch (static_cast<SampleError>(value)) {
            case SampleError::kBadQuantity:
                return Condition::kInvalidInput;
            case SampleError::kNoSuchBooking:
                return Condition::kNotFound;
            case SampleError::kSeatTaken:
                return Condition::kConflict;
            case SampleError::kCardDeclined:
                return Condition::kPaymentDeclined;
            case SampleError::kPaymentDown:
                return Condition::kUnavailable;
            case SampleError::kNotYours:
                return Condition::kForbidden;
            case SampleError::kUnmapped:
                break;
        }
        return {value, *this};
    }
};

const SampleCategory kSampleCategory;

}  // namespace

std::error_code make_error_code(SampleError e) {
    return {static_cast<int>(e), kSampleCategory};
}

}  // namespace mb::adapters::http::test

template <>
struct std::is_error_code_enum<mb::adapters::http::test::SampleError> : std::true_type {};

namespace mb::adapters::http::test {
namespace {

struct FixedRequest {
    FixedRequest() : raw(bhttp::verb::get, "/books/1?x=1", 11) {
        request.raw = &raw;
        request.path = "/books/1";
    }
    StringRequest raw;
    Request request;
};

}  // namespace

TEST_CASE("status_for maps each generic condition through default_error_condition",
          "[http][errors]") {
    CHECK(status_for(SampleError::kBadQuantity) == bhttp::status::bad_request);
    CHECK(status_for(SampleError::kNoSuchBooking) == bhttp::status::not_found);
    CHECK(status_for(SampleError::kSeatTaken) == bhttp::status::conflict);
    CHECK(status_for(SampleError::kCardDeclined) == bhttp::status::payment_required);
    CHECK(status_for(SampleError::kPaymentDown) == bhttp::status::service_unavailable);
    CHECK(status_for(SampleError::kNotYours) == bhttp::status::forbidden);
}

TEST_CASE("status_for answers 500 for anything that is not a generic condition", "[http][errors]") {
    CHECK(status_for(SampleError::kUnmapped) == bhttp::status::internal_server_error);
    CHECK(status_for(std::error_code{}) == bhttp::status::internal_server_error);
    CHECK(status_for(std::make_error_code(std::errc::io_error)) ==
          bhttp::status::internal_server_error);
    // Same value as kInvalidInput, foreign category: not a match.
    CHECK(status_for(std::error_code(1, std::generic_category())) ==
          bhttp::status::internal_server_error);
}

TEST_CASE("problem_for: detail defaults to the error message and 503 adds Retry-After",
          "[http][errors]") {
    FixedRequest fixed;
    auto response = problem_for(fixed.request, SampleError::kSeatTaken);
    CHECK(response.result() == bhttp::status::conflict);
    CHECK(response.find(bhttp::field::retry_after) == response.end());
    auto body = boost::json::parse(response.body());
    CHECK(body.at("detail") == "sample error 3");
    CHECK(body.at("title") == "Conflict");

    response = problem_for(fixed.request, SampleError::kPaymentDown, "payment is unavailable");
    CHECK(response.result() == bhttp::status::service_unavailable);
    CHECK(response[bhttp::field::retry_after] == "1");
    body = boost::json::parse(response.body());
    CHECK(body.at("detail") == "payment is unavailable");
}

TEST_CASE("problem: RFC 9457 shape with instance, and errors only when there are some",
          "[http][errors]") {
    FixedRequest fixed;
    auto response = problem(fixed.request, bhttp::status::not_found, "booking 1 not found");
    CHECK(response.result() == bhttp::status::not_found);
    CHECK(response[bhttp::field::content_type] == "application/problem+json");
    CHECK(response[bhttp::field::server] == "movie-booking");
    CHECK(response[bhttp::field::content_length] == std::to_string(response.body().size()));
    CHECK(response.keep_alive());
    CHECK(boost::json::parse(response.body()) ==
          boost::json::value{{"type", "about:blank"},
                             {"title", "Not Found"},
                             {"status", 404},
                             {"detail", "booking 1 not found"},
                             {"instance", "/books/1"}});

    response =
        problem(fixed.request, bhttp::status::bad_request, "invalid", {{"qty", "is required"}});
    CHECK(boost::json::parse(response.body()).at("errors") ==
          boost::json::value{{{"field", "qty"}, {"message", "is required"}}});
}

TEST_CASE("problem without a Request has no instance and follows the given framing",
          "[http][errors]") {
    const auto response = problem(10, false, bhttp::status::payload_too_large, "too big");
    CHECK(response.version() == 10);
    CHECK_FALSE(response.keep_alive());
    const auto body = boost::json::parse(response.body());
    CHECK(body.at("status") == 413);
    CHECK(body.at("title") == "Payload Too Large");
    CHECK_FALSE(body.as_object().contains("instance"));
}

}  // namespace mb::adapters::http::test
