#pragma once
// SQL for the securities master. Statements are prepared on every pool
// connection; the functions build calls and convert rows.

#include "protocol/market.hpp"
#include "storage/pg_pool.hpp"

namespace delta::storage::securities {

void register_statements(pg_pool& pool);

pg_statement by_ticker(const std::string& ticker);
pg_statement insert(const protocol::new_security& s);  // returns the row like by_ticker

// Two statements for one call: the total count, then the page.
std::vector<pg_statement> search(const protocol::security_query& query);

// Converts the result of by_ticker(); nullopt when no row matched.
std::optional<protocol::security> to_security(const pg_result& result);

// Converts the results of search().
protocol::security_page to_page(const std::vector<pg_result>& results);

// Escapes LIKE wildcards so user text matches literally.
std::string escape_like(const std::string& text);

}  // namespace delta::storage::securities
