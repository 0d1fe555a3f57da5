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

  std::optional<std::string> text(const char* field, bool required, std::size_t min_length,
                                   std::size_t max_length);
  std::optional<std::int64_t> integer(const char* field, bool required, std::int64_t lo,
                                      std::int64_t hi);
  std::optional<bool> boolean(const char* field, bool required);

  void add_problem(std::string field, std::string problem) {
    problems_.push_back({std::move(field), std::move(problem)});
  }

  // 400 for a wrong shape or type, 422 for invalid values; nullopt if fine.
  std::optional<api_error> error() const;

 private:
  const void* field(const char* name, bool required);  // boost::json::value*

  const boost::json::value* root_ = nullptr;
  bool not_object_ = false;
  std::vector<field_problem> type_problems_;
  std::vector<field_problem> problems_;
};

}  // namespace delta::http
