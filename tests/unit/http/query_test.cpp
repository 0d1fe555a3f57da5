// http/query.hpp: query strings, integer bounds, pagination, tickers, UTF-8.
#include "http/query.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <climits>

using namespace delta::http;

namespace {

std::vector<std::string> problem_fields(const query_params& q) {
  std::vector<std::string> out;
  for (auto& p : q.problems()) out.push_back(p.field);
  return out;
}

}  // namespace

TEST(QueryParams, ReturnsTheFirstValueOfAName) {
  query_params q{"a=1&b=2&a=3"};
  EXPECT_EQ(q.get("a"), "1");
  EXPECT_EQ(q.get("b"), "2");
  EXPECT_EQ(q.get("c"), std::nullopt);
  EXPECT_TRUE(q.problems().empty());
}

TEST(QueryParams, DecodesPlusAsSpaceAndPercentEscapes) {
  query_params q{"q=hello+world%21&my%20key=%E2%82%AC"};
  EXPECT_EQ(q.get("q"), "hello world!");
  EXPECT_EQ(q.get("my key"), "\xe2\x82\xac");
  EXPECT_TRUE(q.problems().empty());
}

TEST(QueryParams, TreatsANameWithoutValueAsEmpty) {
  query_params q{"flag&x="};
  EXPECT_EQ(q.get("flag"), "");
  EXPECT_EQ(q.get("x"), "");
}

TEST(QueryParams, IgnoresEmptyParts) {
  query_params q{"&&a=1&"};
  EXPECT_EQ(q.get("a"), "1");
  EXPECT_TRUE(q.problems().empty());
  query_params empty{""};
  EXPECT_EQ(empty.get(""), std::nullopt);
  EXPECT_TRUE(empty.problems().empty());
}

TEST(QueryParams, RecordsAMalformedEscapeAsAProblemOfThatField) {
  query_params q{"q=%zz&limit=5&r=abc%4"};
  EXPECT_EQ(q.get("q"), std::nullopt);
  EXPECT_EQ(q.get("limit"), "5");
  ASSERT_EQ(q.problems().size(), 2u);
  EXPECT_EQ(q.problems()[0].field, "q");
  EXPECT_EQ(q.problems()[0].problem, "is not correctly percent-encoded");
  EXPECT_EQ(q.problems()[1].field, "r");
}

TEST(QueryParams, ProblemsAboutUndecodableKeysStillMakeAValidJsonErrorBody) {
  // The decoded key "\xff" is not UTF-8; the 422 body naming it must still be JSON.
  query_params q{"%FF=%zz"};
  ASSERT_FALSE(q.problems().empty());
  auto res = error_response(validation_error(q.problems()), "rid");
  boost::system::error_code ec;
  boost::json::parse(res.body, ec);
  EXPECT_FALSE(ec) << "not JSON (" << ec.message() << "): " << res.body;
}

TEST(QueryParamsInteger, ReturnsTheFallbackWhenAbsent) {
  query_params q{""};
  EXPECT_EQ(q.integer("limit", 1, 1000, 50), 50);
  EXPECT_TRUE(q.problems().empty());
}

TEST(QueryParamsInteger, AcceptsValuesWithinInclusiveBounds) {
  query_params q{"a=1&b=1000&c=500"};
  EXPECT_EQ(q.integer("a", 1, 1000, 50), 1);
  EXPECT_EQ(q.integer("b", 1, 1000, 50), 1000);
  EXPECT_EQ(q.integer("c", 1, 1000, 50), 500);
  EXPECT_TRUE(q.problems().empty());
}

TEST(QueryParamsInteger, RecordsOutOfRangeValuesWithTheRangeInTheMessage) {
  query_params q{"a=0&b=1001"};
  EXPECT_EQ(q.integer("a", 1, 1000, 50), 50);
  EXPECT_EQ(q.integer("b", 1, 1000, 50), 50);
  ASSERT_EQ(q.problems().size(), 2u);
  EXPECT_EQ(q.problems()[0].field, "a");
  EXPECT_EQ(q.problems()[0].problem, "must be an integer between 1 and 1000");
  EXPECT_EQ(q.problems()[1].field, "b");
}

TEST(QueryParamsInteger, SaysAtLeastForOpenEndedRanges) {
  query_params q{"offset=-1"};
  EXPECT_EQ(q.integer("offset", 0, INT64_MAX, 0), 0);
  ASSERT_EQ(q.problems().size(), 1u);
  EXPECT_EQ(q.problems()[0].problem, "must be an integer at least 0");
}

TEST(QueryParamsInteger, RejectsTextThatIsNotExactlyAnInteger) {
  for (auto bad : {"abc", "1.5", "+5", "5+", "%205", "0x10", "", "99999999999999999999"}) {
    query_params q{std::string{"n="} + bad};
    EXPECT_EQ(q.integer("n", 0, INT64_MAX, 7), 7) << bad;
    EXPECT_EQ(problem_fields(q), std::vector<std::string>{"n"}) << bad;
  }
}

TEST(ReadPagination, DefaultsToFiftyFromZero) {
  query_params q{""};
  auto page = read_pagination(q);
  EXPECT_EQ(page.limit, 50);
  EXPECT_EQ(page.offset, 0);
  EXPECT_TRUE(q.problems().empty());
}

