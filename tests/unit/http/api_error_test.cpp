// http/api_error.hpp: statuses and codes of API.md, the error body, the
// mapping of domain errors, and pending_reply's 503-on-abandon guarantee.
#include "http/api_error.hpp"

#include "protocol/errors.hpp"

#include <boost/json.hpp>
#include <caf/error.hpp>
#include <caf/exit_reason.hpp>
#include <caf/sec.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <vector>

using namespace delta::http;
namespace json = boost::json;
using delta::protocol::errc;

namespace {

struct recording_responder : responder {
  std::vector<response> sent;
  void send(response res) override { sent.push_back(std::move(res)); }
};

json::object parse_error(const response& res) {
  auto doc = json::parse(res.body).as_object();
  EXPECT_EQ(doc.size(), 1u) << res.body;
  return doc.at("error").as_object();
}

}  // namespace

TEST(ApiError, MapsEveryCodeToTheStatusOfApiMd) {
  struct row {
    error_code code;
    int status;
    const char* name;
  };
  const row table[] = {
      {error_code::bad_request, 400, "bad_request"},
      {error_code::unauthorized, 401, "unauthorized"},
      {error_code::forbidden, 403, "forbidden"},
      {error_code::not_entitled, 403, "not_entitled"},
      {error_code::limit_reached, 403, "limit_reached"},
      {error_code::not_found, 404, "not_found"},
      {error_code::method_not_allowed, 405, "method_not_allowed"},
      {error_code::conflict, 409, "conflict"},
      {error_code::payload_too_large, 413, "payload_too_large"},
      {error_code::unsupported_media_type, 415, "unsupported_media_type"},
      {error_code::validation_failed, 422, "validation_failed"},
      {error_code::rate_limited, 429, "rate_limited"},
      {error_code::internal, 500, "internal"},
      {error_code::unavailable, 503, "unavailable"},
  };
  for (auto& r : table) {
    EXPECT_EQ(status_of(r.code), r.status) << r.name;
    EXPECT_EQ(name_of(r.code), r.name);
    EXPECT_FALSE(default_message(r.code).empty()) << r.name;
  }
}

TEST(ApiError, AnswersTooLargeHeadersWith431AndTheBadRequestCode) {
  EXPECT_EQ(status_of(error_code::header_too_large), 431);
  EXPECT_EQ(name_of(error_code::header_too_large), "bad_request");
}

TEST(ApiError, UsesTheDefaultMessageUnlessGivenOne) {
  auto plain = make_api_error(error_code::not_found);
  EXPECT_EQ(plain.message, default_message(error_code::not_found));
  auto custom = make_api_error(error_code::not_found, "Security not found.");
  EXPECT_EQ(custom.message, "Security not found.");
  EXPECT_TRUE(custom.details.empty());
}

TEST(ErrorResponse, HasTheErrorShapeOfApiMd) {
  auto res = error_response(make_api_error(error_code::not_found, "Security not found."), "req-1");
  EXPECT_EQ(res.status, 404);
  EXPECT_EQ(res.content_type, "application/json");
  auto err = parse_error(res);
  EXPECT_EQ(err.size(), 4u);
  EXPECT_EQ(err.at("code").as_string(), "not_found");
  EXPECT_EQ(err.at("message").as_string(), "Security not found.");
  EXPECT_TRUE(err.at("details").is_null());
  EXPECT_EQ(err.at("request_id").as_string(), "req-1");
}

TEST(ErrorResponse, ListsFieldProblemsForValidationFailures) {
  auto res = error_response(
      validation_error({{"limit", "must be an integer between 1 and 1000"}, {"q", "too \"long\""}}),
      "req-2");
  EXPECT_EQ(res.status, 422);
  auto err = parse_error(res);
  EXPECT_EQ(err.at("code").as_string(), "validation_failed");
  auto& details = err.at("details").as_array();
  ASSERT_EQ(details.size(), 2u);
  EXPECT_EQ(details[0].as_object().at("field").as_string(), "limit");
  EXPECT_EQ(details[0].as_object().at("problem").as_string(),
            "must be an integer between 1 and 1000");
  EXPECT_EQ(details[1].as_object().at("field").as_string(), "q");
  EXPECT_EQ(details[1].as_object().at("problem").as_string(), "too \"long\"");
  EXPECT_EQ(details[0].as_object().size(), 2u);
}

TEST(ErrorResponse, GivesValidationFailuresWithoutProblemsAnEmptyList) {
  auto err = parse_error(error_response(make_api_error(error_code::validation_failed), "r"));
  ASSERT_TRUE(err.at("details").is_array());
  EXPECT_TRUE(err.at("details").as_array().empty());
}

