#include "storage/pg_types.hpp"

#include "storage/libpq_conversions.hpp"

namespace delta::storage {

namespace detail {


pg_error error_of(PGconn* conn, PGresult* res) {
  pg_error e;
  if (res) {
    if (auto* state = PQresultErrorField(res, PG_DIAG_SQLSTATE)) e.sqlstate = state;
    // The primary message only: DETAIL lines may quote row data (a
    // password hash, an email) and messages reach logs.
    auto* primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    e.message = primary ? primary : PQresultErrorMessage(res);
  } else {
    e.message = PQerrorMessage(conn);
  }
  e.kind = classify_sqlstate(e.sqlstate);
  return e;
}

pg_result convert(PGresult* res) {
  pg_result out;
  int cols = PQnfields(res);
  int rows = PQntuples(res);
  for (int c = 0; c < cols; ++c) out.columns.emplace_back(PQfname(res, c));
  out.rows.reserve(rows);
  for (int r = 0; r < rows; ++r) {
    pg_row row;
    row.reserve(cols);
    for (int c = 0; c < cols; ++c)
      row.push_back(PQgetisnull(res, r, c) ? pg_value{}
                                           : pg_value{std::string{PQgetvalue(res, r, c),
                                                                  static_cast<std::size_t>(PQgetlength(res, r, c))}});
    out.rows.push_back(std::move(row));
  }
  if (auto* affected = PQcmdTuples(res); affected && *affected) out.affected = std::stoll(affected);
  return out;
}

}  // namespace detail

std::size_t pg_result::column(const std::string& name) const {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i] == name) return i;
  throw std::out_of_range{"no column " + name};
}

std::int64_t pg_result::first_integer() const {
  if (rows.empty() || rows.front().empty() || !rows.front().front()) return 0;
  return std::stoll(*rows.front().front());
}

pg_failure classify_sqlstate(const std::string& sqlstate) {
  if (sqlstate.size() != 5) return pg_failure::unavailable;
  auto cls = sqlstate.substr(0, 2);
  if (cls == "23") return pg_failure::constraint;
  // 08: connection exception, 57: operator intervention (shutdown, query
  // canceled by statement_timeout), 53: insufficient resources, 40: serialization.
  if (cls == "08" || cls == "57" || cls == "53" || cls == "40") return pg_failure::unavailable;
  return pg_failure::query;
}

}  // namespace delta::storage
