#pragma once
// Databases for integration tests. scripts/test starts a throwaway
// PostgreSQL 15 cluster and exports DELTA_TEST_DATABASE_URL (superuser, trust)
// and DELTA_TEST_PG_BIN; each test creates its own database so tests can run
// in parallel, and drops it at the end. A missing variable fails the test:
// these tests never skip.

#include "storage/pg_pool.hpp"

#include <chrono>
#include <filesystem>
#include <string>

namespace delta::testing {

// The value of an environment variable; throws std::runtime_error naming it
// when it is unset or empty.
std::string required_env(const char* name);

// `url` with its database name replaced by `database`.
std::string with_database(const std::string& url, const std::string& database);

// A fresh, empty database on the test cluster; dropped (with FORCE) on destruction.
class scratch_database {
 public:
  scratch_database();
  ~scratch_database();
  scratch_database(const scratch_database&) = delete;
  scratch_database& operator=(const scratch_database&) = delete;

  const std::string& name() const { return name_; }
  const std::string& url() const { return url_; }

 private:
  std::string admin_url_;
  std::string name_;
  std::string url_;
};

// A directory under the system temp directory, removed on destruction.
class temp_dir {
 public:
  explicit temp_dir(const std::string& prefix);
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  void write(const std::string& file_name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

// Runs one pool call and waits for its reply. The wait is bounded: a reply
// that does not come within `limit` fails the test and returns an error
// reply whose message says so.
storage::pg_reply call_and_wait(storage::pg_pool& pool, std::vector<storage::pg_statement> steps,
                                bool transaction = false,
                                std::chrono::milliseconds limit = std::chrono::seconds(10));
storage::pg_reply call_and_wait(storage::pg_pool& pool, storage::pg_statement step,
                                std::chrono::milliseconds limit = std::chrono::seconds(10));

// Blocks the calling test thread for `d`: the pause between the rounds of a
// bounded poll (a future nobody fulfils, waited on with a timeout).
void pause_between_polls(std::chrono::milliseconds d);

// A bounded poll: true as soon as `condition()` holds, false once `limit`
// has passed without it (checked every 20 ms).
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    pause_between_polls(std::chrono::milliseconds(20));
  }
  return true;
}

}  // namespace delta::testing
