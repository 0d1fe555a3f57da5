#include "http/router.hpp"

#include "http/list_call.hpp"

#include <algorithm>

namespace delta::http {

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  // "/a/b/" and "/a/b" are the same resource.
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  std::size_t start = 1;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool is_param(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = hex_value(text[i + 1]);
      int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

route_builder& route_builder::list(list_handler h) {
  r_.list = true;
  r_.answer_in_edge = [h = std::move(h)](edge_context& ctx, request& req, path_params& params, reply_ptr reply) {
    list_call call{req, std::move(reply)};
    h(ctx, req, params, call);
  };
  return *this;
}

route_builder router::add(std::string method, std::string pattern) {
  auto r = std::make_unique<route>();
  r->method = std::move(method);
  r->pattern = std::move(pattern);
  for (auto segment : split_path(r->pattern)) r->segments.emplace_back(segment);
  routes_.push_back(std::move(r));
  return route_builder{*routes_.back()};
}

route_match router::match(const std::string& method, const std::string& path) const {
  route_match result;
  if (path.empty() || path.front() != '/') return result;
  auto segments = split_path(path);
  for (auto& r : routes_) {
    auto& pattern = r->segments;
    if (pattern.size() != segments.size()) continue;
    bool literal_match = true;
    for (std::size_t i = 0; i < pattern.size() && literal_match; ++i)
      literal_match = is_param(pattern[i]) ? !segments[i].empty() : pattern[i] == segments[i];
    if (!literal_match) continue;
    result.path_known = true;
    if (std::find(result.allowed.begin(), result.allowed.end(), r->method) == result.allowed.end())
      result.allowed.push_back(r->method);
    if (r->method != method || result.matched) continue;
    result.matched = r.get();
    for (std::size_t i = 0; i < pattern.size(); ++i) {
      if (!is_param(pattern[i])) continue;
      // A malformed escape stays raw and fails the route's own validation.
      auto decoded = percent_decode(segments[i], false);
      result.params.emplace_back(pattern[i].substr(1, pattern[i].size() - 2),
                                 decoded ? *decoded : std::string{segments[i]});
    }
  }
  return result;
}

std::vector<int> answers_of(const route& r) {
  std::vector<int> out = r.statuses;
  auto add = [&out](int status) { out.push_back(status); };
  if (r.auth != auth_mode::none || !r.feature.empty()) add(401);
  if (r.auth == auth_mode::admin || !r.feature.empty() || !r.tiers.empty()) add(403);
  if (r.body == body_kind::json) {
    add(400);
    add(413);
    add(415);
  }
  if (r.list) add(422);
  if (!r.rate_group.empty()) add(429);
  if (r.answer_in_edge) add(503);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace delta::http
