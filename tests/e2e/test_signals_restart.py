"""End-to-end: the signal pipeline resumes after a crash (issue 6: "kill
deltad between ingest and publish; the event still gets published").

Per test: a deltad (A) against a database with the demo candles and the two
demo evaluators (model-a, model-b) at the test's llm-stub; events are
posted and held between ingest and publish; A is SIGKILLed (no graceful
stop); a fresh deltad (B) on the same database, with the stub answering at
once, must publish every event exactly once: status `published`, both
decisions, a timeline of one row per stage, one model_decisions row per
evaluator, and each decision on B's WebSocket `decisions` channel once.

Where A is held:
  * in evaluation: the stub in `latency` mode (30 s) while A's evaluator
    calls are in flight (status `enriched`, the calls counted by the stub);
  * before enrichment: the candles table locked (ACCESS EXCLUSIVE) by a psql
    session, so A's enrich stage waits on it (status `received`, the waiting
    query seen in pg_stat_activity).
`signals.lease_seconds` is 2 (the minimum): A's leases run out before B may
claim the events, and no evaluate row of B's precedes the lease A left.

B's subscriber is in place before B can publish: until it has subscribed, a
psql session holds the events' rows FOR UPDATE, and the pipeline's claim
(FOR UPDATE SKIP LOCKED) passes them over. Nothing is synchronised on the
clock: every wait is on a state (HTTP, psql, the stub's counters, a process
exit) and bounded.

Needs DELTAD, DELTA_TEST_DATABASE_URL, DELTA_TEST_DEMO_CANDLES and LLM_STUB
(ctest sets them)."""

import os
import selectors
import signal
import subprocess
import sys
import time

from tests.e2e import harness
from tests.e2e.harness import Deltad, poll_until, psql
from tests.e2e.test_llm_stub import LlmStub, point_llm_rows_at

SIGNALS = "/api/v2/signals"
JSON = {"Content-Type": "application/json"}
PIPELINE_TIMEOUT = 20.0    # bound of every wait for a pipeline state
PSQL_TIMEOUT = 10.0        # bound of a held psql session's answer
SLOW_MS = 30000            # the stub's latency while A evaluates: far beyond any wait here
LEASE_SECONDS = 2          # signals.lease_seconds (the minimum)
MODELS = ["model-a", "model-b"]
STAGES = [("ingest", "received"), ("enrich", "enriched"), ("evaluate", "evaluated"),
          ("publish", "published")]
CONFIG = dict(llm__retry_base_ms=1, llm__retry_cap_ms=5, llm__max_attempts=1,
              llm__breaker_failure_threshold=1000,
              signals__lease_seconds=LEASE_SECONDS, signals__max_attempts=3,
              signals__retry_base_ms=20, signals__retry_cap_ms=100, signals__poll_interval_ms=50,
              ratelimit__groups="explain=10/20,signals.submit=100000/100000",
              ratelimit__ip_per_minute=100000, ratelimit__ip_burst=100000,
              ratelimit__user_per_minute=100000, ratelimit__user_burst=100000)


