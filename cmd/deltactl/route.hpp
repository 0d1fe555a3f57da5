#pragma once
// An API route as deltactl calls it: a method and the path template that
// the node's OpenAPI document declares ("/api/v2/jobs/{job_id}"), so that a
// 404 or 405 can be told apart: "no such job" or "this node predates the
// route" (the template is missing from the node's /openapi.json).

#include <boost/json/value.hpp>

#include <string>
#include <vector>

namespace delta::ctl {

struct route {
  std::string method;         // "GET", "POST", "DELETE"
  std::string path_template;  // with {name} placeholders
};

// The template with each placeholder replaced, in order, by the
// percent-encoded argument (RFC 3986 unreserved characters stay).
// std::invalid_argument when the counts differ.
std::string expand(const route& r, const std::vector<std::string>& args);

// `?name=value&...` (percent-encoded), "" when `params` is empty; pairs with
// an empty value are left out.
std::string query_string(const std::vector<std::pair<std::string, std::string>>& params);

// Whether an OpenAPI 3 document declares the route (its path and method).
bool declares(const boost::json::value& openapi, const route& r);

}  // namespace delta::ctl
