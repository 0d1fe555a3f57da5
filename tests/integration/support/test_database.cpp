#include "tests/integration/support/test_database.hpp"

#include "storage/pg_connection.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <future>
#include <memory>
#include <random>
#include <stdexcept>
#include <fstream>
#include <unistd.h>

namespace delta::testing {

std::string required_env(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value)
    throw std::runtime_error{std::string{name} +
                             " is not set: run the integration tests through scripts/test "
                             "(or export it, see tests/integration/README.md)"};
  return value;
}

std::string with_database(const std::string& url, const std::string& database) {
  auto scheme_end = url.find("://");
  auto path = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  if (path == std::string::npos) return url + "/" + database;
  auto query = url.find('?', path);
  return url.substr(0, path + 1) + database +
         (query == std::string::npos ? std::string{} : url.substr(query));
}

namespace {

std::string unique_name(const std::string& prefix) {
  static std::atomic<int> counter{0};
  std::random_device rd;
  std::uniform_int_distribution<unsigned> dist;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%08x", dist(rd));
  return prefix + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" + suffix;
}

}  // namespace

scratch_database::scratch_database()
    : admin_url_(required_env("DELTA_TEST_DATABASE_URL")), name_(unique_name("delta_it_")) {
  storage::pg_connection admin{admin_url_};
  admin.exec_script("CREATE DATABASE " + name_);
  url_ = with_database(admin_url_, name_);
}

scratch_database::~scratch_database() {
  try {
    storage::pg_connection admin{admin_url_};
    admin.exec_script("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (const std::exception& e) {
    ADD_FAILURE() << "could not drop " << name_ << ": " << e.what();
  }
}

temp_dir::temp_dir(const std::string& prefix) {
  auto pattern = (std::filesystem::temp_directory_path() / (prefix + "XXXXXX")).string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error{"mkdtemp failed for " + pattern};
  path_ = pattern;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void temp_dir::write(const std::string& file_name, const std::string& content) const {
  std::ofstream out{path_ / file_name, std::ios::binary | std::ios::trunc};
  out << content;
  if (!out) throw std::runtime_error{"cannot write " + (path_ / file_name).string()};
}

storage::pg_reply call_and_wait(storage::pg_pool& pool, std::vector<storage::pg_statement> steps,
                                bool transaction, std::chrono::milliseconds limit) {
  auto promise = std::make_shared<std::promise<storage::pg_reply>>();
  auto future = promise->get_future();
  pool.call(std::move(steps), transaction,
            [promise](storage::pg_reply reply) { promise->set_value(std::move(reply)); });
  if (future.wait_for(limit) != std::future_status::ready) {
    ADD_FAILURE() << "the pool did not answer within " << limit.count() << " ms";
    storage::pg_reply timed_out;
    timed_out.error = storage::pg_error{storage::pg_failure::query, "", "test: no reply in time"};
    return timed_out;
  }
  return future.get();
}

storage::pg_reply call_and_wait(storage::pg_pool& pool, storage::pg_statement step,
                                std::chrono::milliseconds limit) {
  std::vector<storage::pg_statement> steps;
  steps.push_back(std::move(step));
  return call_and_wait(pool, std::move(steps), false, limit);
}

void pause_between_polls(std::chrono::milliseconds d) {
  // Nothing signals "PostgreSQL is accepting connections again" to the test;
  // between the rounds of a bounded poll it waits on a future nobody fulfils.
  std::promise<void> never;
  never.get_future().wait_for(d);
}

}  // namespace delta::testing
