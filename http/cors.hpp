#pragma once
// CORS from an allowlist of exact origins; never "*".

#include "http/message.hpp"

#include <string>
#include <vector>

namespace delta::http {

class cors_policy {
 public:
  explicit cors_policy(std::vector<std::string> allowed_origins)
      : allowed_(std::move(allowed_origins)) {}

  bool allows(const std::string& origin) const;

  // Headers for an actual (non-preflight) response to `origin`.
  void decorate(const std::string* origin, response& res) const;

  // Is this an OPTIONS preflight (Origin + Access-Control-Request-Method)?
  static bool is_preflight(const request& req);

  // The answer to a preflight for a path whose methods are `allowed_methods`.
  response preflight(const request& req, const std::vector<std::string>& allowed_methods) const;

 private:
  std::vector<std::string> allowed_;
};

}  // namespace delta::http
