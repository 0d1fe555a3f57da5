#pragma once
// Typed reading of a JSON request body with API.md's split: a body that is
// not an object, or a field of the wrong JSON type, is 400 bad_request; a
// missing or out-of-range value is 422 validation_failed. Problems are
// collected so one answer names all of them.

#include "http/api_error.hpp"
#include "http/message.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace delta::http {

class json_body {
 public:
  explicit json_body(const request& req);
  // One object of a list, e.g. body["fallbacks"][2]: problems are named
  // `prefix` + "." + field (e.g. "fallbacks[2].model").
  json_body(const boost::json::value& element, std::string prefix);

  std::optional<std::string> text(const char* field, bool required, std::size_t min_length,
                                   std::size_t max_length);
  std::optional<std::int64_t> integer(const char* field, bool required, std::int64_t lo,
                                      std::int64_t hi);
  std::optional<bool> boolean(const char* field, bool required);
  // A finite JSON number (integer or not) in [lo, hi].
  std::optional<double> number(const char* field, bool required, double lo, double hi);
  // A list body: the body itself when it is a JSON array, else the array
  // under `field` of a body object. Each element must be an object; at most
  // `max_items`. Read the elements, then absorb() each to collect problems.
  std::vector<json_body> list(const char* field, std::size_t max_items);
  void absorb(const json_body& element);

  void add_problem(std::string field, std::string problem) {
    problems_.push_back({std::move(field), std::move(problem)});
  }

  // 400 for a wrong shape or type, 422 for invalid values; nullopt if fine.
  std::optional<api_error> error() const;

 private:
  const void* field(const char* name, bool required);  // boost::json::value*
  std::string name_of(const char* field) const { return prefix_.empty() ? field : prefix_ + "." + field; }

  const boost::json::value* root_ = nullptr;
  bool not_object_ = false;
  std::string prefix_;
  std::vector<field_problem> type_problems_;
  std::vector<field_problem> problems_;
};

}  // namespace delta::http
