// The route table (http/routes/routes.hpp) and its OpenAPI document: every
// list declares itself a list, so the edge pages it and the document shows
// limit, offset, 422 and the page's meta. A route cannot answer an array
// without being a list: ok_response() refuses one (envelope_test.cpp), and
// the page answer is only reachable through a list route's list_call.
#include "http/routes/routes.hpp"

#include "modules/module.hpp"

#include <boost/json.hpp>

#include <gtest/gtest.h>

#include <set>

using namespace delta::http;
namespace json = boost::json;

namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

json::object operation_of(const json::object& doc, const route& r) {
  return doc.at("paths").as_object().at(r.pattern).as_object().at(lower(r.method)).as_object();
}

bool has_query_param(const json::object& op, const char* name) {
  if (!op.contains("parameters")) return false;
  for (auto& p : op.at("parameters").as_array())
    if (p.as_object().at("name") == name && p.as_object().at("in") == "query") return true;
  return false;
}

}  // namespace

TEST(RouteTable, EveryListOfTheContractIsDeclaredAList) {
  // API.md's lists: an answer `[...]` of items.
  const std::set<std::pair<std::string, std::string>> contract_lists{
      {"GET", "/api/v2/platform/tiers"},
      {"GET", "/api/v2/platform/api-keys"},
      {"GET", "/api/v2/platform/admin/jobs"},
      {"GET", "/api/v2/platform/admin/llm/fallbacks/{use_case}"},
      {"PUT", "/api/v2/platform/admin/llm/fallbacks/{use_case}"},
      {"GET", "/api/v2/platform/admin/llm/evaluators"},
      {"PUT", "/api/v2/platform/admin/llm/evaluators"},
      {"GET", "/api/v2/platform/admin/llm/breakers"},
      {"GET", "/api/v2/market/securities"},
      {"GET", "/api/v2/market/prices/{ticker}"},
      {"GET", "/api/v2/signals"},
  };
  auto table = delta::modules::build_router(delta::modules::node_modules());
  std::set<std::pair<std::string, std::string>> declared;
  for (auto& r : table->routes())
    if (r->list) declared.emplace(r->method, r->pattern);
  for (auto& expected : contract_lists)
    EXPECT_TRUE(declared.count(expected)) << expected.first << " " << expected.second << " is not declared a list";
}

TEST(RouteTable, EveryListIsAnsweredInTheEdgeAndDocumentedWithItsPaging) {
  auto table = delta::modules::build_router(delta::modules::node_modules());
  auto doc = json::parse(openapi_document(*table)).as_object();
  int lists = 0;
  for (auto& r : table->routes()) {
    auto op = operation_of(doc, *r);
    auto& responses = op.at("responses").as_object();
    SCOPED_TRACE(r->method + " " + r->pattern);
    if (!r->list) {
      EXPECT_FALSE(responses.contains("200") && responses.at("200").as_object().contains("content"))
          << "only a list documents its page";
      continue;
    }
    ++lists;
    EXPECT_TRUE(r->answer_in_edge) << "a list is answered through its list_call";
    EXPECT_FALSE(r->answer_inline);
    EXPECT_TRUE(has_query_param(op, "limit"));
    EXPECT_TRUE(has_query_param(op, "offset"));
    EXPECT_TRUE(responses.contains("422")) << "a bad limit or offset is 422";
    ASSERT_TRUE(responses.contains("200"));
    auto& schema = responses.at("200").as_object().at("content").as_object().at("application/json")
                       .as_object().at("schema").as_object().at("properties").as_object();
    EXPECT_EQ(schema.at("data").as_object().at("type"), "array");
    auto& meta = schema.at("meta").as_object().at("properties").as_object();
    for (const char* figure : {"total", "limit", "offset"}) EXPECT_TRUE(meta.contains(figure)) << figure;
    EXPECT_TRUE(schema.at("links").as_object().at("properties").as_object().contains("next"));
  }
  EXPECT_GE(lists, 11);
}

TEST(RouteTable, AListDeclaresLimitAndOffsetOnlyOnce) {
  auto table = delta::modules::build_router(delta::modules::node_modules());
  auto doc = json::parse(openapi_document(*table)).as_object();
  for (auto& r : table->routes()) {
    auto op = operation_of(doc, *r);
    if (!op.contains("parameters")) continue;
    std::multiset<std::string> names;
    for (auto& p : op.at("parameters").as_array()) names.insert(std::string{p.as_object().at("name").as_string()});
    EXPECT_LE(names.count("limit"), 1u) << r->pattern;
    EXPECT_LE(names.count("offset"), 1u) << r->pattern;
  }
}

// Routes declare, the router derives: what the edge enforces from a route's
// declarations is never kept by hand.
TEST(RouteAnswers, TheEdgesAnswersComeFromTheRoutesDeclarations) {
  router r;
  r.post("/a").auth(auth_mode::any).json_body().rate_group("g").answers({201, 409}).in_edge(
      [](edge_context&, request&, path_params&, reply_ptr) {});
  r.get("/b").auth(auth_mode::admin).answers({200});
  r.get("/c").feature("backtest").answers({200});
  r.get("/d").answers({200}).inline_answer([](const request&, const path_params&) { return response{}; });
  EXPECT_EQ(answers_of(*r.routes()[0]), (std::vector<int>{201, 400, 401, 409, 413, 415, 429, 503}));
  EXPECT_EQ(answers_of(*r.routes()[1]), (std::vector<int>{200, 401, 403}));
  EXPECT_EQ(answers_of(*r.routes()[2]), (std::vector<int>{200, 401, 403}));
  EXPECT_EQ(answers_of(*r.routes()[3]), (std::vector<int>{200}));
}

TEST(RouteAnswers, NoRouteKeepsByHandWhatItsDeclarationsImply) {
  auto table = delta::modules::build_router(delta::modules::node_modules());
  for (auto& r : table->routes()) {
    route bare = *r;
    bare.statuses.clear();
    auto derived = answers_of(bare);
    for (int status : r->statuses)
      EXPECT_EQ(std::count(derived.begin(), derived.end(), status), 0)
          << r->method << " " << r->pattern << " declares " << status << ", which its auth, feature, body or rate group imply";
  }
}

TEST(RouteAnswers, EveryRateLimitedOrAuthenticatedRouteDocumentsIt) {
  auto table = delta::modules::build_router(delta::modules::node_modules());
  auto doc = json::parse(openapi_document(*table)).as_object();
  for (auto& r : table->routes()) {
    auto responses = operation_of(doc, *r).at("responses").as_object();
    SCOPED_TRACE(r->method + " " + r->pattern);
    if (!r->rate_group.empty()) EXPECT_TRUE(responses.contains("429"));
    if (r->auth != auth_mode::none) EXPECT_TRUE(responses.contains("401"));
  }
}
