"""Market securities routes: list (q, limit, offset, links.next), get by ticker,
validation, POST's body checks before auth, and concurrent clients."""

import datetime
import threading
import unittest
import urllib.parse

from tests.e2e.harness import DeltaTestCase, psql

BASE = "/api/v2/market/securities"
FIELDS = {"security_id", "ticker", "name", "security_type", "exchange", "currency", "active"}
TYPES = {"equity", "etf", "crypto", "fx", "future", "index", "bond", "fund"}


class MarketTest(DeltaTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        rows = psql(cls.db_url, "SELECT ticker, security_id, name, active FROM securities")
        cls.db = {}
        for row in rows.splitlines():
            ticker, sid, name, active = row.split("|")
            cls.db[ticker] = {"security_id": sid, "name": name, "active": active == "t"}
        cls.total_all = len(cls.db)
        cls.total_active = sum(1 for r in cls.db.values() if r["active"])

    def expected_matches(self, q):
        """Tickers matching q by the contract: ticker prefix or name substring,
        case-insensitive, q taken literally. Inactive ones only if the list
        shows inactive securities at all (the contract leaves that open)."""
        if not hasattr(type(self), "lists_inactive"):
            total = self.assert_list(self.list("limit=1"))[1]["total"]
            type(self).lists_inactive = total == self.total_all
        q = q.lower()
        return {t for t, r in self.db.items()
                if (t.lower().startswith(q) or q in r["name"].lower())
                and (r["active"] or self.lists_inactive)}

    def list(self, query=""):
        return self.deltad.get(BASE + ("?" + query if query else ""))

    def assert_list(self, r):
        meta = self.assert_meta(r)
        data = r.json["data"]
        self.assertIsInstance(data, list)
        for item in data:
            self.assertEqual(set(item), FIELDS, item)
            self.assertIsInstance(item["security_id"], str)
        self.assertIsInstance(meta.get("total"), int)
        return data, meta

    # -- list

    def test_list_defaults(self):
        r = self.list()
        data, meta = self.assert_list(r)
        self.assertEqual(meta["limit"], 50)
        self.assertEqual(meta["offset"], 0)
        self.assertIn(meta["total"], (self.total_all, self.total_active))
        self.assertGreaterEqual(meta["total"], 2000)
        self.assertEqual(len(data), 50)
        self.assertIn("next", r.json.get("links", {}))

    def test_list_is_ordered_by_ticker_and_pages_cover_everything_once(self):
        seen = []
        offset = 0
        total = None
        while True:
            data, meta = self.assert_list(self.list(f"limit=1000&offset={offset}"))
            total = meta["total"]
            self.assertEqual(meta["limit"], 1000)
            seen += [d["ticker"] for d in data]
            offset += 1000
            if offset >= total:
                break
        self.assertEqual(len(seen), total)
        self.assertEqual(len(set(seen)), total, "a ticker appears on two pages")
        synthetic = [t for t in seen if len(t) == 5 and t[0] == "T" and t[1:].isdigit()]
        self.assertEqual(synthetic, [f"T{i:04d}" for i in range(2000)])
        for ticker in seen:
            self.assertIn(ticker, self.db)

    def test_links_next_continues_the_same_query(self):
        r = self.list("q=T00&limit=10")
        data, meta = self.assert_list(r)
        self.assertEqual(meta["total"], len(self.expected_matches("T00")))
        nxt = r.json["links"]["next"]
        parts = urllib.parse.urlsplit(nxt)
        if parts.scheme:
            self.assertEqual(parts.netloc, f"{self.deltad.host}:{self.deltad.port}")
        target = parts.path + "?" + parts.query
        query = urllib.parse.parse_qs(parts.query)
        self.assertEqual(query.get("q"), ["T00"])
        self.assertEqual(query.get("limit"), ["10"])
        self.assertEqual(query.get("offset"), ["10"])
        page2, _ = self.assert_list(self.deltad.get(target))
        explicit, _ = self.assert_list(self.list("q=T00&limit=10&offset=10"))
        self.assertEqual(page2, explicit)
        self.assertTrue(set(d["ticker"] for d in data).isdisjoint(d["ticker"] for d in page2))

    def test_last_page_has_no_next_link(self):
        total = self.assert_list(self.list("limit=1"))[1]["total"]
        r = self.list(f"limit=10&offset={total - 5}")
        data, meta = self.assert_list(r)
        self.assertEqual(len(data), 5)
        self.assertEqual(meta["offset"], total - 5)
        self.assertIsNone((r.json.get("links") or {}).get("next"))

    def test_offset_past_the_end_is_an_empty_page(self):
        r = self.list("offset=100000")
        data, meta = self.assert_list(r)
        self.assertEqual(data, [])
        self.assertIn(meta["total"], (self.total_all, self.total_active))
        self.assertIsNone((r.json.get("links") or {}).get("next"))

    def test_limit_bounds_are_inclusive(self):
        data, meta = self.assert_list(self.list("limit=1"))
        self.assertEqual((len(data), meta["limit"]), (1, 1))
        data, meta = self.assert_list(self.list("limit=1000"))
        self.assertEqual((len(data), meta["limit"]), (1000, 1000))

    def test_q_matches_ticker_prefix(self):
        data, meta = self.assert_list(self.list("q=T004&limit=1000"))
        tickers = {d["ticker"] for d in data}
        self.assertTrue({f"T004{i}" for i in range(10)} <= tickers, tickers)
        self.assertEqual(tickers, self.expected_matches("T004"))
        self.assertEqual(meta["total"], len(tickers))

    def test_q_is_case_insensitive_on_ticker_and_name(self):
        for q in ("apple", "APPLE", "aapl", "ApPlE"):
            data, _ = self.assert_list(self.list(f"q={q}&limit=1000"))
            self.assertIn("AAPL", [d["ticker"] for d in data], q)
        data, _ = self.assert_list(self.list("q=bitcoin"))
        self.assertIn("BTC-USD", [d["ticker"] for d in data])

    def test_q_matches_name_substring(self):
        data, meta = self.assert_list(self.list("q=security%2000&limit=1000"))
        self.assertEqual({d["ticker"] for d in data}, self.expected_matches("security 00"))

    def test_q_is_literal_not_a_pattern(self):
        for q, encoded in (("%", "%25"), ("_", "_"), ("' OR '1'='1", "%27%20OR%20%271%27%3D%271"),
                           ("\\", "%5C"), (".", ".")):
            with self.subTest(q=q):
                data, meta = self.assert_list(self.list(f"q={encoded}&limit=1000"))
                expected = self.expected_matches(q)
                self.assertEqual({d["ticker"] for d in data}, expected)
                self.assertEqual(meta["total"], len(expected))

    def test_q_without_match_is_empty(self):
        r = self.list("q=nothing-matches-this")
        data, meta = self.assert_list(r)
        self.assertEqual((data, meta["total"]), ([], 0))
        self.assertIsNone((r.json.get("links") or {}).get("next"))

    def test_list_rejects_bad_limit(self):
        for value in ("0", "1001", "-1", "abc", "1.5", "99999999999999999999"):
            with self.subTest(limit=value):
                self.assert_validation_failed(self.list(f"limit={value}"), "limit")

    def test_list_rejects_bad_offset(self):
        for value in ("-1", "x", "1e3"):
            with self.subTest(offset=value):
                self.assert_validation_failed(self.list(f"offset={value}"), "offset")

    def test_list_names_every_bad_field(self):
        r = self.list("limit=0&offset=-1")
        err = self.assert_validation_failed(r, "limit")
        self.assertIn("offset", [d["field"] for d in err["details"]])

    # -- get by ticker

    def get_security(self, ticker):
        return self.deltad.get(f"{BASE}/{ticker}")

    def assert_security(self, r, ticker):
        meta = self.assert_meta(r)
        data = r.json["data"]
        self.assertEqual(set(data), FIELDS)
        self.assertEqual(data["ticker"], ticker)
        self.assertEqual(data["security_id"], self.db[ticker]["security_id"])
        self.assertEqual(data["name"], self.db[ticker]["name"])
        self.assertIn(data["security_type"], TYPES)
        self.assertIsInstance(data["active"], bool)
        stamp = datetime.datetime.fromisoformat(meta["timestamp"].replace("Z", "+00:00"))
        skew = abs((datetime.datetime.now(datetime.timezone.utc) - stamp).total_seconds())
        self.assertLess(skew, 300, "meta.timestamp is not now")
        return data

    def test_get_security(self):
        data = self.assert_security(self.get_security("T0042"), "T0042")
        self.assertEqual(data["name"], "Test Security 0042")
        self.assertEqual(data["security_type"], "equity")
        self.assertEqual(data["currency"], "USD")
        self.assertEqual(data["exchange"], "XTST")
        self.assertIs(data["active"], True)

    def test_get_real_securities_with_punctuation(self):
        self.assertEqual(self.assert_security(self.get_security("AAPL"), "AAPL")["name"], "Apple Inc.")
        self.assert_security(self.get_security("BTC-USD"), "BTC-USD")
        self.assert_security(self.get_security("BRK.B"), "BRK.B")
        fx = self.assert_security(self.get_security("EUR%2FUSD"), "EUR/USD")
        self.assertEqual(fx["security_type"], "fx")
        self.assertIsNone(fx["exchange"])

    def test_get_inactive_security(self):
        data = self.assert_security(self.get_security("TWTR"), "TWTR")
        self.assertIs(data["active"], False)

    def test_unknown_ticker_is_not_found(self):
        for ticker in ("ZZZZ9", "A" * 20, "NO.SUCH-T/X"):
            with self.subTest(ticker=ticker):
                self.assert_error(self.get_security(urllib.parse.quote(ticker, safe="")), 404, "not_found")

    def test_malformed_ticker_is_validation_failed(self):
        for raw in ("aapl", "Aapl", "A" * 21, "T$42", "T%2442", "T%2042", "%FF%FE", "%E2%82%AC",
                    "T%0042", "T0042%20", "T*"):
            with self.subTest(ticker=raw):
                self.assert_validation_failed(self.get_security(raw), "ticker")

    # -- POST: JSON body checks run before auth (auth arrives in a later issue)

    def test_post_wellformed_body_is_unauthorized(self):
        body = {"ticker": "NEW1", "name": "New", "security_type": "equity", "currency": "USD"}
        self.assert_error(self.deltad.request("POST", BASE, body=body), 401, "unauthorized")
        self.assertEqual(self.get_security("NEW1").status, 404)

    def test_post_wrong_content_type(self):
        r = self.deltad.request("POST", BASE, {"Content-Type": "text/plain"}, b'{"ticker":"X"}')
        self.assert_error(r, 415, "unsupported_media_type")

    def test_post_malformed_json(self):
        r = self.deltad.request("POST", BASE, {"Content-Type": "application/json"}, b'{"ticker":')
        self.assert_error(r, 400, "bad_request")

    # -- many clients at once

    def test_concurrent_clients(self):
        tickers = sorted(t for t in self.db if t.startswith("T"))
        failures = []
        lock = threading.Lock()

        def worker(n):
            client = self.deltad.client()
            try:
                for i in range(50):
                    ticker = tickers[(n * 50 + i) % len(tickers)]
                    r = client.request("GET", f"{BASE}/{ticker}", {"X-Request-ID": f"c{n}-{i}"})
                    ok = (r.status == 200 and r.json["data"]["ticker"] == ticker
                          and r.json["data"]["name"] == self.db[ticker]["name"]
                          and r.json["meta"]["request_id"] == f"c{n}-{i}")
                    if not ok:
                        with lock:
                            failures.append((ticker, r.status, r.body[:200]))
            except Exception as e:  # noqa: BLE001 - any error is a failure to report
                with lock:
                    failures.append((n, repr(e)))
            finally:
                client.close()

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(32)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        self.assertFalse(any(t.is_alive() for t in threads), "clients still running after 120 s")
        self.assertEqual(failures[:10], [], f"{len(failures)} of 1600 requests failed")
        self.assertEqual(self.deltad.get("/health").status, 200)


if __name__ == "__main__":
    unittest.main()
