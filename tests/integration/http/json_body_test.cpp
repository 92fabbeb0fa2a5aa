// Request bodies: the media-type and syntax gate (415 / 400), the JsonFields coercion table
// (exactly Jackson's string-to-integer coercion, nothing looser), and path ids.
#include "adapters/http/json_body.hpp"

#include <limits>
#include <string>

#include <catch2/catch.hpp>

#include "adapters/http/problem.hpp"
#include "http_test_support.hpp"

namespace mb::adapters::http::test {
namespace {

using boost::json::value;
using mb::domain::FieldError;
using mb::domain::FieldErrors;

/// POST /echo answers the decoded object; POST /books validates like a create-booking route.
std::shared_ptr<Router> body_router() {
    auto router = std::make_shared<Router>();
    router->add(bhttp::verb::post, "/echo", [](Request request) -> asio::awaitable<Response> {
        auto parsed = parse_json_object(request);
        if (parsed.problem) {
            co_return std::move(*parsed.problem);
        }
        co_return json_response(request, bhttp::status::ok, *parsed.object, "application/json");
    });
    router->add(bhttp::verb::post, "/books", [](Request request) -> asio::awaitable<Response> {
        auto parsed = parse_json_object(request);
        if (parsed.problem) {
            co_return std::move(*parsed.problem);
        }
        JsonFields fields(*parsed.object);
        const auto qty = fields.integer("qty", true);
        const auto movie = fields.string("movieName", true, 10);
        if (qty && *qty < 1) {
            fields.add_error("qty", "must be at least 1");
        }
        if (!fields.ok()) {
            co_return problem(request, bhttp::status::bad_request, "invalid booking",
                              fields.errors());
        }
        co_return json_response(request, bhttp::status::created,
                                value{{"qty", *qty}, {"movieName", *movie}});
    });
    return router;
}

boost::json::object object_of(std::string_view json) {
    return boost::json::parse(json).as_object();
}

}  // namespace

TEST_CASE("parse_json_object: only application/json and application/*+json are accepted",
          "[http][json]") {
    TestServer server(body_router());
    Client client(server.port());
    for (const auto* type : {"application/json", "application/json; charset=utf-8",
                             "APPLICATION/JSON", "application/hal+json",
                             "application/merge-patch+json;charset=UTF-8", " application/json "}) {
        INFO(type);
        const auto response =
            client.send(make_request(bhttp::verb::post, "/echo", R"({"a":1})", type));
        CHECK(response.result() == bhttp::status::ok);
        CHECK(json_of(response) == value{{"a", 1}});
    }
    for (const auto* type : {"text/plain", "application/xml", "application/x-www-form-urlencoded",
                             "application/+json", "application/jsonx", "text/json", ""}) {
        INFO(type);
        const auto response =
            client.send(make_request(bhttp::verb::post, "/echo", R"({"a":1})", type));
        CHECK(response.result() == bhttp::status::unsupported_media_type);
        CHECK(response[bhttp::field::content_type] == "application/problem+json");
    }
}

TEST_CASE("parse_json_object: an empty or malformed body is a 400 'malformed JSON' problem",
          "[http][json]") {
    TestServer server(body_router());
    Client client(server.port());
    for (const auto* body : {"", "{", R"({"a":})", "{'a':1}", R"({"a":1} x)", "nul"}) {
        INFO(body);
        const auto response =
            client.send(make_request(bhttp::verb::post, "/echo", body, "application/json"));
        CHECK(response.result() == bhttp::status::bad_request);
        const auto detail = json_of(response).at("detail").as_string();
        CHECK_THAT(std::string(detail), Catch::StartsWith("malformed JSON: "));
    }
}

TEST_CASE("parse_json_object: a top-level value other than an object is a 400 problem",
          "[http][json]") {
    TestServer server(body_router());
    Client client(server.port());
    for (const auto* body : {"[1,2]", "\"text\"", "42", "null", "true"}) {
        INFO(body);
        const auto response =
            client.send(make_request(bhttp::verb::post, "/echo", body, "application/json"));
        CHECK(response.result() == bhttp::status::bad_request);
        CHECK(json_of(response).at("detail") == "request body must be a JSON object");
    }
}

TEST_CASE("Validation problems list every offending field in the problem+json body",
          "[http][json]") {
    TestServer server(body_router());
    Client client(server.port());
    auto response = client.send(make_request(bhttp::verb::post, "/books",
                                             R"({"qty":"x","movieName":"a very long title"})",
                                             "application/json"));
    REQUIRE(response.result() == bhttp::status::bad_request);
    CHECK(response[bhttp::field::content_type] == "application/problem+json");
    CHECK(json_of(response) ==
          value{{"type", "about:blank"},
                {"title", "Bad Request"},
                {"status", 400},
                {"detail", "invalid booking"},
                {"instance", "/books"},
                {"errors",
                 {{{"field", "qty"}, {"message", "must be an integer"}},
                  {{"field", "movieName"}, {"message", "must be at most 10 characters"}}}}});

    // httpie's key=value form: every value a string, numbers coerced.
    response = client.send(make_request(bhttp::verb::post, "/books",
                                        R"({"qty":"2","movieName":"soul"})", "application/json"));
    CHECK(response.result() == bhttp::status::created);
    CHECK(json_of(response) == value{{"qty", 2}, {"movieName", "soul"}});
}

TEST_CASE("JsonFields::integer accepts JSON integers and decimal-integer strings only",
          "[http][json]") {
    const auto object = object_of(R"({
        "int": 2, "str": "2", "neg": "-3", "negint": -3, "zero": "0", "max": "9223372036854775807",
        "min": "-9223372036854775808", "big": 9223372036854775807,
        "dec": "2.0", "exp": "1e3", "lead": " 2", "trail": "2 ", "plus": "+2", "minus": "-",
        "empty": "", "double": 2.5, "integral": 10.0, "bool": true, "huge": "99999999999999999999",
        "hugenum": 99999999999999999999, "u64": 18446744073709551615, "hex": "0x10",
        "array": [1], "object": {}, "null": null,
        "safe": 9007199254740991, "safestr": "9007199254740991", "negsafe": -9007199254740991,
        "unsafe": 9007199254740992, "unsafestr": "9007199254740992", "negunsafe": -9007199254740992
    })");
    JsonFields fields(object);
    CHECK(fields.integer("int", true) == 2);
    CHECK(fields.integer("str", true) == 2);
    CHECK(fields.integer("neg", true) == -3);
    CHECK(fields.integer("negint", true) == -3);
    CHECK(fields.integer("zero", true) == 0);
    CHECK(fields.integer("safe", true) == kMaxSafeInteger);
    CHECK(fields.integer("safestr", true) == kMaxSafeInteger);
    CHECK(fields.integer("negsafe", true) == -kMaxSafeInteger);
    REQUIRE(fields.ok());

