#include "cmd/deltactl/api_client.hpp"

#include "cmd/deltactl/credentials_file.hpp"
#include "cmd/deltactl/failure.hpp"
#include "cmd/deltactl/refusal.hpp"

#include <boost/json.hpp>

namespace delta::ctl {

namespace json = boost::json;

namespace {

json::object object_member(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_object() ? v->get_object() : json::object{};
}

}  // namespace

endpoint parse_url_option(const std::string& url) {
  auto e = parse_endpoint(url);
  if (!e) throw failure(exit_code::usage, "--url " + url + ": expected http(s)://host[:port][/prefix]");
  return *e;
}

api_client::api_client(const global_options& opts)
    : opts_(opts), http_(parse_url_option(opts.url), std::chrono::seconds(opts.timeout_seconds)) {}

const credential& api_client::credential_or_fail() {
  if (credential_) return *credential_;
  if (!opts_.api_key.empty()) {
    credential_ = credential{credential::kind::api_key, opts_.api_key, {}, {}};
  } else if (!opts_.token.empty()) {
    credential_ = credential{credential::kind::session, opts_.token, {}, {}};
  } else {
    auto file = credentials_file::from_environment();
    auto store = file.load();
    auto* stored = store.find(where().canonical());
    if (!stored)
      throw failure(exit_code::not_logged_in, "not logged in to " + where().canonical() +
                                                  ": run `deltactl --url " + where().canonical() +
                                                  " login`, or pass --token or --api-key");
    credential_ = *stored;
  }
  return *credential_;
}

api_client& api_client::authenticated() {
  credential_or_fail();
  send_credential_ = true;
  return *this;
}

http_reply api_client::fetch(const std::string& target) const { return http_.send({"GET", target, {}, {}}); }

api_answer api_client::call(const api_call& c) const {
  http_call h{c.what.method, expand(c.what, c.path_args) + query_string(c.query), {}, {}};
  if (send_credential_) h.headers.push_back(auth_header(*credential_));
  if (c.body) h.body = json::serialize(*c.body);
  auto reply = http_.send(h);
  if (reply.status < 200 || reply.status >= 300) refuse(c.what, reply);
  api_answer answer{reply.status, nullptr, {}, {}};
  if (reply.status == 204 || reply.body.empty()) return answer;
  boost::system::error_code ec;
  auto doc = json::parse(reply.body, ec);
  if (ec || !doc.is_object() || !doc.get_object().contains("data"))
    throw failure(exit_code::refused, where().canonical() + ": " + c.what.method + " " + c.what.path_template +
                                          " answered HTTP " + std::to_string(reply.status) +
                                          " without an API envelope");
  auto& o = doc.get_object();
  answer.data = o.at("data");
  answer.meta = object_member(o, "meta");
  answer.links = object_member(o, "links");
  return answer;
}

void api_client::refuse(const route& r, const http_reply& reply) const {
  auto text = refusal_text(reply.status, reply.body);
  auto code = read_refusal(reply.status, reply.body).code;
  if ((reply.status == 404 || reply.status == 405) && !node_declares(r))
    throw failure(exit_code::refused,
                  text + "\n" + where().canonical() + " does not serve " + r.method + " " + r.path_template +
                      " (not in its /openapi.json): this command needs a newer deltad",
                  code);
  throw failure(exit_code::refused, text, code);
}

// True unless the node's OpenAPI document is readable and lacks the route:
// when in doubt, the API's own answer stands alone.
bool api_client::node_declares(const route& r) const {
  try {
    auto reply = fetch("/openapi.json");
    boost::system::error_code ec;
    auto doc = json::parse(reply.body, ec);
    return reply.status != 200 || ec || declares(doc, r);
  } catch (const failure&) {
    return true;
  }
}

}  // namespace delta::ctl
