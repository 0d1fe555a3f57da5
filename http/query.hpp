#pragma once
// Query-string parsing and the validation rules API.md names (limit 1..1000
// default 50, offset >= 0, ...), collecting every problem for one 422.

#include "http/api_error.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace delta::http {

class query_params {
 public:
  explicit query_params(const std::string& raw_query);

  // The first value of `name`; nullopt when absent.
  std::optional<std::string> get(const std::string& name) const;

  // Integer in [lo, hi], `fallback` when absent; records a problem otherwise.
  std::int64_t integer(const std::string& name, std::int64_t lo, std::int64_t hi,
                       std::int64_t fallback);
  std::string text(const std::string& name, std::size_t max_length, std::string fallback = {});

  const std::vector<field_problem>& problems() const { return problems_; }
  void add_problem(std::string field, std::string problem) {
    problems_.push_back({std::move(field), std::move(problem)});
  }

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
  std::vector<field_problem> problems_;
};

struct pagination {
  std::int64_t limit = 50;
  std::int64_t offset = 0;
};

pagination read_pagination(query_params& q);

bool valid_utf8(std::string_view text);

// Ticker/symbol format: 1..20 of A-Z 0-9 . - /
bool valid_ticker(const std::string& ticker);

// local@domain.tld, at most 254 characters (registration and the CLI agree).
bool plausible_email(const std::string& email);


}  // namespace delta::http
