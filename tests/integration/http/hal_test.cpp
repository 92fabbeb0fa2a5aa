// HAL shapes as Spring Data REST renders them, and the page/size query parameters.
#include "adapters/http/hal.hpp"

#include <limits>

#include <catch2/catch.hpp>

#include "adapters/http/problem.hpp"
#include "domain/common/text.hpp"
#include "http_test_support.hpp"

namespace mb::adapters::http::test {
namespace {

using boost::json::object;
using boost::json::value;
using mb::domain::FieldError;
using mb::domain::FieldErrors;
using mb::domain::PageRequest;

constexpr std::string_view kBase = "http://localhost:8088";

value href(std::string_view path) {
    return value{{"href", std::string(kBase) + std::string(path)}};
}

std::vector<object> items(int count) {
    std::vector<object> list;
    for (int i = 1; i <= count; ++i) {
        list.push_back(object{{"id", i}});
    }
    return list;
}

/// A Request over `target`'s query only (parse_page reads nothing else).
struct QueryRequest {
    explicit QueryRequest(std::vector<std::pair<std::string, std::string>> query)
        : raw(bhttp::verb::get, "/books", 11) {
        request.raw = &raw;
        request.path = "/books";
        request.query = std::move(query);
    }
    StringRequest raw;
    Request request;
};

}  // namespace

TEST_CASE("hal_item adds self and rel links to the item's own URL", "[http][hal]") {
    const auto item =
        hal_item(object{{"qty", 2}, {"movieName", "soul"}}, kBase, "books", "book", 1);
    CHECK(value(item) ==
          value{{"qty", 2},
                {"movieName", "soul"},
                {"_links", {{"self", href("/books/1")}, {"book", href("/books/1")}}}});
}

TEST_CASE("hal_collection: the first of several pages links first, self, next and last",
          "[http][hal]") {
    const auto body = hal_collection(items(2), kBase, "books", "/books", PageRequest{0, 20}, 45);
    CHECK(body.at("_embedded") == value{{"books", {{{"id", 1}}, {{"id", 2}}}}});
    CHECK(body.at("_links") == value{{"first", href("/books?page=0&size=20")},
                                     {"self", href("/books?page=0&size=20")},
                                     {"next", href("/books?page=1&size=20")},
                                     {"last", href("/books?page=2&size=20")},
                                     {"profile", href("/profile/books")}});
    CHECK(body.at("page") ==
          value{{"size", 20}, {"totalElements", 45}, {"totalPages", 3}, {"number", 0}});
}

TEST_CASE("hal_collection: a middle page links prev and next and the last page has no next",
          "[http][hal]") {
    auto body = hal_collection(items(1), kBase, "books", "/books", PageRequest{1, 20}, 45);
    CHECK(body.at("_links") == value{{"first", href("/books?page=0&size=20")},
                                     {"prev", href("/books?page=0&size=20")},
                                     {"self", href("/books?page=1&size=20")},
                                     {"next", href("/books?page=2&size=20")},
                                     {"last", href("/books?page=2&size=20")},
                                     {"profile", href("/profile/books")}});

    body = hal_collection(items(1), kBase, "books", "/books", PageRequest{2, 20}, 45);
    const auto& links = body.at("_links").as_object();
    CHECK(links.contains("prev"));
    CHECK_FALSE(links.contains("next"));
    CHECK(links.at("last") == href("/books?page=2&size=20"));
}

TEST_CASE("hal_collection: a single or empty page has only self and profile", "[http][hal]") {
    auto body = hal_collection(items(3), kBase, "books", "/books", PageRequest{0, 20}, 3);
    CHECK(body.at("_links") ==
          value{{"self", href("/books?page=0&size=20")}, {"profile", href("/profile/books")}});
    CHECK(body.at("page").at("totalPages") == 1);

    body = hal_collection({}, kBase, "books", "/books", PageRequest{0, 20}, 0);
    CHECK(body.at("_embedded") == value{{"books", boost::json::array{}}});
    CHECK(body.at("page") ==
          value{{"size", 20}, {"totalElements", 0}, {"totalPages", 0}, {"number", 0}});
    CHECK_FALSE(body.at("_links").as_object().contains("next"));
}

TEST_CASE("hal_collection: other query parameters of self_path are kept, page and size set",
          "[http][hal]") {
    const auto body = hal_collection(
        items(1), kBase, "tickets",
        "/tickets/search/findByBookingId?page=7&bookingId=3&size=1&sort=id", PageRequest{0, 1}, 2);
    CHECK(body.at("_links").at("self") ==
          href("/tickets/search/findByBookingId?bookingId=3&sort=id&page=0&size=1"));
    CHECK(body.at("_links").at("next") ==
          href("/tickets/search/findByBookingId?bookingId=3&sort=id&page=1&size=1"));
    CHECK(body.at("_links").at("profile") == href("/profile/tickets"));
    CHECK(body.at("_embedded").as_object().contains("tickets"));
}

TEST_CASE("parse_page: page defaults to 0 and size to 20", "[http][hal]") {
    FieldErrors errors;
    QueryRequest none({});
    const auto page = parse_page(none.request, errors);
    REQUIRE(page.has_value());
    CHECK(page->number == 0);
    CHECK(page->size == 20);

    QueryRequest given({{"size", "1000"}, {"page", "3"}, {"sort", "id"}});
    const auto custom = parse_page(given.request, errors);
    REQUIRE(custom.has_value());
    CHECK(custom->number == 3);
    CHECK(custom->size == 1000);
    CHECK(errors.empty());
}

TEST_CASE("parse_page: a bad page or size is reported per field and yields nullopt",
          "[http][hal]") {
    const auto check = [](std::vector<std::pair<std::string, std::string>> query,
                          const FieldErrors& expected) {
        FieldErrors errors{{"other", "kept"}};
        QueryRequest request(std::move(query));
        CHECK_FALSE(parse_page(request.request, errors).has_value());
        FieldErrors all{{"other", "kept"}};
        all.insert(all.end(), expected.begin(), expected.end());
        CHECK(errors == all);
    };
    const FieldError bad_page{"page", "must be a non-negative integer"};
    const FieldError bad_size{"size", "must be an integer between 1 and 1000"};
    check({{"page", "-1"}}, {bad_page});
    check({{"page", "abc"}}, {bad_page});
    check({{"page", ""}}, {bad_page});
    check({{"page", "1.5"}}, {bad_page});
    check({{"size", "0"}}, {bad_size});
    check({{"size", "1001"}}, {bad_size});
    check({{"size", "+5"}}, {bad_size});
    check({{"size", "0"}, {"page", "x"}}, {bad_size, bad_page});
    check({{"page", std::to_string(std::numeric_limits<std::int64_t>::max())}},
          {{"page", "is too large"}});
}

}  // namespace mb::adapters::http::test

