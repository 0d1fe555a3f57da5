#include "storage/security_repository.hpp"

namespace delta::storage::securities {

namespace {

constexpr const char* columns =
    "security_id::text, ticker, name, security_type, exchange, currency, active";

constexpr const char* match_clause =
    "($1 = '' OR ticker LIKE upper($1) || '%' OR lower(name) LIKE '%' || lower($1) || '%')";

protocol::security row_to_security(const pg_row& row) {
  protocol::security s;
  s.security_id = row[0].value_or("");
  s.ticker = row[1].value_or("");
  s.name = row[2].value_or("");
  s.security_type = row[3].value_or("");
  if (row[4]) s.exchange = *row[4];
  s.currency = row[5].value_or("");
  s.active = row[6].value_or("f") == "t";
  return s;
}

}  // namespace

void register_statements(pg_pool& pool) {
  pool.add_statement("securities_by_ticker",
                     std::string{"SELECT "} + columns + " FROM securities WHERE ticker = $1");
  pool.add_statement("securities_insert",
                     std::string{"INSERT INTO securities (ticker, name, security_type, exchange, currency) "
                                 "VALUES ($1, $2, $3, $4, $5) RETURNING "} + columns);
  pool.add_statement("securities_count",
                     std::string{"SELECT count(*) FROM securities WHERE "} + match_clause);
  pool.add_statement("securities_page", std::string{"SELECT "} + columns +
                                            " FROM securities WHERE " + match_clause +
                                            " ORDER BY ticker LIMIT $2 OFFSET $3");
}

pg_statement insert(const protocol::new_security& s) {
  return pg_statement::prepared(
      "securities_insert",
      {s.ticker, s.name, s.security_type, s.exchange ? pg_value{*s.exchange} : pg_value{}, s.currency});
}

pg_statement by_ticker(const std::string& ticker) {
  return pg_statement::prepared("securities_by_ticker", {ticker});
}

std::vector<pg_statement> search(const protocol::security_query& query) {
  auto q = escape_like(query.q);
  return {pg_statement::prepared("securities_count", {q}),
          pg_statement::prepared("securities_page", {q, std::to_string(query.limit),
                                                     std::to_string(query.offset)})};
}

std::optional<protocol::security> to_security(const pg_result& result) {
  if (result.rows.empty()) return std::nullopt;
  return row_to_security(result.rows.front());
}

protocol::security_page to_page(const std::vector<pg_result>& results) {
  protocol::security_page page;
  page.total = std::stoll(results.at(0).rows.at(0).at(0).value_or("0"));
  for (auto& row : results.at(1).rows) page.items.push_back(row_to_security(row));
  return page;
}

std::string escape_like(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '%' || c == '_') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace delta::storage::securities
