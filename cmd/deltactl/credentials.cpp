#include "cmd/deltactl/credentials.hpp"

#include "cmd/deltactl/pretty_json.hpp"

#include <boost/json.hpp>

namespace delta::ctl {

namespace json = boost::json;

namespace {

constexpr std::int64_t format_version = 1;

std::string text_of(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string{};
}

std::optional<credential> read_credential(const json::value& v) {
  if (!v.is_object()) return std::nullopt;
  auto& o = v.get_object();
  credential c;
  auto type = text_of(o, "kind");
  if (type == "session") c.type = credential::kind::session;
  else if (type == "api_key") c.type = credential::kind::api_key;
  else return std::nullopt;
  c.secret = text_of(o, "secret");
  if (c.secret.empty()) return std::nullopt;
  c.email = text_of(o, "email");
  c.expires_at = text_of(o, "expires_at");
  return c;
}

json::object write_credential(const credential& c) {
  json::object o{{"kind", c.type == credential::kind::session ? "session" : "api_key"}, {"secret", c.secret}};
  if (!c.email.empty()) o["email"] = c.email;
  if (!c.expires_at.empty()) o["expires_at"] = c.expires_at;
  return o;
}

}  // namespace

std::pair<std::string, std::string> auth_header(const credential& c) {
  if (c.type == credential::kind::api_key) return {"X-API-Key", c.secret};
  return {"Authorization", "Bearer " + c.secret};
}

std::optional<credential_store> credential_store::parse(std::string_view text) {
  boost::system::error_code ec;
  auto doc = json::parse(text, ec);
  if (ec || !doc.is_object()) return std::nullopt;
  auto* version = doc.get_object().if_contains("version");
  auto* entries = doc.get_object().if_contains("credentials");
  if (!version || !version->is_int64() || version->get_int64() != format_version) return std::nullopt;
  if (!entries || !entries->is_object()) return std::nullopt;
  credential_store store;
  for (auto& [url, value] : entries->get_object()) {
    auto c = read_credential(value);
    if (!c) return std::nullopt;
    store.by_url_.emplace(std::string(url), std::move(*c));
  }
  return store;
}

std::string credential_store::serialize() const {
  json::object entries;
  for (auto& [url, c] : by_url_) entries[url] = write_credential(c);
  return pretty_json(json::object{{"version", format_version}, {"credentials", std::move(entries)}}) + "\n";
}

const credential* credential_store::find(const std::string& url) const {
  auto it = by_url_.find(url);
  return it == by_url_.end() ? nullptr : &it->second;
}

void credential_store::put(const std::string& url, credential c) { by_url_[url] = std::move(c); }

bool credential_store::erase(const std::string& url) { return by_url_.erase(url) > 0; }

}  // namespace delta::ctl
