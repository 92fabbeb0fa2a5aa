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

}  // namespace
}  // namespace mb::domain
