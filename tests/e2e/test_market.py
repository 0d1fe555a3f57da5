"""Market securities routes: list (q, limit, offset, links.next), get by ticker,
validation, credentials (auth any: 401 without), POST (admin or feature
market_ingest; body checks before auth), and concurrent clients.

Every request carries the demo research-tier API key (DEMO_AUTH) unless it says
anonymous=True."""

import datetime
import threading
import unittest
import urllib.parse

from tests.e2e.harness import DEMO_AUTH, DEMO_KEY, DeltaTestCase, parse_responses, psql

BASE = "/api/v2/market/securities"
FIELDS = {"security_id", "ticker", "name", "security_type", "exchange", "currency", "active"}
TYPES = {"equity", "etf", "crypto", "fx", "future", "index", "bond", "fund"}


class MarketTest(DeltaTestCase):
    default_headers = DEMO_AUTH

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.deltad.add_user(role="admin")
        cls.internal = cls.deltad.add_user(role="internal")
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

    # -- credentials: auth any

    def test_get_routes_need_credentials(self):
        for path in (BASE, BASE + "?q=AAPL&limit=5", BASE + "/T0042", BASE + "/ZZZZ9",
                     BASE + "?limit=0", BASE + "/aapl"):
            with self.subTest(path=path):
                self.assert_error(self.deltad.get(path, anonymous=True), 401, "unauthorized")

    def test_unknown_api_key_is_unauthorized(self):
        for key in ("dk_live_" + "x" * 43, DEMO_KEY[:-1] + "1", DEMO_KEY[:16], DEMO_KEY + "0",
                    "garbage", "dk_live_DEMOkey0000000000000000000000000000000000000".lower()):
            with self.subTest(key=key):
                self.deltad.remember_secret(key, "unknown API key")
                for path in (BASE + "/T0042", BASE):
                    self.assert_error(self.deltad.get(path, {"X-API-Key": key}), 401, "unauthorized")

    def test_malformed_authorization_is_unauthorized(self):
        for value in ("Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer  ", "Token abc",
                      "Bearer ds_not-a-session-token", "Bearer " + DEMO_KEY, "ds_abc",
                      "Bearer a b c", "Bearer \u00e9t\u00e9".encode("utf-8")):
            with self.subTest(authorization=value):
                r = self.deltad.get(BASE + "/T0042", {"X-API-Key": None, "Authorization": value})
                self.assert_error(r, 401, "unauthorized")

    def test_demo_key_reads(self):
        r = self.get_security("T0042")
        self.assertEqual(r.status, 200, r.body)
        limit, remaining, _ = self.assert_ratelimit_headers(r)
        self.assertEqual(limit, 10000, "the demo key is research tier: 10,000 requests/hour")
        self.assertLess(remaining, limit)

    # -- POST: JSON body checks run before auth, then auth any + feature market_ingest

    def post(self, body, auth, headers=None):
        return self.deltad.request("POST", BASE, {**(headers or {}), **auth}, body, anonymous=True)

    def new_security(self, ticker, **extra):
        return {"ticker": ticker, "name": f"New {ticker}", "security_type": "equity",
                "currency": "USD", **extra}

    def test_post_wellformed_body_is_unauthorized(self):
        body = self.new_security("NEW1")
        self.assert_error(self.post(body, {}), 401, "unauthorized")
        self.assert_error(self.post(body, {"X-API-Key": "dk_live_" + "y" * 43}), 401, "unauthorized")
        self.assertEqual(self.get_security("NEW1").status, 404)

    def test_post_without_market_ingest_is_not_entitled(self):
        body = self.new_security("NEW2")
        self.assert_error(self.post(body, DEMO_AUTH), 403, "not_entitled")
        self.assert_error(self.get_security("NEW2"), 404, "not_found")

    def test_post_by_admin_creates_the_security(self):
        self.assert_error(self.get_security("ZNEW1"), 404, "not_found")
        r = self.post(self.new_security("ZNEW1", exchange="XTST"), self.admin.bearer)
        self.assert_meta(r, 201)
        data = r.json["data"]
        self.assertEqual(set(data), FIELDS)
        self.assertEqual((data["ticker"], data["name"], data["security_type"], data["exchange"],
                          data["currency"], data["active"]),
                         ("ZNEW1", "New ZNEW1", "equity", "XTST", "USD", True))
        self.assertIsInstance(data["security_id"], str)
        # read back at once (an earlier 404 must not be served from a cache)
        got = self.get_security("ZNEW1")
        self.assertEqual(got.status, 200, got.body)
        self.assertEqual(got.json["data"], data)
        listed = self.assert_list(self.list("q=ZNEW1"))[0]
        self.assertEqual([d["ticker"] for d in listed], ["ZNEW1"])

    def test_post_with_punctuation_and_no_exchange(self):
        r = self.post({"ticker": "ZN/1.A-B", "name": "Pair", "security_type": "fx", "currency": "EUR"},
                      self.admin.bearer)
        self.assert_meta(r, 201)
        self.assertIsNone(r.json["data"]["exchange"])
        got = self.deltad.get(BASE + "/ZN%2F1.A-B")
        self.assertEqual(got.status, 200, got.body)
        self.assertEqual(got.json["data"]["security_type"], "fx")

    def test_post_by_internal_role_bypasses_the_feature(self):
        r = self.post(self.new_security("ZINT1", security_type="etf"), self.internal.bearer)
        self.assert_meta(r, 201)
        self.assertEqual(r.json["data"]["security_type"], "etf")

    def test_post_existing_ticker_is_conflict(self):
        for ticker in ("AAPL", "T0042", "TWTR"):
            with self.subTest(ticker=ticker):
                r = self.post(self.new_security(ticker), self.admin.bearer)
                self.assert_error(r, 409, "conflict")
        self.assertEqual(self.get_security("T0042").json["data"]["name"], "Test Security 0042")
        self.assert_meta(self.post(self.new_security("ZDUP1"), self.admin.bearer), 201)
        self.assert_error(self.post(self.new_security("ZDUP1"), self.admin.bearer), 409, "conflict")

    def test_post_bad_fields_are_validation_failed(self):
        cases = [("ticker", {"ticker": "aapl"}), ("ticker", {"ticker": ""}),
                 ("ticker", {"ticker": "A" * 21}), ("ticker", {"ticker": "T$1"}),
                 ("ticker", {"ticker": "T 1"}),
                 ("security_type", {"security_type": "stock"}), ("security_type", {"security_type": ""}),
                 ("currency", {"currency": "usd"}), ("currency", {"currency": "US"}),
                 ("currency", {"currency": ""}),
                 ("name", {"name": ""})]
        for field, change in cases:
            with self.subTest(change=change):
                body = {**self.new_security("ZBAD1"), **change}
                self.assert_validation_failed(self.post(body, self.admin.bearer), field)
        for field in ("ticker", "name", "security_type", "currency"):
            with self.subTest(missing=field):
                body = self.new_security("ZBAD1")
                del body[field]
                self.assert_validation_failed(self.post(body, self.admin.bearer), field)
        r = self.post({"ticker": "aapl", "name": "x", "security_type": "stock", "currency": "usd"},
                      self.admin.bearer)
        err = self.assert_validation_failed(r, "ticker")
        self.assertTrue({"security_type", "currency"} <= {d["field"] for d in err["details"]}, err)
        self.assert_error(self.get_security("ZBAD1"), 404, "not_found")

    def test_post_wrong_json_types_are_bad_request(self):
        for change in ({"ticker": 5}, {"name": ["x"]}, {"currency": 840},
                       {"security_type": True}):
            with self.subTest(change=change):
                body = {**self.new_security("ZBAD2"), **change}
                self.assert_error(self.post(body, self.admin.bearer), 400, "bad_request")
        for body in (["x"], "x", 5):
            with self.subTest(body=body):
                self.assert_error(self.post(body, self.admin.bearer,
                                            {"Content-Type": "application/json"}), 400, "bad_request")

    def test_post_wrong_content_type(self):
        for auth in ({}, DEMO_AUTH):
            with self.subTest(auth=bool(auth)):
                r = self.post(b'{"ticker":"X"}', auth, {"Content-Type": "text/plain"})
                self.assert_error(r, 415, "unsupported_media_type")

    def test_post_malformed_json(self):
        for auth in ({}, DEMO_AUTH):
            with self.subTest(auth=bool(auth)):
                r = self.post(b'{"ticker":', auth, {"Content-Type": "application/json"})
                self.assert_error(r, 400, "bad_request")

    def test_post_body_over_the_default_limit_is_413_before_auth(self):
        # The server may answer (and close) before reading the body, so the
        # request goes over a raw socket: head plus the start of the body.
        for auth in (b"", b"X-API-Key: " + DEMO_KEY.encode() + b"\r\n"):
            with self.subTest(auth=bool(auth)):
                head = (b"POST " + BASE.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                        b"Content-Type: application/json\r\nContent-Length: %d\r\n" % ((1 << 20) + 12))
                responses = parse_responses(self.deltad.raw(head + auth + b'\r\n{"pad":"xxxx'))
                self.assertTrue(responses, "connection closed without an answer")
                self.assertEqual(responses[0].status, 413, responses[0].body)
                self.assertEqual(responses[0].json["error"]["code"], "payload_too_large")

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
