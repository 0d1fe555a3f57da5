"""End-to-end: the signal pipeline (API.md "Signals": POST /api/v2/signals,
GET /api/v2/signals/{event_id}, GET /api/v2/signals, /api/v1/signals) with a
real deltad, the demo candles and an llm-stub behind the two demo evaluators
(model-a: openai_compat stub-model-a; model-b: anthropic stub-model-b).

A signal is answered 202 once committed, then enriched, judged by both
evaluators and published (timeline, enrichment and 2 decisions); one
evaluator returning invalid JSON is recorded as that model's failure while
the other's decision is published; an event whose evaluation keeps failing
ends dead in the dead-letter queue; bad bodies get their exact codes; others'
events are 404; v1 adds Deprecation and Sunset; a WebSocket subscriber
filtered on one symbol receives exactly that symbol's decisions.

Needs DELTAD, DELTA_TEST_DATABASE_URL, DELTA_TEST_DEMO_CANDLES and LLM_STUB
(ctest sets them)."""

import email.utils

from tests.e2e.harness import RFC3339_UTC_RE, parse_prometheus, poll_until, psql
from tests.e2e.stubbed import StubbedDeltaTestCase

SIGNALS = "/api/v2/signals"
SIGNALS_V1 = "/api/v1/signals"
JSON = {"Content-Type": "application/json"}
MAX_ATTEMPTS = 2           # signals.max_attempts below
PIPELINE_TIMEOUT = 20.0    # bound of every wait for the pipeline
DECISION_FIELDS = {"model", "provider", "provider_model", "decision", "confidence", "rationale",
                   "latency_ms", "tokens"}