    for (const auto* name : {"dec", "exp", "lead", "trail", "plus", "minus", "empty", "double",
                             "integral", "bool", "hugenum", "hex", "array", "object"}) {
        INFO(name);
        JsonFields one(object);
        CHECK_FALSE(one.integer(name, true).has_value());
        CHECK(one.errors() == FieldErrors{{name, "must be an integer"}});
    }
    // Integers that JavaScript (and so many clients) cannot hold exactly: past 2^53 - 1, past
    // int64 or past uint64, as numbers or as strings.
    for (const auto* name :
         {"max", "min", "big", "huge", "u64", "unsafe", "unsafestr", "negunsafe"}) {
        INFO(name);
        JsonFields one(object);
        CHECK_FALSE(one.integer(name, true).has_value());
        CHECK(one.errors() == FieldErrors{{name,
                                           "must be an integer between -9007199254740991 and "
                                           "9007199254740991"}});
    }

    JsonFields missing(object);
    CHECK_FALSE(missing.integer("absent", false).has_value());
    CHECK_FALSE(missing.integer("null", false).has_value());
    CHECK(missing.ok());
    CHECK_FALSE(missing.integer("absent", true).has_value());
    CHECK_FALSE(missing.integer("null", true).has_value());
    CHECK(missing.errors() == FieldErrors{{"absent", "is required"}, {"null", "is required"}});
}

