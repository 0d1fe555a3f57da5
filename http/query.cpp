#include "http/query.hpp"

#include "http/router.hpp"

#include <charconv>
#include <regex>

namespace delta::http {

query_params::query_params(const std::string& raw_query) {
  std::size_t start = 0;
  while (start <= raw_query.size() && !raw_query.empty()) {
    auto end = raw_query.find('&', start);
    if (end == std::string::npos) end = raw_query.size();
    auto part = std::string_view{raw_query}.substr(start, end - start);
    if (!part.empty()) {
      auto eq = part.find('=');
      auto key = percent_decode(part.substr(0, eq), true);
      auto value = eq == std::string_view::npos ? std::optional<std::string>{""}
                                                : percent_decode(part.substr(eq + 1), true);
      if (key && value) {
        pairs_.emplace_back(std::move(*key), std::move(*value));
      } else {
        add_problem(key ? *key : std::string{part.substr(0, eq)}, "is not correctly percent-encoded");
      }
    }
    start = end + 1;
  }
}

std::optional<std::string> query_params::get(const std::string& name) const {
  for (auto& [k, v] : pairs_)
    if (k == name) return v;
  return std::nullopt;
}

std::int64_t query_params::integer(const std::string& name, std::int64_t lo, std::int64_t hi,
                                   std::int64_t fallback) {
  auto text = get(name);
  if (!text) return fallback;
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc{} || ptr != text->data() + text->size() || v < lo || v > hi) {
    auto range = hi == INT64_MAX ? " at least " + std::to_string(lo)
                                 : " between " + std::to_string(lo) + " and " + std::to_string(hi);
    add_problem(name, "must be an integer" + range);
    return fallback;
  }
  return v;
}

std::string query_params::text(const std::string& name, std::size_t max_length,
                               std::string fallback) {
  auto value = get(name);
  if (!value) return fallback;
  if (value->size() > max_length) {
    add_problem(name, "must be at most " + std::to_string(max_length) + " characters");
    return fallback;
  }
  for (unsigned char c : *value)
    if (c < 0x20 || c == 0x7f) {
      add_problem(name, "must not contain control characters");
      return fallback;
    }
  if (!valid_utf8(*value)) {
    add_problem(name, "must be valid UTF-8");
    return fallback;
  }
  return *value;
}

pagination read_pagination(query_params& q) {
  return {q.integer("limit", 1, 1000, 50), q.integer("offset", 0, INT64_MAX, 0)};
}

bool valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    int extra = 0;
    if (c < 0x80) extra = 0;
    else if ((c >> 5) == 0x6) extra = 1;
    else if ((c >> 4) == 0xe) extra = 2;
    else if ((c >> 3) == 0x1e) extra = 3;
    else return false;
    if (i + extra >= text.size()) return false;
    std::uint32_t cp = extra == 0 ? c : c & (0x3f >> extra);
    for (int k = 1; k <= extra; ++k) {
      auto cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, surrogates and values beyond Unicode are invalid.
    if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
        (extra == 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += extra + 1;
  }
  return true;
}

bool valid_ticker(const std::string& ticker) {
  if (ticker.empty() || ticker.size() > 20) return false;
  for (char c : ticker) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '/';
    if (!ok) return false;
  }
  return true;
}

}  // namespace delta::http

namespace delta::http {

bool plausible_email(const std::string& email) {
  static const std::regex pattern{R"(^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$)"};
  return email.size() <= 254 && std::regex_match(email, pattern);
}

}  // namespace delta::http
