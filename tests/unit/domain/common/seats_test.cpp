// Seat lists in the seed's wire form ("1A,2B"): splitting, label rules and joining.
#include "domain/common/seats.hpp"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace mb::domain {
namespace {

using Seats = std::vector<std::string>;

TEST_CASE("split_seats: a comma list splits into its labels in order", "[seats]") {
    CHECK(split_seats("1A,2B") == Seats{"1A", "2B"});
    CHECK(split_seats("1A") == Seats{"1A"});
    CHECK(split_seats("C3,A1,B2") == Seats{"C3", "A1", "B2"});
}

TEST_CASE("split_seats: blanks around each label are trimmed", "[seats]") {
    CHECK(split_seats(" 1A , 2B ") == Seats{"1A", "2B"});
    CHECK(split_seats("\t1A,\n2B") == Seats{"1A", "2B"});
}

TEST_CASE("split_seats: empty items are kept as empty strings so validation reports them",
          "[seats]") {
    CHECK(split_seats("") == Seats{""});
    CHECK(split_seats("1A,,2B") == Seats{"1A", "", "2B"});
    CHECK(split_seats("1A,") == Seats{"1A", ""});
    CHECK(split_seats(",1A") == Seats{"", "1A"});
    CHECK(split_seats(" , ") == Seats{"", ""});
}

TEST_CASE("is_valid_seat_label: 1 to 8 ASCII letters or digits", "[seats]") {
    CHECK(is_valid_seat_label("1A"));
    CHECK(is_valid_seat_label("A12"));
    CHECK(is_valid_seat_label("z"));
    CHECK(is_valid_seat_label("ABCD1234"));  // 8 characters: the maximum
}

TEST_CASE("is_valid_seat_label: empty, too long, punctuation, blanks and non-ASCII are refused",
          "[seats]") {
    CHECK_FALSE(is_valid_seat_label(""));
    CHECK_FALSE(is_valid_seat_label("ABCD12345"));  // 9 characters
    CHECK_FALSE(is_valid_seat_label("1-A"));
    CHECK_FALSE(is_valid_seat_label("1 A"));
    CHECK_FALSE(is_valid_seat_label("1A,"));
    CHECK_FALSE(is_valid_seat_label("\xea\xb0\x80"));  // U+AC00 (Hangul)
    CHECK_FALSE(
        is_valid_seat_label("\xef\xbc\x91"
                            "A"));  // fullwidth digit one
}

TEST_CASE("join_seats: labels are joined with a single comma, no blanks", "[seats]") {
    CHECK(join_seats({"1A", "2B"}) == "1A,2B");
    CHECK(join_seats({"1A"}) == "1A");
    CHECK(join_seats({}).empty());
    CHECK(join_seats(split_seats(" 1A ,2B , 3C")) == "1A,2B,3C");
}

TEST_CASE(
    "join_seats: puts exactly one comma between consecutive items, empty items "
    "included, so it inverts split_seats",
    "[seats]") {
    for (const auto* wire : {"1A,2B", "1A", "", "1A,,2B", "1A,", ",1A", ",", ",,"}) {
        INFO("wire form: \"" << wire << "\"");
        CHECK(join_seats(split_seats(wire)) == wire);
    }
}

}  // namespace
}  // namespace mb::domain