namespace mb::adapters::http::test {

TEST_CASE("json_response and problem write valid UTF-8 JSON whatever bytes they are given",
          "[http][hal][utf8]") {
    const std::string fffd = "\xEF\xBF\xBD";
    StringRequest raw(bhttp::verb::get, "/books/x", 11);
    Request request;
    request.raw = &raw;
    request.path = "/books/\xff";
    request.base_url = "http://h\xE2\x82";

    const auto hal = json_response(
        request, bhttp::status::ok,
        hal_item(object{{"name", "a\xC0\xAFz"}}, request.base_url, "books", "book", 1));
    REQUIRE(mb::domain::is_utf8(hal.body()));
    const auto body = boost::json::parse(hal.body());
    CHECK(body.at("name") == value("a" + fffd + fffd + "z"));
    CHECK(body.at("_links").at("self").at("href") == value("http://h" + fffd + "/books/1"));
    CHECK(hal[bhttp::field::content_length] == std::to_string(hal.body().size()));

    const auto bad = problem(request, bhttp::status::not_found, "no \xff here",
                             FieldErrors{{"f\xff", "m\xED\xA0\x80"}});
    REQUIRE(mb::domain::is_utf8(bad.body()));
    const auto parsed = boost::json::parse(bad.body());
    CHECK(parsed.at("instance") == value("/books/" + fffd));
    CHECK(parsed.at("detail") == value("no " + fffd + " here"));
    CHECK(parsed.at("errors").at(0).at("field") == value("f" + fffd));

    const auto early = problem(11, false, bhttp::status::bad_request, "x", "/\xff");
    CHECK(boost::json::parse(early.body()).at("instance") == value("/" + fffd));
}

}  // namespace mb::adapters::http::test