TEST(ReadPagination, ReadsLimitAndOffset) {
  query_params q{"limit=1000&offset=20"};
  auto page = read_pagination(q);
  EXPECT_EQ(page.limit, 1000);
  EXPECT_EQ(page.offset, 20);
  EXPECT_TRUE(q.problems().empty());
}

TEST(ReadPagination, RecordsAProblemForEachInvalidValue) {
  for (auto bad : {"limit=0", "limit=1001", "limit=abc", "limit=-5"}) {
    query_params q{bad};
    read_pagination(q);
    EXPECT_EQ(problem_fields(q), std::vector<std::string>{"limit"}) << bad;
  }
  query_params negative_offset{"offset=-1"};
  read_pagination(negative_offset);
  EXPECT_EQ(problem_fields(negative_offset), std::vector<std::string>{"offset"});

  query_params both{"limit=0&offset=-1"};
  read_pagination(both);
  EXPECT_EQ(problem_fields(both), (std::vector<std::string>{"limit", "offset"}));
}

TEST(QueryParamsText, ReturnsTheValueOrTheFallback) {
  query_params q{"q=apple"};
  EXPECT_EQ(q.text("q", 100), "apple");
  EXPECT_EQ(q.text("missing", 100, "dflt"), "dflt");
  EXPECT_TRUE(q.problems().empty());
}

TEST(QueryParamsText, RecordsTooLongControlCharactersAndInvalidUtf8) {
  query_params too_long{"q=" + std::string(101, 'a')};
  EXPECT_EQ(too_long.text("q", 100), "");
  EXPECT_EQ(problem_fields(too_long), std::vector<std::string>{"q"});
  EXPECT_EQ(too_long.problems()[0].problem, "must be at most 100 characters");

  query_params control{"q=a%0Ab"};
  control.text("q", 100);
  EXPECT_EQ(problem_fields(control), std::vector<std::string>{"q"});

  query_params not_utf8{"q=%C3%28"};
  not_utf8.text("q", 100);
  EXPECT_EQ(problem_fields(not_utf8), std::vector<std::string>{"q"});
}

TEST(ValidTicker, AcceptsUpperCaseLettersDigitsDotDashAndSlash) {
  for (auto ok : {"AAPL", "T0042", "BTC-USD", "BRK.B", "EUR/USD", "A"})
    EXPECT_TRUE(valid_ticker(ok)) << ok;
  EXPECT_TRUE(valid_ticker(std::string(20, 'X')));
}

TEST(ValidTicker, RejectsEverythingElse) {
  for (auto bad : {"", "aapl", "AAPL ", "AA PL", "AAPL$", "AAPL%", "\xc3\x84PPL", "A_B"})
    EXPECT_FALSE(valid_ticker(bad)) << bad;
  EXPECT_FALSE(valid_ticker(std::string(21, 'X')));
}

TEST(ValidUtf8, AcceptsWellFormedText) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("plain ascii"));
  EXPECT_TRUE(valid_utf8("caf\xc3\xa9"));                // é, two bytes
  EXPECT_TRUE(valid_utf8("\xe2\x82\xac"));               // €, three bytes
  EXPECT_TRUE(valid_utf8("\xf0\x9f\x98\x80"));           // 😀, four bytes
  EXPECT_TRUE(valid_utf8("\xf4\x8f\xbf\xbf"));           // U+10FFFF, the last code point
  EXPECT_TRUE(valid_utf8("\xed\x9f\xbf"));               // U+D7FF, just below the surrogates
}

TEST(ValidUtf8, RejectsOverlongForms) {
  EXPECT_FALSE(valid_utf8("\xc0\xaf"));
  EXPECT_FALSE(valid_utf8("\xc1\xbf"));
  EXPECT_FALSE(valid_utf8("\xe0\x80\xaf"));
  EXPECT_FALSE(valid_utf8("\xf0\x80\x80\xaf"));
}

TEST(ValidUtf8, RejectsSurrogates) {
  EXPECT_FALSE(valid_utf8("\xed\xa0\x80"));  // U+D800
  EXPECT_FALSE(valid_utf8("\xed\xbf\xbf"));  // U+DFFF
}

TEST(ValidUtf8, RejectsTruncatedSequences) {
  EXPECT_FALSE(valid_utf8("\xc3"));
  EXPECT_FALSE(valid_utf8("ab\xe2\x82"));
  EXPECT_FALSE(valid_utf8("\xf0\x9f\x98"));
  EXPECT_FALSE(valid_utf8("\xe2\x28\xa1"));  // continuation byte missing in the middle
}

TEST(ValidUtf8, RejectsStrayBytesAndCodePointsBeyondUnicode) {
  EXPECT_FALSE(valid_utf8("\x80"));
  EXPECT_FALSE(valid_utf8("a\xbf"));
  EXPECT_FALSE(valid_utf8("\xff"));
  EXPECT_FALSE(valid_utf8("\xf8\x88\x80\x80\x80"));
  EXPECT_FALSE(valid_utf8("\xf4\x90\x80\x80"));  // U+110000
}
