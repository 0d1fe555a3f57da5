"""Market data routes: POST /api/v2/market/candles (admin or feature
market_ingest, idempotent upsert, validation), GET /api/v2/market/prices/{ticker}
(resampling 1m to 5m .. 1d, from/to/limit) and GET /api/v2/market/indicators/{ticker}
(values against hand-checked series, warm-up before `from`), every 4xx with its
exact status and code, and the demo candles of scripts/demo_candles.sql.

Test series live on tickers created here (ZMD*), in January 2026, away from
the demo candles (the last 7 days)."""

import calendar
import datetime
import json
import time
import unittest

from tests.e2e.harness import DEMO_AUTH, RFC3339_UTC_RE, DeltaTestCase, demo_candles_file, psql

CANDLES = "/api/v2/market/candles"
PRICES = "/api/v2/market/prices/"
INDICATORS = "/api/v2/market/indicators/"
BAR_FIELDS = {"ts", "open", "high", "low", "close", "volume"}
BASE = 1767607200  # 2026-01-05T10:00:00Z, a Monday

# Wilder's RSI on the classic 14-period worked example (StockCharts
# ChartSchool, closes to two decimals); see tests/unit/actors/market/indicators_test.cpp.
RSI_CLOSES = [44.34, 44.09, 44.15, 43.61, 44.33, 44.83, 45.10, 45.42, 45.84, 46.08, 45.89,
              46.03, 45.61, 46.28, 46.28, 46.00, 46.03, 46.41, 46.22, 45.64, 46.21, 46.25,
              45.71, 46.45, 45.78, 45.35, 44.03, 44.18, 44.22, 44.57, 43.42, 42.66, 43.13]
RSI_14 = [70.4641, 66.2496, 66.4809, 69.3469, 66.2947, 57.9150, 62.8807, 63.2088, 56.0116,
          62.3399, 54.6710, 50.3868, 40.0194, 41.4926, 41.9024, 45.4995, 37.3228, 33.0905,
          37.7888]


