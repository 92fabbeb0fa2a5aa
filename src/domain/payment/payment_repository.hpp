#pragma once
// Driven port: where payments are kept. Runs inside the payment module's unit of work; throws
// on infrastructure failure; not thread-safe (the module's strand serialises calls).
#include <cstdint>
#include <optional>
#include <string>

#include "domain/common/page.hpp"
#include "domain/payment/payment.hpp"

namespace mb::domain::payment {

class PaymentRepository {
public:
    virtual ~PaymentRepository() = default;
    /// Stores a new payment and assigns its id.
    virtual void add(Payment& payment) = 0;
    virtual void update(const Payment& payment) = 0;
    [[nodiscard]] virtual std::optional<Payment> find(std::int64_t id) = 0;
    /// The payment of a booking (at most one: MISSION.md, invariant 1).
    [[nodiscard]] virtual std::optional<Payment> find_by_booking(std::int64_t booking_id) = 0;
    [[nodiscard]] virtual Page<Payment> list(const PageRequest& page) = 0;
    /// Payments of one customer (`customer_id` exact), by id ascending (issue 9: collections are
    /// filtered to the caller).
    [[nodiscard]] virtual Page<Payment> list_by_customer(const std::string& customer_id,
                                                    const PageRequest& page) = 0;
};

}  // namespace mb::domain::payment
