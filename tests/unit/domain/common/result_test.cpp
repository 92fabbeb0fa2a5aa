// Result<T>: the std::expected polyfill carrying business outcomes as values.
#include "domain/common/result.hpp"

#include <memory>
#include <string>
#include <system_error>
#include <type_traits>

#include <catch2/catch.hpp>

#include "domain/common/errors.hpp"

namespace mb::domain {
namespace {

Result<int> parse_positive(int v) {
    if (v <= 0)
        return Unexpected(std::make_error_code(std::errc::invalid_argument));
    return v;
}

TEST_CASE("Result<T>: a value converts to true and exposes the value", "[result]") {
    const auto r = parse_positive(7);
    REQUIRE(r.has_value());
    CHECK(static_cast<bool>(r));
    CHECK(r.value() == 7);
    CHECK(*r == 7);
}

TEST_CASE("Result<T>: an error converts to false and exposes the error_code", "[result]") {
    const auto r = parse_positive(0);
    REQUIRE_FALSE(r.has_value());
    CHECK_FALSE(static_cast<bool>(r));
    CHECK(r.error() == std::errc::invalid_argument);
    CHECK(r.error() == std::make_error_code(std::errc::invalid_argument));
}

TEST_CASE("Result<T>: member names match std::expected (value_type, error_type, ->, *)",
          "[result]") {
    STATIC_REQUIRE(std::is_same_v<Result<std::string>::value_type, std::string>);
    STATIC_REQUIRE(std::is_same_v<Result<std::string>::error_type, std::error_code>);
    Result<std::string> r(std::string("seat"));
    CHECK(r->size() == 4);
    r->append("s");
    CHECK(*r == "seats");
}

TEST_CASE("Result<T>: an rvalue value() moves the value out (move-only types work)", "[result]") {
    Result<std::unique_ptr<int>> r(std::make_unique<int>(42));
    auto p = std::move(r).value();
    REQUIRE(p != nullptr);
    CHECK(*p == 42);
}

TEST_CASE("Result<T>: default construction holds a value-initialised T", "[result]") {
    const Result<int> r;
    REQUIRE(r.has_value());
    CHECK(r.value() == 0);
}

TEST_CASE("Result<void>: default is success, an Unexpected is the failure", "[result]") {
    const Result<void> ok;
    CHECK(ok.has_value());
    CHECK(static_cast<bool>(ok));

    const Result<void> failed = Unexpected(std::make_error_code(std::errc::timed_out));
    REQUIRE_FALSE(failed.has_value());
    CHECK(failed.error() == std::errc::timed_out);
}

TEST_CASE("Unexpected: keeps the error and deduces its type", "[result]") {
    const auto ec = std::make_error_code(std::errc::io_error);
    const Unexpected u(ec);
    STATIC_REQUIRE(std::is_same_v<std::remove_cvref_t<decltype(u)>, Unexpected<std::error_code>>);
    CHECK(u.error() == ec);
    CHECK(Unexpected<std::error_code>(ec).error() == ec);
}

}  // namespace
}  // namespace mb::domain
