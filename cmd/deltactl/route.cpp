#include "cmd/deltactl/route.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace delta::ctl {

namespace json = boost::json;

namespace {

std::string percent_encoded(const std::string& s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0x0F];
    }
  }
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

std::string expand(const route& r, const std::vector<std::string>& args) {
  std::string out;
  std::size_t used = 0, pos = 0;
  while (pos < r.path_template.size()) {
    auto open = r.path_template.find('{', pos);
    if (open == std::string::npos) break;
    auto close = r.path_template.find('}', open);
    if (close == std::string::npos) break;
    if (used == args.size()) throw std::invalid_argument("too few arguments for " + r.path_template);
    out += r.path_template.substr(pos, open - pos) + percent_encoded(args[used++]);
    pos = close + 1;
  }
  if (used != args.size()) throw std::invalid_argument("too many arguments for " + r.path_template);
  return out + r.path_template.substr(pos);
}

std::string query_string(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (auto& [name, value] : params) {
    if (value.empty()) continue;
    out += (out.empty() ? "?" : "&") + percent_encoded(name) + "=" + percent_encoded(value);
  }
  return out;
}

bool declares(const json::value& openapi, const route& r) {
  if (!openapi.is_object()) return false;
  auto* paths = openapi.get_object().if_contains("paths");
  if (!paths || !paths->is_object()) return false;
  auto* item = paths->get_object().if_contains(r.path_template);
  return item && item->is_object() && item->get_object().contains(lower(r.method));
}

}  // namespace delta::ctl
