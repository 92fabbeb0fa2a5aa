#include "adapters/http/request.hpp"

#include <cassert>

namespace mb::adapters::http {

std::optional<std::string_view> Request::query_param(std::string_view name) const {
    for (const auto& [key, value] : query) {
        if (key == name) {
            return std::string_view(value);
        }
    }
    return std::nullopt;
}

unsigned Request::version() const {
    assert(raw != nullptr);
    return raw->version();
}

bool Request::keep_alive() const {
    assert(raw != nullptr);
    return raw->keep_alive();
}

}  // namespace mb::adapters::http
