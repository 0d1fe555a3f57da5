// http/json_body.hpp: typed reading of JSON request bodies with API.md's
// split — not an object or a wrong JSON type is 400 bad_request (with
// details), a missing or invalid value is 422 validation_failed.
#include "http/json_body.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <climits>

using namespace delta::http;

namespace {

request body(const std::string& json_text) {
  request r;
  r.method = "POST";
  r.path = "/test";
  r.body = json_text;
  r.json = std::make_shared<const boost::json::value>(boost::json::parse(json_text));
  return r;
}

int status(const json_body& b) {
  auto e = b.error();
  return e ? status_of(e->code) : 200;
}

std::string problem_of(const json_body& b, const std::string& field) {
  auto e = b.error();
  if (!e) return {};
  for (auto& p : e->details)
    if (p.field == field) return p.problem;
  return {};
}

}  // namespace

TEST(JsonBody, ABodyThatIsNotAnObjectIsABadRequest) {
  for (auto text : {"[]", "\"text\"", "42", "null", "true"}) {
    auto req = body(text);
    json_body b{req};
    EXPECT_FALSE(b.text("name", true, 1, 10)) << text;
    auto e = b.error();
    ASSERT_TRUE(e) << text;
    EXPECT_EQ(e->code, error_code::bad_request) << text;
    EXPECT_EQ(status_of(e->code), 400) << text;
  }
}

TEST(JsonBody, AMissingParsedBodyIsABadRequest) {
  request r;
  r.method = "POST";
  json_body b{r};
  EXPECT_FALSE(b.boolean("enabled", true));
  EXPECT_EQ(status(b), 400);
}

TEST(JsonBody, ReadsFieldsOfTheRightTypes) {
  auto req = body(R"({"name":"Alice","count":5,"enabled":true})");
  json_body b{req};
  EXPECT_EQ(b.text("name", true, 1, 100), "Alice");
  EXPECT_EQ(b.integer("count", true, 0, 10), 5);
  EXPECT_EQ(b.boolean("enabled", true), true);
  EXPECT_FALSE(b.error());
}

TEST(JsonBody, WrongTypesAreABadRequestNamingEachField) {
  auto req = body(R"({"name":5,"count":"5","enabled":"true","other":[1]})");
  json_body b{req};
  EXPECT_FALSE(b.text("name", true, 1, 100));
  EXPECT_FALSE(b.integer("count", true, 0, 10));
  EXPECT_FALSE(b.boolean("enabled", true));
  EXPECT_FALSE(b.integer("other", false, 0, 10));
  auto e = b.error();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, error_code::bad_request);
  ASSERT_EQ(e->details.size(), 4u);
  EXPECT_EQ(problem_of(b, "name"), "must be a string");
  EXPECT_EQ(problem_of(b, "count"), "must be an integer");
  EXPECT_EQ(problem_of(b, "enabled"), "must be true or false");
  EXPECT_EQ(problem_of(b, "other"), "must be an integer");
}

TEST(JsonBody, AWrongTypeOutranksAnInvalidValue) {
  auto req = body(R"({"name":"","count":true})");
  json_body b{req};
  b.text("name", true, 1, 10);       // invalid value (422)
  b.integer("count", true, 0, 10);   // wrong type (400)
  EXPECT_EQ(status(b), 400);
}

TEST(JsonBody, AMissingRequiredFieldIsAValidationFailure) {
  auto req = body(R"({"other":1})");
  json_body b{req};
  EXPECT_FALSE(b.text("email", true, 3, 254));
  EXPECT_FALSE(b.integer("count", true, 0, 10));
  auto e = b.error();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, error_code::validation_failed);
  EXPECT_EQ(status_of(e->code), 422);
  EXPECT_EQ(problem_of(b, "email"), "is required");
  EXPECT_EQ(problem_of(b, "count"), "is required");
}

TEST(JsonBody, NullCountsAsMissing) {
  auto req = body(R"({"email":null,"nickname":null})");
  json_body b{req};
  EXPECT_FALSE(b.text("email", true, 3, 254));
  EXPECT_FALSE(b.text("nickname", false, 1, 10));  // optional: fine
  EXPECT_EQ(status(b), 422);
  EXPECT_EQ(problem_of(b, "email"), "is required");
  EXPECT_EQ(problem_of(b, "nickname"), "");
}

