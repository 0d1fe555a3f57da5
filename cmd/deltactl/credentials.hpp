#pragma once
// What `deltactl login` keeps per node: a session token or an API key, and
// the document they are kept in (one file, keyed by the node's canonical
// URL). Pure: reading and writing the file is credentials_file's job.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace delta::ctl {

struct credential {
  enum class kind { session, api_key };
  kind type = kind::session;
  std::string secret;      // the bearer token or the key
  std::string email;       // who logged in (sessions), for `deltactl` messages
  std::string expires_at;  // RFC 3339 as the API gave it; "" for none
};

// The request header that carries `c`: Authorization: Bearer or X-API-Key.
std::pair<std::string, std::string> auth_header(const credential& c);

class credential_store {
 public:
  // The file's text; nullopt when it is not a document this version wrote.
  static std::optional<credential_store> parse(std::string_view text);
  std::string serialize() const;

  const credential* find(const std::string& url) const;
  void put(const std::string& url, credential c);
  bool erase(const std::string& url);  // false when there was nothing
  bool empty() const { return by_url_.empty(); }

 private:
  std::map<std::string, credential> by_url_;
};

}  // namespace delta::ctl
