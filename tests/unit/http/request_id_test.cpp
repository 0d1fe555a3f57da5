// http/request_id.hpp: which client ids are echoed, and fresh UUID v4 ids.
#include "http/request_id.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>

using namespace delta::http;

TEST(AcceptableRequestId, AcceptsUpTo128OfLettersDigitsDotUnderscoreDash) {
  EXPECT_TRUE(acceptable_request_id("a"));
  EXPECT_TRUE(acceptable_request_id("req-1.2_X"));
  EXPECT_TRUE(acceptable_request_id("0f8fad5b-d9cb-469f-a165-70867728950e"));
  EXPECT_TRUE(acceptable_request_id(std::string(128, 'x')));
}

TEST(AcceptableRequestId, RejectsEmptyTooLongAndOtherCharacters) {
  EXPECT_FALSE(acceptable_request_id(""));
  EXPECT_FALSE(acceptable_request_id(std::string(129, 'x')));
  for (auto bad : {"a b", "<script>", "a\"b", "a\nb", "a/b", "a:b", "\xc3\xa9", "a\tb", "id;"})
    EXPECT_FALSE(acceptable_request_id(bad)) << bad;
}

TEST(NewRequestId, IsAUuidVersion4) {
  static const std::regex uuid_v4{
      "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"};
  for (int i = 0; i < 100; ++i) {
    auto id = new_request_id();
    ASSERT_TRUE(std::regex_match(id, uuid_v4)) << id;
    ASSERT_TRUE(acceptable_request_id(id)) << id;
  }
}

TEST(NewRequestId, GivesDifferentIds) {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(new_request_id());
  EXPECT_EQ(ids.size(), 1000u);
}
