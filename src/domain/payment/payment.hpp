#pragma once
// Payment aggregate: one approved charge for one booking, refunded at most once (MISSION.md,
// invariants 1-2). Statuses as the seed named them: Paid, Canceled. Not thread-safe.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/common/clock.hpp"
#include "domain/common/result.hpp"
#include "domain/payment/errors.hpp"
#include "domain/payment/events.hpp"

namespace mb::domain::payment {

enum class PaymentStatus { kPaid, kCanceled };

[[nodiscard]] std::string_view to_string(PaymentStatus s) noexcept;
[[nodiscard]] std::optional<PaymentStatus> payment_status_from(std::string_view s) noexcept;

class Payment {
public:
    /// An approved payment (id 0 until stored). kInvalidAmount for a negative amount.
    [[nodiscard]] static Result<Payment> approve(std::int64_t booking_id, std::string customer_id,
                                                 std::int64_t amount, std::string authorization,
                                                 TimePoint now);
    [[nodiscard]] static Payment restore(std::int64_t id, std::int64_t booking_id,
                                         std::string customer_id, std::int64_t amount,
                                         std::string authorization, PaymentStatus status,
                                         TimePoint created_at, TimePoint updated_at);

    /// The event announcing this approval (call after the id was assigned).
    [[nodiscard]] Paid paid_event() const;

    /// Paid -> Canceled (refunded); kAlreadyRefunded when already refunded.
    [[nodiscard]] Result<PaymentCanceled> refund(TimePoint now);

    void assign_id(std::int64_t id) noexcept { id_ = id; }
    [[nodiscard]] std::int64_t id() const noexcept { return id_; }
    [[nodiscard]] std::int64_t booking_id() const noexcept { return booking_id_; }
    [[nodiscard]] const std::string& customer_id() const noexcept { return customer_id_; }
    [[nodiscard]] std::int64_t amount() const noexcept { return amount_; }
    [[nodiscard]] const std::string& authorization() const noexcept { return authorization_; }
    [[nodiscard]] PaymentStatus status() const noexcept { return status_; }
    [[nodiscard]] TimePoint created_at() const noexcept { return created_at_; }
    [[nodiscard]] TimePoint updated_at() const noexcept { return updated_at_; }

private:
    Payment() = default;
    std::int64_t id_ = 0;
    std::int64_t booking_id_ = 0;
    std::string customer_id_;
    std::int64_t amount_ = 0;
    std::string authorization_;
    PaymentStatus status_ = PaymentStatus::kPaid;
    TimePoint created_at_{};
    TimePoint updated_at_{};
};

}  // namespace mb::domain::payment
