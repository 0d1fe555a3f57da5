#include "cmd/deltactl/credentials_file.hpp"

#include "cmd/deltactl/failure.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace delta::ctl {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void fail_io(const std::string& what, const fs::path& p, int err) {
  throw failure(exit_code::not_logged_in, what + " " + p.string() + ": " + std::strerror(err));
}

// The directory of the file, made 0700 (created, or tightened when it is
// ours already: it holds secrets). Parents are created with the umask.
void ensure_private_directory(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir.parent_path(), ec);
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) fail_io("cannot create", dir, errno);
  if (::chmod(dir.c_str(), 0700) != 0) fail_io("cannot restrict", dir, errno);
}

void write_all(int fd, const std::string& text, const fs::path& p) {
  std::size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_io("cannot write", p, errno);
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace

credentials_file credentials_file::from_environment() {
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  if (xdg && *xdg == '/') return credentials_file(fs::path(xdg) / "delta" / "credentials");
  const char* home = std::getenv("HOME");
  if (home && *home == '/') return credentials_file(fs::path(home) / ".config" / "delta" / "credentials");
  throw failure(exit_code::usage, "cannot find the credentials directory: set XDG_CONFIG_HOME or HOME");
}

credential_store credentials_file::load() const {
  std::ifstream in(path_);
  if (!in) {
    if (errno == ENOENT) return {};
    fail_io("cannot read", path_, errno);
  }
  std::stringstream text;
  text << in.rdbuf();
  auto store = credential_store::parse(text.str());
  if (!store)
    throw failure(exit_code::not_logged_in,
                  path_.string() + " is not a deltactl credentials file: remove it and log in again");
  return *store;
}

void credentials_file::save(const credential_store& store) const {
  if (store.empty()) {
    if (::unlink(path_.c_str()) != 0 && errno != ENOENT) fail_io("cannot remove", path_, errno);
    return;
  }
  ensure_private_directory(path_.parent_path());
  auto temporary = path_;
  temporary += ".tmp-" + std::to_string(::getpid());
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) fail_io("cannot create", temporary, errno);
  try {
    if (::fchmod(fd, 0600) != 0) fail_io("cannot restrict", temporary, errno);
    write_all(fd, store.serialize(), temporary);
    if (::fsync(fd) != 0) fail_io("cannot write", temporary, errno);
  } catch (...) {
    ::close(fd);
    ::unlink(temporary.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(temporary.c_str(), path_.c_str()) != 0) {
    int err = errno;
    ::unlink(temporary.c_str());
    fail_io("cannot replace", path_, err);
  }
}

}  // namespace delta::ctl
