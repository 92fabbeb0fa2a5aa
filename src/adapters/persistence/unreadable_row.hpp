#pragma once
// A stored row that cannot be turned back into its aggregate — a status column holding a name
// no version of the domain knows, say. The repositories never guess a default for it: a
// guessed `Pending` booking would be refunded and deleted by the next recovery pass (issue
// 12, item 7). Reading such a row logs an error, counts it, and throws; the module's job
// fails and its transaction rolls back, so nothing is written on the strength of a guess.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mb::adapters::persistence {

/// Thrown by a repository that reads a row it cannot restore. what() names the table, the
/// row id, the column and the stored value.
class UnreadableRow : public std::runtime_error {
public:
    UnreadableRow(std::string_view table, std::int64_t id, std::string_view column,
                  std::string_view value);
    [[nodiscard]] const std::string& table() const noexcept { return table_; }
    [[nodiscard]] std::int64_t id() const noexcept { return id_; }
    [[nodiscard]] const std::string& column() const noexcept { return column_; }

private:
    std::string table_;
    std::int64_t id_;
    std::string column_;
};

/// Rows found unreadable since the process started (every module). Thread-safe.
[[nodiscard]] std::uint64_t unreadable_rows() noexcept;

/// `parsed` when it holds a value; else logs (spdlog error), counts and throws UnreadableRow
/// for (`table`, `id`, `column`, `stored`).
template <class T>
T required(std::optional<T> parsed, std::string_view table, std::int64_t id,
           std::string_view column, std::string_view stored);

/// Logs, counts and throws UnreadableRow. (The non-template half of required().)
[[noreturn]] void throw_unreadable(std::string_view table, std::int64_t id, std::string_view column,
                                   std::string_view stored);

template <class T>
T required(std::optional<T> parsed, std::string_view table, std::int64_t id,
           std::string_view column, std::string_view stored) {
    if (!parsed)
        throw_unreadable(table, id, column, stored);
    return *parsed;
}

}  // namespace mb::adapters::persistence
