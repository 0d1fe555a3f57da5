#include "cmd/deltactl/password_input.hpp"

#include "cmd/deltactl/failure.hpp"

#include <iostream>

#include <termios.h>
#include <unistd.h>

namespace delta::ctl {

namespace {

// Turns the terminal's echo off for its lifetime.
class echo_off {
 public:
  echo_off() {
    if (::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    auto quiet = saved_;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    active_ = ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
  }
  ~echo_off() {
    if (active_) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }
  echo_off(const echo_off&) = delete;
  echo_off& operator=(const echo_off&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

}  // namespace

std::string read_password(const std::string& prompt) {
  std::string line;
  bool got = false;
  if (::isatty(STDIN_FILENO)) {
    std::cerr << prompt << std::flush;
    echo_off quiet;
    got = static_cast<bool>(std::getline(std::cin, line));
    std::cerr << '\n';
  } else {
    got = static_cast<bool>(std::getline(std::cin, line));
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (!got || line.empty()) throw failure(exit_code::usage, "no password given (type it, or give it on stdin)");
  return line;
}

}  // namespace delta::ctl
