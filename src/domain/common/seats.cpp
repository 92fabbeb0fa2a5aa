#include "domain/common/seats.hpp"

#include <algorithm>
#include <cctype>

namespace mb::domain {

std::vector<std::string> split_seats(std::string_view seat_list) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (true) {
        const auto comma = seat_list.find(',', start);
        auto item = seat_list.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front())) != 0) {
            item.remove_prefix(1);
        }
        while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back())) != 0) {
            item.remove_suffix(1);
        }
        out.emplace_back(item);
        if (comma == std::string_view::npos)
            break;
        start = comma + 1;
    }
    return out;
}

bool is_valid_seat_label(std::string_view label) noexcept {
    return !label.empty() && label.size() <= 8 &&
           std::all_of(label.begin(), label.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
}

std::string join_seats(const std::vector<std::string>& seats) {
    std::string out;
    for (std::size_t i = 0; i < seats.size(); ++i) {
        if (i > 0)
            out += ',';
        out += seats[i];
    }
    return out;
}

}  // namespace mb::domain
