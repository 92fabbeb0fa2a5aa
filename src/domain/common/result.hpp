#pragma once
// Result<T>: a minimal polyfill of std::expected<T, std::error_code> (C++23) for g++ 12 in
// C++20 mode. Member names match std::expected so that switching later changes no call site.
// Expected business outcomes (seat taken, payment declined, already printed) are values of
// this type; exceptions are reserved for bugs and broken infrastructure (CONVENTIONS.md).
#include <cassert>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>

namespace mb::domain {

/// Wraps an error for construction of a Result, like std::unexpected.
template <class E = std::error_code>
class Unexpected {
public:
    explicit Unexpected(E error) : error_(std::move(error)) {}
    [[nodiscard]] const E& error() const& noexcept { return error_; }
    [[nodiscard]] E&& error() && noexcept { return std::move(error_); }

private:
    E error_;
};

template <class E>
Unexpected(E) -> Unexpected<E>;

/// Builds an Unexpected from any error enum registered with std::is_error_code_enum.
template <class Enum>
requires std::is_error_code_enum_v<Enum>
[[nodiscard]] Unexpected<std::error_code> fail(Enum e) {
    return Unexpected<std::error_code>(make_error_code(e));
}

/// Holds either a value of T or a std::error_code. Not thread-safe (a plain value type).
template <class T>
class [[nodiscard]] Result {
public:
    using value_type = T;
    using error_type = std::error_code;

    Result() requires std::is_default_constructible_v<T> : storage_(std::in_place_index<0>) {}
    Result(T value) : storage_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
    Result(Unexpected<std::error_code> e)                                    // NOLINT
        : storage_(std::in_place_index<1>, std::move(e).error()) {}

    [[nodiscard]] bool has_value() const noexcept { return storage_.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }

    [[nodiscard]] T& value() & {
        assert(has_value());
        return std::get<0>(storage_);
    }
    [[nodiscard]] const T& value() const& {
        assert(has_value());
        return std::get<0>(storage_);
    }
    [[nodiscard]] T&& value() && {
        assert(has_value());
        return std::get<0>(std::move(storage_));
    }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }

    [[nodiscard]] const std::error_code& error() const {
        assert(!has_value());
        return std::get<1>(storage_);
    }

private:
    std::variant<T, std::error_code> storage_;
};

/// Result<void>: success carries nothing.
template <>
class [[nodiscard]] Result<void> {
public:
    using value_type = void;
    using error_type = std::error_code;

    Result() = default;
    Result(Unexpected<std::error_code> e) : error_(std::move(e).error()) {}  // NOLINT

    [[nodiscard]] bool has_value() const noexcept { return !error_; }
    explicit operator bool() const noexcept { return has_value(); }
    void value() const { assert(has_value()); }
    [[nodiscard]] const std::error_code& error() const {
        assert(!has_value());
        return error_;
    }

private:
    std::error_code error_;
};

}  // namespace mb::domain
