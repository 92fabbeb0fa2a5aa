#pragma once
// What /admin/dead-letters shows and acts on: something that parks work it kept failing on —
// a module's event consumer (events it could not apply), the webhook dispatcher (deliveries a
// receiver kept refusing) — listed, retried or discarded by an operator.
#include <cstdint>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "adapters/persistence/dead_letter_store.hpp"
#include "domain/common/result.hpp"

namespace mb::adapters::runtime {

class DeadLetterQueue {
public:
    DeadLetterQueue() = default;
    DeadLetterQueue(const DeadLetterQueue&) = delete;
    DeadLetterQueue& operator=(const DeadLetterQueue&) = delete;
    virtual ~DeadLetterQueue() = default;

    /// The queue's name in the admin API (`module` of a letter, the path's {module}).
    [[nodiscard]] virtual const std::string& name() const noexcept = 0;
    /// Parked letters, oldest first, at most `limit`.
    virtual boost::asio::awaitable<std::vector<persistence::DeadLetter>> dead_letters(
        std::int64_t limit) = 0;
    /// Retries a letter (and what is parked behind it). Returns how many were applied or
    /// requeued. Errors: a kNotFound condition (no such letter).
    virtual boost::asio::awaitable<domain::Result<std::int64_t>> retry(std::int64_t letter_id) = 0;
    /// Drops a letter for good. Errors: a kNotFound condition (no such letter).
    virtual boost::asio::awaitable<domain::Result<void>> discard(std::int64_t letter_id) = 0;

protected:
    DeadLetterQueue(DeadLetterQueue&&) = default;
    DeadLetterQueue& operator=(DeadLetterQueue&&) = default;
};

}  // namespace mb::adapters::runtime