TEST_CASE("JsonFields::string accepts JSON strings up to max_length UTF-8 bytes", "[http][json]") {
    const auto object = object_of(R"({"name":"soul","empty":"","num":10,"null":null,
                                      "utf8":"\u00e9t\u00e9","obj":{}})");
    JsonFields fields(object);
    CHECK(fields.string("name", true, 4) == "soul");
    CHECK(fields.string("empty", true, 4) == "");
    CHECK(fields.string("utf8", true, 5) == "\xc3\xa9t\xc3\xa9");  // 5 bytes, 3 characters
    CHECK(fields.ok());

    JsonFields bad(object);
    CHECK_FALSE(bad.string("name", true, 3).has_value());
    CHECK_FALSE(bad.string("utf8", true, 4).has_value());
    CHECK_FALSE(bad.string("num", true, 10).has_value());  // numbers are not turned into text
    CHECK_FALSE(bad.string("obj", true, 10).has_value());
    CHECK_FALSE(bad.string("null", true, 10).has_value());
    CHECK_FALSE(bad.string("absent", false, 10).has_value());
    CHECK(bad.errors() == FieldErrors{{"name", "must be at most 3 characters"},
                                      {"utf8", "must be at most 4 characters"},
                                      {"num", "must be a string"},
                                      {"obj", "must be a string"},
                                      {"null", "is required"}});
}

TEST_CASE("JsonFields::identifier accepts integers and [A-Za-z0-9._@-]{1,64} strings",
          "[http][json]") {
    const auto object = object_of(R"({"num":7,"neg":-7,"str":"user.name_1@example-x",
        "max":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "long":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "space":"a b","empty":"","slash":"a/b","double":1.5,"bool":false})");
    JsonFields fields(object);
    CHECK(fields.identifier("num", true) == "7");
    CHECK(fields.identifier("neg", true) == "-7");
    CHECK(fields.identifier("str", true) == "user.name_1@example-x");
    CHECK(fields.identifier("max", true) == std::string(64, 'a'));
    CHECK(fields.ok());

    for (const auto* name : {"long", "space", "empty", "slash", "double", "bool"}) {
        INFO(name);
        JsonFields one(object);
        CHECK_FALSE(one.identifier(name, true).has_value());
        REQUIRE(one.errors().size() == 1);
        CHECK(one.errors().front().field == name);
        CHECK_THAT(one.errors().front().message, Catch::StartsWith("must be an identifier"));
    }
    JsonFields missing(object);
    CHECK_FALSE(missing.identifier("absent", true).has_value());
    CHECK(missing.errors() == FieldErrors{{"absent", "is required"}});
}

TEST_CASE("JsonFields::add_error records caller rules in order", "[http][json]") {
    const boost::json::object object;
    JsonFields fields(object);
    CHECK(fields.ok());
    fields.add_error("seat", "is taken");
    fields.add_error("qty", "must match the number of seats");
    CHECK_FALSE(fields.ok());
    CHECK(fields.errors() ==
          FieldErrors{{"seat", "is taken"}, {"qty", "must match the number of seats"}});
}

TEST_CASE("parse_id accepts positive decimal int64 only", "[http][json]") {
    CHECK(parse_id("1") == 1);
    CHECK(parse_id("42") == 42);
    CHECK(parse_id("007") == 7);
    CHECK(parse_id("9223372036854775807") == std::numeric_limits<std::int64_t>::max());
    for (const auto* text : {"", "0", "-1", "+1", "abc", "1a", " 1", "1 ", "1.0", "1e3",
                             "9223372036854775808", "0x1"}) {
        INFO(text);
        CHECK_FALSE(parse_id(text).has_value());
    }
}

}  // namespace mb::adapters::http::test

