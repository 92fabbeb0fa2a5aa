#include "adapters/persistence/unreadable_row.hpp"

#include <atomic>

#include <spdlog/spdlog.h>

#include "adapters/logging/logging.hpp"

namespace mb::adapters::persistence {
namespace {

std::atomic<std::uint64_t> g_unreadable{0};

std::string describe(std::string_view table, std::int64_t id, std::string_view column,
                     std::string_view value) {
    std::string shown(value.substr(0, 64));
    return std::string(table) + " row " + std::to_string(id) + ": column " + std::string(column) +
           " holds '" + shown + (value.size() > 64 ? "...'" : "'") +
           ", which this version cannot read (no default is guessed)";
}

}  // namespace

UnreadableRow::UnreadableRow(std::string_view table, std::int64_t id, std::string_view column,
                             std::string_view value)
    : std::runtime_error(describe(table, id, column, value)),
      table_(table),
      id_(id),
      column_(column) {}

std::uint64_t unreadable_rows() noexcept {
    return g_unreadable.load(std::memory_order_relaxed);
}

void throw_unreadable(std::string_view table, std::int64_t id, std::string_view column,
                      std::string_view stored) {
    UnreadableRow error(table, id, column, stored);
    g_unreadable.fetch_add(1, std::memory_order_relaxed);
    logging::module_logger("sqlite")->error("{}", error.what());
    throw error;
}

}  // namespace mb::adapters::persistence
