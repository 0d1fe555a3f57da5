#include "actors/signals/features.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

using namespace delta::signals;
using delta::protocol::candle;
namespace json = boost::json;

namespace {

constexpr std::int64_t t0 = 1'800'000'000 - 1'800'000'000 % 60;

// n one-minute bars: a slow rise with a wiggle, volume growing with the index.
std::vector<candle> bars(int n, std::int64_t start = t0) {
  std::vector<candle> out;
  for (int i = 0; i < n; ++i) {
    double close = 100 + i * 0.1 + 2 * std::sin(i / 3.0);
    out.push_back({start + i * 60, close - 0.2, close + 0.5, close - 0.5, close, 10.0 + i});
  }
  return out;
}

std::int64_t just_after(const std::vector<candle>& b) { return b.back().ts + 60; }

json::object features_of(const feature_report& r) { return json::parse(r.features_json).as_object(); }

bool flagged(const feature_report& r, const std::string& flag) {
  return std::find(r.quality_flags.begin(), r.quality_flags.end(), flag) != r.quality_flags.end();
}

}  // namespace

TEST(SignalFeatures, TrendFollowHasEmaMacdRsiAtrAndNothingElse) {
  auto b = bars(120);
  auto r = compute_features(profile::trend_follow_v1, b, just_after(b));
  auto f = features_of(r);
  for (auto key : {"close", "ema_20", "ema_50", "macd", "rsi_14", "atr_14"}) EXPECT_TRUE(f.contains(key)) << key;
  for (auto key : {"bollinger", "support", "resistance", "volume_profile", "funding_rate"})
    EXPECT_FALSE(f.contains(key)) << key;
  EXPECT_TRUE(f.at("ema_20").is_double());
  EXPECT_TRUE(f.at("macd").as_object().at("signal").is_double());
  EXPECT_DOUBLE_EQ(f.at("close").as_double(), b.back().close);
  EXPECT_TRUE(r.quality_flags.empty());
}

TEST(SignalFeatures, FullAddsBollingerLevelsAndAVolumeProfileThatSumsTheVolume) {
  auto b = bars(120);
  auto r = compute_features(profile::full_v1, b, just_after(b));
  auto f = features_of(r);
  auto& bb = f.at("bollinger").as_object();
  EXPECT_LT(bb.at("lower").as_double(), bb.at("middle").as_double());
  EXPECT_LT(bb.at("middle").as_double(), bb.at("upper").as_double());
  EXPECT_TRUE(f.contains("support"));
  EXPECT_TRUE(f.contains("resistance"));
  double total = 0, expected = 0;
  for (auto& bin : f.at("volume_profile").as_object().at("bins").as_array())
    total += bin.as_object().at("volume").as_double();
  for (auto& c : b) expected += c.volume;
  EXPECT_DOUBLE_EQ(total, expected);
  EXPECT_EQ(f.at("volume_profile").as_object().at("bins").as_array().size(), 10u);
}

TEST(SignalFeatures, CryptoPerpsSaysFundingAndOpenInterestAreMissing) {
  auto b = bars(120);
  auto r = compute_features(profile::crypto_perps_v1, b, just_after(b));
  auto f = features_of(r);
  EXPECT_TRUE(f.at("funding_rate").is_null());
  EXPECT_TRUE(f.at("open_interest").is_null());
  EXPECT_TRUE(f.contains("ema_50"));
  EXPECT_TRUE(flagged(r, "funding_unavailable"));
  EXPECT_TRUE(flagged(r, "open_interest_unavailable"));
}

TEST(SignalFeatures, ShortHistoryIsFlaggedAndUndefinedIndicatorsAreNull) {
  auto b = bars(30);
  auto r = compute_features(profile::trend_follow_v1, b, just_after(b));
  EXPECT_TRUE(flagged(r, "insufficient_history"));
  EXPECT_TRUE(features_of(r).at("ema_50").is_null());
  EXPECT_TRUE(features_of(r).at("ema_20").is_double());
}

TEST(SignalFeatures, OldCandlesAreFlaggedStale) {
  auto b = bars(60);
  EXPECT_FALSE(flagged(compute_features(profile::trend_follow_v1, b, b.back().ts + 15 * 60), "stale_candles"));
  EXPECT_TRUE(flagged(compute_features(profile::trend_follow_v1, b, b.back().ts + 15 * 60 + 1), "stale_candles"));
}

TEST(SignalFeatures, AMissingMinuteIsAGap) {
  auto b = bars(60);
  EXPECT_FALSE(flagged(compute_features(profile::trend_follow_v1, b, just_after(b)), "gaps"));
  b.erase(b.begin() + 30);
  EXPECT_TRUE(flagged(compute_features(profile::trend_follow_v1, b, just_after(b)), "gaps"));
}

TEST(SignalFeatures, NoCandlesAtAllIsFlaggedNotAnError) {
  auto r = compute_features(profile::full_v1, {}, t0);
  EXPECT_TRUE(flagged(r, "no_candles"));
  EXPECT_TRUE(flagged(r, "insufficient_history"));
  EXPECT_EQ(features_of(r).at("bars").as_int64(), 0);
}

TEST(SignalFeatures, ProfileNamesParse) {
  EXPECT_EQ(parse_profile("full_v1"), profile::full_v1);
  EXPECT_EQ(parse_profile(name_of(profile::crypto_perps_v1)), profile::crypto_perps_v1);
  EXPECT_FALSE(parse_profile("full_v2"));
}

TEST(SignalFeatures, SupportAndResistanceAreTheNearestSwingLowBelowAndSwingHighAbove) {
  std::vector<candle> b;
  for (int i = 0; i < 80; ++i) b.push_back({t0 + i * 60, 100, 101, 99, 100, 1});
  b[40].high = 110;  // an older swing high, hidden by the more recent one
  b[60].high = 105;
  b[70].low = 95;
  auto f = features_of(compute_features(profile::full_v1, b, just_after(b)));
  EXPECT_DOUBLE_EQ(f.at("resistance").as_double(), 105);
  EXPECT_DOUBLE_EQ(f.at("support").as_double(), 95);
}

TEST(SignalFeatures, WithoutSwingPointsThereAreNoLevels) {
  std::vector<candle> b;
  for (int i = 0; i < 60; ++i) b.push_back({t0 + i * 60, 100, 101, 99, 100, 1});
  auto f = features_of(compute_features(profile::full_v1, b, just_after(b)));
  EXPECT_TRUE(f.at("support").is_null());
  EXPECT_TRUE(f.at("resistance").is_null());
}
