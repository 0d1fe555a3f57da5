#include "cmd/deltactl/fields_view.hpp"

#include "cmd/deltactl/pretty_json.hpp"
#include "cmd/deltactl/table.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace delta::ctl {

namespace json = boost::json;

namespace {

bool nested(const json::value& v) {
  return (v.is_object() && !v.get_object().empty()) || (v.is_array() && !v.get_array().empty());
}

std::string indented(const std::string& text, std::size_t by) {
  std::string out(by, ' ');
  for (char c : text) {
    out += c;
    if (c == '\n') out.append(by, ' ');
  }
  return out;
}

}  // namespace

std::string fields_view(const json::value& v) {
  if (!v.is_object()) return cell_text(v) + '\n';
  auto& o = v.get_object();
  std::size_t width = 0;
  for (auto& m : o) width = std::max(width, m.key().size() + 1);
  std::string out;
  for (auto& m : o) {
    std::string name = std::string(m.key()) + ":";
    if (nested(m.value())) {
      out += name + '\n' + indented(pretty_json(m.value()), 2) + '\n';
      continue;
    }
    name.resize(width, ' ');
    out += name + "  " + cell_text(m.value()) + '\n';
  }
  return out;
}

}  // namespace delta::ctl
