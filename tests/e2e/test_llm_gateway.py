"""The LLM gateway end to end: deltad against tools/llm-stub over real sockets.

POST /api/v2/signals/explain (anonymous, API key, session; body checks), the
routing table and fallback chains as data (admin GET/PUT, effective at once
after a PUT and within 5 s after a direct SQL change), the fallback walk
(HTTP 500, 429, connect errors, a hanging provider cut at its timeout,
invalid structured output), one circuit breaker per endpoint (opens after 3
failures, skips the endpoint without a provider call, half-open probe closes
it), 503 when every endpoint fails, /health/detailed and /metrics, the
llm_calls accounting, and the provider key (DELTA_DEMO_LLM_KEY) never in a
response or a log line.

The database is migrated (migration 0003 points every route at the demo stub
on 127.0.0.1:18090) and then re-pointed at a stub of this module's own on a
free port before deltad starts. Breakers are per endpoint and live as long as
deltad, so every test uses model names of its own (the stub answers any
model) and restores the seeded explain route and fallback chain afterwards.
Waits are bounded polls on a condition (or a log line), never sleeps.

Needs DELTAD, DELTA_TEST_DATABASE_URL and LLM_STUB (ctest sets them)."""

import datetime
import json
import secrets
import time
import unittest

from tests.e2e.harness import (DEMO_AUTH, RFC3339_UTC_RE, Deltad, DeltaTestCase,
                               drop_database, free_port, fresh_database, parse_prometheus,
                               parse_responses, poll_until, prepare_database, psql)
from tests.e2e.test_llm_stub import LlmStub, point_llm_rows_at

EXPLAIN = "/api/v2/signals/explain"
LLM_ADMIN = "/api/v2/platform/admin/llm"
ROUTES = LLM_ADMIN + "/routes/"
FALLBACKS = LLM_ADMIN + "/fallbacks/"
EVALUATORS = LLM_ADMIN + "/evaluators"
BREAKERS = LLM_ADMIN + "/breakers"
OPENAI_PATH = "/v1/chat/completions"
ANTHROPIC_PATH = "/v1/messages"
JSON = {"Content-Type": "application/json"}
KEY_ENV = "DELTA_DEMO_LLM_KEY"
EFFECT_TIMEOUT = 5.0        # "takes effect within 5 s"
COOLDOWN = 2                # llm.breaker_cooldown_seconds below
THRESHOLD = 3               # llm.breaker_failure_threshold below
MAX_ATTEMPTS = 2            # llm.max_attempts below

ROUTE_FIELDS = {"use_case", "provider", "model", "base_url", "api_key_env", "api_key_configured",
                "max_tokens", "temperature", "timeout_seconds", "json_output", "active", "updated_at"}
ENDPOINT_FIELDS = {"provider", "model", "base_url", "api_key_env", "api_key_configured"}
EVALUATOR_FIELDS = ENDPOINT_FIELDS | {"name", "max_tokens", "timeout_seconds", "active"}
BREAKER_FIELDS = {"provider", "model", "base_url", "state", "failures", "opened_at", "retry_at",
                  "in_flight"}
EXPLAIN_FIELDS = {"explanation", "model", "provider", "latency_ms"}
CALL_COLUMNS = ("provider", "model", "use_case", "outcome", "latency_ms", "prompt_tokens",
                "completion_tokens", "cost_usd", "error_kind")


def stub_answer(text):
    """The stub's deterministic text answer (tools/llm-stub/README.md)."""
    return "stub answer to: " + text[:60]


def words(s):
    return len(s.split())


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


