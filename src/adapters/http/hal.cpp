#include "adapters/http/hal.hpp"

#include <limits>
#include <string>
#include <utility>

#include <boost/json/array.hpp>

#include "adapters/http/json_body.hpp"

namespace mb::adapters::http {
namespace {

boost::json::object link(std::string_view href) {
    boost::json::object object;
    object.emplace("href", href);
    return object;
}

/// Builds the hrefs of one paged collection resource.
class PageLinks {
public:
    PageLinks(std::string_view base_url, std::string_view self_path, std::int64_t size)
        : size_(size) {
        const auto question = self_path.find('?');
        prefix_.reserve(base_url.size() + self_path.size() + 1);
        prefix_.append(base_url).append(self_path.substr(0, question));
        prefix_.push_back('?');
        if (question == std::string_view::npos) {
            return;
        }
        // Keep the other parameters, drop page and size (they are set per link).
        auto query = self_path.substr(question + 1);
        while (!query.empty()) {
            const auto amp = query.find('&');
            const auto param = query.substr(0, amp);
            const auto key = param.substr(0, param.find('='));
            if (!param.empty() && key != "page" && key != "size") {
                prefix_.append(param).push_back('&');
            }
            if (amp == std::string_view::npos) {
                break;
            }
            query.remove_prefix(amp + 1);
        }
    }

    [[nodiscard]] boost::json::object to(std::int64_t number) const {
        std::string href = prefix_;
        href.append("page=")
            .append(std::to_string(number))
            .append("&size=")
            .append(std::to_string(size_));
        return link(href);
    }

private:
    std::string prefix_;
    std::int64_t size_;
};

}  // namespace

boost::json::object hal_item(boost::json::object fields, std::string_view base_url,
                             std::string_view collection, std::string_view rel, std::int64_t id) {
    std::string href;
    href.reserve(base_url.size() + collection.size() + 24);
    href.append(base_url).append("/").append(collection).append("/").append(std::to_string(id));
    boost::json::object links;
    links.emplace("self", link(href));
    links.insert_or_assign(rel, link(href));
    fields.insert_or_assign("_links", std::move(links));
    return fields;
}

boost::json::object hal_collection(std::vector<boost::json::object> items,
                                   std::string_view base_url, std::string_view collection,
                                   std::string_view self_path, const mb::domain::PageRequest& page,
                                   std::int64_t total_elements) {
    const std::int64_t size = page.size > 0 ? page.size : 1;
    const std::int64_t total_pages = total_elements / size + (total_elements % size != 0 ? 1 : 0);
    const bool has_previous = page.number > 0;
    const bool has_next = page.number + 1 < total_pages;
    const bool navigable = has_previous || has_next;

    boost::json::array list;
    list.reserve(items.size());
    for (auto& item : items) {
        list.emplace_back(std::move(item));
    }
    boost::json::object embedded;
    embedded.emplace(collection, std::move(list));

    const PageLinks links_to(base_url, self_path, size);
    boost::json::object links;
    if (navigable) {
        links.emplace("first", links_to.to(0));
    }
    if (has_previous) {
        links.emplace("prev", links_to.to(page.number - 1));
    }
    links.emplace("self", links_to.to(page.number));
    if (has_next) {
        links.emplace("next", links_to.to(page.number + 1));
    }
    if (navigable) {
        links.emplace("last", links_to.to(total_pages == 0 ? 0 : total_pages - 1));
    }
    std::string profile;
    profile.append(base_url).append("/profile/").append(collection);
    links.emplace("profile", link(profile));

    boost::json::object metadata;
    metadata.emplace("size", size);
    metadata.emplace("totalElements", total_elements);
    metadata.emplace("totalPages", total_pages);
    metadata.emplace("number", page.number);

    boost::json::object body;
    body.emplace("_embedded", std::move(embedded));
    body.emplace("_links", std::move(links));
    body.emplace("page", std::move(metadata));
    return body;
}

std::optional<mb::domain::PageRequest> parse_page(const Request& request,
                                                  mb::domain::FieldErrors& errors) {
    const auto errors_before = errors.size();
    mb::domain::PageRequest page{0, kDefaultPageSize};
    if (const auto text = request.query_param("size")) {
        const auto value = parse_decimal_int64(*text);
        if (!value || *value < 1 || *value > kMaxPageSize) {
            errors.push_back({"size", "must be an integer between 1 and 1000"});
        } else {
            page.size = *value;
        }
    }
    if (const auto text = request.query_param("page")) {
        const auto value = parse_decimal_int64(*text);
        if (!value || *value < 0) {
            errors.push_back({"page", "must be a non-negative integer"});
        } else if (*value > std::numeric_limits<std::int64_t>::max() / page.size) {
            errors.push_back({"page", "is too large"});
        } else {
            page.number = *value;
        }
    }
    if (errors.size() != errors_before) {
        return std::nullopt;
    }
    return page;
}

}  // namespace mb::adapters::http
