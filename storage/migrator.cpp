#include "storage/migrator.hpp"

#include "storage/pg_connection.hpp"

#include "protocol/credentials.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

namespace delta::storage {

namespace {

// Arbitrary constant naming "delta schema migrations" for pg_advisory_lock.
constexpr const char* lock_key = "7468151220411";

const char* create_table_sql = R"sql(
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT        NOT NULL,
    checksum   TEXT        NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
  ))sql";

struct applied_row {
  std::string name;
  std::string checksum;
  std::string applied_at;
};

std::map<int, applied_row> read_applied(pg_connection& db) {
  std::map<int, applied_row> out;
  auto res = db.exec(
      "SELECT version, name, checksum, to_char(applied_at AT TIME ZONE 'UTC', "
      "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM schema_migrations ORDER BY version");
  for (auto& row : res.rows) out[std::stoi(*row[0])] = {*row[1], *row[2], *row[3]};
  return out;
}

// Holds the advisory lock for the lifetime of the object.
class migration_lock {
 public:
  explicit migration_lock(pg_connection& db) : db_(db) {
    db_.exec("SELECT pg_advisory_lock($1::bigint)", {std::string{lock_key}});
  }
  ~migration_lock() {
    try {
      db_.exec("SELECT pg_advisory_unlock($1::bigint)", {std::string{lock_key}});
    } catch (...) {
      // The session ends right after; PostgreSQL releases the lock then.
    }
  }

 private:
  pg_connection& db_;
};

}  // namespace

std::string sha256_hex(const std::string& data) { return protocol::sha256_hex(data); }

std::vector<migration> load_migrations(const std::filesystem::path& dir) {
  static const std::regex file_name{R"(^([0-9]{4})_([a-z0-9_]+)\.sql$)"};
  if (!std::filesystem::is_directory(dir))
    throw migration_error{"migrations directory not found: " + dir.string()};
  std::vector<migration> out;
  for (auto& entry : std::filesystem::directory_iterator(dir)) {
    auto name = entry.path().filename().string();
    if (entry.path().extension() != ".sql") continue;
    std::smatch m;
    if (!std::regex_match(name, m, file_name))
      throw migration_error{"migration file name must be NNNN_name.sql: " + name};
    std::ifstream in{entry.path(), std::ios::binary};
    std::stringstream content;
    content << in.rdbuf();
    out.push_back({std::stoi(m[1]), entry.path().stem().string(), content.str(),
                   sha256_hex(content.str())});
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.version < b.version; });
  for (std::size_t i = 1; i < out.size(); ++i)
    if (out[i].version == out[i - 1].version)
      throw migration_error{"two migrations with version " + std::to_string(out[i].version) +
                            ": " + out[i - 1].name + ", " + out[i].name};
  return out;
}

std::vector<int> apply_migrations(const std::string& url, const std::vector<migration>& all) {
  pg_connection db{url};
  migration_lock lock{db};
  db.exec_script(create_table_sql);
  auto applied = read_applied(db);
  for (auto& m : all) {
    auto it = applied.find(m.version);
    if (it != applied.end() && it->second.checksum != m.checksum)
      throw migration_error{"migration " + m.name + " was changed after it was applied on " +
                            it->second.applied_at +
                            " (checksum differs); add a new migration instead of editing it"};
  }
  std::vector<int> done;
  for (auto& m : all) {
    if (applied.count(m.version)) continue;
    try {
      db.exec_script("BEGIN");
      db.exec_script(m.sql);
      db.exec("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
              {std::to_string(m.version), m.name, m.checksum});
      db.exec_script("COMMIT");
    } catch (const pg_exception& e) {
      try {
        db.exec_script("ROLLBACK");
      } catch (...) {
      }
      throw migration_error{"migration " + m.name + " failed: " + e.what()};
    }
    done.push_back(m.version);
  }
  return done;
}

std::vector<migration_status> migrations_status(const std::string& url,
                                                const std::vector<migration>& all) {
  pg_connection db{url};
  // Read-only: a status check must not create tables or race a migration.
  auto exists = db.exec("SELECT to_regclass('schema_migrations') IS NOT NULL");
  std::map<int, applied_row> applied;
  if (exists.rows.at(0).at(0) == std::optional<std::string>{"t"}) applied = read_applied(db);
  std::vector<migration_status> out;
  for (auto& m : all) {
    migration_status s;
    s.version = m.version;
    s.name = m.name;
    if (auto it = applied.find(m.version); it != applied.end()) {
      s.applied = true;
      s.applied_at = it->second.applied_at;
      s.changed = it->second.checksum != m.checksum;
    }
    out.push_back(s);
  }
  return out;
}

}  // namespace delta::storage
