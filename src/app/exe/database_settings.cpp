// database_location (settings.hpp): where each module's tables live under --db. In the
// composition root's library, not in settings.cpp (the executable's own unit), because
// application.cpp uses it and other programs (the fuzz target) link that library alone.
#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>

#include "app/exe/settings.hpp"

namespace mb::app::exe {

adapters::persistence::DatabaseLocation database_location(const Settings& s,
                                                          std::string_view module) {
    std::optional<std::string> for_all;
    std::optional<std::string> for_module;
    for (const auto& entry : s.databases) {
        const auto scheme = entry.find("://");
        const auto equals = entry.find('=');
        if (equals != std::string::npos && (scheme == std::string::npos || equals < scheme)) {
            const auto name = entry.substr(0, equals);
            if (std::find(kModules.begin(), kModules.end(), name) == kModules.end())
                throw std::invalid_argument("'" + name +
                                            "' is not a module (booking, payment, ticket, "
                                            "review, mypage)");
            if (name != module)
                continue;
            if (for_module)
                throw std::invalid_argument("two URLs for the " + name + " module");
            for_module = entry.substr(equals + 1);
        } else {
            if (for_all)
                throw std::invalid_argument("two URLs for every module (one may be "
                                            "MODULE=URL)");
            for_all = entry;
        }
    }
    const auto& url = for_module ? for_module : for_all;
    if (!url)
        return adapters::persistence::DatabaseLocation::sqlite(s.data_dir /
                                                               (std::string(module) + ".db"));
    return adapters::persistence::DatabaseLocation::postgresql(*url, std::string(module));
}

}  // namespace mb::app::exe