def rfc3339(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def candle(ts, o, h, l, c, v=1):
    return {"ts": rfc3339(ts), "open": o, "high": h, "low": l, "close": c, "volume": v}


def flat(ts, close):
    return candle(ts, close, close, close, close)


def walk(start, n):
    """n consistent 1m candles from `start`; every value a multiple of 1/4."""
    out, price = [], 100.0
    for i in range(n):
        o = price
        c = o + ((i * 7) % 5 - 2) * 0.25
        out.append(candle(start + 60 * i, o, max(o, c) + (i % 3) * 0.25, min(o, c) - (i % 2) * 0.5,
                          c, 10 + i % 7))
        price = c
    return out


def resample(minutes, tf):
    """The contract's resampling: aligned buckets, first/max/min/last/sum."""
    bars = []
    for m in minutes:
        ts = calendar.timegm(time.strptime(m["ts"], "%Y-%m-%dT%H:%M:%SZ"))
        start = ts - ts % tf
        if bars and bars[-1]["ts"] == rfc3339(start):
            b = bars[-1]
            b["high"] = max(b["high"], m["high"])
            b["low"] = min(b["low"], m["low"])
            b["close"] = m["close"]
            b["volume"] += m["volume"]
        else:
            bars.append({**m, "ts": rfc3339(start)})
    return bars


class MarketDataTest(DeltaTestCase):
    default_headers = DEMO_AUTH

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.deltad.add_user(role="admin")
        psql(cls.db_url, file=demo_candles_file())

    # -- helpers

    def create_security(self, ticker):
        r = self.deltad.request("POST", "/api/v2/market/securities", self.admin.bearer,
                                {"ticker": ticker, "name": f"Test {ticker}", "security_type": "equity",
                                 "currency": "USD"}, anonymous=True)
        self.assertEqual(r.status, 201, r.body)

    def post(self, body, auth=None, headers=None):
        auth = self.admin.bearer if auth is None else auth
        return self.deltad.request("POST", CANDLES, {**(headers or {}), **auth}, body, anonymous=True)

    def ingest(self, ticker, candles):
        r = self.post({"ticker": ticker, "timeframe": "1m", "candles": candles})
        self.assert_meta(r)
        self.assertEqual(set(r.json["data"]), {"inserted", "updated"})
        return r.json["data"]

    def prices(self, ticker, query=""):
        r = self.deltad.get(PRICES + ticker + ("?" + query if query else ""))
        self.assert_meta(r)
        data = r.json["data"]
        self.assertIsInstance(data, list)
        for bar in data:
            self.assertEqual(set(bar), BAR_FIELDS, bar)
            self.assertRegex(bar["ts"], RFC3339_UTC_RE)
        self.assertEqual([b["ts"] for b in data], sorted(b["ts"] for b in data), "not ascending")
        return data

    def indicators(self, ticker, query):
        r = self.deltad.get(INDICATORS + ticker + "?" + query)
        self.assert_meta(r)
        data = r.json["data"]
        self.assertEqual(set(data), {"ticker", "timeframe", "series"})
        self.assertEqual(data["ticker"], ticker)
        return data

    def assert_values(self, points, expected, field="value", places=9):
        self.assertEqual(len(points), len(expected), points)
        for point, (ts, value) in zip(points, expected):
            self.assertEqual(point["ts"], rfc3339(ts))
            self.assertAlmostEqual(point[field], value, places=places, msg=point)

    # -- ingest and read back

    def test_upsert_is_idempotent_and_reads_back_at_every_timeframe(self):
        self.create_security("ZMD1")
        # 09:57 .. 10:36 the next day minus a gap: crosses 5m, 15m, 1h, 4h and 1d boundaries.
        minutes = walk(BASE - 3 * 60, 40) + walk(BASE + 86400 - 2 * 60, 5)
        self.assertEqual(self.ingest("ZMD1", minutes), {"inserted": 45, "updated": 0})
        self.assertEqual(self.ingest("ZMD1", minutes), {"inserted": 0, "updated": 45})
        for name, seconds in (("1m", 60), ("5m", 300), ("15m", 900), ("1h", 3600), ("4h", 14400),
                              ("1d", 86400)):
            with self.subTest(timeframe=name):
                got = self.prices("ZMD1", f"timeframe={name}&from=2026-01-01T00:00:00Z&limit=1000")
                self.assertEqual(got, resample(minutes, seconds))
        # The default timeframe is 1m.
        self.assertEqual(self.prices("ZMD1", "from=2026-01-01T00:00:00Z&limit=1000"), minutes)

    def test_a_changed_candle_replaces_the_stored_one(self):
        self.create_security("ZMD2")
        self.ingest("ZMD2", [candle(BASE, 10, 11, 9, 10.5, 100), candle(BASE + 60, 10.5, 12, 10, 11, 5)])
        self.assertEqual(self.ingest("ZMD2", [candle(BASE + 60, 10.5, 13, 10, 12.5, 7),
                                              candle(BASE + 120, 12.5, 13, 12, 12.75, 1)]),
                         {"inserted": 1, "updated": 1})
        bars = self.prices("ZMD2", "timeframe=5m&from=2026-01-05T10:00:00Z")
        self.assertEqual(bars, [{"ts": "2026-01-05T10:00:00Z", "open": 10, "high": 13, "low": 9,
                                 "close": 12.75, "volume": 108}])

    def test_from_to_and_limit_select_whole_bars(self):
        self.create_security("ZMD3")
        minutes = walk(BASE + 2 * 60, 60)  # 10:02 .. 11:01
        self.ingest("ZMD3", minutes)
        five = resample(minutes, 300)      # 10:00 .. 11:00, 13 bars
        self.assertEqual(len(five), 13)
        ts = [b["ts"] for b in self.prices("ZMD3", "timeframe=5m&from=2026-01-05T10:01:00Z"
                                                     "&to=2026-01-05T10:20:00Z")]
        # A bar starting before `from` is left out; the one starting at `to` is whole.
        self.assertEqual(ts, ["2026-01-05T10:05:00Z", "2026-01-05T10:10:00Z", "2026-01-05T10:15:00Z",
                              "2026-01-05T10:20:00Z"])
        self.assertEqual(self.prices("ZMD3", "timeframe=5m&from=2026-01-05T10:00:00Z&limit=2"), five[:2])
        # Without `from`: the latest `limit` bars up to `to`, still ascending.
        self.assertEqual(self.prices("ZMD3", "timeframe=5m&to=2026-01-05T10:20:00Z&limit=2"), five[3:5])
        self.assertEqual(self.prices("ZMD3", "timeframe=5m&to=2026-01-05T12:00:00%2B01:00&limit=3"),
                         five[10:13])
        self.assertEqual(self.prices("ZMD3", "timeframe=1m&to=2026-01-05T10:05:59.9Z&limit=1")[0]["ts"],
                         "2026-01-05T10:05:00Z")
        self.assertEqual(self.prices("ZMD3", "from=2026-02-01T00:00:00Z"), [])

    # -- indicators

    def test_rsi_matches_wilders_worked_example(self):
        self.create_security("ZMD4")
        self.ingest("ZMD4", [flat(BASE + 60 * i, c) for i, c in enumerate(RSI_CLOSES)])
        data = self.indicators("ZMD4", "timeframe=1m&indicators=rsi:14&from=2026-01-05T00:00:00Z&limit=100")
        self.assertEqual(data["timeframe"], "1m")
        expected = [(BASE + 60 * (14 + i), v) for i, v in enumerate(RSI_14)]
        self.assert_values(data["series"]["rsi:14"], expected, places=4)

    def test_sma_ema_atr_and_bollinger_against_hand_computed_values(self):
        self.create_security("ZMD5")
        highs, lows = [10, 11, 12, 11.5, 14, 13], [8, 9, 9.5, 10.5, 12, 11]
        closes = [9, 10, 11, 11, 13.5, 12]
        self.ingest("ZMD5", [candle(BASE + 60 * i, (h + l) / 2, h, l, c)
                             for i, (h, l, c) in enumerate(zip(highs, lows, closes))])
        t = [BASE + 60 * i for i in range(6)]
        data = self.indicators("ZMD5", "indicators=sma:3,ema:3,atr:3,bbands:3:2"
                                       "&from=2026-01-05T10:00:00Z")
        s = data["series"]
        self.assertEqual(list(s), ["sma:3", "ema:3", "atr:3", "bbands:3:2"])
        self.assert_values(s["sma:3"], [(t[2], 10), (t[3], 32 / 3), (t[4], 35.5 / 3), (t[5], 36.5 / 3)])
        # EMA(3): seed (9 + 10 + 11) / 3 = 10, then alpha 1/2: 10.5, 12, 12.
        self.assert_values(s["ema:3"], [(t[2], 10), (t[3], 10.5), (t[4], 12), (t[5], 12)])
        # True ranges 2, 2, 2.5, 1, 3 (gap up from 11), 2.5; Wilder from their first mean.
        self.assert_values(s["atr:3"], [(t[2], 13 / 6), (t[3], 16 / 9), (t[4], 59 / 27), (t[5], 371 / 162)])
        # Closes 9, 10, 11: mean 10, population variance 2/3.
        band = s["bbands:3:2"][0]
        self.assertEqual(set(band), {"ts", "upper", "middle", "lower"})
        self.assertAlmostEqual(band["middle"], 10)
        self.assertAlmostEqual(band["upper"], 10 + 2 * (2 / 3) ** 0.5)
        self.assertAlmostEqual(band["lower"], 10 - 2 * (2 / 3) ** 0.5)

    def test_macd_signal_is_an_ema_of_macd_seeded_by_its_first_values(self):
        self.create_security("ZMD6")
        closes = [10, 11, 12, 13, 15, 14, 16]
        self.ingest("ZMD6", [flat(BASE + 60 * i, c) for i, c in enumerate(closes)])
        data = self.indicators("ZMD6", "indicators=macd:2:3:2&from=2026-01-05T10:00:00Z")
        points = data["series"]["macd:2:3:2"]
        # A point wherever the MACD line is defined: from bar 2 (EMA(3)'s
        # first value), the signal and histogram null until the signal's
        # EMA(2) has two MACD values (API.md: null for the first g - 1 points).
        self.assertEqual([p["ts"] for p in points], [rfc3339(BASE + 60 * i) for i in range(2, 7)])
        for p in points:
            self.assertEqual(set(p), {"ts", "macd", "signal", "histogram"})
        first = points[0]
        self.assertAlmostEqual(first["macd"], 0.5)   # EMA(2) 11.5 - EMA(3) 11
        self.assertIsNone(first["signal"])
        self.assertIsNone(first["histogram"])
        for p in points[1:]:
            self.assertAlmostEqual(p["histogram"], p["macd"] - p["signal"])
        # MACD 1/2, 2/3, 11/36, 103/216 from bar 3; signal seeded (1/2 + 1/2) / 2.
        self.assert_values(points[1:], [(BASE + 180, 0.5), (BASE + 240, 2 / 3), (BASE + 300, 11 / 36),
                                        (BASE + 360, 103 / 216)], field="macd")
        self.assert_values(points[1:], [(BASE + 180, 0.5), (BASE + 240, 11 / 18), (BASE + 300, 11 / 27),
                                        (BASE + 360, 49 / 108)], field="signal")

    def test_prices_are_a_list_paged_from_from_or_back_from_the_newest(self):
        self.create_security("ZMPG")
        self.ingest("ZMPG", [flat(BASE + 60 * i, 10 + i) for i in range(10)])
        ts = [rfc3339(BASE + 60 * i) for i in range(10)]

        def page(query):
            r = self.deltad.get(PRICES + "ZMPG?" + query)
            meta = self.assert_meta(r)
            return [b["ts"] for b in r.json["data"]], meta, (r.json.get("links") or {}).get("next")

        # with from: the first bars, then the next ones
        got, meta, nxt = page("from=2026-01-05T10:00:00Z&limit=4")
        self.assertEqual((got, meta["total"], meta["limit"], meta["offset"]), (ts[0:4], 10, 4, 0))
        self.assertIn("offset=4", nxt)
        got, meta, nxt = page("from=2026-01-05T10:00:00Z&limit=4&offset=8")
        self.assertEqual((got, meta["offset"], nxt), (ts[8:10], 8, None))
        # without from: the latest bars, then the ones before them (each page ascending)
        got, meta, _ = page("limit=4")
        self.assertEqual((got, meta["total"]), (ts[6:10], 10))
        got, _, _ = page("limit=4&offset=4")
        self.assertEqual(got, ts[2:6])
        # total counts the bars of the range, `to` included
        got, meta, _ = page("to=2026-01-05T10:04:00Z&limit=2&offset=1")
        self.assertEqual((got, meta["total"]), (ts[2:4], 5))
        # resampled: two 5-minute bars
        got, meta, _ = page("timeframe=5m&limit=1")
        self.assertEqual((got, meta["total"]), ([ts[5]], 2))
        self.assert_validation_failed(self.deltad.get(PRICES + "ZMPG?offset=-1"), "offset")

    def test_macd_with_the_default_periods_has_its_first_signal_eight_points_after_its_first_value(self):
        # 40 one-minute closes: MACD(12, 26, 9) is defined from bar 25, its
        # signal from bar 33 (the ninth MACD value); bbands(20, 2) has all
        # three lines from bar 19 on.
        self.create_security("ZMDA")
        closes = [100 + (i % 7) - (i % 3) * 0.5 for i in range(40)]
        self.ingest("ZMDA", [flat(BASE + 60 * i, c) for i, c in enumerate(closes)])
        data = self.indicators("ZMDA", "indicators=macd:12:26:9,bbands:20:2&from=2026-01-05T10:00:00Z")
        macd = data["series"]["macd:12:26:9"]
        self.assertEqual([p["ts"] for p in macd], [rfc3339(BASE + 60 * i) for i in range(25, 40)])
        self.assertEqual([p["signal"] is None for p in macd], [True] * 8 + [False] * 7)
        self.assertEqual([p["histogram"] is None for p in macd], [True] * 8 + [False] * 7)
        self.assertTrue(all(isinstance(p["macd"], (int, float)) for p in macd))
        bands = data["series"]["bbands:20:2"]
        self.assertEqual([p["ts"] for p in bands], [rfc3339(BASE + 60 * i) for i in range(19, 40)])
        self.assertTrue(all(None not in (p["upper"], p["middle"], p["lower"]) for p in bands))

    def test_points_cover_the_range_and_use_the_bars_before_it(self):
        self.create_security("ZMD7")
        closes = [9, 10, 11, 11, 13.5, 12]
        self.ingest("ZMD7", [flat(BASE + 60 * i, c) for i, c in enumerate(closes)])
        t = [BASE + 60 * i for i in range(6)]
        # From bar 3 to bar 4: SMA(3) there still averages bars 1..4.
        data = self.indicators("ZMD7", f"indicators=sma:3&from={rfc3339(t[3])}&to={rfc3339(t[4])}")
        self.assert_values(data["series"]["sma:3"], [(t[3], 32 / 3), (t[4], 35.5 / 3)])
        # Without from: the latest `limit` bars.
        data = self.indicators("ZMD7", "indicators=sma:3&limit=2&to=2026-01-05T11:00:00Z")
        self.assert_values(data["series"]["sma:3"], [(t[4], 35.5 / 3), (t[5], 36.5 / 3)])
        # Too little history: the series is there, empty.
        data = self.indicators("ZMD7", "indicators=sma:50,rsi:14&to=2026-01-05T11:00:00Z")
        self.assertEqual(data["series"], {"sma:50": [], "rsi:14": []})

    def test_indicators_of_resampled_bars(self):
        self.create_security("ZMD8")
        minutes = walk(BASE, 30)
        self.ingest("ZMD8", minutes)
        five = resample(minutes, 300)
        data = self.indicators("ZMD8", "timeframe=5m&indicators=sma:2&from=2026-01-05T10:00:00Z")
        self.assertEqual(data["timeframe"], "5m")
        expected = [(BASE + 300 * i, (five[i - 1]["close"] + five[i]["close"]) / 2) for i in range(1, 6)]
        self.assert_values(data["series"]["sma:2"], expected)

    # -- the demo candles

    def test_demo_candles_serve_prices_and_indicators(self):
        bars = self.prices("BTC-USD", "timeframe=1h&limit=24")
        self.assertEqual(len(bars), 24)
        for b in bars:
            self.assertGreaterEqual(b["high"], max(b["open"], b["close"]), b)
            self.assertLessEqual(b["low"], min(b["open"], b["close"]), b)
            self.assertGreater(b["volume"], 0)
        minutes = self.prices("ETH-USD", "limit=3")
        self.assertEqual(minutes[0]["close"], minutes[1]["open"], "bars do not continue each other")
        data = self.indicators("BTC-USD", "timeframe=15m&indicators=rsi:14,macd:12:26:9,bbands:20:2&limit=10")
        for key in ("rsi:14", "macd:12:26:9", "bbands:20:2"):
            self.assertEqual(len(data["series"][key]), 10, key)
        for p in data["series"]["rsi:14"]:
            self.assertTrue(0 <= p["value"] <= 100, p)
        # Equities trade on weekdays only: their daily bars never fall on a weekend.
        for b in self.prices("AAPL", "timeframe=1d"):
            day = datetime.datetime.strptime(b["ts"], "%Y-%m-%dT%H:%M:%SZ")
            self.assertLess(day.weekday(), 5, b)

    def test_demo_candles_load_idempotently(self):
        before = psql(self.db_url, "SELECT count(*), sum(close::numeric) FROM candles c JOIN securities s "
                                   "USING (security_id) WHERE s.ticker = 'MSFT' AND ts < now() - interval '1 hour'")
        psql(self.db_url, file=demo_candles_file())
        after = psql(self.db_url, "SELECT count(*), sum(close::numeric) FROM candles c JOIN securities s "
                                  "USING (security_id) WHERE s.ticker = 'MSFT' AND ts < now() - interval '1 hour'")
        self.assertEqual(before, after)

    # -- 4xx: POST /candles

    def test_malformed_json_is_bad_request(self):
        r = self.post(b'{"ticker":', headers={"Content-Type": "application/json"})
        self.assert_error(r, 400, "bad_request")
        r = self.post(b'[1, 2]', headers={"Content-Type": "application/json"})
        self.assert_error(r, 400, "bad_request")

    def test_wrong_json_types_are_bad_request_naming_the_field(self):
        good = candle(BASE, 1, 2, 0.5, 1.5)
        cases = [("ticker", {"ticker": 5, "candles": [good]}),
                 ("candles", {"ticker": "AAPL", "candles": "many"}),
                 ("candles[0]", {"ticker": "AAPL", "candles": [5]}),
                 ("candles[1].open", {"ticker": "AAPL", "candles": [good, {**good, "open": "1"}]}),
                 ("candles[0].ts", {"ticker": "AAPL", "candles": [{**good, "ts": BASE}]}),
                 ("candles[0].volume", {"ticker": "AAPL", "candles": [{**good, "volume": [1]}]})]
        for field, body in cases:
            with self.subTest(field=field):
                err = self.assert_error(self.post(body), 400, "bad_request")
                self.assertIn(field, [d["field"] for d in err["details"]], err)

    def test_unknown_ticker_is_not_found(self):
        r = self.post({"ticker": "ZNOPE1", "candles": [candle(BASE, 1, 2, 0.5, 1.5)]})
        self.assert_error(r, 404, "not_found")
        self.assert_error(self.deltad.get(PRICES + "ZNOPE1"), 404, "not_found")
        self.assert_error(self.deltad.get(INDICATORS + "ZNOPE1?indicators=rsi:14"), 404, "not_found")

    def test_ohlc_rule_violations_are_validation_failed(self):
        self.create_security("ZMD9")
        cases = [("candles[0].high", candle(BASE, 10, 9.5, 9, 9.8)),     # high < open
                 ("candles[0].high", candle(BASE, 10, 10.5, 9, 11)),     # high < close
                 ("candles[0].low", candle(BASE, 10, 11, 10.2, 10.5)),   # low > open
                 ("candles[0].low", candle(BASE, 10, 11, 9.5, 9.4)),     # low > close
                 ("candles[0].volume", candle(BASE, 10, 11, 9, 10, -1)),
                 ("candles[0].close", {k: v for k, v in candle(BASE, 10, 11, 9, 10).items() if k != "close"})]
        for field, bad in cases:
            with self.subTest(field=field, candle=bad):
                self.assert_validation_failed(self.post({"ticker": "ZMD9", "candles": [bad]}), field)
        # One answer names every bad candle by its index.
        r = self.post({"ticker": "ZMD9", "candles": [candle(BASE, 10, 11, 9, 10),
                                                     candle(BASE + 60, 10, 9, 8, 9.5),
                                                     candle(BASE + 120, 10, 11, 9, 10, -5)]})
        err = self.assert_validation_failed(r, "candles[1].high")
        self.assertIn("candles[2].volume", [d["field"] for d in err["details"]])
        self.assertEqual(self.prices("ZMD9", "from=2026-01-01T00:00:00Z"), [], "a refused batch stored bars")

    def test_misaligned_or_unreadable_timestamps_are_validation_failed(self):
        good = candle(BASE, 1, 2, 0.5, 1.5)
        for ts in ("2026-01-05T10:00:30Z", "2026-01-05T10:00:00.5Z", "2026-01-05", "yesterday",
                   "2026-02-30T10:00:00Z", "1969-12-31T23:59:00Z"):
            with self.subTest(ts=ts):
                self.assert_validation_failed(self.post({"ticker": "AAPL", "candles": [{**good, "ts": ts}]}),
                                              "candles[0].ts")
        # The same minute twice in one batch.
        r = self.post({"ticker": "AAPL", "candles": [good, {**good, "ts": "2026-01-05T11:00:00+01:00"}]})
        self.assert_validation_failed(r, "candles[1].ts")

    def test_batch_and_timeframe_rules_are_validation_failed(self):
        good = candle(BASE, 1, 2, 0.5, 1.5)
        self.assert_validation_failed(self.post({"ticker": "AAPL", "timeframe": "5m", "candles": [good]}),
                                      "timeframe")
        self.assert_validation_failed(self.post({"ticker": "AAPL", "candles": []}), "candles")
        self.assert_validation_failed(self.post({"ticker": "AAPL"}), "candles")
        self.assert_validation_failed(self.post({"candles": [good]}), "ticker")
        self.assert_validation_failed(self.post({"ticker": "aapl", "candles": [good]}), "ticker")
        many = [flat(BASE + 60 * i, 1) for i in range(10001)]
        body = json.dumps({"ticker": "AAPL", "candles": many}, separators=(",", ":")).encode()
        self.assertLess(len(body), 1 << 20)
        self.assert_validation_failed(self.post(body, headers={"Content-Type": "application/json"}),
                                      "candles")

    def test_ingest_needs_credentials_and_the_market_ingest_feature(self):
        body = {"ticker": "AAPL", "candles": [candle(BASE, 1, 2, 0.5, 1.5)]}
        self.assert_error(self.post(body, auth={}), 401, "unauthorized")
        # The demo key is research tier, which has no market_ingest.
        self.assert_error(self.post(body, auth=DEMO_AUTH), 403, "not_entitled")

    def test_a_full_batch_is_accepted(self):
        self.create_security("ZMDB")
        many = [flat(BASE + 60 * i, 1 + (i % 4) * 0.25) for i in range(10000)]
        body = json.dumps({"ticker": "ZMDB", "candles": many}, separators=(",", ":")).encode()
        r = self.post(body, headers={"Content-Type": "application/json"})
        self.assert_meta(r)
        self.assertEqual(r.json["data"], {"inserted": 10000, "updated": 0})
        daily = self.prices("ZMDB", "timeframe=1d&from=2026-01-01T00:00:00Z")
        self.assertEqual(sum(b["volume"] for b in daily), 10000)

    # -- 4xx: GET prices and indicators

    def test_read_routes_need_credentials(self):
        for path in (PRICES + "AAPL", INDICATORS + "AAPL?indicators=rsi:14"):
            with self.subTest(path=path):
                self.assert_error(self.deltad.get(path, anonymous=True), 401, "unauthorized")
                self.assert_error(self.deltad.get(path, {"X-API-Key": "dk_live_" + "z" * 43}), 401,
                                  "unauthorized")

    def test_bad_queries_are_validation_failed(self):
        cases = [("timeframe", "timeframe=2m"), ("timeframe", "timeframe=1M"), ("timeframe", "timeframe="),
                 ("from", "from=yesterday"), ("to", "to=2026-01-05"), ("from", "from=2026-01-06T00:00:00Z"
                                                                          "&to=2026-01-05T00:00:00Z"),
                 ("limit", "limit=0"), ("limit", "limit=1001"), ("limit", "limit=x")]
        for field, query in cases:
            for path in (PRICES + "AAPL?", INDICATORS + "AAPL?indicators=rsi:14&"):
                with self.subTest(path=path, query=query):
                    self.assert_validation_failed(self.deltad.get(path + query), field)
        self.assert_validation_failed(self.deltad.get(PRICES + "aapl"), "ticker")

    def test_bad_indicator_specs_are_validation_failed(self):
        for spec in ("", "foo:3", "EMA:20", "ema", "ema:0", "ema:501", "ema:2.5", "macd:26:12:9",
                     "macd:12:26", "bbands:20", "bbands:1:2", "bbands:20:0", "bbands:20:11",
                     "ema:20,ema:20", "ema:20,", ",".join(f"sma:{n}" for n in range(1, 12))):
            with self.subTest(spec=spec):
                self.assert_validation_failed(self.deltad.get(INDICATORS + "AAPL?indicators=" + spec),
                                              "indicators")
        self.assert_validation_failed(self.deltad.get(INDICATORS + "AAPL"), "indicators")
        err = self.assert_validation_failed(
            self.deltad.get(INDICATORS + "AAPL?indicators=rsi:14,foo:1,sma:0&timeframe=3m"), "indicators")
        self.assertEqual(sorted(d["field"] for d in err["details"]), ["indicators", "indicators", "timeframe"])


if __name__ == "__main__":
    unittest.main()
