#include "cmd/deltactl/refusal.hpp"

#include <gtest/gtest.h>

using namespace delta::ctl;

TEST(DeltactlRefusal, NamesTheCodeMessageStatusAndRequestId) {
  auto body = R"({"error":{"code":"unauthorized","message":"Invalid email or password.","details":null,"request_id":"r-1"}})";
  EXPECT_EQ(refusal_text(401, body), "unauthorized: Invalid email or password. (HTTP 401, request_id r-1)");
  auto r = read_refusal(401, body);
  EXPECT_EQ(r.status, 401u);
  EXPECT_EQ(r.code, "unauthorized");
  EXPECT_EQ(r.message, "Invalid email or password.");
}

TEST(DeltactlRefusal, ListsEachValidationProblemOnItsOwnLine) {
  auto body = R"({"error":{"code":"validation_failed","message":"Invalid.","details":[
      {"field":"name","problem":"must be 1 to 100 characters"},{"field":"expires_in_days","problem":"must be 1..3650"}]}})";
  EXPECT_EQ(refusal_text(422, body),
            "validation_failed: Invalid. (HTTP 422)\n"
            "  name: must be 1 to 100 characters\n"
            "  expires_in_days: must be 1..3650");
}

TEST(DeltactlRefusal, SumsUpABodyThatIsNotAnApiError) {
  EXPECT_EQ(refusal_text(502, "<html><body>Bad Gateway</body></html>"), "HTTP 502 without an API error document");
  EXPECT_EQ(refusal_text(500, R"({"error":"boom"})"), "HTTP 500 without an API error document");
  EXPECT_EQ(read_refusal(502, "").code, "");
}

TEST(DeltactlRefusal, ShortensAnOverlongMessage) {
  std::string body = R"({"error":{"code":"internal","message":")" + std::string(5000, 'x') + R"("}})";
  EXPECT_LT(refusal_text(500, body).size(), 600u);
}