class SignalsTest(StubbedDeltaTestCase):
    maxDiff = 8000

    with_candles = True
    provider_key = "sk-signals-e2e"
    config = dict(llm__retry_base_ms=1, llm__retry_cap_ms=5, llm__max_attempts=1,
                  llm__breaker_failure_threshold=1000,
                  signals__max_attempts=MAX_ATTEMPTS, signals__retry_base_ms=20,
                  signals__retry_cap_ms=100, signals__poll_interval_ms=50,
                  ratelimit__groups="explain=10/20,signals.submit=100000/100000",
                  ratelimit__ip_per_minute=100000, ratelimit__ip_burst=100000,
                  ratelimit__user_per_minute=100000, ratelimit__user_burst=100000)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.deltad.add_user(tier="research", role="admin")
        cls.analyst = cls.deltad.add_user(tier="analyst")
        cls.other = cls.deltad.add_user(tier="analyst")
        cls.free = cls.deltad.add_user(tier="free")

    # ------------------------------------------------------------------ helpers

    def submit(self, body=None, user=None, path=SIGNALS, status=202):
        body = body if body is not None else {"source": "tradingview", "symbol": "AAPL", "side": "long"}
        r = self.deltad.request("POST", path, {**(user or self.analyst).bearer, **JSON}, body)
        self.assertEqual(r.status, status, r.body)
        return r

    def event(self, event_id, user=None, path=SIGNALS):
        return self.deltad.get(f"{path}/{event_id}", (user or self.analyst).bearer)

    def wait_status(self, event_id, *statuses):
        seen = {}

        def reached():
            r = self.event(event_id)
            seen["last"] = r.json
            return r.status == 200 and r.json["data"]["status"] in statuses

        try:
            poll_until(reached, PIPELINE_TIMEOUT, f"event {event_id} {'/'.join(statuses)}")
        except AssertionError as e:
            raise AssertionError(f"{e}; last seen: {seen.get('last')}") from None
        return seen["last"]["data"]

    def assert_error(self, r, status, code, fields=None):
        self.assertEqual(r.status, status, r.body)
        self.assertEqual(r.json["error"]["code"], code, r.body)
        if fields is not None:
            self.assertEqual(sorted(d["field"] for d in r.json["error"]["details"]), sorted(fields), r.body)

    # ------------------------------------------------------------------ tests

    def test_a_signal_is_committed_then_published_with_both_decisions_and_its_timeline(self):
        r = self.submit({"source": "tradingview", "symbol": "AAPL", "side": "long", "price": 190.5,
                         "strategy": "breakout", "ts": "2026-11-22T10:00:00Z", "profile": "full_v1"})
        data = r.json["data"]
        self.assertEqual(set(data), {"event_id", "status", "received_ts"})
        self.assertEqual(data["status"], "received")
        self.assertRegex(data["received_ts"], RFC3339_UTC_RE)
        event_id = data["event_id"]
        self.assertEqual(r.json["links"]["self"], f"{SIGNALS}/{event_id}")

        doc = self.wait_status(event_id, "published")
        self.assertEqual((doc["event_id"], doc["symbol"], doc["side"], doc["profile"]),
                         (event_id, "AAPL", "long", "full_v1"))
        self.assertEqual([(t["stage"], t["status"]) for t in doc["timeline"]],
                         [("ingest", "received"), ("enrich", "enriched"), ("evaluate", "evaluated"),
                          ("publish", "published")])
        for t in doc["timeline"]:
            self.assertRegex(t["at"], RFC3339_UTC_RE)
        features = doc["enrichment"]["features"]
        for key in ("ema_20", "ema_50", "macd", "rsi_14", "atr_14", "bollinger", "support", "resistance",
                    "volume_profile"):
            self.assertIn(key, features)
        self.assertIsInstance(features["ema_20"], float)   # the demo has days of AAPL candles
        self.assertIsInstance(doc["enrichment"]["quality_flags"], list)
        self.assertEqual(sorted(d["model"] for d in doc["decisions"]), ["model-a", "model-b"])
        for d in doc["decisions"]:
            self.assertTrue(DECISION_FIELDS <= set(d), d)
            self.assertIn(d["decision"], ("approve", "reject", "abstain"))
            self.assertTrue(0 <= d["confidence"] <= 1)
            self.assertTrue(d["rationale"].startswith("stub rationale for: "), d)
            self.assertGreater(d["tokens"]["prompt"], 0)
        self.assertEqual({d["model"]: d["provider"] for d in doc["decisions"]},
                         {"model-a": "openai_compat", "model-b": "anthropic"})
        self.assertEqual(doc["model_failures"], [])

    def test_an_invalid_json_evaluator_is_recorded_as_its_failure_while_the_other_publishes(self):
        self.stub.control(models={"stub-model-b": {"mode": "invalid_json"}})
        event_id = self.submit().json["data"]["event_id"]
        doc = self.wait_status(event_id, "published")
        self.assertEqual([d["model"] for d in doc["decisions"]], ["model-a"])
        self.assertEqual([f["model"] for f in doc["model_failures"]], ["model-b"])
        self.assertEqual(psql(self.db_url, "SELECT count(*) FROM model_decisions WHERE event_id = "
                                           f"'{event_id}' AND model = 'model-b' AND decision IS NULL").strip(), "1")

    def test_an_evaluation_that_keeps_failing_ends_dead_in_the_dead_letter_queue(self):
        self.stub.control(mode="error500")
        event_id = self.submit({"source": "tv", "symbol": "MSFT", "side": "short"}).json["data"]["event_id"]
        doc = self.wait_status(event_id, "dead")
        self.assertEqual(doc["decisions"], [])
        self.assertEqual(doc["dead_letter"]["stage"], "evaluate")
        self.assertEqual(doc["dead_letter"]["attempts"], MAX_ATTEMPTS)
        self.assertEqual([(t["stage"], t["status"]) for t in doc["timeline"]][-2:],
                         [("evaluate", "failed"), ("evaluate", "dead")])
        self.assertEqual(psql(self.db_url, f"SELECT count(*) FROM dlq_entries WHERE event_id = '{event_id}'").strip(),
                         "1")
        metrics = parse_prometheus(self.deltad.get("/metrics", anonymous=True).body.decode())
        self.assertGreaterEqual(sum(v for name, _, v in metrics if name == "dlq_entries_total"), 1)

    def test_a_subset_of_models_is_evaluated_alone(self):
        event_id = self.submit({"source": "tv", "symbol": "SPY", "side": "close",
                                "models": ["model-b"]}).json["data"]["event_id"]
        doc = self.wait_status(event_id, "published")
        self.assertEqual([d["model"] for d in doc["decisions"]], ["model-b"])

    def test_crypto_perps_flags_the_missing_funding_data(self):
        event_id = self.submit({"source": "tv", "symbol": "BTC-USD", "side": "long",
                                "profile": "crypto_perps_v1"}).json["data"]["event_id"]
        doc = self.wait_status(event_id, "published")
        self.assertIn("funding_unavailable", doc["enrichment"]["quality_flags"])
        self.assertIsNone(doc["enrichment"]["features"]["funding_rate"])

    def test_bad_bodies_get_their_exact_codes(self):
        base = {"source": "tv", "symbol": "AAPL", "side": "long"}
        cases = [
            ({"symbol": "AAPL", "side": "long"}, 422, "validation_failed", ["source"]),
            ({**base, "side": "buy"}, 422, "validation_failed", ["side"]),
            ({**base, "symbol": "aapl"}, 422, "validation_failed", ["symbol"]),
            ({**base, "price": 0}, 422, "validation_failed", ["price"]),
            ({**base, "price": -3}, 422, "validation_failed", ["price"]),
            ({**base, "ts": "yesterday"}, 422, "validation_failed", ["ts"]),
            ({**base, "profile": "full_v9"}, 422, "validation_failed", ["profile"]),
            ({**base, "models": ["bad name!"]}, 422, "validation_failed", ["models[0]"]),
            ({**base, "models": ["model-a", "model-a"]}, 422, "validation_failed", ["models[1]"]),
            ({**base, "price": "190"}, 400, "bad_request", None),
            ({**base, "models": "model-a"}, 400, "bad_request", None),
            ({**base, "models": [1]}, 400, "bad_request", None),
        ]
        for body, status, code, fields in cases:
            with self.subTest(body=body):
                self.assert_error(self.submit(body, status=status), status, code, fields)
        r = self.deltad.request("POST", SIGNALS, {**self.analyst.bearer, **JSON}, b"{not json")
        self.assert_error(r, 400, "bad_request")
        r = self.deltad.request("POST", SIGNALS, {**self.free.bearer, **JSON}, base)
        self.assert_error(r, 403, "not_entitled")
        r = self.deltad.request("POST", SIGNALS, JSON, base, anonymous=True)
        self.assert_error(r, 401, "unauthorized")

    def test_only_the_owner_and_admins_see_an_event(self):
        event_id = self.submit().json["data"]["event_id"]
        self.assertEqual(self.event(event_id).status, 200)
        self.assertEqual(self.event(event_id, self.admin).status, 200)
        self.assert_error(self.event(event_id, self.other), 404, "not_found")
        self.assert_error(self.event("00000000-0000-4000-8000-000000000000"), 404, "not_found")
        self.assert_error(self.event("not-a-uuid"), 404, "not_found")

    def test_the_list_is_the_callers_own_newest_first_and_filtered(self):
        ids = [self.submit({"source": "tv", "symbol": "ETH-USD", "side": "long"},
                           user=self.other).json["data"]["event_id"] for _ in range(3)]
        r = self.deltad.get(f"{SIGNALS}?symbol=ETH-USD&limit=2", self.other.bearer)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual([e["event_id"] for e in r.json["data"]], ids[::-1][:2])
        self.assertEqual((r.json["meta"]["total"], r.json["meta"]["limit"], r.json["meta"]["offset"]), (3, 2, 0))
        self.assertIn("offset=2", r.json["links"]["next"])
        mine = self.deltad.get(f"{SIGNALS}?symbol=ETH-USD", self.analyst.bearer)
        self.assertEqual(mine.json["data"], [])
        self.assert_error(self.deltad.get(f"{SIGNALS}?status=queued", self.other.bearer), 422,
                          "validation_failed", ["status"])

    def test_v1_answers_like_v2_and_says_it_is_deprecated(self):
        r = self.submit(path=SIGNALS_V1)
        self.assertEqual(r.json["data"]["status"], "received")
        got = self.event(r.json["data"]["event_id"], path=SIGNALS_V1)
        self.assertEqual(got.status, 200, got.body)
        self.assertEqual(got.json["data"]["event_id"], r.json["data"]["event_id"])
        for resp in (r, got):
            self.assertEqual(resp.headers.get("deprecation"), "true")
            self.assertIsNotNone(email.utils.parsedate_to_datetime(resp.headers["sunset"]))
        v2 = self.event(r.json["data"]["event_id"])
        self.assertNotIn("deprecation", v2.headers)

    def test_a_subscriber_filtered_on_one_symbol_receives_exactly_its_decisions(self):
        from tests.e2e.test_stream import WebSocket
        ws = WebSocket(self.deltad.host, self.deltad.port, self.analyst.bearer)
        self.addCleanup(ws.shutdown)
        self.assertEqual(ws.response.status, 101, ws.response.body)
        sub = ws.request({"op": "subscribe", "channel": "decisions", "filters": {"symbol": "SPY"}})
        self.assertEqual(sub["type"], "subscribed", sub)
        other = self.submit({"source": "tv", "symbol": "MSFT", "side": "long"}).json["data"]["event_id"]
        self.wait_status(other, "published")
        mine = self.submit({"source": "tv", "symbol": "SPY", "side": "short"}).json["data"]["event_id"]
        self.wait_status(mine, "published")
        # The hub keeps order: MSFT's decisions would have come first.
        got = [ws.recv(), ws.recv()]
        for m in got:
            self.assertEqual((m["type"], m["channel"], m["subscription_id"]),
                             ("event", "decisions", sub["subscription_id"]), m)
            self.assertEqual((m["data"]["event_id"], m["data"]["symbol"], m["data"]["side"]),
                             (mine, "SPY", "short"))
        self.assertEqual(sorted(m["data"]["model"] for m in got), ["model-a", "model-b"])
        # Nothing else is queued before the answer to a ping.
        self.assertEqual(ws.request({"op": "ping"})["type"], "pong")

    def metric(self, name):
        text = self.deltad.get("/metrics", anonymous=True).body.decode()
        return sum(v for n, _, v in parse_prometheus(text) if n == name)

    def test_metrics_count_the_pipeline(self):
        received, published = self.metric("signals_received_total"), self.metric("decisions_published_total")
        event_id = self.submit().json["data"]["event_id"]
        self.wait_status(event_id, "published")
        self.assertGreaterEqual(self.metric("signals_received_total"), received + 1)
        self.assertGreaterEqual(self.metric("decisions_published_total"), published + 2)
        text = self.deltad.get("/metrics", anonymous=True).body.decode()
        for name in ("signals_received_total", "signals_enqueued_total", "enrichment_duration_seconds",
                     "model_evaluation_duration_seconds", "decisions_published_total", "dlq_entries_total",
                     "queue_depth"):
            self.assertIn(name, text)

    def test_a_signal_time_with_any_rfc3339_offset_is_stored_as_its_utc_instant(self):
        # +16:00 is valid RFC 3339 but beyond what PostgreSQL accepts as an offset.
        cases = [("2024-01-01T00:00:00+16:00", "2023-12-31T08:00:00.000Z"),
                 ("2026-01-02T03:04:05.123456-05:30", "2026-01-02T08:34:05.123Z"),
                 ("2026-01-02T03:04:05z", "2026-01-02T03:04:05.000Z")]
        for given, stored in cases:
            with self.subTest(ts=given):
                r = self.submit({"source": "tv", "symbol": "AAPL", "side": "long", "ts": given})
                doc = self.event(r.json["data"]["event_id"]).json["data"]
                self.assertEqual(doc["ts"], stored)


if __name__ == "__main__":
    import unittest
    unittest.main()
