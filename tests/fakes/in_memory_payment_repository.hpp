#pragma once
// InMemoryPaymentRepository: PaymentRepository in a std::map; like the SQLite table it refuses
// a second payment for one booking (UNIQUE booking_id) by throwing. Not thread-safe.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <stdexcept>
#include <vector>

#include "domain/payment/payment_repository.hpp"
#include "fakes/paging.hpp"

namespace mb::test {

class InMemoryPaymentRepository final : public domain::payment::PaymentRepository {
public:
    void add(domain::payment::Payment& payment) override {
        if (find_by_booking(payment.booking_id())) {
            throw std::logic_error("UNIQUE constraint failed: payments.booking_id");
        }
        payment.assign_id(++last_id_);
        rows_.insert_or_assign(payment.id(), payment);
        ++writes_;
    }
    void update(const domain::payment::Payment& payment) override {
        auto it = rows_.find(payment.id());
        if (it == rows_.end())
            throw std::logic_error("update of an unknown payment");
        it->second = payment;
        ++writes_;
    }
    [[nodiscard]] std::optional<domain::payment::Payment> find(std::int64_t id) override {
        auto it = rows_.find(id);
        if (it == rows_.end())
            return std::nullopt;
        return it->second;
    }
    [[nodiscard]] std::optional<domain::payment::Payment> find_by_booking(
        std::int64_t booking_id) override {
        for (const auto& [id, p] : rows_) {
            if (p.booking_id() == booking_id)
                return p;
        }
        return std::nullopt;
    }
    [[nodiscard]] domain::Page<domain::payment::Payment> list(
        const domain::PageRequest& page) override {
        std::vector<domain::payment::Payment> all;
        for (const auto& [id, p] : rows_)
            all.push_back(p);
        return page_of(all, page);
    }
    [[nodiscard]] domain::Page<domain::payment::Payment> list_by_customer(
        const std::string& customer_id, const domain::PageRequest& page) override {
        std::vector<domain::payment::Payment> mine;
        for (const auto& [id, p] : rows_) {
            if (p.customer_id() == customer_id)
                mine.push_back(p);
        }
        return page_of(mine, page);
    }

    [[nodiscard]] std::size_t size() const noexcept { return rows_.size(); }
    [[nodiscard]] std::size_t writes() const noexcept { return writes_; }

private:
    std::map<std::int64_t, domain::payment::Payment> rows_;
    std::int64_t last_id_ = 0;
    std::size_t writes_ = 0;
};

}  // namespace mb::test