TEST(JsonBody, AMissingOptionalFieldIsNoProblem) {
  auto req = body(R"({})");
  json_body b{req};
  EXPECT_FALSE(b.text("display_name", false, 1, 100));
  EXPECT_FALSE(b.integer("expires_in_days", false, 1, 3650));
  EXPECT_FALSE(b.boolean("active", false));
  EXPECT_FALSE(b.error());
}

TEST(JsonBody, CountsTextLengthInCharactersNotBytes) {
  // "é" is 2 bytes, "€" 3, "𝄞" 4: each is one character.
  auto req = body(R"({"ten":"ééééééééé€","four":"𝄞𝄞𝄞𝄞","eleven":"ééééééééééé"})");
  json_body b{req};
  EXPECT_EQ(b.text("ten", true, 10, 10), "ééééééééé€");
  EXPECT_EQ(b.text("four", true, 4, 4), "𝄞𝄞𝄞𝄞");
  EXPECT_FALSE(b.text("eleven", true, 1, 10));
  EXPECT_EQ(status(b), 422);
  EXPECT_EQ(problem_of(b, "eleven"), "must be 1 to 10 characters");
}

TEST(JsonBody, RejectsTextShorterThanTheMinimum) {
  auto req = body(R"({"password":"short"})");
  json_body b{req};
  EXPECT_FALSE(b.text("password", true, 10, 1024));
  EXPECT_EQ(status(b), 422);
  EXPECT_EQ(problem_of(b, "password"), "must be 10 to 1024 characters");
}

TEST(JsonBody, RejectsTextContainingNul) {
  auto req = body(R"({"name":"a\u0000b"})");
  json_body b{req};
  EXPECT_FALSE(b.text("name", true, 1, 100));
  EXPECT_EQ(status(b), 422);
  EXPECT_EQ(problem_of(b, "name"), "must not contain NUL characters");
}

TEST(JsonBody, ReadsIntegersFromSignedUnsignedAndWholeDoubles) {
  auto req = body(R"({"neg":-7,"big":9223372036854775807,"whole":3.0,"exp":1e3,"zero":-0.0})");
  json_body b{req};
  EXPECT_EQ(b.integer("neg", true, -10, 10), -7);
  EXPECT_EQ(b.integer("big", true, 0, LLONG_MAX), LLONG_MAX);
  EXPECT_EQ(b.integer("whole", true, 0, 10), 3);
  EXPECT_EQ(b.integer("exp", true, 0, 1000), 1000);
  EXPECT_EQ(b.integer("zero", true, 0, 1), 0);
  EXPECT_FALSE(b.error());

  // An unsigned value that fits (boost::json keeps large literals as uint64).
  boost::json::object o;
  o["u"] = std::uint64_t{42};
  request r;
  r.json = std::make_shared<const boost::json::value>(o);
  json_body ub{r};
  EXPECT_EQ(ub.integer("u", true, 0, 100), 42);
  EXPECT_FALSE(ub.error());
}

TEST(JsonBody, AFractionalNumberIsAValidationFailure) {
  auto req = body(R"({"days":2.5,"tiny":1e-9})");
  json_body b{req};
  EXPECT_FALSE(b.integer("days", true, 1, 10));
  EXPECT_FALSE(b.integer("tiny", true, 0, 10));
  EXPECT_EQ(status(b), 422);
  EXPECT_EQ(problem_of(b, "days"), "must be a whole number");
  EXPECT_EQ(problem_of(b, "tiny"), "must be a whole number");
}

