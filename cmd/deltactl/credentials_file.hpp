#pragma once
// The credential store on disk: $XDG_CONFIG_HOME/delta/credentials (an
// unset or relative XDG_CONFIG_HOME means ~/.config), the directory 0700 and
// the file 0600 whatever the umask, replaced atomically (write a temporary
// file, fsync, rename) and removed when its last credential goes.

#include "cmd/deltactl/credentials.hpp"

#include <filesystem>

namespace delta::ctl {

class credentials_file {
 public:
  // From the environment; failure{usage} when neither XDG_CONFIG_HOME nor HOME is usable.
  static credentials_file from_environment();
  explicit credentials_file(std::filesystem::path path) : path_(std::move(path)) {}

  const std::filesystem::path& path() const { return path_; }
  // An empty store when the file does not exist; failure{not_logged_in}
  // for a file that cannot be read or is not ours.
  credential_store load() const;
  void save(const credential_store& store) const;

 private:
  std::filesystem::path path_;
};

}  // namespace delta::ctl
