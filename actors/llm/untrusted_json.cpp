#include "actors/llm/untrusted_json.hpp"

#include <boost/json/parse.hpp>

#include <cmath>

namespace delta::llm::untrusted_json {

namespace {
constexpr std::int64_t max_count = 1'000'000'000;
}

std::optional<boost::json::value> parse(std::string_view text, std::string* why) {
  if (text.size() > max_body_bytes) {
    if (why) *why = "body too large";
    return std::nullopt;
  }
  boost::json::parse_options opt;
  opt.max_depth = 64;
  boost::json::error_code ec;
  try {
    auto v = boost::json::parse(boost::json::string_view{text.data(), text.size()}, ec, {}, opt);
    if (ec) {
      if (why) *why = "not JSON: " + ec.message();
      return std::nullopt;
    }
    return v;
  } catch (const std::exception&) {  // bad_alloc or a library surprise: still a value
    if (why) *why = "not JSON";
    return std::nullopt;
  }
}

const boost::json::object* object_at(const boost::json::value& v, std::string_view key) {
  const auto* o = v.if_object();
  if (!o) return nullptr;
  const auto* m = o->if_contains(boost::json::string_view{key.data(), key.size()});
  return m ? m->if_object() : nullptr;
}

const boost::json::array* array_at(const boost::json::value& v, std::string_view key) {
  const auto* o = v.if_object();
  if (!o) return nullptr;
  const auto* m = o->if_contains(boost::json::string_view{key.data(), key.size()});
  return m ? m->if_array() : nullptr;
}

std::optional<std::string_view> string_at(const boost::json::value& v, std::string_view key) {
  const auto* o = v.if_object();
  if (!o) return std::nullopt;
  return string_at(*o, key);
}

std::optional<std::string_view> string_at(const boost::json::object& o, std::string_view key) {
  const auto* m = o.if_contains(boost::json::string_view{key.data(), key.size()});
  if (!m || !m->is_string()) return std::nullopt;
  const auto& s = m->get_string();
  return std::string_view{s.data(), s.size()};
}

std::optional<std::int64_t> count_at(const boost::json::object& o, std::string_view key) {
  const auto* m = o.if_contains(boost::json::string_view{key.data(), key.size()});
  if (!m) return std::nullopt;
  if (const auto* i = m->if_int64()) {
    if (*i >= 0 && *i <= max_count) return *i;
  } else if (const auto* u = m->if_uint64()) {
    if (*u <= static_cast<std::uint64_t>(max_count)) return static_cast<std::int64_t>(*u);
  } else if (const auto* d = m->if_double()) {
    if (std::isfinite(*d) && *d >= 0 && *d <= static_cast<double>(max_count) && std::floor(*d) == *d)
      return static_cast<std::int64_t>(*d);
  }
  return std::nullopt;
}

std::size_t written_member_count(std::string_view text) {
  // Valid JSON: every member of the outer object has exactly one ':' at
  // depth 1 outside strings, and nothing else puts a ':' there.
  std::size_t count = 0;
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;  // skip the escaped character
      else if (c == '"') in_string = false;
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '{': case '[': ++depth; break;
      case '}': case ']': --depth; break;
      case ':': if (depth == 1) ++count; break;
      default: break;
    }
  }
  return count;
}

std::string log_excerpt(std::string_view text, std::size_t max_bytes) {
  if (text.size() > max_bytes) {
    text = text.substr(0, max_bytes);
    // Drop a UTF-8 sequence cut in the middle: back up over continuation
    // bytes to the lead byte, and drop it too when its sequence is incomplete.
    std::size_t end = text.size();
    std::size_t i = end;
    while (i > 0 && (static_cast<unsigned char>(text[i - 1]) & 0xC0) == 0x80) --i;
    if (i > 0) {
      auto lead = static_cast<unsigned char>(text[i - 1]);
      std::size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
      if (end - (i - 1) < need) text = text.substr(0, i - 1);
    }
  }
  std::string out{text};
  for (auto& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return out;
}

}  // namespace delta::llm::untrusted_json
