#include "domain/common/errors.hpp"

namespace mb::domain {
namespace {

class ConditionCategory final : public std::error_category {
public:
    [[nodiscard]] const char* name() const noexcept override { return "mb.condition"; }
    [[nodiscard]] std::string message(int value) const override {
        switch (static_cast<Condition>(value)) {
            case Condition::kInvalidInput:
                return "invalid input";
            case Condition::kNotFound:
                return "not found";
            case Condition::kConflict:
                return "conflict";
            case Condition::kPaymentDeclined:
                return "payment declined";
            case Condition::kUnavailable:
                return "unavailable";
            case Condition::kForbidden:
                return "forbidden";
            case Condition::kUnauthenticated:
                return "unauthenticated";
        }
        return "unknown condition";
    }
};

}  // namespace

const std::error_category& condition_category() noexcept {
    static const ConditionCategory category;
    return category;
}

std::error_condition make_error_condition(Condition c) noexcept {
    return {static_cast<int>(c), condition_category()};
}

}  // namespace mb::domain