namespace mb::adapters::http::test {

TEST_CASE("parse_json_object: trailing data, deep nesting, huge containers and 1e400 are 400",
          "[http][json][limits]") {
    TestServer server(body_router());
    Client client(server.port());
    const auto refused = [&client](const std::string& body) {
        const auto response =
            client.send(make_request(bhttp::verb::post, "/echo", body, "application/json"));
        INFO(body.substr(0, 80));
        CHECK(response.result() == bhttp::status::bad_request);
        CHECK(response[bhttp::field::content_type] == "application/problem+json");
        return json_of(response).at("detail").as_string();
    };
    CHECK(refused(R"({"a":1} x)") == "malformed JSON: extra data");
    CHECK(refused(R"({"a":1}{"b":2})") == "malformed JSON: extra data");
    CHECK(refused(R"({"a":1e400})") == "malformed JSON: a JSON number is out of range");
    CHECK(refused(R"({"a":-1e400})") == "malformed JSON: a JSON number is out of range");

    // Depth: the top-level object is level 1; kMaxJsonDepth levels pass, one more does not.
    const auto nested = [](std::size_t depth) {
        std::string body = "{\"a\":";
        for (std::size_t i = 1; i < depth; ++i) {
            body += "[";
        }
        body += "1";
        for (std::size_t i = 1; i < depth; ++i) {
            body += "]";
        }
        return body + "}";
    };
    CHECK(client
              .send(make_request(bhttp::verb::post, "/echo", nested(kMaxJsonDepth),
                                 "application/json"))
              .result() == bhttp::status::ok);
    CHECK(refused(nested(kMaxJsonDepth + 1)) == "malformed JSON: nested deeper than 20 levels");

    // Size: kMaxJsonElements elements pass, one more does not (arrays and objects alike).
    const auto array_of = [](std::size_t n) {
        std::string body = R"({"seats":[)";
        for (std::size_t i = 0; i < n; ++i) {
            body += i == 0 ? "1" : ",1";
        }
        return body + "]}";
    };
    const auto object_with = [](std::size_t n) {
        std::string body = "{";
        for (std::size_t i = 0; i < n; ++i) {
            body += (i == 0 ? "\"k" : ",\"k") + std::to_string(i) + "\":0";
        }
        return body + "}";
    };
    CHECK(client
              .send(make_request(bhttp::verb::post, "/echo", array_of(kMaxJsonElements),
                                 "application/json"))
              .result() == bhttp::status::ok);
    CHECK(refused(array_of(kMaxJsonElements + 1)) ==
          "malformed JSON: a JSON array has more than 1000 elements");
    CHECK(refused(object_with(kMaxJsonElements + 1)) ==
          "malformed JSON: a JSON object has more than 1000 members");
    CHECK(refused("{\"s\":\"\xff\"}").starts_with("malformed JSON"));  // strings must be UTF-8
}

TEST_CASE("JsonFields::integer over the wire: booleans, doubles and overflow are 400, never 500",
          "[http][json][limits]") {
    TestServer server(body_router());
    Client client(server.port());
    for (const std::string qty :
         {"true", "false", "2.0", "1e3", "18446744073709551616", "\"18446744073709551616\"",
          "9007199254740992", "-9223372036854775809", "[2]", "{}"}) {
        INFO(qty);
        const auto response = client.send(make_request(bhttp::verb::post, "/books",
                                                       R"({"movieName":"soul","qty":)" + qty + "}",
                                                       "application/json"));
        CHECK(response.result() == bhttp::status::bad_request);
        const auto errors = json_of(response).at("errors").as_array();
        REQUIRE(errors.size() == 1);
        CHECK(errors.at(0).at("field") == "qty");
        CHECK(errors.at(0).at("message").as_string().starts_with("must be an integer"));
    }
}

}  // namespace mb::adapters::http::test
