// http/list_call.hpp: a list route's paging (API.md "Conventions").
#include "http/list_call.hpp"

#include "tests/unit/http/recording_responder.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

using namespace delta::http;
namespace json = boost::json;

namespace {

struct list_fixture {
  std::shared_ptr<test_support::recording_responder> out = std::make_shared<test_support::recording_responder>();
  list_call call;

  explicit list_fixture(std::string query, std::string path = "/api/v2/things")
      : call(make_request(std::move(path), std::move(query)), std::make_shared<pending_reply>(out, "rid")) {}

  static request make_request(std::string path, std::string query) {
    request req;
    req.method = "GET";
    req.path = std::move(path);
    req.query = std::move(query);
    req.request_id = "rid";
    return req;
  }

  json::object body() const { return json::parse(out->sent().at(0).body).as_object(); }
};

std::string numbers(const std::vector<int>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + std::to_string(items[i]);
  return out + "]";
}

}  // namespace

TEST(ListCall, DefaultsToTheFirstFiftyItems) {
  list_fixture f{""};
  EXPECT_EQ(f.call.page().limit, 50);
  EXPECT_EQ(f.call.page().offset, 0);
  EXPECT_FALSE(f.call.refuse_invalid());
}

TEST(ListCall, RefusesALimitOutsideOneToAThousandOrANegativeOffsetNamingEach) {
  for (const char* query : {"limit=0", "limit=1001", "limit=x", "offset=-1", "limit=0&offset=-5"}) {
    list_fixture f{query};
    EXPECT_TRUE(f.call.refuse_invalid()) << query;
    ASSERT_EQ(f.out->sent().size(), 1u);
    EXPECT_EQ(f.out->sent()[0].status, 422) << query;
    auto doc = f.body();
    auto& err = doc.at("error").as_object();
    EXPECT_EQ(err.at("code").as_string(), "validation_failed");
    for (const char* field : {"limit", "offset"}) {
      bool bad = std::string{query}.find(field) != std::string::npos;
      bool named = false;
      for (auto& d : err.at("details").as_array()) named = named || d.as_object().at("field").as_string() == field;
      EXPECT_EQ(named, bad) << query << " " << field;
    }
  }
}

TEST(ListCall, AcceptsTheBoundsOfLimit) {
  EXPECT_FALSE(list_fixture{"limit=1"}.call.refuse_invalid());
  EXPECT_FALSE(list_fixture{"limit=1000&offset=0"}.call.refuse_invalid());
}

TEST(ListCall, APageCarriesTotalLimitOffsetAndTheNextLinkWhileItemsRemain) {
  list_fixture f{"limit=2&offset=2&status=dead"};
  f.call.send("[3,4]", 5);
  ASSERT_EQ(f.out->sent().size(), 1u);
  EXPECT_EQ(f.out->sent()[0].status, 200);
  auto doc = f.body();
  auto& meta = doc.at("meta").as_object();
  EXPECT_EQ(meta.at("total").as_int64(), 5);
  EXPECT_EQ(meta.at("limit").as_int64(), 2);
  EXPECT_EQ(meta.at("offset").as_int64(), 2);
  EXPECT_EQ(doc.at("links").as_object().at("next").as_string(), "/api/v2/things?limit=2&offset=4&status=dead");
}

TEST(ListCall, TheLastPageHasNoNextLink) {
  list_fixture last{"limit=2&offset=3"};
  last.call.send("[4,5]", 5);
  EXPECT_FALSE(last.body().contains("links"));
  list_fixture exact{"limit=5"};
  exact.call.send("[1,2,3,4,5]", 5);
  EXPECT_FALSE(exact.body().contains("links"));
  list_fixture past{"offset=100"};
  past.call.send("[]", 5);
  EXPECT_FALSE(past.body().contains("links"));
}

TEST(ListCall, SlicesAListHeldInMemory) {
  std::vector<int> all{1, 2, 3, 4, 5};
  list_fixture middle{"limit=2&offset=1"};
  middle.call.send_slice(all, numbers);
  EXPECT_EQ(json::serialize(middle.body().at("data")), "[2,3]");
  EXPECT_EQ(middle.body().at("meta").as_object().at("total").as_int64(), 5);
  list_fixture beyond{"offset=9"};
  beyond.call.send_slice(all, numbers);
  EXPECT_EQ(json::serialize(beyond.body().at("data")), "[]");
  list_fixture whole{""};
  whole.call.send_slice(all, numbers);
  EXPECT_EQ(json::serialize(whole.body().at("data")), "[1,2,3,4,5]");
}

TEST(NextPageLink, KeepsTheOtherParametersAsSentAndReplacesLimitAndOffset) {
  EXPECT_EQ(next_page_link("/p", "", {50, 0}), "/p?limit=50&offset=50");
  EXPECT_EQ(next_page_link("/p", "q=a%20b&limit=10&offset=10&x", {10, 10}), "/p?limit=10&offset=20&q=a%20b&x");
  EXPECT_EQ(next_page_link("/p", "offset=3&limit=7&offset=9", {7, 3}), "/p?limit=7&offset=10");
}
