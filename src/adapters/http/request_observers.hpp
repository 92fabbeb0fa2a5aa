#pragma once
// Several request observers (access log, request metrics) behind the one
// ServerOptions::observer slot.
#include <utility>
#include <vector>

#include "adapters/http/server.hpp"

namespace mb::adapters::http {

/// An observer calling each non-empty one of `observers` in order (an empty observer when none
/// is left). An exception stops the rest for that request (the Server logs it): observers
/// should not throw. Thread-safe when each observer is.
[[nodiscard]] inline RequestObserver fan_out(std::vector<RequestObserver> observers) {
    std::erase_if(observers, [](const RequestObserver& o) { return !o; });
    if (observers.empty())
        return {};
    if (observers.size() == 1)
        return std::move(observers.front());
    return [observers = std::move(observers)](const RequestRecord& record) {
        for (const auto& observer : observers)
            observer(record);
    };
}

}  // namespace mb::adapters::http
