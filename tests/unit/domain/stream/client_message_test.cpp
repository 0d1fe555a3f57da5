// domain/stream/client_message.hpp, server_message.hpp, job_channel.hpp: the
// live stream's wire protocol.
#include "domain/stream/client_message.hpp"
#include "actors/stream/job_channel.hpp"
#include "domain/stream/server_message.hpp"
#include "protocol/jobs.hpp"
#include "protocol/signals.hpp"

#include <boost/json/parse.hpp>
#include <gtest/gtest.h>

using namespace delta::stream;

namespace {

// The channels the jobs and signals modules declare.
const delta::protocol::stream_channels channels{delta::protocol::decisions_channel(), delta::protocol::jobs_channel()};

client_message ok(std::string_view text) {
  auto parsed = parse_client_message(text, channels);
  if (auto* e = std::get_if<client_error>(&parsed)) {
    ADD_FAILURE() << text << " -> " << e->code << ": " << e->message;
    return {};
  }
  return std::get<client_message>(parsed);
}

client_error bad(std::string_view text) {
  auto parsed = parse_client_message(text, channels);
  if (auto* e = std::get_if<client_error>(&parsed)) return *e;
  ADD_FAILURE() << text << " was accepted";
  return {};
}

boost::json::value json(const std::string& text) { return boost::json::parse(text); }

}  // namespace

TEST(ClientMessage, Ping) { EXPECT_EQ(ok(R"({"op":"ping"})").op, client_op::ping); }

TEST(ClientMessage, AuthWithATokenOrAnApiKey) {
  auto m = ok(R"({"op":"auth","token":"ds_abc"})");
  EXPECT_EQ(m.op, client_op::auth);
  EXPECT_EQ(m.token, "ds_abc");
  EXPECT_TRUE(m.api_key.empty());
  m = ok(R"({"op":"auth","api_key":"dk_live_x"})");
  EXPECT_EQ(m.api_key, "dk_live_x");
  EXPECT_TRUE(m.token.empty());
}

TEST(ClientMessage, AuthNeedsExactlyOneCredential) {
  EXPECT_EQ(bad(R"({"op":"auth"})").code, "validation_failed");
  EXPECT_EQ(bad(R"({"op":"auth","token":"a","api_key":"b"})").code, "validation_failed");
  EXPECT_EQ(bad(R"({"op":"auth","token":42})").code, "validation_failed");
  EXPECT_EQ(bad(R"({"op":"auth","token":""})").code, "validation_failed");
}

TEST(ClientMessage, SubscribeToDecisionsWithOptionalFilters) {
  auto m = ok(R"({"op":"subscribe","channel":"decisions"})");
  EXPECT_EQ(m.op, client_op::subscribe);
  EXPECT_EQ(m.filter.channel, "decisions");
  EXPECT_TRUE(m.filter.symbol.empty());
  m = ok(R"({"op":"subscribe","channel":"decisions","filters":{"symbol":"AAPL","model":"m1","event_type":"decision"}})");
  EXPECT_EQ(m.filter.symbol, "AAPL");
  EXPECT_EQ(m.filter.model, "m1");
  EXPECT_EQ(m.filter.event_type, "decision");
  EXPECT_TRUE(m.filter.job_id.empty());
  EXPECT_EQ(ok(R"({"op":"subscribe","channel":"decisions","filters":null})").filter.channel, "decisions");
}

TEST(ClientMessage, SubscribeToJobsNeedsAJobId) {
  auto m = ok(R"({"op":"subscribe","channel":"jobs","filters":{"job_id":"0b6c"}})");
  EXPECT_EQ(m.filter.channel, "jobs");
  EXPECT_EQ(m.filter.job_id, "0b6c");
  EXPECT_EQ(bad(R"({"op":"subscribe","channel":"jobs"})").code, "validation_failed");
  EXPECT_EQ(bad(R"({"op":"subscribe","channel":"jobs","filters":{}})").code, "validation_failed");
}

TEST(ClientMessage, FiltersAreCheckedPerChannel) {
  EXPECT_EQ(bad(R"({"op":"subscribe","channel":"decisions","filters":{"job_id":"x"}})").code, "validation_failed");
  EXPECT_EQ(bad(R"({"op":"subscribe","channel":"jobs","filters":{"job_id":"x","symbol":"A"}})").code,
            "validation_failed");
  EXPECT_EQ(bad(R"({"op":"subscribe","channel":"decisions","filters":{"colour":"red"}})").code,
            "validation_failed");
  EXPECT_EQ(bad(R"({"op":"subscribe","channel":"decisions","filters":{"symbol":7}})").code, "validation_failed");
  EXPECT_EQ(bad(R"({"op":"subscribe","channel":"decisions","filters":[]})").code, "validation_failed");
  auto too_long = R"({"op":"subscribe","channel":"decisions","filters":{"symbol":")" +
                  std::string(max_attribute_length + 1, 'A') + "\"}}";
  EXPECT_EQ(bad(too_long).code, "validation_failed");
}

