#pragma once
// Spring Data REST (HAL) shapes: items with `_links`, paged collections under `_embedded`
// with `page` metadata and navigation links, and the page/size query parameters.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>

#include "adapters/http/request.hpp"
#include "domain/common/page.hpp"
#include "domain/common/validation.hpp"

namespace mb::adapters::http {

/// Largest accepted `size` query parameter.
inline constexpr std::int64_t kMaxPageSize = 1000;
/// `size` when the query has none (Spring Data's default).
inline constexpr std::int64_t kDefaultPageSize = 20;

/// `fields` plus
/// `"_links":{"self":{"href":"<base_url>/<collection>/<id>"},"<rel>":{"href":<same>}}`,
/// e.g. hal_item(f, "http://h:8088", "books", "book", 1). Any `_links` already in `fields` is
/// replaced. Pure; thread-safe.
[[nodiscard]] boost::json::object hal_item(boost::json::object fields, std::string_view base_url,
                                           std::string_view collection, std::string_view rel,
                                           std::int64_t id);

/// A page of a collection resource:
/// ```
/// {"_embedded":{"<collection>":[items...]},
///  "_links":{"first":..,"prev":..,"self":..,"next":..,"last":..,
///            "profile":{"href":"<base_url>/profile/<collection>"}},
///  "page":{"size":S,"totalElements":T,"totalPages":ceil(T/S),"number":N}}
/// ```
/// `self_path` is the path (and query) of the collection resource, e.g. "/books" or
/// "/tickets/search/findByBookingId?bookingId=3"; every navigation href is
/// `<base_url><self_path>` with its `page` and `size` parameters replaced by those of the
/// page it points to (other parameters are kept, in order, as given: they must already be
/// percent-encoded, the text is copied verbatim). As in Spring Data REST, `prev` exists when
/// N > 0, `next` when N + 1 < totalPages, and `first` and `last` when either does.
/// `page.size` should be >= 1 (parse_page guarantees it; a smaller one is treated as 1).
/// Pure; thread-safe.
[[nodiscard]] boost::json::object hal_collection(
    std::vector<boost::json::object> items, std::string_view base_url, std::string_view collection,
    std::string_view self_path, const mb::domain::PageRequest& page, std::int64_t total_elements);

/// Reads `?page=` (zero-based, >= 0, default 0) and `?size=` (1..1000, default 20) as decimal
/// integers. On a bad value appends a FieldError ("page" / "size") to `errors` and returns
/// nullopt; a page whose offset (page * size) would overflow int64 is also refused.
[[nodiscard]] std::optional<mb::domain::PageRequest> parse_page(const Request& request,
                                                                mb::domain::FieldErrors& errors);

}  // namespace mb::adapters::http