class WatchedDeltad(Deltad):
    """A Deltad that looks for watched secrets (the provider key) in every
    response it gets: status line aside, headers and body."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.watched = []
        self.response_leaks = []

    def request(self, method, path, *args, **kwargs):
        r = super().request(method, path, *args, **kwargs)
        blob = r.body + "\n".join(f"{k}: {v}" for k, v in r.headers.items()).encode("utf-8", "replace")
        for secret in self.watched:
            if secret.encode() in blob:
                self.response_leaks.append(f"{method} {path} -> {r.status}: {blob[:300]!r}")
        return r


class LlmGatewayTest(DeltaTestCase):
    maxDiff = 8000

    @classmethod
    def setUpClass(cls):
        # Not DeltaTestCase.setUpClass: the stub must run and the routing rows
        # must point at it before deltad starts (and loads them).
        super(DeltaTestCase, cls).setUpClass()
        cls.stub = LlmStub().start()
        cls.addClassCleanup(cls._stop_stub)
        cls.stub_v1 = cls.stub.url + "/v1"            # OpenAI-format base URL
        cls.stub_root = cls.stub.url                  # Anthropic base URL
        cls.db_url = fresh_database()
        cls.addClassCleanup(drop_database, cls.db_url)
        prepare_database(cls.db_url)
        point_llm_rows_at(cls.db_url, cls.stub)
        cls.provider_key = "sk-e2e-" + secrets.token_hex(16)
        cls.vault_key = secrets.token_hex(32)   # llm.key_encryption_key: seals literal api_keys
        cls.deltad = WatchedDeltad(
            cls.db_url, prepare=False,
            demo_llm_key=cls.provider_key,
            llm__key_encryption_key=cls.vault_key,
            llm__breaker_failure_threshold=THRESHOLD,
            llm__breaker_cooldown_seconds=COOLDOWN,
            llm__retry_base_ms=1, llm__retry_cap_ms=5, llm__max_attempts=MAX_ATTEMPTS,
            ratelimit__groups="explain=100000/100000,signals.submit=120/240",
            ratelimit__ip_per_minute=100000, ratelimit__ip_burst=100000,
            ratelimit__user_per_minute=100000, ratelimit__user_burst=100000)
        cls.deltad.remember_secret(cls.provider_key, "provider API key (DELTA_DEMO_LLM_KEY)")
        cls.deltad.remember_secret(cls.vault_key, "llm.key_encryption_key")
        cls.deltad.watched.append(cls.provider_key)
        cls.addClassCleanup(cls.deltad.close)
        cls.deltad.start()
        cls.deltad.wait_serving()
        cls.admin = cls.deltad.add_user(tier="research", role="admin")
        cls.user = cls.deltad.add_user(tier="free")
        cls.seeded_route = {"provider": "openai_compat", "model": "stub-primary", "base_url": cls.stub_v1,
                            "api_key_env": KEY_ENV, "max_tokens": 512, "temperature": 0.3,
                            "timeout_seconds": 30, "json_output": False, "active": True}
        cls.seeded_fallbacks = [cls.endpoint("anthropic", "stub-fallback")]
        cls.seeded_evaluators = [
            {"name": "model-a", **cls.endpoint("openai_compat", "stub-model-a"), "max_tokens": 512,
             "timeout_seconds": 30, "active": True},
            {"name": "model-b", **cls.endpoint("anthropic", "stub-model-b"), "max_tokens": 512,
             "timeout_seconds": 30, "active": True}]

    @classmethod
    def _stop_stub(cls):
        code = cls.stub.stop()
        if code != 0:
            raise AssertionError(f"llm-stub exited {code} after SIGTERM, expected 0")

    @classmethod
    def endpoint(cls, provider, model, key_env=KEY_ENV):
        base = cls.stub_root if provider == "anthropic" else cls.stub_v1
        e = {"provider": provider, "model": model, "base_url": base}
        if key_env is not None:
            e["api_key_env"] = key_env
        return e

    def setUp(self):
        super().setUp()
        self.stub.control(mode="ok", fail_next=0, models={})

    def tearDown(self):
        self.stub.control(mode="ok", fail_next=0, models={})
        leaks, self.deltad.response_leaks[:] = list(self.deltad.response_leaks), []
        self.assertEqual(leaks, [], "the provider key appeared in an HTTP response")
        super().tearDown()

    # ------------------------------------------------------------------ helpers

    def explain(self, text="What does an RSI above 70 mean?", headers=None, body=None, anonymous=True):
        return self.deltad.request("POST", EXPLAIN, headers, {"text": text} if body is None else body,
                                   anonymous=anonymous)

    def assert_explained(self, r, provider, model, text=None):
        self.assert_meta(r)
        data = r.json["data"]
        self.assertEqual(set(data), EXPLAIN_FIELDS, data)
        self.assertEqual((data["provider"], data["model"]), (provider, model), data)
        self.assertIsInstance(data["latency_ms"], int)
        self.assertGreaterEqual(data["latency_ms"], 0)
        self.assertIsInstance(data["explanation"], str)
        if text is not None:
            self.assertEqual(data["explanation"], stub_answer(text))
        return data

    def admin_call(self, method, path, body=None, status=200):
        r = self.deltad.request(method, path, self.admin.bearer, body)
        if status == 200:
            self.assert_meta(r)
        else:
            self.assertEqual(r.status, status, r.body[:500])
        return r

    def put_route(self, route, use_case="explain"):
        return self.admin_call("PUT", ROUTES + use_case, route).json["data"]

    def put_fallbacks(self, chain, use_case="explain"):
        return self.admin_call("PUT", FALLBACKS + use_case, chain).json["data"]

    def restore_explain(self):
        self.put_route(self.seeded_route)
        self.put_fallbacks(self.seeded_fallbacks)

    def use_chain(self, primary, fallbacks, **route_settings):
        """PUT the explain route (primary: an endpoint dict) and its fallback
        chain; the seeded ones come back after the test."""
        self.addCleanup(self.restore_explain)
        route = {**primary, "timeout_seconds": 30, **route_settings}
        view = self.put_route(route)
        self.assertEqual(view["model"], primary["model"])
        chain = self.put_fallbacks(fallbacks)
        self.assertEqual([e["model"] for e in chain], [e["model"] for e in fallbacks])

    def stub_models(self, **modes):
        """Per-model stub modes: stub_models(m1="error500") or m1={"mode": ..., ...}."""
        self.stub.control(models={m: (v if isinstance(v, dict) else {"mode": v}) for m, v in modes.items()})

    def stub_count(self, outcome):
        return self.stub.state()["counters"]["by_outcome"].get(outcome, 0)

    def provider_requests(self):
        """Requests the stub got on its provider routes (both wire formats)."""
        by_path = self.stub.state()["counters"]["by_path"]
        return by_path.get(OPENAI_PATH, 0) + by_path.get(ANTHROPIC_PATH, 0)

    def breakers(self):
        r = self.admin_call("GET", BREAKERS)
        self.assertIsInstance(r.json["data"], list)
        for b in r.json["data"]:
            self.assertEqual(set(b), BREAKER_FIELDS, b)
        return r.json["data"]

    def breaker(self, model, provider="openai_compat"):
        found = [b for b in self.breakers() if b["model"] == model and b["provider"] == provider]
        self.assertEqual(len(found), 1, f"breaker of {provider}/{model}: {found}")
        return found[0]

    def poll(self, condition, what, timeout=EFFECT_TIMEOUT):
        try:
            poll_until(condition, timeout, what)
        except AssertionError as e:
            self.fail(f"{e}\n{self.deltad.output_tail(20)}")

    def calls(self, model, where=""):
        """llm_calls rows of a model (oldest first) as dicts."""
        out = psql(self.db_url,
                   "SELECT provider, model, use_case, outcome, latency_ms, prompt_tokens, completion_tokens, "
                   "cost_usd, coalesce(error_kind, '') FROM llm_calls "
                   f"WHERE model = '{model}' {where} ORDER BY id")
        rows = []
        for line in out.splitlines():
            values = line.split("|")
            row = dict(zip(CALL_COLUMNS, values))
            for k in ("latency_ms", "prompt_tokens", "completion_tokens"):
                row[k] = int(row[k])
            row["cost_usd"] = float(row["cost_usd"])
            rows.append(row)
        return rows

    def wait_calls(self, model, condition, what):
        """Bounded poll of llm_calls (written in batches every ~250 ms)."""
        got = []

        def check():
            got[:] = self.calls(model)
            return condition(got)

        self.poll(check, f"llm_calls rows for {model}: {what}")
        return list(got)

    def open_breaker(self, model, fallback_model):
        """Route `model` (HTTP 500 at the stub) with a healthy fallback and call
        explain until its breaker opens: each call makes MAX_ATTEMPTS attempts,
        so the 2nd call's first attempt is the 3rd failure."""
        self.use_chain(self.endpoint("openai_compat", model), [self.endpoint("anthropic", fallback_model)])
        self.stub_models(**{model: "error500"})
        first = self.explain("open the breaker, call 1")
        self.assert_explained(first, "anthropic", fallback_model, "open the breaker, call 1")
        b = self.breaker(model)
        self.assertEqual((b["state"], b["failures"]), ("closed", MAX_ATTEMPTS), b)
        self.assertIsNone(b["opened_at"], b)
        second = self.explain("open the breaker, call 2")
        self.assert_explained(second, "anthropic", fallback_model, "open the breaker, call 2")

    def wait_for_log_line(self, predicate, since, timeout=10.0):
        """Like Deltad.wait_for_log, but parses each line keeping every key
        (json.loads keeps only the last of duplicate keys): predicate gets a
        dict of each key's FIRST value; returns (that dict, the raw pairs)."""
        found = []

        def check():
            for line in self.deltad.lines[since:]:
                try:
                    pairs = json.loads(line.text, object_pairs_hook=lambda p: p)
                except ValueError:
                    continue
                if not isinstance(pairs, list):
                    continue
                first = {}
                for k, v in pairs:
                    first.setdefault(k, v)
                if predicate(first):
                    found.append((first, pairs))
                    return True
            return self.deltad._stdout_done

        with self.deltad._cond:
            self.deltad._cond.wait_for(check, timeout=timeout)
        if not found:
            self.fail(f"no matching log line within {timeout}s\n{self.deltad.output_tail()}")
        return found[0]

    def metrics(self):
        r = self.deltad.get("/metrics", anonymous=True)
        self.assertEqual(r.status, 200)
        return parse_prometheus(r.body.decode())

    @staticmethod
    def sample(samples, name, **labels):
        values = [v for n, l, v in samples if n == name and all(l.get(k) == w for k, w in labels.items())]
        return values

    # ------------------------------------------------------------------ 1. explain: who may call

    def test_explain_anonymous_api_key_and_session(self):
        self.restore_explain()   # the seeded route and chain, whatever ran before
        callers = {"anonymous": None, "demo API key": DEMO_AUTH, "session (free tier)": self.user.bearer,
                   "admin session": self.admin.bearer}
        for who, headers in callers.items():
            with self.subTest(caller=who):
                text = f"Explain the MACD histogram to {who}"
                r = self.explain(text, headers)
                data = self.assert_explained(r, "openai_compat", "stub-primary", text)
                self.assertEqual(data["explanation"], stub_answer(text))
                self.assert_ratelimit_headers(r)

    def test_explain_wrong_credentials_are_401(self):
        bad_key = self.deltad.remember_secret("dk_live_" + "N" * 43, "unknown API key")
        bad_token = self.deltad.remember_secret("ds_" + "B" * 43, "unknown session token")
        before = self.provider_requests()
        for headers in ({"X-API-Key": bad_key}, {"Authorization": "Bearer " + bad_token},
                        {"X-API-Key": "garbage"}, {"Authorization": "Basic Zm9vOmJhcg=="}):
            with self.subTest(headers=headers):
                self.assert_error(self.explain("anonymous would pass", headers), 401, "unauthorized")
        # A revoked session too.
        user = self.deltad.add_user(tier="free")
        r = self.deltad.request("POST", "/api/v2/users/logout", user.bearer, anonymous=True)
        self.assertEqual(r.status, 204, r.body)
        self.assert_error(self.explain("after logout", user.bearer), 401, "unauthorized")
        self.assertEqual(self.provider_requests(), before, "a provider call was made for a refused request")

    # ------------------------------------------------------------------ 2. explain: bad input

    def test_explain_body_validation(self):
        before = self.provider_requests()
        for body in ({}, {"text": ""}, {"text": "x" * 4001}, {"text": None}, {"other": "field"}):
            with self.subTest(body=str(body)[:40]):
                self.assert_validation_failed(self.explain(body=body), "text")
        for body in ({"text": 42}, {"text": ["a"]}, {"text": {"a": 1}}, {"text": True}, [], ["text"], "text",
                     42):
            with self.subTest(body=body):
                r = self.deltad.request("POST", EXPLAIN, JSON, json.dumps(body).encode(), anonymous=True)
                self.assert_error(r, 400, "bad_request")
        for raw in (b'{"text":', b"", b"{'text': 'x'}", b'{"text":"a"} trailing', b'{"text":"\xff"}'):
            with self.subTest(raw=raw):
                r = self.deltad.request("POST", EXPLAIN, {"Content-Type": "application/json"}, raw,
                                        anonymous=True)
                self.assert_error(r, 400, "bad_request")
        for ctype in ("text/plain", "application/x-www-form-urlencoded", None):
            with self.subTest(content_type=ctype):
                headers = {"Content-Type": ctype} if ctype else {}
                r = self.deltad.request("POST", EXPLAIN, headers, b'{"text":"hello"}', anonymous=True)
                self.assert_error(r, 415, "unsupported_media_type")
        # Over the 1 MiB body limit: deltad may answer before reading it all
        # (and close), so it goes over a raw socket.
        body = json.dumps({"text": "x" * (1 << 20)}).encode()
        head = (f"POST {EXPLAIN} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
        responses = parse_responses(self.deltad.raw(head + body, timeout=10))
        self.assertTrue(responses, "connection closed without an answer")
        self.assert_error(responses[0], 413, "payload_too_large")
        self.assertEqual(self.provider_requests(), before, "a refused body still reached the provider")

    def test_explain_length_is_counted_in_characters(self):
        self.restore_explain()
        for text in ("x", "y" * 4000, "é" * 4000, "🙂" * 4000):
            with self.subTest(text=text[:3], length=len(text)):
                self.assert_explained(self.explain(text), "openai_compat", "stub-primary", text)
        self.assert_validation_failed(self.explain("é" * 4001), "text")

    # ------------------------------------------------------------------ 3. fallback

    def test_primary_500_falls_back_to_the_seeded_anthropic_fallback(self):
        self.addCleanup(self.restore_explain)
        self.restore_explain()
        self.put_route({**self.seeded_route, "model": "fb500-1"})
        self.stub_models(**{"fb500-1": "error500"})
        errors_before = self.stub_count("error500")
        text = "Primary is down, who answers?"
        r = self.explain(text)
        self.assert_explained(r, "anthropic", "stub-fallback", text)
        # 5xx is retried on the same endpoint: max_attempts attempts, then the fallback.
        self.assertEqual(self.stub_count("error500") - errors_before, MAX_ATTEMPTS)
        rows = self.wait_calls("fb500-1", lambda rows: len(rows) >= MAX_ATTEMPTS, f"{MAX_ATTEMPTS} error rows")
        self.assertEqual(len(rows), MAX_ATTEMPTS, rows)
        for row in rows:
            self.assertEqual((row["provider"], row["use_case"], row["outcome"], row["error_kind"]),
                             ("openai_compat", "explain", "error", "http_status"), row)
            self.assertEqual((row["prompt_tokens"], row["completion_tokens"], row["cost_usd"]), (0, 0, 0.0))

    def test_rate_limited_primary_falls_back(self):
        self.use_chain(self.endpoint("openai_compat", "fb429-1"), [self.endpoint("anthropic", "fb429-fb")])
        self.stub_models(**{"fb429-1": {"mode": "ratelimit", "retry_after": 1}})
        text = "The primary answers 429"
        self.assert_explained(self.explain(text), "anthropic", "fb429-fb", text)
        rows = self.wait_calls("fb429-fb", lambda rows: len(rows) == 1, "the fallback's ok row")
        self.assertEqual(rows[0]["outcome"], "ok")
        rows = self.calls("fb429-1")
        self.assertTrue(1 <= len(rows) <= MAX_ATTEMPTS, rows)
        self.assertEqual({r["outcome"] for r in rows}, {"rate_limited"}, rows)

    def test_unreachable_primary_falls_back(self):
        dead = f"http://127.0.0.1:{free_port()}/v1"    # nothing listens there
        self.use_chain({**self.endpoint("openai_compat", "fbconn-1"), "base_url": dead},
                       [self.endpoint("anthropic", "fbconn-fb")])
        text = "Connection refused upstream"
        self.assert_explained(self.explain(text), "anthropic", "fbconn-fb", text)
        rows = self.wait_calls("fbconn-1", lambda rows: len(rows) >= MAX_ATTEMPTS, "connect errors")
        self.assertEqual(len(rows), MAX_ATTEMPTS, rows)
        self.assertEqual({(r["outcome"], r["error_kind"]) for r in rows}, {("error", "connect_error")}, rows)

    def test_truncated_answer_falls_back(self):
        self.use_chain(self.endpoint("openai_compat", "fbtrunc-1"), [self.endpoint("anthropic", "fbtrunc-fb")])
        self.stub_models(**{"fbtrunc-1": "truncated"})
        text = "Half a body"
        self.assert_explained(self.explain(text), "anthropic", "fbtrunc-fb", text)
        rows = self.wait_calls("fbtrunc-1", lambda rows: len(rows) >= 1, "a failed attempt")
        self.assertNotIn("ok", {r["outcome"] for r in rows}, rows)

    # ------------------------------------------------------------------ 4. breaker opens

    def test_breaker_opens_and_skips_the_endpoint(self):
        self.open_breaker("brk-1", "brk-fb")
        b = self.breaker("brk-1")
        self.assertEqual(b["state"], "open", b)
        self.assertGreaterEqual(b["failures"], THRESHOLD, b)
        self.assertRegex(b["opened_at"] or "", RFC3339_UTC_RE, b)
        self.assertRegex(b["retry_at"] or "", RFC3339_UTC_RE, b)
        gap = (parse_time(b["retry_at"]) - parse_time(b["opened_at"])).total_seconds()
        self.assertAlmostEqual(gap, COOLDOWN, delta=0.05, msg=f"retry_at - opened_at: {b}")
        self.assertEqual(b["in_flight"], 0, b)
        fb = self.breaker("brk-fb", "anthropic")
        self.assertEqual((fb["state"], fb["failures"], fb["opened_at"], fb["retry_at"]),
                         ("closed", 0, None, None), fb)
        # Exactly THRESHOLD attempts reached the primary; the 2nd call's retry was a skip.
        rows = self.wait_calls("brk-1", lambda rows: len(rows) >= THRESHOLD + 1, "3 errors and a skip")
        self.assertEqual([r["outcome"] for r in rows], ["error"] * THRESHOLD + ["breaker_open"], rows)
        skip = rows[-1]
        self.assertEqual((skip["latency_ms"], skip["prompt_tokens"], skip["completion_tokens"]), (0, 0, 0))

        # While open, a call goes to the fallback without a request to the
        # primary. The check is only valid if the call ended before retry_at
        # (cooldown 2 s); on a very slow machine the probe may have gone out:
        # it fails (still HTTP 500), reopens the breaker, and we try again.
        for _ in range(3):
            b = self.breaker("brk-1")
            if b["state"] != "open":
                self.assertEqual(b["state"], "half_open", b)
                self.assert_explained(self.explain("probe"), "anthropic", "brk-fb", "probe")
                continue
            retry_at = parse_time(b["retry_at"]).timestamp()
            errors_before = self.stub_count("error500")
            skips_before = len(self.calls("brk-1", "AND outcome = 'breaker_open'"))
            text = "while the breaker is open"
            r = self.explain(text)
            ended = time.time()
            self.assert_explained(r, "anthropic", "brk-fb", text)
            if ended < retry_at - 0.1:
                self.assertEqual(self.stub_count("error500"), errors_before,
                                 "a request reached the primary while its breaker was open")
                self.wait_calls("brk-1", lambda rows: sum(r["outcome"] == "breaker_open" for r in rows)
                                > skips_before, "one more breaker_open row")
                break
        else:
            self.fail("could not make a call within the breaker's 2 s cooldown three times")

    # ------------------------------------------------------------------ 5. half-open

    def test_half_open_probe_closes_the_breaker(self):
        self.open_breaker("half-1", "half-fb")
        b = self.breaker("half-1")
        self.assertIn(b["state"], ("open", "half_open"), b)
        self.stub_models(**{"half-1": "ok"})
        states = []

        def half_open():
            states.append(self.breaker("half-1")["state"])
            return states[-1] == "half_open"

        self.poll(half_open, "the breaker half-open after its 2 s cooldown")
        self.assertTrue(set(states) <= {"open", "half_open"}, states)
        oks_before = self.stub_count("ok")
        text = "the probe"
        self.assert_explained(self.explain(text), "openai_compat", "half-1", text)
        self.assertEqual(self.stub_count("ok") - oks_before, 1, "the probe alone went to the stub")

        def closed():
            b = self.breaker("half-1")
            return b["state"] == "closed" and b["failures"] == 0

        self.poll(closed, "the breaker closed with 0 failures after a good probe")
        b = self.breaker("half-1")
        self.assertEqual(b["in_flight"], 0, b)
        text = "closed again"
        self.assert_explained(self.explain(text), "openai_compat", "half-1", text)

    def test_breaker_gauge_agrees_with_the_breakers_view(self):
        """llm_breaker_state (0 closed, 1 half_open, 2 open) and
        delta_llm_breaker_state{endpoint} (0 closed, 1 open, 2 half-open: what
        deploy/prometheus's alert reads) say what /admin/llm/breakers says,
        also once the cooldown has passed."""
        self.open_breaker("gauge-1", "gauge-fb")

        def gauges():
            samples = self.metrics()
            return (self.sample(samples, "llm_breaker_state", provider="openai_compat",
                                base_url=self.stub_v1, model="gauge-1"),
                    self.sample(samples, "delta_llm_breaker_state",
                                endpoint=f"openai_compat|{self.stub_v1}|gauge-1"))

        self.assertEqual(gauges(), ([2.0], [1.0]), "/admin/llm/breakers says open")
        self.poll(lambda: self.breaker("gauge-1")["state"] == "half_open", "the breaker half-open")
        self.assertEqual(gauges(), ([1.0], [2.0]), "/admin/llm/breakers says half_open")
        self.stub_models(**{"gauge-1": "ok"})
        self.assert_explained(self.explain("probe"), "openai_compat", "gauge-1", "probe")
        self.poll(lambda: gauges() == ([0.0], [0.0]), "both breaker gauges 0 after a good probe")

    def test_failed_probe_reopens_the_breaker(self):
        self.open_breaker("reopen-1", "reopen-fb")
        first = self.breaker("reopen-1")
        self.poll(lambda: self.breaker("reopen-1")["state"] == "half_open", "the breaker half-open")
        errors_before = self.stub_count("error500")
        text = "probe that fails"
        self.assert_explained(self.explain(text), "anthropic", "reopen-fb", text)
        # The probe is one request (not max_attempts): a failed probe reopens at once.
        self.assertEqual(self.stub_count("error500") - errors_before, 1)
        b = self.breaker("reopen-1")
        self.assertIn(b["state"], ("open", "half_open"), b)
        self.assertGreater(parse_time(b["opened_at"]), parse_time(first["opened_at"]), (first, b))

    # ------------------------------------------------------------------ 6. hanging provider

    def test_hanging_provider_is_cut_at_its_timeout(self):
        self.use_chain(self.endpoint("openai_compat", "hang-1"), [self.endpoint("anthropic", "hang-fb")],
                       timeout_seconds=1)
        self.stub_models(**{"hang-1": "hang"})
        mark = self.deltad.mark()
        text = "a provider that never answers"
        r = self.explain(text)
        self.assert_explained(r, "anthropic", "hang-fb", text)
        rid = r.headers["x-request-id"]
        line, _ = self.wait_for_log_line(
            lambda o: o.get("message") == "llm provider call failed" and o.get("model") == "hang-1",
            since=mark)
        self.assertEqual(line.get("kind"), "timeout", line)
        self.assertEqual(line.get("request_id"), rid, line)
        self.assertEqual(line.get("use_case"), "explain", line)
        self.assertGreaterEqual(line["latency_ms"], 1000, line)
        self.assertLess(line["latency_ms"], 10000, line)
        rows = self.wait_calls("hang-1", lambda rows: len(rows) >= MAX_ATTEMPTS, "timeout rows")
        for row in rows:
            self.assertEqual((row["outcome"], row["error_kind"]), ("timeout", "timeout"), row)
            self.assertGreaterEqual(row["latency_ms"], 1000, row)
            self.assertLess(row["latency_ms"], 10000, row)

    def test_provider_failure_log_line_has_unique_keys(self):
        """A log line is one JSON object whose keys are unique: with a repeated
        key, every JSON reader (jq, Loki, Elasticsearch, Python) keeps only one
        of the values, so "llm provider call failed" would be lost."""
        self.use_chain(self.endpoint("openai_compat", "logkeys-1"), [self.endpoint("anthropic", "logkeys-fb")])
        self.stub_models(**{"logkeys-1": "error500"})
        mark = self.deltad.mark()
        self.assert_explained(self.explain("log keys"), "anthropic", "logkeys-fb", "log keys")
        first, pairs = self.wait_for_log_line(
            lambda o: o.get("message") == "llm provider call failed" and o.get("model") == "logkeys-1", since=mark)
        self.assertEqual((first.get("kind"), first.get("status")), ("http_status", 500), first)
        keys = [k for k, _ in pairs]
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        self.assertEqual(repeated, [], f"repeated keys in a log line: {pairs}")
        # What any JSON reader makes of the line: the event name must survive.
        self.assertEqual(dict(pairs)["message"], "llm provider call failed", pairs)

    # ------------------------------------------------------------------ 7. invalid structured output

    def test_invalid_structured_output_falls_back(self):
        # The stub's Anthropic format answers plain text unless the prompt says
        # [json]: with json_output that is invalid output, not an answer.
        self.use_chain(self.endpoint("anthropic", "inv-1"), [self.endpoint("openai_compat", "json-ok")],
                       json_output=True)
        r = self.explain("Is this a buy signal?")
        data = self.assert_explained(r, "openai_compat", "json-ok")
        doc = json.loads(data["explanation"])
        self.assertIsInstance(doc, dict, data)
        self.wait_calls("json-ok", lambda rows: len(rows) == 1 and rows[0]["outcome"] == "ok", "one ok row")
        rows = self.calls("inv-1")
        # Not retried on the same endpoint: one attempt, then the fallback.
        self.assertEqual([(r["outcome"], r["error_kind"]) for r in rows], [("invalid_output", "invalid_output")],
                         rows)
        self.assertGreater(rows[0]["completion_tokens"], 0, "the billed tokens of invalid output count")

    def test_invalid_json_mode_output_falls_back(self):
        self.use_chain(self.endpoint("openai_compat", "inv-2"), [self.endpoint("openai_compat", "json-ok-2")],
                       json_output=True)
        self.stub_models(**{"inv-2": "invalid_json"})
        before = self.stub_count("invalid_json")
        data = self.assert_explained(self.explain("Evaluate this"), "openai_compat", "json-ok-2")
        self.assertIsInstance(json.loads(data["explanation"]), dict, data)
        self.assertEqual(self.stub_count("invalid_json") - before, 1, "invalid output was retried")
        self.wait_calls("json-ok-2", lambda rows: len(rows) == 1, "the fallback's row")
        self.assertEqual([r["outcome"] for r in self.calls("inv-2")], ["invalid_output"])

    # ------------------------------------------------------------------ 8. nothing answers

    def test_every_endpoint_failing_is_503(self):
        self.use_chain(self.endpoint("openai_compat", "dead-1"), [self.endpoint("anthropic", "dead-2")])
        self.stub_models(**{"dead-1": "error500", "dead-2": "error500"})
        for i in range(3):   # the 3rd call finds both breakers open
            with self.subTest(call=i + 1):
                r = self.explain(f"nobody answers {i}", {"X-Request-ID": f"e2e-dead-{i}"})
                err = self.assert_error(r, 503, "unavailable")
                self.assertEqual(err["request_id"], f"e2e-dead-{i}")
        for model in ("dead-1", "dead-2"):
            rows = self.wait_calls(model, lambda rows: any(r["outcome"] == "breaker_open" for r in rows),
                                   "a breaker_open row")
            # THRESHOLD, plus one failed half-open probe if the 3rd call came after the cooldown.
            self.assertIn(sum(r["outcome"] == "error" for r in rows), (THRESHOLD, THRESHOLD + 1), rows)

    def test_no_fallbacks_and_a_failing_primary_is_503(self):
        self.use_chain(self.endpoint("openai_compat", "alone-1"), [])
        self.assertEqual(self.admin_call("GET", FALLBACKS + "explain").json["data"], [])
        self.stub_models(**{"alone-1": "error500"})
        self.assert_error(self.explain("no fallback"), 503, "unavailable")

    def test_inactive_route_is_503_without_a_provider_call(self):
        self.use_chain(self.endpoint("openai_compat", "inactive-1"), [self.endpoint("anthropic", "inactive-fb")],
                       active=False)
        before = self.provider_requests()
        self.assert_error(self.explain("route switched off"), 503, "unavailable")
        self.assertEqual(self.provider_requests(), before)

    # ------------------------------------------------------------------ 9. admin

    def test_route_round_trip(self):
        self.addCleanup(self.restore_explain)
        route = {"provider": "anthropic", "model": "admin-rt-1", "base_url": self.stub_root,
                 "api_key_env": KEY_ENV, "max_tokens": 777, "temperature": 1.25, "timeout_seconds": 17,
                 "json_output": True, "active": True}
        put = self.put_route(route)
        self.assertEqual(set(put), ROUTE_FIELDS, put)
        self.assertEqual({k: put[k] for k in route}, route)
        self.assertEqual((put["use_case"], put["api_key_configured"]), ("explain", True))
        self.assertRegex(put["updated_at"] or "", RFC3339_UTC_RE)
        got = self.admin_call("GET", ROUTES + "explain").json["data"]
        self.assertEqual(got, put)
        # Optional fields fall back to their defaults; no key env -> not configured.
        bare = self.put_route({"provider": "vllm", "model": "admin-rt-2", "base_url": "http://10.0.0.1:8000/v1"})
        self.assertEqual({k: bare[k] for k in ("api_key_env", "api_key_configured", "max_tokens", "temperature",
                                              "timeout_seconds", "json_output", "active")},
                         {"api_key_env": None, "api_key_configured": False, "max_tokens": 4096,
                          "temperature": 0.7, "timeout_seconds": 120, "json_output": False, "active": True})
        self.assertEqual(self.admin_call("GET", ROUTES + "explain").json["data"], bare)
        # Another use case is independent of explain.
        other = self.admin_call("GET", ROUTES + "report_chat").json["data"]
        self.assertEqual((other["use_case"], other["model"], other["base_url"]),
                         ("report_chat", "stub-primary", self.stub_v1))

    def test_every_use_case_has_a_seeded_route(self):
        for uc in ("explain", "cohort_match", "report_chat", "deep_research", "signal_classify",
                   "report_generate", "signal_evaluate"):
            with self.subTest(use_case=uc):
                data = self.admin_call("GET", ROUTES + uc).json["data"]
                self.assertEqual(set(data), ROUTE_FIELDS, data)
                self.assertEqual(data["use_case"], uc)
                if uc != "explain":   # explain is the one the tests change
                    self.assertEqual((data["provider"], data["model"], data["base_url"], data["api_key_env"]),
                                     ("openai_compat", "stub-primary", self.stub_v1, KEY_ENV))
                chain = self.admin_call("GET", FALLBACKS + uc).json["data"]
                if uc != "explain":
                    self.assertEqual(chain, [{**self.seeded_fallbacks[0], "api_key_configured": True}])

    def test_fallbacks_round_trip_both_body_forms(self):
        self.addCleanup(self.restore_explain)
        a = self.endpoint("openai_compat", "admin-fb-a")
        b = {"provider": "ollama", "model": "admin-fb-b", "base_url": "http://127.0.0.1:11434/v1"}
        got = self.put_fallbacks([a, b])
        self.assertEqual(got, [{**a, "api_key_configured": True},
                               {**b, "api_key_env": None, "api_key_configured": False}])
        for e in got:
            self.assertEqual(set(e), ENDPOINT_FIELDS, e)
        self.assertEqual(self.admin_call("GET", FALLBACKS + "explain").json["data"], got)
        again = self.put_fallbacks({"fallbacks": [b, a]})
        self.assertEqual([e["model"] for e in again], ["admin-fb-b", "admin-fb-a"])
        self.assertEqual(self.admin_call("GET", FALLBACKS + "explain").json["data"], again)
        self.assertEqual(self.put_fallbacks([]), [])
        self.assertEqual(self.admin_call("GET", FALLBACKS + "explain").json["data"], [])
        # Another use case's chain is untouched.
        self.assertEqual([e["model"] for e in self.admin_call("GET", FALLBACKS + "report_chat").json["data"]],
                         ["stub-fallback"])

    def test_evaluators_round_trip(self):
        def restore():
            self.admin_call("PUT", EVALUATORS, self.seeded_evaluators)

        self.addCleanup(restore)
        seeded = self.admin_call("GET", EVALUATORS).json["data"]
        self.assertEqual(seeded, [{**e, "api_key_configured": True} for e in self.seeded_evaluators])
        judge = {"name": "judge-1", **self.endpoint("openai_compat", "judge-model-1"), "max_tokens": 300,
                 "timeout_seconds": 9, "active": True}
        quiet = {"name": "judge.2", "provider": "anthropic", "model": "judge-model-2",
                 "base_url": self.stub_root, "active": False}
        got = self.admin_call("PUT", EVALUATORS, [judge, quiet]).json["data"]
        for e in got:
            self.assertEqual(set(e), EVALUATOR_FIELDS, e)
        self.assertEqual(got, [{**judge, "api_key_configured": True},
                               {**quiet, "api_key_env": None, "api_key_configured": False, "max_tokens": 1024,
                                "timeout_seconds": 60}])
        self.assertEqual(self.admin_call("GET", EVALUATORS).json["data"], got)
        # The active evaluator's endpoint has a breaker now.
        self.breaker("judge-model-1")
        wrapped = self.admin_call("PUT", EVALUATORS, {"evaluators": [quiet, judge]}).json["data"]
        self.assertEqual([e["name"] for e in wrapped], ["judge.2", "judge-1"])
        bad = [judge, {**judge}]
        r = self.deltad.request("PUT", EVALUATORS, self.admin.bearer, bad)
        err = self.assert_error(r, 422, "validation_failed")
        self.assertTrue(any(d["field"].endswith("name") for d in err["details"]), err)
        r = self.deltad.request("PUT", EVALUATORS, self.admin.bearer, [{**judge, "name": "-bad name"}])
        self.assert_error(r, 422, "validation_failed")
        self.assertEqual([e["name"] for e in self.admin_call("GET", EVALUATORS).json["data"]],
                         ["judge.2", "judge-1"])

    def test_breakers_list_every_configured_endpoint(self):
        self.restore_explain()
        listed = {(b["provider"], b["model"], b["base_url"]): b for b in self.breakers()}
        for provider, model, base in (("openai_compat", "stub-primary", self.stub_v1),
                                      ("anthropic", "stub-fallback", self.stub_root),
                                      ("openai_compat", "stub-model-a", self.stub_v1),
                                      ("anthropic", "stub-model-b", self.stub_root)):
            with self.subTest(model=model):
                self.assertIn((provider, model, base), listed, list(listed))
                b = listed[(provider, model, base)]
                self.assertIn(b["state"], ("closed", "open", "half_open"), b)
                self.assertIsInstance(b["failures"], int)
                self.assertIsInstance(b["in_flight"], int)
        self.assertEqual(len(listed), len(self.breakers()), "an endpoint is listed twice")

    def test_unknown_use_case_is_404(self):
        for method, path, body in (("GET", ROUTES + "nope", None),
                                   ("PUT", ROUTES + "nope", self.seeded_route),
                                   ("GET", ROUTES + "Explain", None),
                                   ("GET", FALLBACKS + "nope", None),
                                   ("PUT", FALLBACKS + "nope", self.seeded_fallbacks)):
            with self.subTest(method=method, path=path):
                r = self.deltad.request(method, path, self.admin.bearer, body)
                self.assert_error(r, 404, "not_found")

    def test_invalid_route_bodies_are_422_with_details(self):
        self.addCleanup(self.restore_explain)
        self.restore_explain()
        good = dict(self.seeded_route)
        cases = [({"base_url": "ftp://x"}, "base_url"), ({"base_url": "not a url"}, "base_url"),
                 ({"base_url": "http://host|x/v1"}, "base_url"), ({"provider": "gpt"}, "provider"),
                 ({"provider": "OpenAI"}, "provider"), ({"model": "a|b"}, "model"), ({"model": ""}, "model"),
                 ({"api_key_env": "lower-case"}, "api_key_env"), ({"timeout_seconds": 0}, "timeout_seconds"),
                 ({"timeout_seconds": 601}, "timeout_seconds"), ({"temperature": 2.5}, "temperature"),
                 ({"max_tokens": 0}, "max_tokens")]
        for change, field in cases:
            with self.subTest(change=change):
                r = self.deltad.request("PUT", ROUTES + "explain", self.admin.bearer, {**good, **change})
                self.assert_validation_failed(r, field)
        for missing in ("provider", "model", "base_url"):
            with self.subTest(missing=missing):
                body = {k: v for k, v in good.items() if k != missing}
                self.assert_validation_failed(self.deltad.request("PUT", ROUTES + "explain", self.admin.bearer,
                                                                  body), missing)
        for change in ({"provider": 1}, {"model": ["m"]}, {"timeout_seconds": "30"}, {"json_output": "yes"},
                       {"active": 1}, {"temperature": "hot"}):
            with self.subTest(change=change):
                r = self.deltad.request("PUT", ROUTES + "explain", self.admin.bearer, {**good, **change})
                self.assert_error(r, 400, "bad_request")
        r = self.deltad.request("PUT", ROUTES + "explain", self.admin.bearer, [good])
        self.assert_error(r, 400, "bad_request")
        r = self.deltad.request("PUT", ROUTES + "explain", {**self.admin.bearer, "Content-Type": "text/plain"},
                                json.dumps(good).encode())
        self.assert_error(r, 415, "unsupported_media_type")
        # Fallbacks: the same checks per entry.
        r = self.deltad.request("PUT", FALLBACKS + "explain", self.admin.bearer,
                                [self.endpoint("anthropic", "ok-1"), {**self.endpoint("anthropic", "x"),
                                                                      "base_url": "ftp://x"}])
        err = self.assert_error(r, 422, "validation_failed")
        self.assertTrue(any(d["field"].endswith("base_url") for d in err["details"]), err)
        r = self.deltad.request("PUT", FALLBACKS + "explain", self.admin.bearer,
                                [{**self.endpoint("anthropic", "x"), "provider": "gpt"}])
        err = self.assert_error(r, 422, "validation_failed")
        self.assertTrue(any(d["field"].endswith("provider") for d in err["details"]), err)
        for body in ("fallbacks", 42, [42], [{"provider": 1, "model": "m", "base_url": self.stub_v1}]):
            with self.subTest(fallbacks=body):
                r = self.deltad.request("PUT", FALLBACKS + "explain", {**self.admin.bearer, **JSON},
                                        json.dumps(body).encode())
                self.assert_error(r, 400, "bad_request")
        # Nothing of that was stored.
        self.assertEqual(self.admin_call("GET", ROUTES + "explain").json["data"]["model"], "stub-primary")
        self.assertEqual([e["model"] for e in self.admin_call("GET", FALLBACKS + "explain").json["data"]],
                         ["stub-fallback"])

    def test_literal_api_key_is_never_returned(self):
        self.addCleanup(self.restore_explain)
        self.restore_explain()
        literal = self.deltad.remember_secret("sk-literal-" + secrets.token_hex(16), "literal api_key")
        self.deltad.watched.append(literal)
        route = {**self.seeded_route, "model": "keyed-1", "api_key": literal}
        r = self.deltad.request("PUT", ROUTES + "explain", self.admin.bearer, route)
        self.assertNotIn(literal.encode(), r.body)
        self.assertIn(r.status, (200, 422), r.body)
        if r.status == 422:
            self.assert_validation_failed(r, "api_key")
            self.assertEqual(self.admin_call("GET", ROUTES + "explain").json["data"]["model"], "stub-primary")
        else:
            self.assertNotIn("api_key", r.json["data"])
            got = self.admin_call("GET", ROUTES + "explain")
            self.assertNotIn(literal.encode(), got.body)
            self.assertNotIn("api_key", got.json["data"])
        r = self.deltad.request("PUT", FALLBACKS + "explain", self.admin.bearer,
                                [{**self.endpoint("anthropic", "keyed-fb"), "api_key": literal}])
        self.assertIn(r.status, (200, 422), r.body)
        got = self.admin_call("GET", FALLBACKS + "explain")
        self.assertNotIn(literal.encode(), got.body)
        # Never in the database in plain text either.
        dump = psql(self.db_url, "SELECT row_to_json(t)::text FROM llm_model_routing t UNION ALL "
                                 "SELECT row_to_json(t)::text FROM llm_fallback_chain t UNION ALL "
                                 "SELECT row_to_json(t)::text FROM llm_evaluators t")
        self.assertNotIn(literal, dump)
        self.assertNotIn(self.provider_key, dump)

    def test_a_literal_api_key_is_sealed_at_rest_and_sent_to_the_provider(self):
        self.addCleanup(self.restore_explain)
        self.restore_explain()
        literal = self.deltad.remember_secret("sk-sealed-" + secrets.token_hex(16), "literal api_key")
        self.deltad.watched.append(literal)
        route = {"provider": "anthropic", "model": "sealed-1", "base_url": self.stub_root,
                 "api_key": literal, "timeout_seconds": 30}
        r = self.deltad.request("PUT", ROUTES + "explain", self.admin.bearer, route)
        self.assertEqual(r.status, 200, r.body)
        self.assertNotIn(literal.encode(), r.body)
        data = r.json["data"]
        self.assertNotIn("api_key", data)
        self.assertIsNone(data["api_key_env"])
        self.assertTrue(data["api_key_configured"])
        sealed = psql(self.db_url, "SELECT api_key_sealed FROM llm_model_routing WHERE use_case = 'explain'").strip()
        self.assertTrue(sealed.startswith("v1:"), sealed)
        self.assertNotIn(literal, sealed)
        # The Anthropic stub refuses a call without x-api-key (401 -> fallback),
        # so an answer from sealed-1 shows the opened key was sent.
        answer = self.explain()
        self.assertEqual(answer.status, 200, answer.body)
        self.assertEqual(answer.json["data"]["model"], "sealed-1")
        # api_key and api_key_env together are refused, naming the field.
        both = {**route, "api_key_env": KEY_ENV}
        r = self.deltad.request("PUT", ROUTES + "explain", self.admin.bearer, both)
        self.assert_validation_failed(r, "api_key")

    def test_admin_routes_need_an_admin(self):
        calls = [("GET", ROUTES + "explain", None), ("PUT", ROUTES + "explain", self.seeded_route),
                 ("GET", FALLBACKS + "explain", None), ("PUT", FALLBACKS + "explain", self.seeded_fallbacks),
                 ("GET", EVALUATORS, None), ("PUT", EVALUATORS, self.seeded_evaluators), ("GET", BREAKERS, None),
                 ("PUT", ROUTES + "nope", {"provider": "x"})]
        for method, path, body in calls:
            with self.subTest(method=method, path=path, who="anonymous"):
                self.assert_error(self.deltad.request(method, path, None, body, anonymous=True), 401,
                                  "unauthorized")
            for who, headers in (("free user", self.user.bearer), ("demo key", DEMO_AUTH)):
                with self.subTest(method=method, path=path, who=who):
                    r = self.deltad.request(method, path, headers, body)
                    self.assert_error(r, 403, "forbidden")

    def test_put_takes_effect_on_the_next_call(self):
        self.use_chain(self.endpoint("openai_compat", "imm-1"), [self.endpoint("anthropic", "imm-fb-1")])
        self.assert_explained(self.explain("one"), "openai_compat", "imm-1", "one")
        self.put_route(self.endpoint("anthropic", "imm-2"))
        self.assert_explained(self.explain("two"), "anthropic", "imm-2", "two")
        self.stub_models(**{"imm-2": "error500"})
        self.assert_explained(self.explain("three"), "anthropic", "imm-fb-1", "three")
        self.put_fallbacks([self.endpoint("openai_compat", "imm-fb-2")])
        self.assert_explained(self.explain("four"), "openai_compat", "imm-fb-2", "four")

    # ------------------------------------------------------------------ 10. SQL changes

    def test_sql_change_is_picked_up_within_5_s(self):
        self.use_chain(self.endpoint("openai_compat", "sql-0"), [self.endpoint("anthropic", "sql-fb-0")])
        self.assert_explained(self.explain("before"), "openai_compat", "sql-0", "before")
        pid = self.deltad.proc.pid
        psql(self.db_url, "UPDATE llm_model_routing SET model = 'sql-1' WHERE use_case = 'explain'")
        seen = []

        def switched():
            r = self.explain("after the SQL update")
            self.assertEqual(r.status, 200, r.body)
            seen.append(r.json["data"]["model"])
            return seen[-1] == "sql-1"

        started = time.monotonic()
        self.poll(switched, "explain answered by the model set in SQL")
        self.assertLessEqual(time.monotonic() - started, EFFECT_TIMEOUT)
        self.assertTrue(set(seen) <= {"sql-0", "sql-1"}, seen)
        self.assertEqual(self.admin_call("GET", ROUTES + "explain").json["data"]["model"], "sql-1")
        # The fallback chain too: the primary fails, the new fallback answers.
        self.stub_models(**{"sql-1": "error500"})
        psql(self.db_url, "UPDATE llm_fallback_chain SET model = 'sql-fb-1' WHERE use_case = 'explain'")

        def fallback_switched():
            r = self.explain("fallback changed in SQL")
            self.assertEqual(r.status, 200, r.body)
            return r.json["data"]["model"] == "sql-fb-1"

        self.poll(fallback_switched, "explain answered by the fallback set in SQL")
        self.assertEqual(self.deltad.proc.pid, pid)
        self.assertTrue(self.deltad.running())

    # ------------------------------------------------------------------ 11. health and metrics

    def test_health_detailed_shows_breakers(self):
        self.restore_explain()
        r = self.deltad.get("/health/detailed", anonymous=True)
        self.assertEqual(r.status, 200, r.body)
        llm = r.json["components"]["llm"]
        self.assertEqual(llm["status"], "healthy", llm)
        breakers = llm["details"]["breakers"]
        self.assertIsInstance(breakers, list)
        models = {(b["provider"], b["model"]): b for b in breakers}
        for key in (("openai_compat", "stub-primary"), ("anthropic", "stub-fallback"),
                    ("openai_compat", "stub-model-a"), ("anthropic", "stub-model-b")):
            self.assertIn(key, models, breakers)
            self.assertEqual(models[key]["state"], "closed", models[key])
            self.assertEqual(models[key]["base_url"], self.stub_root if key[0] == "anthropic" else self.stub_v1)
        self.assertNotIn(self.provider_key.encode(), r.body)

        self.open_breaker("health-1", "health-fb")
        r = self.deltad.get("/health/detailed", anonymous=True)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json["status"], "degraded", r.json)
        llm = r.json["components"]["llm"]
        self.assertEqual(llm["status"], "degraded", llm)
        mine = [b for b in llm["details"]["breakers"] if b["model"] == "health-1"]
        self.assertEqual(len(mine), 1, llm)
        self.assertIn(mine[0]["state"], ("open", "half_open"), mine)
        self.assertGreaterEqual(mine[0]["failures"], THRESHOLD, mine)
        # The database is fine, so /ready is not affected by a provider outage.
        self.assertEqual(self.deltad.get("/ready", anonymous=True).status, 200)

        samples = self.metrics()
        self.assertEqual(self.sample(samples, "llm_breaker_state", provider="openai_compat",
                                     base_url=self.stub_v1, model="health-1"), [2.0])
        self.assertEqual(self.sample(samples, "llm_breaker_state", provider="anthropic",
                                     base_url=self.stub_root, model="health-fb"), [0.0])
        errors = self.sample(samples, "llm_requests_total", provider="openai_compat", model="health-1",
                             use_case="explain", outcome="error")
        self.assertEqual(errors, [float(THRESHOLD)], errors)
        skips = self.sample(samples, "llm_requests_total", model="health-1", outcome="breaker_open")
        self.assertEqual(len(skips), 1)
        self.assertGreaterEqual(skips[0], 1)
        oks = self.sample(samples, "llm_requests_total", provider="anthropic", model="health-fb",
                          use_case="explain", outcome="ok")
        self.assertEqual(oks, [2.0])
        for t in ("prompt", "completion"):
            tokens = self.sample(samples, "llm_tokens_total", model="health-fb", use_case="explain", type=t)
            self.assertEqual(len(tokens), 1, t)
            self.assertGreater(tokens[0], 0, t)
        durations = [(n, v) for n, l, v in samples
                     if n.startswith("llm_request_duration_seconds") and l.get("model") == "health-fb"]
        self.assertTrue(durations, "no llm_request_duration_seconds series for health-fb")
        self.assertIn(("llm_request_duration_seconds_count", 2.0), durations)

        # Back to the seeded configuration: the failing endpoint is no longer configured.
        self.restore_explain()
        r = self.deltad.get("/health/detailed", anonymous=True)
        llm = r.json["components"]["llm"]
        self.assertEqual(llm["status"], "healthy", llm)
        self.assertNotIn("health-1", [b["model"] for b in llm["details"]["breakers"]])

    # ------------------------------------------------------------------ 12. accounting

    def test_llm_calls_and_metrics_account_an_ok_call(self):
        psql(self.db_url, "INSERT INTO llm_prices (provider, model, usd_per_million_input, usd_per_million_output) "
                          "VALUES ('openai_compat', 'acct-1', 1000, 2000)")
        self.use_chain(self.endpoint("openai_compat", "acct-1"), [self.endpoint("anthropic", "acct-fb")])
        text = "count these five words"
        r = self.explain(text)
        data = self.assert_explained(r, "openai_compat", "acct-1", text)
        rows = self.wait_calls("acct-1", lambda rows: len(rows) >= 1, "the ok row")
        self.assertEqual(len(rows), 1, rows)
        row = rows[0]
        self.assertEqual((row["provider"], row["use_case"], row["outcome"], row["error_kind"]),
                         ("openai_compat", "explain", "ok", ""))
        self.assertEqual(row["latency_ms"], data["latency_ms"])
        self.assertGreater(row["prompt_tokens"], words(text), "the system prompt counts too")
        self.assertEqual(row["completion_tokens"], words(data["explanation"]))
        want_cost = (row["prompt_tokens"] * 1000 + row["completion_tokens"] * 2000) / 1e6
        self.assertAlmostEqual(row["cost_usd"], want_cost, places=6)
        age = psql(self.db_url, "SELECT extract(epoch FROM now() - at) FROM llm_calls WHERE model = 'acct-1'")
        self.assertLess(abs(float(age)), 60, "llm_calls.at is not the call's time")
        self.assertEqual(self.calls("acct-fb"), [], "the fallback was called for a good answer")

        samples = self.metrics()
        labels = {"provider": "openai_compat", "model": "acct-1", "use_case": "explain"}
        self.assertEqual(self.sample(samples, "llm_requests_total", outcome="ok", **labels), [1.0])
        self.assertEqual(self.sample(samples, "llm_tokens_total", type="prompt", **labels),
                         [float(row["prompt_tokens"])])
        self.assertEqual(self.sample(samples, "llm_tokens_total", type="completion", **labels),
                         [float(row["completion_tokens"])])
        cost = self.sample(samples, "llm_cost_usd_total", **labels)
        self.assertEqual(len(cost), 1, cost)
        self.assertAlmostEqual(cost[0], want_cost, places=6)

    def test_seeded_priced_model_has_a_cost(self):
        self.restore_explain()
        text = f"priced call {secrets.token_hex(4)}"
        self.assert_explained(self.explain(text), "openai_compat", "stub-primary", text)
        rows = self.wait_calls("stub-primary", lambda rows: any(r["outcome"] == "ok" for r in rows), "ok rows")
        for row in rows:
            if row["outcome"] == "ok":
                self.assertGreater(row["prompt_tokens"], 0, row)
                self.assertGreater(row["completion_tokens"], 0, row)
                self.assertGreater(row["cost_usd"], 0, row)

    # ------------------------------------------------------------------ 13. the provider key

    def test_provider_key_is_used_but_never_shown(self):
        # The stub refuses requests without credentials (401), so an answer
        # proves the key from DELTA_DEMO_LLM_KEY was sent.
        self.restore_explain()
        self.assert_explained(self.explain("key check"), "openai_compat", "stub-primary", "key check")
        # A route naming an unset variable sends no key: the stub's 401 -> fallback.
        self.use_chain(self.endpoint("openai_compat", "nokey-1", key_env="DELTA_E2E_UNSET_VARIABLE"),
                       [self.endpoint("anthropic", "nokey-fb")])
        self.assert_explained(self.explain("no key"), "anthropic", "nokey-fb", "no key")
        rows = self.wait_calls("nokey-1", lambda rows: len(rows) >= 1, "the refused call")
        self.assertNotIn("ok", [r["outcome"] for r in rows])
        for path in (ROUTES + "explain", FALLBACKS + "explain", EVALUATORS, BREAKERS):
            r = self.admin_call("GET", path)
            self.assertNotIn(self.provider_key.encode(), r.body)
        for path in ("/health/detailed", "/metrics", "/openapi.json"):
            r = self.deltad.get(path, anonymous=True)
            self.assertNotIn(self.provider_key.encode(), r.body, path)
        # And nothing logged so far (tearDownClass checks the complete output).
        with self.deltad._cond:
            logged = [l.text for l in self.deltad.lines if self.provider_key in l.text]
        self.assertEqual(logged, [])


if __name__ == "__main__":
    unittest.main()
