// Text measures (domain/common/text.hpp): length rules count Unicode characters, not bytes;
// is_utf8 tells text that can be shown as is from raw bytes (a dead letter's payload).
#include "domain/common/text.hpp"

#include <string>

#include <catch2/catch.hpp>

namespace mb::domain {
namespace {

TEST_CASE("utf8_length counts characters: a Korean title is 3 bytes per character", "[text]") {
    CHECK(utf8_length("") == 0);
    CHECK(utf8_length("soul") == 4);
    CHECK(utf8_length("\xEC\x86\x8C\xEC\x9A\xB8") == 2);  // 소울
    CHECK(utf8_length("\xF0\x9F\x8E\xAC") == 1);          // 🎬
}

TEST_CASE("is_utf8: complete characters pass, stray or cut-off bytes do not", "[text]") {
    CHECK(is_utf8(""));
    CHECK(is_utf8("not json {"));
    CHECK(is_utf8("\xEC\x86\x8C\xEC\x9A\xB8 \xF0\x9F\x8E\xAC"));
    CHECK_FALSE(is_utf8(std::string("\xff\xfe\x00z", 4)));  // not a lead byte
    CHECK_FALSE(is_utf8("\xEC\x86"));                       // cut off
    CHECK_FALSE(is_utf8("\x86"));                           // continuation alone
    CHECK_FALSE(is_utf8("\xEC\x41\x8C"));                   // lead without continuation
}

TEST_CASE("is_utf8 is strict: overlong forms, surrogates and code points past U+10FFFF fail",
          "[text]") {
    CHECK_FALSE(is_utf8("\xC0\xAF"));          // overlong '/'
    CHECK_FALSE(is_utf8("\xE0\x80\xAF"));      // overlong '/'
    CHECK_FALSE(is_utf8("\xED\xA0\x80"));      // U+D800, a surrogate
    CHECK_FALSE(is_utf8("\xF4\x90\x80\x80"));  // U+110000
    CHECK(is_utf8("\xF4\x8F\xBF\xBF"));        // U+10FFFF
    CHECK(is_utf8("\xED\x9F\xBF"));            // U+D7FF
}

TEST_CASE("to_valid_utf8 replaces each maximal ill-formed subpart by one U+FFFD", "[text]") {
    const std::string fffd = "\xEF\xBF\xBD";
    CHECK(to_valid_utf8("") == "");
    CHECK(to_valid_utf8("soul \xEC\x86\x8C") == "soul \xEC\x86\x8C");  // unchanged
    CHECK(to_valid_utf8("/\xff") == "/" + fffd);
    CHECK(to_valid_utf8("/mypages/\xE2\x82") == "/mypages/" + fffd);  // cut off: one
    CHECK(to_valid_utf8("\xE2\x82\"}") == fffd + "\"}");              // the quote after it is kept
    CHECK(to_valid_utf8("\xff\xfe") == fffd + fffd);
    CHECK(to_valid_utf8("\xE0\x80") == fffd + fffd);  // E0 80 is no prefix of a character
    CHECK(to_valid_utf8("\xED\xA0\x80") == fffd + fffd + fffd);
    CHECK(is_utf8(to_valid_utf8(std::string("a\x80\xC2\xF0\x9F\x8E\x00z", 8))));
}

}  // namespace
}  // namespace mb::domain

TEST_CASE("is_customer_id: 1 to 64 of A-Z a-z 0-9 . _ @ - (the body's customerId and the token's "
          "sub)",
          "[domain][text]") {
    CHECK(mb::domain::is_customer_id("alice"));
    CHECK(mb::domain::is_customer_id("a.b_c@d-e9"));
    CHECK(mb::domain::is_customer_id(std::string(64, 'x')));
    CHECK_FALSE(mb::domain::is_customer_id(std::string(65, 'x')));
    CHECK_FALSE(mb::domain::is_customer_id(""));
    CHECK_FALSE(mb::domain::is_customer_id("al ice"));
    CHECK_FALSE(mb::domain::is_customer_id("alice/"));
    CHECK_FALSE(mb::domain::is_customer_id("caf\xc3\xa9"));
}
