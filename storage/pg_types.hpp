#pragma once
// Plain result and error values of PostgreSQL calls (text format).

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace delta::storage {

using pg_value = std::optional<std::string>;  // nullopt is SQL NULL
using pg_row = std::vector<pg_value>;

struct pg_result {
  std::vector<std::string> columns;
  std::vector<pg_row> rows;
  std::int64_t affected = 0;  // rows affected by INSERT/UPDATE/DELETE

  // Index of a column by name; throws std::out_of_range when absent.
  std::size_t column(const std::string& name) const;
  // The first column of the first row as an integer (a count), 0 when absent.
  std::int64_t first_integer() const;
};

enum class pg_failure {
  unavailable,  // no connection, connection lost, timeout, server shutting down
  constraint,   // integrity violation (SQLSTATE class 23): unique, check, foreign key
  query,        // anything else: a bug in our SQL or unexpected data
};

struct pg_error {
  pg_failure kind = pg_failure::query;
  std::string sqlstate;  // five characters, empty when not from the server
  std::string message;   // server text: for logs only, never for clients
};

// The outcome of one call: either an error or one result per statement.
struct pg_reply {
  std::optional<pg_error> error;
  std::vector<pg_result> results;

  bool ok() const { return !error; }
};

// Thrown by the blocking connection (migrations, CLI); never on actor threads.
class pg_exception : public std::runtime_error {
 public:
  explicit pg_exception(pg_error e) : std::runtime_error(e.message), error(std::move(e)) {}
  pg_error error;
};

pg_failure classify_sqlstate(const std::string& sqlstate);

}  // namespace delta::storage
