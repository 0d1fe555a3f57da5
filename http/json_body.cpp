#include "http/json_body.hpp"

#include "http/query.hpp"

#include <boost/json.hpp>

#include <cmath>
#include <sstream>

namespace delta::http {

namespace json = boost::json;

json_body::json_body(const request& req) : root_(req.json.get()) {
  not_object_ = !root_ || !root_->is_object();
}

json_body::json_body(const json::value& element, std::string prefix)
    : root_(&element), prefix_(std::move(prefix)) {
  if (!element.is_object()) {
    type_problems_.push_back({prefix_, "must be an object"});
    root_ = nullptr;
  }
}

const void* json_body::field(const char* name, bool required) {
  if (!root_ || !root_->is_object()) return nullptr;
  auto* v = root_->as_object().if_contains(name);
  if (!v || v->is_null()) {
    if (required) add_problem(name_of(name), "is required");
    return nullptr;
  }
  return v;
}

std::optional<double> json_body::number(const char* name, bool required, double lo, double hi) {
  auto* v = static_cast<const json::value*>(field(name, required));
  if (!v) return std::nullopt;
  if (!v->is_number()) {
    type_problems_.push_back({name_of(name), "must be a number"});
    return std::nullopt;
  }
  auto d = v->to_number<double>();
  if (!std::isfinite(d) || d < lo || d > hi) {
    std::ostringstream range;
    range << "must be between " << lo << " and " << hi;
    add_problem(name_of(name), range.str());
    return std::nullopt;
  }
  return d;
}

std::vector<json_body> json_body::list(const char* name, std::size_t max_items) {
  const json::array* items = nullptr;
  if (root_ && root_->is_array()) {
    items = &root_->as_array();
    not_object_ = false;  // a list body is as good as an object holding the list
  } else if (auto* v = static_cast<const json::value*>(field(name, true))) {
    if (!v->is_array()) type_problems_.push_back({name_of(name), "must be an array"});
    else items = &v->as_array();
  }
  std::vector<json_body> out;
  if (!items) return out;
  if (items->size() > max_items) {
    add_problem(name_of(name), "at most " + std::to_string(max_items) + " entries");
    return out;
  }
  for (std::size_t i = 0; i < items->size(); ++i)
    out.emplace_back((*items)[i], name_of(name) + "[" + std::to_string(i) + "]");
  return out;
}

void json_body::absorb(const json_body& element) {
  type_problems_.insert(type_problems_.end(), element.type_problems_.begin(), element.type_problems_.end());
  problems_.insert(problems_.end(), element.problems_.begin(), element.problems_.end());
}

std::optional<std::string> json_body::text(const char* name, bool required,
                                           std::size_t min_length, std::size_t max_length) {
  auto* v = static_cast<const json::value*>(field(name, required));
  if (!v) return std::nullopt;
  if (!v->is_string()) {
    type_problems_.push_back({name_of(name), "must be a string"});
    return std::nullopt;
  }
  std::string s{v->as_string()};
  if (s.find('\0') != std::string::npos) {
    add_problem(name_of(name), "must not contain NUL characters");
    return std::nullopt;
  }
  // Length in characters (code points), not bytes.
  std::size_t chars = 0;
  for (unsigned char c : s) chars += (c & 0xc0) != 0x80;
  if (chars < min_length || chars > max_length) {
    add_problem(name_of(name), "must be " + std::to_string(min_length) + " to " + std::to_string(max_length) +
                          " characters");
    return std::nullopt;
  }
  return s;
}

std::optional<std::int64_t> json_body::integer(const char* name, bool required, std::int64_t lo,
                                               std::int64_t hi) {
  auto* v = static_cast<const json::value*>(field(name, required));
  if (!v) return std::nullopt;
  auto out_of_range = [&] {
    add_problem(name_of(name), "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    return std::nullopt;
  };
  std::int64_t out = 0;
  if (v->is_int64()) {
    out = v->as_int64();
  } else if (v->is_uint64()) {
    if (v->as_uint64() > static_cast<std::uint64_t>(INT64_MAX)) return out_of_range();
    out = static_cast<std::int64_t>(v->as_uint64());
  } else if (v->is_double()) {
    auto d = v->as_double();
    if (!std::isfinite(d) || std::trunc(d) != d) {
      add_problem(name_of(name), "must be a whole number");
      return std::nullopt;
    }
    // Compared before the cast: converting an out-of-range double is undefined.
    if (d < -9.223372036854775808e18 || d >= 9.223372036854775808e18) return out_of_range();
    out = static_cast<std::int64_t>(d);
  } else {
    type_problems_.push_back({name_of(name), "must be an integer"});
    return std::nullopt;
  }
  if (out < lo || out > hi) {
    add_problem(name_of(name), "must be between " + std::to_string(lo) + " and " + std::to_string(hi));
    return std::nullopt;
  }
  return out;
}

std::optional<bool> json_body::boolean(const char* name, bool required) {
  auto* v = static_cast<const json::value*>(field(name, required));
  if (!v) return std::nullopt;
  if (!v->is_bool()) {
    type_problems_.push_back({name_of(name), "must be true or false"});
    return std::nullopt;
  }
  return v->as_bool();
}

std::optional<api_error> json_body::error() const {
  if (not_object_) return make_api_error(error_code::bad_request, "The request body must be a JSON object.");
  if (!type_problems_.empty()) {
    auto e = make_api_error(error_code::bad_request, "A field has the wrong type.");
    e.details = type_problems_;
    return e;
  }
  if (!problems_.empty()) return validation_error(problems_);
  return std::nullopt;
}

}  // namespace delta::http
