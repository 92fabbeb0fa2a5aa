#pragma once
// A std::error_category for a context's error enum, built from a traits specialisation, so each
// context declares its errors as data (name, message, generic condition) instead of repeating
// the category boilerplate. Categories are immutable singletons: thread-safe.
#include <string>
#include <system_error>

#include "domain/common/errors.hpp"

namespace mb::domain {

/// Specialise for each context error enum:
///   static constexpr const char* kName;          // "mb.booking"
///   static const char* message(Enum);            // human text
///   static Condition condition(Enum);            // generic condition for HTTP mapping
template <class Enum>
struct ErrorTraits;

template <class Enum>
class EnumErrorCategory final : public std::error_category {
public:
    [[nodiscard]] const char* name() const noexcept override { return ErrorTraits<Enum>::kName; }
    [[nodiscard]] std::string message(int value) const override {
        return ErrorTraits<Enum>::message(static_cast<Enum>(value));
    }
    [[nodiscard]] std::error_condition default_error_condition(int value) const noexcept override {
        return make_error_condition(ErrorTraits<Enum>::condition(static_cast<Enum>(value)));
    }
    static const EnumErrorCategory& instance() noexcept {
        static const EnumErrorCategory category;
        return category;
    }
};

template <class Enum>
[[nodiscard]] std::error_code make_enum_error_code(Enum e) noexcept {
    return {static_cast<int>(e), EnumErrorCategory<Enum>::instance()};
}

}  // namespace mb::domain
