#pragma once
// A blocking libpq connection for code that runs before or outside the actor
// system: the migration runner, deltad's CLI commands and integration tests.
// Never use it on a CAF scheduler thread (the async pg_pool is for actors).

#include "storage/pg_types.hpp"

#include <string>
#include <vector>

struct pg_conn;

namespace delta::storage {

class pg_connection {
 public:
  explicit pg_connection(const std::string& url, int connect_timeout_seconds = 5);
  ~pg_connection();
  pg_connection(const pg_connection&) = delete;
  pg_connection& operator=(const pg_connection&) = delete;

  // Runs one statement with text parameters ($1, $2, ...).
  pg_result exec(const std::string& sql, const std::vector<pg_value>& params = {});
  // Runs a script of several statements without parameters.
  void exec_script(const std::string& sql);

 private:
  pg_conn* conn_ = nullptr;
};

}  // namespace delta::storage
