// The route table (http/routes/routes.hpp) and its OpenAPI document: every
// list declares itself a list, so the edge pages it and the document shows
// limit, offset, 422 and the page's meta. A route cannot answer an array
// without being a list: ok_response() refuses one (envelope_test.cpp), and
// the page answer is only reachable through a list route's list_call.
#include "http/routes/routes.hpp"

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
  auto table = build_router();
  std::set<std::pair<std::string, std::string>> declared;
  for (auto& r : table->routes())
    if (r->list) declared.emplace(r->method, r->pattern);
  for (auto& expected : contract_lists)
    EXPECT_TRUE(declared.count(expected)) << expected.first << " " << expected.second << " is not declared a list";
}

TEST(RouteTable, EveryListIsAnsweredInTheEdgeAndDocumentedWithItsPaging) {
  auto table = build_router();
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
  auto table = build_router();
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
