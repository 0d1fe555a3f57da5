"""Operations routes: /health, /ready, /health/detailed, /metrics, /openapi.json,
/docs, and the JSON log lines (access log included); /ready tells the truth
while deltad starts."""

import collections
import json
import os
import subprocess
import threading
import time
import unittest

from tests.e2e.harness import (DEMO_AUTH, Deltad, DeltaTestCase, parse_prometheus, poll_until,
                               use_private_cluster)

TICKER_ROUTE = "/api/v2/market/securities/{ticker}"
LIST_ROUTE = "/api/v2/market/securities"
ALL_ROUTES = {
    "/health": {"get"},
    "/ready": {"get"},
    "/health/detailed": {"get"},
    "/metrics": {"get"},
    "/openapi.json": {"get"},
    "/docs": {"get"},
    LIST_ROUTE: {"get", "post"},
    TICKER_ROUTE: {"get"},
    "/api/v2/users/register": {"post"},
    "/api/v2/users/login": {"post"},
    "/api/v2/users/logout": {"post"},
    "/api/v2/users/me": {"get"},
    "/api/v2/platform/tiers": {"get"},
    "/api/v2/platform/api-keys": {"get", "post"},
    "/api/v2/platform/api-keys/{key_id}": {"delete"},
    "/api/v2/platform/admin/entitlements/{tier}/{feature}": {"put"},
    "/api/v2/platform/admin/tiers/{tier}": {"put"},
    "/api/v2/platform/admin/users/{user_id}": {"patch"},
}
LOG_LEVELS = {"trace", "debug", "info", "warn", "warning", "error", "critical", "off"}


