#pragma once
// Schema migrations: numbered files NNNN_name.sql applied in order, each in
// its own transaction, recorded in schema_migrations(version, name, checksum,
// applied_at). A PostgreSQL advisory lock serialises concurrent runners (many
// nodes starting at once); an applied file whose content changed is refused.
// Runs on the calling thread with a blocking connection: start-up and CLI only.

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace delta::storage {

struct migration {
  int version = 0;
  std::string name;      // file name without the .sql suffix, e.g. 0001_securities
  std::string sql;
  std::string checksum;  // SHA-256 of the file, hex
};

struct migration_status {
  int version = 0;
  std::string name;
  bool applied = false;
  std::optional<std::string> applied_at;
  bool changed = false;  // applied, but the file's checksum differs now
};

class migration_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads NNNN_name.sql files in version order; refuses duplicate versions and
// malformed names.
std::vector<migration> load_migrations(const std::filesystem::path& dir);

std::string sha256_hex(const std::string& data);

// Applies what is pending; returns the versions applied by this call.
std::vector<int> apply_migrations(const std::string& url, const std::vector<migration>& all);

std::vector<migration_status> migrations_status(const std::string& url,
                                                const std::vector<migration>& all);

}  // namespace delta::storage