class PsqlSession:
    """One psql process kept open (a transaction the test holds: a lock)."""

    def __init__(self, url):
        self.proc = subprocess.Popen([harness.pg_bin("psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
                                      "-d", url], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.marks = 0

    def run(self, sql):
        """Send sql, then wait (bounded) until psql has executed it; return its output lines."""
        self.marks += 1
        mark = f"-- done {self.marks} --"
        self.proc.stdin.write(f"{sql}\n\\echo '{mark}'\n".encode())
        self.proc.stdin.flush()
        out = b""
        deadline = time.monotonic() + PSQL_TIMEOUT
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            while mark.encode() + b"\n" not in out:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    raise AssertionError(f"psql did not finish {sql!r} within {PSQL_TIMEOUT}s: {out!r}")
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    self.proc.wait(timeout=PSQL_TIMEOUT)
                    raise AssertionError(f"psql exited ({self.proc.returncode}) on {sql!r}: "
                                         f"{self.proc.stderr.read().decode(errors='replace')}")
                out += chunk
        return out.decode().split(mark)[0].splitlines()

    def close(self):
        """Roll back whatever is open (releasing its locks) and end psql. Safe to call twice."""
        if self.proc is None:
            return
        try:
            self.proc.stdin.write(b"ROLLBACK;\n\\q\n")
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=PSQL_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()
        self.proc.stderr.close()
        self.proc = None


class SignalsRestartTest(harness.DeltaTestCase):
    """One stub and one database for the class; the deltads are the tests' own."""

    maxDiff = 8000
    start_server = False
    provider_key = "sk-signals-restart-e2e"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()   # the fresh database (cls.db_url)
        cls.stub = LlmStub().start()
        cls.addClassCleanup(cls.stub.stop)
        harness.prepare_database(cls.db_url)
        psql(cls.db_url, file=harness.demo_candles_file())
        point_llm_rows_at(cls.db_url, cls.stub)

    def setUp(self):
        super().setUp()
        self.nodes = []
        self.stub.control(mode="ok", fail_next=0, models={}, reset_counters=True)
        self.addCleanup(self.stub.control, mode="ok", fail_next=0, models={})

    def run(self, result=None):
        # After a failure, show what the test's deltads logged.
        if result is None:
            return super().run(result)
        failed = len(result.failures) + len(result.errors)
        out = super().run(result)
        if len(result.failures) + len(result.errors) > failed:
            for name, node in zip("AB", getattr(self, "nodes", [])):
                sys.stderr.write(f"\n--- deltad {name} during {self.id()} ---\n{node.output_tail(60)}\n")
        return out

    # ------------------------------------------------------------------ helpers

    def start_node(self, **extra):
        node = Deltad(self.db_url, prepare=False, demo_llm_key=self.provider_key, **{**CONFIG, **extra})
        node.remember_secret(self.provider_key, "provider key")
        for user in getattr(self, "users", []):
            node.remember_secret(user.password, "password")
            node.remember_secret(user.token, "session token")
        self.nodes.append(node)
        self.addCleanup(self.check_output, node)
        self.addCleanup(node.close)
        node.start()
        node.wait_serving()
        return node

    def check_output(self, node):
        if node.proc is None:
            return
        leaked = node.leaked_secrets()
        self.assertEqual(leaked, [], "deltad printed credentials")

    def new_user(self, node):
        self.users = [node.add_user(tier="analyst")]
        return self.users[0]

    def kill(self, node):
        """SIGKILL (no graceful stop) and wait for the exit."""
        self.assertTrue(node.running(), node.output_tail())
        self.assertEqual(node.stop(signal.SIGKILL), -signal.SIGKILL)
        self.assertFalse(any(o.get("message") == "stopped" for o in node.log_objects()))

    def submit(self, node, user, body):
        r = node.request("POST", SIGNALS, {**user.bearer, **JSON}, body)
        self.assertEqual(r.status, 202, r.body)
        self.assertEqual(r.json["data"]["status"], "received", r.body)
        return r.json["data"]["event_id"]

    def wait_status(self, node, user, event_id, status):
        seen = {}

        def reached():
            r = node.get(f"{SIGNALS}/{event_id}", user.bearer)
            seen["last"] = r.json
            return r.status == 200 and r.json["data"]["status"] == status

        try:
            poll_until(reached, PIPELINE_TIMEOUT, f"event {event_id} {status}")
        except AssertionError as e:
            raise AssertionError(f"{e}; last seen: {seen.get('last')}") from None
        return seen["last"]["data"]

    def stub_calls(self, outcome):
        return self.stub.state()["counters"].get("by_outcome", {}).get(outcome, 0)

    def statuses(self, event_ids):
        """{event_id: status} from the database."""
        rows = psql(self.db_url, "SELECT event_id, status FROM events WHERE event_id IN ("
                                 + ",".join(f"'{e}'" for e in event_ids) + ")")
        return dict(line.split("|") for line in rows.split())

    def assert_held(self, event_ids, status):
        """After the kill: every event still `status`, with no decision row yet;
        return {event_id: the lease A left on it}."""
        self.assertEqual(self.statuses(event_ids), {e: status for e in event_ids})
        ids = ",".join(f"'{e}'" for e in event_ids)
        self.assertEqual(psql(self.db_url, f"SELECT count(*) FROM model_decisions WHERE event_id IN ({ids})").strip(),
                         "0")
        leases = dict(line.split("|") for line in psql(
            self.db_url, f"SELECT event_id, lease_until FROM events WHERE event_id IN ({ids})").splitlines())
        self.assertEqual(sorted(leases), sorted(event_ids))
        self.assertTrue(all(leases.values()), f"an event without a lease: {leases}")
        return leases

    def resume(self, user, event_ids, a_leases):
        """Start B with the events' rows locked, subscribe to `decisions`, let
        B claim them; assert each is published once and its decisions stream
        once. Returns B."""
        ids = ",".join(f"'{e}'" for e in event_ids)
        gate = PsqlSession(self.db_url)
        self.addCleanup(gate.close)
        locked = gate.run(f"BEGIN; SELECT event_id FROM events WHERE event_id IN ({ids}) FOR UPDATE;")
        self.assertEqual(sorted(locked), sorted(event_ids))

        b = self.start_node()
        from tests.e2e.test_stream import WebSocket
        ws = WebSocket(b.host, b.port, user.bearer)
        self.addCleanup(ws.shutdown)
        self.assertEqual(ws.response.status, 101, ws.response.body)
        sub = ws.request({"op": "subscribe", "channel": "decisions"})
        self.assertEqual(sub["type"], "subscribed", sub)
        # Nothing could be published yet: the rows were locked all along.
        self.assertEqual(set(self.statuses(event_ids).values()) - {"received", "enriched"}, set())
        gate.close()

        seen = {}

        def all_published():
            seen["statuses"] = self.statuses(event_ids)
            return set(seen["statuses"].values()) == {"published"}

        try:
            poll_until(all_published, PIPELINE_TIMEOUT, f"all {len(event_ids)} events published by the new deltad")
        except AssertionError as e:
            raise AssertionError(f"{e}; last statuses: {seen.get('statuses')}") from None

        # The stream: each (event, model) once, from B's subscription.
        got = [ws.recv() for _ in range(len(event_ids) * len(MODELS))]
        for m in got:
            self.assertEqual((m["type"], m["channel"], m["subscription_id"]),
                             ("event", "decisions", sub["subscription_id"]), m)
        self.assertEqual(sorted((m["data"]["event_id"], m["data"]["model"]) for m in got),
                         sorted((e, model) for e in event_ids for model in MODELS))
        # Nothing else is queued before the answer to a ping (no second publish).
        self.assertEqual(ws.request({"op": "ping"})["type"], "pong")

        # Each event's document: published, both decisions, one row per stage.
        for event_id in event_ids:
            r = b.get(f"{SIGNALS}/{event_id}", user.bearer)
            self.assertEqual(r.status, 200, r.body)
            doc = r.json["data"]
            self.assertEqual(doc["status"], "published", doc)
            self.assertEqual([(t["stage"], t["status"]) for t in doc["timeline"]], STAGES, doc["timeline"])
            self.assertEqual([d["model"] for d in doc["decisions"]], MODELS, doc)
            for d in doc["decisions"]:
                self.assertIn(d["decision"], ("approve", "reject", "abstain"))
                self.assertTrue(d["rationale"].startswith("stub rationale for: "), d)
            self.assertEqual(doc["model_failures"], [])
            self.assertIsNone(doc["dead_letter"])

        # model_decisions: one decided row per (event, evaluator), nothing else.
        rows = psql(self.db_url, "SELECT event_id, model, count(*), bool_and(decision IS NOT NULL AND error IS NULL)"
                                 f" FROM model_decisions WHERE event_id IN ({ids}) GROUP BY 1, 2")
        self.assertEqual(sorted(rows.split()),
                         sorted(f"{e}|{model}|1|t" for e in event_ids for model in MODELS))
        self.assertEqual(psql(self.db_url, f"SELECT count(*) FROM dlq_entries WHERE event_id IN ({ids})").strip(), "0")
        # B evaluated each event only after A's lease on it had run out.
        leases = ",".join(f"('{e}'::uuid, '{lease}'::timestamptz)" for e, lease in a_leases.items())
        early = psql(self.db_url, "SELECT t.event_id, t.at, v.lease FROM processing_timeline t"
                                  f" JOIN (VALUES {leases}) AS v (event_id, lease) ON t.event_id = v.event_id"
                                  " WHERE t.stage = 'evaluate' AND t.at < v.lease").strip()
        self.assertEqual(early, "", "evaluated (event|at|lease) before A's lease ran out")
        return b

    # ------------------------------------------------------------------ tests

    def test_an_event_killed_in_evaluation_is_published_by_the_next_deltad(self):
        self.stub.control(mode="latency", latency_ms=SLOW_MS)
        a = self.start_node()
        user = self.new_user(a)
        event_id = self.submit(a, user, {"source": "tv", "symbol": "AAPL", "side": "long", "price": 190.5})
        doc = self.wait_status(a, user, event_id, "enriched")
        self.assertEqual([(t["stage"], t["status"]) for t in doc["timeline"]], STAGES[:2])
        poll_until(lambda: self.stub_calls("latency") >= len(MODELS), PIPELINE_TIMEOUT,
                   "both evaluator calls of A at the stub")

        self.kill(a)
        self.stub.control(mode="ok")
        leases = self.assert_held([event_id], "enriched")
        self.resume(user, [event_id], leases)
        self.assertEqual(self.stub_calls("latency"), len(MODELS), "A's calls only were slow")

    def test_an_event_killed_before_enrichment_is_published_by_the_next_deltad(self):
        # A long statement_timeout: A's enrich waits on the lock until the kill.
        a = self.start_node(database__query_timeout_ms=60000)
        user = self.new_user(a)
        lock = PsqlSession(self.db_url)
        self.addCleanup(lock.close)
        lock.run("BEGIN; LOCK TABLE candles IN ACCESS EXCLUSIVE MODE;")
        event_id = self.submit(a, user, {"source": "tv", "symbol": "MSFT", "side": "short"})
        dbname = self.db_url.rsplit("/", 1)[1]
        poll_until(lambda: psql(self.db_url, "SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                             f"'{dbname}' AND wait_event_type = 'Lock'"
                                             " AND query LIKE '%FROM candles%'").strip() != "0",
                   PIPELINE_TIMEOUT, "A's enrich stage waiting on the candles lock")
        self.assertEqual(self.wait_status(a, user, event_id, "received")["timeline"][-1]["stage"], "ingest")

        self.kill(a)
        lock.close()
        leases = self.assert_held([event_id], "received")
        self.assertEqual(psql(self.db_url, f"SELECT count(*) FROM enriched_events WHERE event_id = '{event_id}'")
                         .strip(), "0")
        self.resume(user, [event_id], leases)

    def test_twenty_events_killed_in_flight_are_all_published_once(self):
        n = 20
        self.stub.control(mode="latency", latency_ms=SLOW_MS)
        a = self.start_node()
        user = self.new_user(a)
        symbols = ["AAPL", "MSFT", "SPY", "BTC-USD"]
        sides = ["long", "short", "close"]
        ids = [self.submit(a, user, {"source": "tv", "symbol": symbols[i % len(symbols)],
                                     "side": sides[i % len(sides)]}) for i in range(n)]
        self.assertEqual(len(set(ids)), n)
        poll_until(lambda: set(self.statuses(ids).values()) == {"enriched"}, PIPELINE_TIMEOUT,
                   f"all {n} events enriched by A")
        poll_until(lambda: self.stub_calls("latency") >= n * len(MODELS), PIPELINE_TIMEOUT,
                   f"all {n * len(MODELS)} evaluator calls of A at the stub")

        self.kill(a)
        self.stub.control(mode="ok")
        leases = self.assert_held(ids, "enriched")
        self.resume(user, ids, leases)
        # None lost, none added: the user has exactly these events.
        self.assertEqual(psql(self.db_url, f"SELECT count(*) FROM events WHERE owner_user_id = '{user.user_id}'")
                         .strip(), str(n))


if __name__ == "__main__":
    import unittest
    unittest.main()