TEST(JsonBody, AnIntegerOutOfRangeIsAValidationFailure) {
  auto req = body(R"({"low":0,"high":3651,"neg":-1})");
  json_body b{req};
  EXPECT_FALSE(b.integer("low", true, 1, 3650));
  EXPECT_FALSE(b.integer("high", true, 1, 3650));
  EXPECT_FALSE(b.integer("neg", true, 0, 10));
  EXPECT_EQ(status(b), 422);
  EXPECT_EQ(problem_of(b, "low"), "must be between 1 and 3650");
  EXPECT_EQ(problem_of(b, "high"), "must be between 1 and 3650");
  EXPECT_EQ(problem_of(b, "neg"), "must be between 0 and 10");
}

TEST(JsonBody, AWholeNumberBeyondInt64IsAValidationFailureNamingTheRange) {
  // 2^64 - 1 arrives as uint64, 1e19 and 1e300 as doubles: all whole numbers,
  // all out of range. (Converting such a double to int64 is undefined
  // behaviour in C++, so the range must be checked before the cast.)
  auto req = body(
      R"({"u64":18446744073709551615,"d19":1e19,"d300":1e300,"dneg":-1e300,"two63":9223372036854775808.0})");
  json_body b{req};
  for (auto field : {"u64", "d19", "d300", "dneg", "two63"})
    EXPECT_FALSE(b.integer(field, true, 0, 100)) << field;
  EXPECT_EQ(status(b), 422);
  for (auto field : {"u64", "d19", "d300", "dneg", "two63"})
    EXPECT_EQ(problem_of(b, field), "must be between 0 and 100") << field;
}

TEST(JsonBody, CollectsEveryProblemIntoOneAnswer) {
  auto req = body(R"({"name":"","days":0})");
  json_body b{req};
  b.text("name", true, 1, 100);
  b.integer("days", true, 1, 10);
  b.text("email", true, 3, 254);
  b.add_problem("password", "is too common");
  auto e = b.error();
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, error_code::validation_failed);
  EXPECT_EQ(e->details.size(), 4u);
  EXPECT_EQ(problem_of(b, "password"), "is too common");
}

TEST(JsonBodyNumber, AcceptsIntegersAndFractionsInRange) {
  auto r = body(R"({"t": 0.3, "u": 2})");
  json_body b{r};
  EXPECT_DOUBLE_EQ(*b.number("t", true, 0, 2), 0.3);
  EXPECT_DOUBLE_EQ(*b.number("u", true, 0, 2), 2.0);
  EXPECT_EQ(status(b), 200);
}

TEST(JsonBodyNumber, OutOfRangeIs422AndAStringIs400) {
  auto r = body(R"({"t": 2.5})");
  json_body b{r};
  EXPECT_FALSE(b.number("t", true, 0, 2));
  EXPECT_EQ(status(b), 422);
  auto r2 = body(R"({"t": "hot"})");
  json_body b2{r2};
  EXPECT_FALSE(b2.number("t", true, 0, 2));
  EXPECT_EQ(status(b2), 400);
}

TEST(JsonBodyList, ReadsATopLevelArrayOrTheNamedField) {
  for (auto text : {R"([{"a":"x"},{"a":"y"}])", R"({"items":[{"a":"x"},{"a":"y"}]})"}) {
    auto r = body(text);
    json_body b{r};
    auto items = b.list("items", 10);
    ASSERT_EQ(items.size(), 2u) << text;
    EXPECT_EQ(items[1].text("a", true, 1, 5), std::optional<std::string>{"y"});
    for (auto& i : items) b.absorb(i);
    EXPECT_EQ(status(b), 200) << text;
  }
}

TEST(JsonBodyList, NamesElementProblemsByIndexAndBoundsTheCount) {
  auto r = body(R"([{"a":"x"},{"b":1},3])");
  json_body b{r};
  auto items = b.list("items", 10);
  for (auto& i : items) {
    i.text("a", true, 1, 5);
    b.absorb(i);
  }
  EXPECT_EQ(status(b), 400);  // the element 3 is not an object: a wrong type
  auto too_many = body(R"([{},{},{}])");
  json_body c{too_many};
  EXPECT_TRUE(c.list("items", 2).empty());
  EXPECT_EQ(status(c), 422);
  auto missing = body(R"({"a":1})");
  json_body d{missing};
  d.list("items", 2);
  EXPECT_EQ(problem_of(d, "items"), "is required");
}
