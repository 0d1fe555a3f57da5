// actors/market/candle_source.hpp: the in-memory source (as a backtest reads
// a file) answers bars like the database source, and CSV loading.
#include "actors/market/candle_source.hpp"

#include "core/rfc3339.hpp"

#include <gtest/gtest.h>

#include <sstream>

using namespace delta::market;
using delta::protocol::candle;

namespace {

const std::int64_t ten = 1795341600;  // 2026-11-22T10:00:00Z

bar_reply read(candle_source& source, bar_request request) {
  bar_reply got;
  bool called = false;
  source.read(request, [&](bar_reply r) {
    got = std::move(r);
    called = true;
  });
  EXPECT_TRUE(called) << "the memory source answers before returning";
  return got;
}

memory_candle_source twelve_minutes() {
  memory_candle_source source;
  std::vector<candle> minutes;
  for (int i = 11; i >= 0; --i)  // any order
    minutes.push_back({ten + 60 * i, 100.0 + i, 101.0 + i, 99.0 + i, 100.5 + i, 1});
  source.add("AAPL", minutes);
  return source;
}

}  // namespace

TEST(CandleSource, AnUnknownTickerIsNotFound) {
  memory_candle_source source;
  auto r = read(source, {"NOPE", 60, std::nullopt, std::nullopt, 10});
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(*r.failure, source_failure::not_found);
}

TEST(CandleSource, ResamplesAndKeepsBarsStartingWithinTheRange) {
  auto source = twelve_minutes();
  auto all = read(source, {"AAPL", 300, std::nullopt, std::nullopt, 10});
  ASSERT_FALSE(all.failure);
  ASSERT_EQ(all.bars.size(), 3u);  // 10:00, 10:05, 10:10 (two minutes)
  EXPECT_EQ(all.bars[0].open, 100);
  EXPECT_EQ(all.bars[0].close, 104.5);
  EXPECT_EQ(all.bars[0].high, 105);
  EXPECT_EQ(all.bars[0].volume, 5);
  EXPECT_EQ(all.bars[2].volume, 2);
  // from inside the first bucket: it starts before `from`, so it is left out.
  auto later = read(source, {"AAPL", 300, ten + 60, ten + 300, 10});
  ASSERT_EQ(later.bars.size(), 1u);
  EXPECT_EQ(later.bars[0].ts, ten + 300);
  EXPECT_EQ(read(source, {"AAPL", 60, std::nullopt, std::nullopt, 4}).bars.size(), 4u);
}

TEST(CandleSource, ATimestampAddedAgainReplacesTheEarlierCandle) {
  auto source = twelve_minutes();
  source.add("AAPL", {{ten, 1, 2, 0.5, 1.5, 7}});
  auto r = read(source, {"AAPL", 60, ten, ten, 10});
  ASSERT_EQ(r.bars.size(), 1u);
  EXPECT_EQ(r.bars[0].volume, 7);
}

TEST(CandleSource, ReadsValidatedCandlesFromCsv) {
  std::istringstream in{
      "ts,open,high,low,close,volume\r\n"
      "2026-11-22T10:00:00Z,100,101,99,100.5,1200\n"
      "\n"
      "2026-11-22T10:01:00Z,100.5,102,100,101.75,800.5\n"};
  auto csv = read_candles_csv(in);
  EXPECT_EQ(csv.error, "");
  ASSERT_EQ(csv.candles.size(), 2u);
  EXPECT_EQ(csv.candles[1].ts, ten + 60);
  EXPECT_EQ(csv.candles[1].close, 101.75);
  EXPECT_EQ(csv.candles[1].volume, 800.5);
}

TEST(CandleSource, CsvErrorsNameTheLine) {
  auto error = [](const char* text) {
    std::istringstream in{text};
    return read_candles_csv(in).error;
  };
  EXPECT_EQ(error(""), "line 1: the header must be ts,open,high,low,close,volume");
  EXPECT_EQ(error("time,o,h,l,c,v\n"), "line 1: the header must be ts,open,high,low,close,volume");
  const std::string header = "ts,open,high,low,close,volume\n";
  EXPECT_EQ(error((header + "2026-11-22T10:00:00Z,1,2,0.5\n").c_str()),
            "line 2: expected 6 fields: ts,open,high,low,close,volume");
  EXPECT_EQ(error((header + "2026-11-22T10:00:00Z,1,x,0.5,1,1\n").c_str()), "line 2: field 3 is not a number");
  EXPECT_EQ(error((header + "2026-11-22T10:00:00Z,1,2,0.5,1,1\n2026-11-22T10:01:00Z,1,0.9,0.5,1,1\n").c_str()),
            "line 3: high must be at least max(open, close)");
  EXPECT_NE(error((header + "2026-11-22T10:00:30Z,1,2,0.5,1,1\n").c_str()).find("line 2: ts must be aligned"),
            std::string::npos);
}
