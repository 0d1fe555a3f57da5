#include "storage/pg_connection.hpp"

#include "storage/libpq_conversions.hpp"

#include <memory>

namespace delta::storage {

using detail::convert;
using detail::error_of;

pg_connection::pg_connection(const std::string& url, int connect_timeout_seconds) {
  auto timeout = std::to_string(connect_timeout_seconds);
  const char* keys[] = {"dbname", "connect_timeout", "application_name", nullptr};
  const char* values[] = {url.c_str(), timeout.c_str(), "deltad", nullptr};
  conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (PQstatus(conn_) != CONNECTION_OK) {
    pg_error e{pg_failure::unavailable, "", PQerrorMessage(conn_)};
    PQfinish(conn_);
    conn_ = nullptr;
    throw pg_exception{e};
  }
  PQsetNoticeProcessor(conn_, [](void*, const char*) {}, nullptr);
}

pg_connection::~pg_connection() {
  if (conn_) PQfinish(conn_);
}

pg_result pg_connection::exec(const std::string& sql, const std::vector<pg_value>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  std::unique_ptr<PGresult, decltype(&PQclear)> res{
      PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                   nullptr, nullptr, 0),
      &PQclear};
  auto status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    throw pg_exception{error_of(conn_, res.get())};
  return convert(res.get());
}

void pg_connection::exec_script(const std::string& sql) {
  std::unique_ptr<PGresult, decltype(&PQclear)> res{PQexec(conn_, sql.c_str()), &PQclear};
  auto status = res ? PQresultStatus(res.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    throw pg_exception{error_of(conn_, res.get())};
}

}  // namespace delta::storage
