#include "http/cors.hpp"

#include <algorithm>

namespace delta::http {

namespace {
constexpr const char* allowed_headers =
    "Authorization, Content-Type, X-API-Key, X-Request-ID";
constexpr const char* exposed_headers =
    "X-Request-ID, X-Response-Time, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, "
    "Retry-After, Deprecation, Sunset";
}  // namespace

bool cors_policy::allows(const std::string& origin) const {
  return std::find(allowed_.begin(), allowed_.end(), origin) != allowed_.end();
}

void cors_policy::decorate(const std::string* origin, response& res) const {
  if (allowed_.empty()) return;
  res.headers.emplace_back("Vary", "Origin");
  if (!origin || !allows(*origin)) return;
  res.headers.emplace_back("Access-Control-Allow-Origin", *origin);
  res.headers.emplace_back("Access-Control-Expose-Headers", exposed_headers);
}

bool cors_policy::is_preflight(const request& req) {
  return req.method == "OPTIONS" && req.header("origin") &&
         req.header("access-control-request-method");
}

response cors_policy::preflight(const request& req,
                                const std::vector<std::string>& allowed_methods) const {
  response res;
  res.status = 204;
  res.content_type.clear();
  std::string methods;
  for (auto& m : allowed_methods) methods += (methods.empty() ? "" : ", ") + m;
  res.headers.emplace_back("Allow", methods.empty() ? "OPTIONS" : methods + ", OPTIONS");
  auto* origin = req.header("origin");
  if (!origin || !allows(*origin)) return res;  // the caller turns this into 403
  res.headers.emplace_back("Access-Control-Allow-Methods", methods);
  res.headers.emplace_back("Access-Control-Allow-Headers", allowed_headers);
  res.headers.emplace_back("Access-Control-Max-Age", "600");
  return res;
}

}  // namespace delta::http