TEST(ErrorResponse, EscapesTheRequestIdAndMessage) {
  auto res = error_response(make_api_error(error_code::bad_request, "line\nbreak \\ \"q\""),
                            "a\"b");
  auto err = parse_error(res);
  EXPECT_EQ(err.at("message").as_string(), "line\nbreak \\ \"q\"");
  EXPECT_EQ(err.at("request_id").as_string(), "a\"b");
}

TEST(FromDomainError, AValidationErrorNamesItsFieldButLogTextStaysOut) {
  auto named = from_domain_error(delta::protocol::make_validation_error("base_url", "must be http or https"));
  EXPECT_EQ(named.code, error_code::validation_failed);
  ASSERT_EQ(named.details.size(), 1u);
  EXPECT_EQ(named.details[0].field, "base_url");
  EXPECT_EQ(named.details[0].problem, "must be http or https");
  auto logged = from_domain_error(delta::protocol::make_error(errc::invalid, "payload is not a JSON object"));
  EXPECT_EQ(logged.code, error_code::validation_failed);
  EXPECT_TRUE(logged.details.empty());
}

TEST(FromDomainError, MapsEveryProtocolErrorCode) {
  using delta::protocol::make_error;
  EXPECT_EQ(from_domain_error(make_error(errc::not_found), "Security").code, error_code::not_found);
  EXPECT_EQ(from_domain_error(make_error(errc::not_found), "Security").message,
            "Security not found.");
  EXPECT_EQ(from_domain_error(make_error(errc::conflict)).code, error_code::conflict);
  EXPECT_EQ(from_domain_error(make_error(errc::invalid)).code, error_code::validation_failed);
  EXPECT_EQ(from_domain_error(make_error(errc::unavailable)).code, error_code::unavailable);
  EXPECT_EQ(from_domain_error(make_error(errc::unauthorized)).code, error_code::unauthorized);
  EXPECT_EQ(from_domain_error(make_error(errc::forbidden)).code, error_code::forbidden);
  EXPECT_EQ(from_domain_error(make_error(errc::internal)).code, error_code::internal);
}

TEST(FromDomainError, NeverPassesTheInternalContextToTheClient) {
  auto err = from_domain_error(
      delta::protocol::make_error(errc::internal, "SELECT * FROM secrets failed: relation x"));
  EXPECT_EQ(err.code, error_code::internal);
  EXPECT_EQ(err.message.find("SELECT"), std::string::npos);
  auto body = error_response(err, "r").body;
  EXPECT_EQ(body.find("SELECT"), std::string::npos) << body;
}

TEST(FromDomainError, MapsCafTimeoutsAndDeadReceiversToUnavailable) {
  EXPECT_EQ(from_domain_error(caf::make_error(caf::sec::request_timeout)).code,
            error_code::unavailable);
  EXPECT_EQ(from_domain_error(caf::make_error(caf::sec::request_receiver_down)).code,
            error_code::unavailable);
}

TEST(FromDomainError, MapsOtherCafErrorsToInternal) {
  EXPECT_EQ(from_domain_error(caf::make_error(caf::sec::unexpected_message)).code,
            error_code::internal);
  EXPECT_EQ(from_domain_error(caf::make_error(caf::exit_reason::kill)).code, error_code::internal);
}

TEST(PendingReply, AnswersUnavailableWhenDestroyedUnanswered) {
  auto target = std::make_shared<recording_responder>();
  {
    pending_reply reply{target, "req-lost"};
    EXPECT_FALSE(reply.answered());
  }
  ASSERT_EQ(target->sent.size(), 1u);
  EXPECT_EQ(target->sent[0].status, 503);
  auto err = parse_error(target->sent[0]);
  EXPECT_EQ(err.at("code").as_string(), "unavailable");
  EXPECT_EQ(err.at("request_id").as_string(), "req-lost");
}

TEST(PendingReply, AnswersOnceWhenTheLastSharedOwnerLetsGo) {
  auto target = std::make_shared<recording_responder>();
  auto reply = std::make_shared<pending_reply>(target, "req-shared");
  auto copy = reply;
  reply.reset();
  EXPECT_TRUE(target->sent.empty());
  copy.reset();
  EXPECT_EQ(target->sent.size(), 1u);
}

TEST(PendingReply, SendsOnlyOnceWhenAnsweredThenDestroyed) {
  auto target = std::make_shared<recording_responder>();
  {
    pending_reply reply{target, "req-ok"};
    reply.send(response{200, "{}", "application/json", {}});
    EXPECT_TRUE(reply.answered());
    reply.send(response{500, "{}", "application/json", {}});  // a second answer is dropped
  }
  ASSERT_EQ(target->sent.size(), 1u);
  EXPECT_EQ(target->sent[0].status, 200);
}
