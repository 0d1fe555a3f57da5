#include "cmd/deltactl/pretty_json.hpp"

#include <boost/json.hpp>

namespace delta::ctl {

namespace json = boost::json;

namespace {

void write(std::string& out, const json::value& v, int depth);

void newline(std::string& out, int depth) {
  out += '\n';
  out.append(static_cast<std::size_t>(depth) * 2, ' ');
}

void write_object(std::string& out, const json::object& o, int depth) {
  if (o.empty()) {
    out += "{}";
    return;
  }
  out += '{';
  bool first = true;
  for (auto& member : o) {
    if (!first) out += ',';
    first = false;
    newline(out, depth + 1);
    out += json::serialize(json::value(member.key()));
    out += ": ";
    write(out, member.value(), depth + 1);
  }
  newline(out, depth);
  out += '}';
}

void write_array(std::string& out, const json::array& a, int depth) {
  if (a.empty()) {
    out += "[]";
    return;
  }
  out += '[';
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (i > 0) out += ',';
    newline(out, depth + 1);
    write(out, a[i], depth + 1);
  }
  newline(out, depth);
  out += ']';
}

void write(std::string& out, const json::value& v, int depth) {
  if (v.is_object()) return write_object(out, v.get_object(), depth);
  if (v.is_array()) return write_array(out, v.get_array(), depth);
  out += json::serialize(v);
}

}  // namespace

std::string pretty_json(const json::value& v) {
  std::string out;
  write(out, v, 0);
  return out;
}

}  // namespace delta::ctl