TEST(ClientMessage, UnknownOrMissingChannel) {
  auto e = bad(R"({"op":"subscribe","channel":"prices"})");
  EXPECT_EQ(e.code, "validation_failed");
  EXPECT_NE(e.message.find("channel"), std::string::npos) << e.message;
  EXPECT_EQ(bad(R"({"op":"subscribe"})").code, "validation_failed");
  EXPECT_EQ(bad(R"({"op":"subscribe","channel":1})").code, "validation_failed");
}

TEST(ClientMessage, Unsubscribe) {
  EXPECT_EQ(ok(R"({"op":"unsubscribe","subscription_id":"sub-1"})").subscription_id, "sub-1");
  EXPECT_EQ(bad(R"({"op":"unsubscribe"})").code, "validation_failed");
  EXPECT_EQ(bad(R"({"op":"unsubscribe","subscription_id":1})").code, "validation_failed");
}

TEST(ClientMessage, NotJsonNotAnObjectOrNoKnownOpIsABadRequest) {
  EXPECT_EQ(bad("{nope").code, "bad_request");
  EXPECT_EQ(bad("").code, "bad_request");
  EXPECT_EQ(bad("[1,2]").code, "bad_request");
  EXPECT_EQ(bad(R"({"type":"ping"})").code, "bad_request");
  EXPECT_EQ(bad(R"({"op":5})").code, "bad_request");
  EXPECT_EQ(bad(R"({"op":"dance"})").code, "bad_request");
}

TEST(ServerMessage, EachMessageIsTheJsonOfApiMd) {
  EXPECT_EQ(json(subscribed_message("sub-1", "jobs")),
            json(R"({"type":"subscribed","subscription_id":"sub-1","channel":"jobs"})"));
  EXPECT_EQ(json(unsubscribed_message("sub-1")), json(R"({"type":"unsubscribed","subscription_id":"sub-1"})"));
  EXPECT_EQ(json(event_message("decisions", "sub-2", R"({"a":[1,2]})")),
            json(R"({"type":"event","channel":"decisions","subscription_id":"sub-2","data":{"a":[1,2]}})"));
  EXPECT_EQ(json(error_message("bad_request", "say \"what\"")),
            json(R"({"type":"error","error":{"code":"bad_request","message":"say \"what\""}})"));
  EXPECT_EQ(json(pong_message()), json(R"({"type":"pong"})"));
  EXPECT_EQ(json(authenticated_message("u1", "api_key")),
            json(R"({"type":"authenticated","user_id":"u1","auth_method":"api_key"})"));
}

TEST(ServerMessage, AnEventWithoutDataCarriesNull) {
  EXPECT_EQ(json(event_message("jobs", "s", "")), json(R"({"type":"event","channel":"jobs","subscription_id":"s","data":null})"));
}

TEST(JobChannel, AJobEventBecomesAJobsEventOfItsOwner) {
  delta::protocol::job_event job{"j-1", "research_report", "u-1", "succeeded", 100,
                                 std::string{R"({"content":"x"})"}, caf::none};
  auto e = to_stream_event(job);
  EXPECT_EQ(e.channel, "jobs");
  EXPECT_EQ(e.owner_user_id, "u-1");
  EXPECT_EQ(e.job_id, "j-1");
  EXPECT_EQ(e.event_type, "succeeded");
  EXPECT_EQ(json(e.data_json), json(R"({"job_id":"j-1","kind":"research_report","status":"succeeded",
                                       "progress":100,"result":{"content":"x"}})"));
}

TEST(JobChannel, AnErrorIsIncludedAndAResultThatIsNotJsonTravelsAsAString) {
  delta::protocol::job_event job{"j-2", "backtest", "u-1", "failed", 40, std::string{"not json"},
                                 std::string{"boom"}};
  EXPECT_EQ(json(to_stream_event(job).data_json),
            json(R"({"job_id":"j-2","kind":"backtest","status":"failed","progress":40,
                     "result":"not json","error":"boom"})"));
}
