#pragma once
// Why a deltactl command stopped, as the exit code an operator's script
// sees (documented in `deltactl --help`) and the one line printed on stderr.

#include <stdexcept>
#include <string>

namespace delta::ctl {

enum class exit_code : int {
  ok = 0,
  refused = 1,        // the API answered 4xx/5xx (its error code is printed)
  usage = 2,          // CLI11's parse errors and our own argument checks
  unreachable = 3,    // cannot resolve, connect, handshake, or the timeout ran out
  not_logged_in = 4,  // the command needs a credential and none is stored or given
};

class failure : public std::runtime_error {
 public:
  failure(exit_code code, const std::string& message, std::string api_code = {})
      : std::runtime_error(message), code_(code), api_code_(std::move(api_code)) {}
  exit_code code() const { return code_; }
  // The API's error code ("unauthorized", ...) of a refusal; "" otherwise.
  const std::string& api_code() const { return api_code_; }

 private:
  exit_code code_;
  std::string api_code_;
};

}  // namespace delta::ctl