class OperationsTest(DeltaTestCase):
    default_headers = DEMO_AUTH   # the market routes need credentials

    def test_health(self):
        r = self.deltad.get("/health")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers.get("content-type", "").startswith("application/json"))
        self.assertEqual(r.json, {"status": "ok"})
        self.assert_common_headers(r)

    def test_deltactl_reads_the_operations_routes(self):
        deltactl = os.environ.get("DELTACTL")
        self.assertTrue(deltactl, "DELTACTL (path of the deltactl binary) is not set")
        for command, check in (
            ("health", lambda out: self.assertEqual(json.loads(out), {"status": "ok"})),
            ("ready", lambda out: self.assertEqual(json.loads(out), {"status": "ready"})),
            ("detailed", lambda out: self.assertIn("database", json.loads(out)["components"])),
            ("metrics", lambda out: self.assertIn("delta_http_requests_total", out)),
            ("openapi", lambda out: self.assertTrue(json.loads(out)["openapi"].startswith("3."))),
        ):
            with self.subTest(command=command):
                done = subprocess.run([deltactl, "--url", self.deltad.base_url, command],
                                      capture_output=True, text=True, timeout=30)
                self.assertEqual(done.returncode, 0, done.stderr)
                check(done.stdout)

    def test_deltactl_fails_clearly_when_no_node_answers(self):
        deltactl = os.environ.get("DELTACTL")
        self.assertTrue(deltactl, "DELTACTL (path of the deltactl binary) is not set")
        # Port 1 on loopback: nothing listens there, the connect is refused at
        # once. Exit 3 is deltactl's "cannot connect" (deltactl --help).
        done = subprocess.run([deltactl, "--url", "http://127.0.0.1:1", "health"],
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(done.returncode, 3)
        self.assertIn("deltactl: http://127.0.0.1:1", done.stderr)

    def test_ready(self):
        r = self.deltad.get("/ready")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json, {"status": "ready"})
        self.assert_common_headers(r)

    def test_health_detailed_reports_database_with_pool_figures(self):
        def healthy():
            nonlocal r
            r = self.deltad.get("/health/detailed")
            self.assertEqual(r.status, 200, r.body)
            self.assertIn(r.json["status"], ("healthy", "degraded"))
            return r.json["status"] == "healthy"

        r = None
        # right after start-up the pool may still be connecting ("degraded", 200)
        poll_until(healthy, 10, "healthy")
        self.assert_common_headers(r)
        db = r.json["components"]["database"]
        self.assertEqual(db["status"], "healthy")
        self.assertIsInstance(db["message"], str)
        details = db["details"]
        self.assertIsInstance(details, dict)
        numbers = [v for v in details.values() if isinstance(v, (int, float)) and not isinstance(v, bool)]
        self.assertTrue(numbers, f"database details carry no pool figures: {details}")

    # -- metrics

    def metrics(self):
        r = self.deltad.get("/metrics")
        self.assertEqual(r.status, 200, r.body)
        self.assertTrue(r.headers.get("content-type", "").startswith("text/plain"),
                        r.headers.get("content-type"))
        text = r.body.decode("utf-8")
        return text, parse_prometheus(text)

    @staticmethod
    def value(samples, name, **labels):
        total = 0.0
        for n, l, v in samples:
            if n == name and all(l.get(k) == want for k, want in labels.items()):
                total += v
        return total

    def wait_for_metric(self, name, minimum, **labels):
        """The counter may be bumped just after the response is written: bounded poll."""
        found = []

        def reached():
            found[:] = [self.metrics()]
            return self.value(found[0][1], name, **labels) >= minimum

        poll_until(reached, 5, f"{name}{labels} >= {minimum}")
        return found[0]

    def test_metrics_counts_requests_by_method_route_status(self):
        _, samples = self.metrics()
        labels = {"method": "GET", "route": "/health", "status": "200"}
        before = self.value(samples, "delta_http_requests_total", **labels)
        for _ in range(3):
            self.assertEqual(self.deltad.get("/health").status, 200)
        text, samples = self.wait_for_metric("delta_http_requests_total", before + 3, **labels)
        self.assertTrue("# TYPE delta_http_requests_total counter" in text, "no TYPE line for the counter")

    def test_metrics_label_parameterised_routes_by_template(self):
        self.assertEqual(self.deltad.get("/api/v2/market/securities/T0042").status, 200)
        self.assertEqual(self.deltad.get("/api/v2/market/securities/ZZZZ9").status, 404)
        _, samples = self.wait_for_metric("delta_http_requests_total", 1,
                                          method="GET", route=TICKER_ROUTE, status="404")
        self.assertGreaterEqual(self.value(samples, "delta_http_requests_total",
                                           method="GET", route=TICKER_ROUTE, status="200"), 1)
        routes = {l.get("route") for n, l, _ in samples if n == "delta_http_requests_total"}
        self.assertNotIn("/api/v2/market/securities/T0042", routes,
                         "route label must be the template, not the concrete path")

    def test_metrics_latency_histogram_per_route(self):
        for _ in range(2):
            self.deltad.get("/health")
        name = "delta_http_request_duration_seconds"
        text, samples = self.wait_for_metric(name + "_count", 2, route="/health")
        self.assertTrue(f"# TYPE {name} histogram" in text, f"no TYPE line for {name}")
        buckets = [(l["le"], v) for n, l, v in samples
                   if n == name + "_bucket" and l.get("route") == "/health" and "le" in l]
        # one histogram per route: sum buckets over other labels (method, status) per le
        per_le = {}
        for le, v in buckets:
            per_le[le] = per_le.get(le, 0) + v
        self.assertIn("+Inf", per_le, f"no +Inf bucket for /health: {buckets}")
        ordered = sorted(per_le.items(), key=lambda kv: float(kv[0]))
        values = [v for _, v in ordered]
        self.assertEqual(values, sorted(values), "bucket counts must be cumulative")
        count = self.value(samples, name + "_count", route="/health")
        self.assertEqual(per_le["+Inf"], count)
        self.assertGreaterEqual(self.value(samples, name + "_sum", route="/health"), 0)

    def test_metrics_pool_gauges_and_actor_restarts(self):
        text, samples = self.metrics()
        pool = [n for n, _, _ in samples if n.startswith("delta_db_pool_")]
        self.assertTrue(pool, "no delta_db_pool_* samples")
        self.assertRegex(text, r"# TYPE delta_db_pool_\w+ gauge")
        self.assertTrue("delta_actor_restarts_total" in text, "no delta_actor_restarts_total in /metrics")

    # -- OpenAPI and docs

    def test_openapi_document_lists_every_route(self):
        r = self.deltad.get("/openapi.json")
        self.assertEqual(r.status, 200, r.body)
        self.assertTrue(r.headers.get("content-type", "").startswith("application/json"))
        doc = r.json
        self.assertTrue(str(doc.get("openapi", "")).startswith("3."), doc.get("openapi"))
        self.assertIsInstance(doc.get("info", {}).get("title"), str)
        self.assertIn("version", doc["info"])
        paths = doc["paths"]
        for path, methods in ALL_ROUTES.items():
            self.assertIn(path, paths, f"{path} missing from the OpenAPI document")
            present = {m for m in paths[path] if m in {"get", "post", "put", "patch", "delete"}}
            self.assertTrue(methods <= present, f"{path}: documents {present}, expected {methods}")
            for m in methods:
                self.assertIn("responses", paths[path][m], f"{m.upper()} {path} has no responses")

    def test_openapi_documents_parameters(self):
        doc = self.deltad.get("/openapi.json").json

        def resolve(p):
            if "$ref" in p:
                node = doc
                for part in p["$ref"].lstrip("#/").split("/"):
                    node = node[part]
                return node
            return p

        def params(path, method):
            item = doc["paths"][path]
            ps = item.get("parameters", []) + item[method].get("parameters", [])
            return {(resolve(p)["name"], resolve(p)["in"]) for p in ps}

        self.assertTrue({("q", "query"), ("limit", "query"), ("offset", "query")}
                        <= params(LIST_ROUTE, "get"))
        self.assertIn(("ticker", "path"), params(TICKER_ROUTE, "get"))

    def test_every_documented_get_route_answers(self):
        doc = self.deltad.get("/openapi.json").json
        for path, item in doc["paths"].items():
            if "get" not in item:
                continue
            concrete = path.replace("{ticker}", "AAPL")
            if "{" in concrete:
                continue
            r = self.deltad.get(concrete)
            self.assertNotIn(r.status, (404, 405), f"documented GET {path} answers {r.status}")
            self.assertLess(r.status, 500, f"GET {path} answers {r.status}")

    def test_docs_page_renders_the_document(self):
        r = self.deltad.get("/docs")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.headers.get("content-type", "").startswith("text/html"),
                        r.headers.get("content-type"))
        self.assertIn(b"<html", r.body.lower())
        self.assertIn(b"openapi.json", r.body)
        self.assert_common_headers(r)

    # -- logs

    def test_every_stdout_line_is_a_json_log_object(self):
        self.deltad.get("/health")
        self.deltad.wait_for_log(lambda o: o.get("path") == "/health" and "status" in o)
        with self.deltad._cond:
            lines = list(self.deltad.lines)
        self.assertTrue(lines)
        for line in lines:
            self.assertIsNotNone(line.obj, f"stdout line is not a JSON object: {line.text!r}")
            for key in ("ts", "level", "message"):
                self.assertIn(key, line.obj, f"log line lacks {key!r}: {line.text}")
            self.assertIn(str(line.obj["level"]).lower(), LOG_LEVELS, line.text)

    def test_listening_line_names_the_url(self):
        url = self.deltad.listening.get("url", "")
        self.assertIn(str(self.deltad.port), url)

    def test_access_log_line_per_request(self):
        since = self.deltad.mark()
        rid = "ops-access-log-1"
        r = self.deltad.get("/api/v2/market/securities/T0042", {"X-Request-ID": rid})
        self.assertEqual(r.status, 200)
        line = self.deltad.wait_for_log(lambda o: o.get("request_id") == rid and "status" in o,
                                        since=since)
        self.assertEqual(line["route"], TICKER_ROUTE)
        self.assertEqual(line["status"], 200)
        self.assertEqual(line["method"], "GET")
        self.assertEqual(line["path"], "/api/v2/market/securities/T0042")
        self.assertIsInstance(line["duration_ms"], (int, float))
        self.assertGreaterEqual(line["duration_ms"], 0)

    def test_access_log_for_errors(self):
        since = self.deltad.mark()
        rid = "ops-access-log-404"
        r = self.deltad.get("/api/v2/market/securities/ZZZZ9", {"X-Request-ID": rid})
        self.assertEqual(r.status, 404)
        line = self.deltad.wait_for_log(lambda o: o.get("request_id") == rid and "status" in o,
                                        since=since)
        self.assertEqual(line["status"], 404)
        self.assertEqual(line["route"], TICKER_ROUTE)


