#pragma once
// One page of a module's table, of every row or of one customer's (issue 9: collections are
// filtered to the caller). Shared by the repositories whose tables have a customer_id column
// (indexed with id). Runs on the module's session: not thread-safe. Throws soci::soci_error.
#include <string>
#include <string_view>

#include <soci/soci.h>

#include "domain/common/page.hpp"

namespace mb::adapters::persistence {

/// `SELECT <columns> FROM <table> [WHERE customer_id = :c] ORDER BY id LIMIT/OFFSET` and the
/// matching COUNT(*). `bind(statement, row)` exchanges one soci::into per column, in
/// `columns` order, into `row`; `convert(row)` turns a fetched row into a T.
template <class T, class Row, class Bind, class Convert>
domain::Page<T> page_by_customer(soci::session& session, std::string_view table,
                                 std::string_view columns, const std::string* customer,
                                 const domain::PageRequest& page, Bind bind, Convert convert) {
    domain::Page<T> out;
    Row row;
    auto limit = page.size;
    auto offset = page.offset();
    std::string customer_id = customer != nullptr ? *customer : std::string();
    const std::string where = customer != nullptr ? " WHERE customer_id = :c" : "";
    soci::statement st(session);
    bind(st, row);
    if (customer != nullptr)
        st.exchange(soci::use(customer_id));
    st.exchange(soci::use(limit));
    st.exchange(soci::use(offset));
    st.alloc();
    st.prepare("SELECT " + std::string(columns) + " FROM " + std::string(table) + where +
               " ORDER BY id LIMIT :l OFFSET :o");
    st.define_and_bind();
    st.execute();
    while (st.fetch())
        out.items.push_back(convert(row));
    const std::string count = "SELECT COUNT(*) FROM " + std::string(table) + where;
    if (customer != nullptr) {
        session << count, soci::use(customer_id), soci::into(out.total);
    } else {
        session << count, soci::into(out.total);
    }
    return out;
}

}  // namespace mb::adapters::persistence
