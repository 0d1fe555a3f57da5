#pragma once
// The route table: every route declares in one place what the edge enforces
// (auth, body, rate group) and how it is answered. Immutable after start-up,
// so asio threads match against it without locks.

#include "http/message.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace delta::http {

struct edge_context;  // the edge actor's side of a call (http/edge.hpp)
class list_call;     // a list route's query, page and answer (http/list_call.hpp)

enum class auth_mode { none, any, session, admin };
enum class body_kind { none, json };

using path_params = std::vector<std::pair<std::string, std::string>>;  // decoded values

// Pure, stateless answers computed on the asio thread (liveness, documents):
// they must never block or touch shared mutable state.
using inline_handler = std::function<response(const request&, const path_params&)>;
// Answers that need actors: run inside the edge actor, reply via the responder.
using actor_handler = std::function<void(edge_context&, request&, path_params&, reply_ptr)>;
// A list route's handler: it answers through the list_call, so every list
// carries its paging figures.
using list_handler = std::function<void(edge_context&, request&, path_params&, list_call&)>;

struct param_doc {
  std::string name;
  std::string in;  // "query" or "path"
  std::string type = "string";
  std::string description;
  bool required = false;
};

struct route {
  std::string method;
  std::string pattern;
  std::string summary;
  std::string tag;
  auth_mode auth = auth_mode::none;
  body_kind body = body_kind::none;
  std::string rate_group;             // empty: not rate limited
  std::vector<std::string> tiers;     // empty: any tier
  std::string feature;                // empty: no entitlement needed
  std::chrono::seconds deadline{0};   // how long the edge waits for the handler; 0: the default
  bool websocket = false;             // upgrades to WebSocket (request::websocket)
  bool list = false;                  // answers a page of a list (limit, offset, meta.total, links.next)
  std::vector<param_doc> params;
  std::vector<int> statuses;  // the answers only the handler knows (200, 201, 404, 409...): see answers_of
  inline_handler answer_inline;
  actor_handler answer_in_edge;
  std::vector<std::string> segments;  // the pattern split at '/', once, when added
};

class route_builder {
 public:
  explicit route_builder(route& r) : r_(r) {}
  route_builder& summary(std::string s, std::string tag) { r_.summary = std::move(s); r_.tag = std::move(tag); return *this; }
  route_builder& auth(auth_mode m) { r_.auth = m; return *this; }
  route_builder& json_body() { r_.body = body_kind::json; return *this; }
  route_builder& rate_group(std::string g) { r_.rate_group = std::move(g); return *this; }
  route_builder& tier(std::vector<std::string> tiers) { r_.tiers = std::move(tiers); return *this; }
  route_builder& feature(std::string f) { r_.feature = std::move(f); return *this; }
  // For handlers that wait on something slow by nature (an LLM call).
  route_builder& deadline(std::chrono::seconds d) { r_.deadline = d; return *this; }
  // A WebSocket endpoint: an upgrade request reaches the handler with
  // request::websocket set, and the handler answers 101 to accept it.
  route_builder& websocket() { r_.websocket = true; return *this; }
  route_builder& param(param_doc p) { r_.params.push_back(std::move(p)); return *this; }
  route_builder& answers(std::vector<int> statuses) { r_.statuses = std::move(statuses); return *this; }
  route_builder& inline_answer(inline_handler h) { r_.answer_inline = std::move(h); return *this; }
  route_builder& in_edge(actor_handler h) { r_.answer_in_edge = std::move(h); return *this; }
  // A list: the handler gets the request's list_call (limit and offset read,
  // the page's answer); the OpenAPI document shows the paging.
  route_builder& list(list_handler h);

 private:
  route& r_;
};

struct route_match {
  const route* matched = nullptr;  // set when path and method matched
  path_params params;
  bool path_known = false;         // some route has this path
  std::vector<std::string> allowed;  // methods of the path, for 405/OPTIONS
};

class router {
 public:
  route_builder add(std::string method, std::string pattern);
  route_builder get(std::string pattern) { return add("GET", std::move(pattern)); }
  route_builder post(std::string pattern) { return add("POST", std::move(pattern)); }
  route_builder put(std::string pattern) { return add("PUT", std::move(pattern)); }
  route_builder patch(std::string pattern) { return add("PATCH", std::move(pattern)); }
  route_builder del(std::string pattern) { return add("DELETE", std::move(pattern)); }

  // `path` is the raw request path (percent-encoded, no query).
  route_match match(const std::string& method, const std::string& path) const;

  const std::vector<std::unique_ptr<route>>& routes() const { return routes_; }

 private:
  std::vector<std::unique_ptr<route>> routes_;  // stable addresses
};

// Every status a route may answer, sorted: those it declares (what only its
// handler knows) and those its declarations imply, enforced by the edge:
// 401 for auth, 403 for admin or a feature, 400/413/415 for a JSON body, 422
// for a list's paging, 429 for a rate group, 503 for a handler in the edge
// (a domain actor down or too slow).
std::vector<int> answers_of(const route& r);

// Percent-decodes one path segment or query component; nullopt when malformed.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

}  // namespace delta::http
