#include "cmd/deltactl/table.hpp"

#include <boost/json.hpp>

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace delta::ctl {

namespace json = boost::json;

namespace {

bool continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

std::string decimal_text(double d) {
  if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 1e15) return std::to_string(static_cast<long long>(d));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", d);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

void pad(std::string& line, std::size_t n) { line.append(n, ' '); }

}  // namespace

std::size_t display_width(const std::string& s) {
  std::size_t n = 0;
  for (char c : s)
    if (!continuation_byte(c)) ++n;
  return n;
}

std::string shortened(const std::string& s, std::size_t max) {
  if (max == 0 || display_width(s) <= max) return s;
  std::size_t kept = 0, i = 0;
  for (; i < s.size(); ++i) {
    if (!continuation_byte(s[i])) {
      if (kept == max - 1) break;
      ++kept;
    }
  }
  return s.substr(0, i) + "\xE2\x80\xA6";  // U+2026
}

std::string cell_text(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "-";
    case json::kind::bool_: return v.get_bool() ? "yes" : "no";
    case json::kind::int64: return std::to_string(v.get_int64());
    case json::kind::uint64: return std::to_string(v.get_uint64());
    case json::kind::double_: return decimal_text(v.get_double());
    case json::kind::string: return std::string(v.get_string());
    default: return json::serialize(v);
  }
}

table::table(std::vector<column> columns) : columns_(std::move(columns)) {}

void table::add_row(std::vector<std::string> cells) {
  if (cells.size() > columns_.size()) throw std::logic_error("table row has more cells than columns");
  cells.resize(columns_.size(), "-");
  rows_.push_back(std::move(cells));
}

std::string table::render() const {
  std::vector<std::size_t> widths;
  for (auto& c : columns_) widths.push_back(display_width(c.title));
  for (auto& row : rows_)
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));

  auto render_line = [&](auto cell_at) {
    std::string line;
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      const std::string& cell = cell_at(i);
      auto gap = widths[i] - display_width(cell);
      if (i > 0) pad(line, 2);
      if (columns_[i].alignment == align::right) pad(line, gap);
      line += cell;
      if (columns_[i].alignment == align::left) pad(line, gap);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return line + '\n';
  };
  std::string out = render_line([&](std::size_t i) -> const std::string& { return columns_[i].title; });
  for (auto& row : rows_) out += render_line([&](std::size_t i) -> const std::string& { return row[i]; });
  return out;
}

}  // namespace delta::ctl