class AccessLogDisabledTest(DeltaTestCase):
    """DELTA_LOG__ACCESS=false: requests are answered, no access lines are written."""

    config = {"log__access": False}

    def test_no_access_log_lines(self):
        rid = "ops-no-access-log"
        self.assertEqual(self.deltad.get("/health", {"X-Request-ID": rid}).status, 200)
        # Stopping flushes every line the process will ever write: an event, not a wait.
        self.assertEqual(self.deltad.stop(), 0)
        access = [o for o in self.deltad.log_objects()
                  if o.get("request_id") == rid and "status" in o]
        self.assertEqual(access, [], "access lines written although log.access=false")


class ReadyAtStartTest(DeltaTestCase):
    """/ready says 200 only once the node serves: a burst of authenticated
    POSTs sent the moment it does gets no 503. The start-up window is wide
    on purpose: deltad starts while its PostgreSQL is down, and its pool
    reconnects on its own once the database is back."""
    start_server = False

    @classmethod
    def setUpClass(cls):
        use_private_cluster(cls)   # no super(): the test stops and starts this cluster

    def test_a_burst_right_after_ready_is_served(self):
        self.cluster.stop("fast")
        d = Deltad(self.cluster.url, prepare=False, headers=DEMO_AUTH, database__migrate_on_start=False,
                   ratelimit__groups="signals.submit=100000/100000")
        self.addCleanup(d.close)
        d.start()
        self.assertEqual(d.get("/ready", anonymous=True).status, 503)
        self.cluster.start()
        # A bounded poll with no pause between the probes: the burst must
        # start the moment /ready first says 200.
        deadline = time.monotonic() + 30
        while d.get("/ready", anonymous=True).status != 200:
            self.assertLess(time.monotonic(), deadline, "not ready within 30 s of the database coming back")
        statuses = collections.Counter()
        lock = threading.Lock()

        def post(n):
            r = d.request("POST", "/api/v2/signals", {"Content-Type": "application/json"},
                          {"source": f"e2e-ready-{n}", "symbol": "AAPL", "side": "long"})
            with lock:
                statuses[r.status] += 1

        threads = [threading.Thread(target=post, args=(n,)) for n in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        self.assertEqual(statuses, {202: 20}, "answers to a burst sent as soon as /ready said 200")
        self.assertEqual(d.stop(), 0)


if __name__ == "__main__":
    unittest.main()
