"""Durable jobs end to end: deltad, PostgreSQL and tools/llm-stub over real sockets.

POST /api/v2/signals/research/{ticker}/reports (202 after commit, links.self,
the report written through the LLM use case report_generate), unique jobs,
POST /api/v2/signals/backtests over the stored demo candles, GET/DELETE
/api/v2/jobs/{job_id} (owner or admin; others 404), a job whose providers all
fail going dead and being retried by an admin, cancelling a running job, the
admin dead-letter list, body validation with exact codes, and the queue in
/health/detailed and /metrics.

The routing rows are pointed at this module's own stub before deltad starts;
each test uses its own stub behaviour per model and restores it. Waits are
bounded polls on the job's state, never sleeps.

Needs DELTAD, DELTA_TEST_DATABASE_URL and LLM_STUB (ctest sets them)."""

import unittest

from tests.e2e.harness import RFC3339_UTC_RE, parse_prometheus, poll_until, psql
from tests.e2e.stubbed import StubbedDeltaTestCase

REPORTS = "/api/v2/signals/research/{}/reports"
BACKTESTS = "/api/v2/signals/backtests"
JOBS = "/api/v2/jobs/"
ADMIN_JOBS = "/api/v2/platform/admin/jobs"
JOB_FIELDS = {"job_id", "kind", "status", "progress", "attempts", "max_attempts", "result", "error",
              "created_at", "started_at", "finished_at"}
FINISHED = {"succeeded", "dead", "cancelled"}
PRIMARY, FALLBACK = "stub-primary", "stub-fallback"   # report_generate's seeded endpoints
JOB_TIMEOUT = 30.0


class JobsTest(StubbedDeltaTestCase):
    maxDiff = 8000

    with_candles = True
    provider_key = "sk-jobs-e2e"
    config = dict(llm__retry_base_ms=1, llm__retry_cap_ms=5, llm__max_attempts=1,
                  llm__breaker_failure_threshold=1000,
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

    def call(self, method, path, user, body=None):
        return self.deltad.request(method, path, user.bearer if user else None, body, anonymous=True)

    def report(self, user, ticker="MSFT", report_type="summary"):
        return self.call("POST", REPORTS.format(ticker), user, {"report_type": report_type})

    def accepted(self, r):
        self.assertEqual(r.status, 202, r.body)
        data = r.json["data"]
        self.assertEqual(set(data), {"job_id", "status"})
        self.assertIn(data["status"], ("queued", "running"))
        self.assertEqual(r.json["links"]["self"], JOBS + data["job_id"])
        return data["job_id"]

    def job(self, job_id, user=None):
        r = self.call("GET", JOBS + job_id, user or self.admin)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(set(r.json["data"]), JOB_FIELDS)
        return r.json["data"]

    def wait_for(self, job_id, statuses, user=None, timeout=JOB_TIMEOUT):
        seen = {}

        def reached():
            seen["job"] = self.job(job_id, user)
            return seen["job"]["status"] in statuses
        poll_until(reached, timeout, f"job {job_id} in {statuses} (last: {seen.get('job')})")
        return seen["job"]

    def assert_error(self, r, status, code):
        self.assertEqual(r.status, status, r.body)
        self.assertEqual(r.json["error"]["code"], code, r.body)

    def assert_problem(self, r, field):
        self.assert_error(r, 422, "validation_failed")
        fields = [d["field"] for d in r.json["error"]["details"]]
        self.assertIn(field, fields, r.body)

    # ------------------------------------------------------------------ research reports

    def test_a_report_goes_from_202_to_succeeded_through_the_llm(self):
        job_id = self.accepted(self.report(self.analyst, "MSFT", "full"))
        done = self.wait_for(job_id, FINISHED, self.analyst)
        self.assertEqual(done["status"], "succeeded", done)
        self.assertEqual(done["kind"], "research_report")
        self.assertEqual(done["progress"], 100)
        self.assertEqual(done["attempts"], 1)
        result = done["result"]
        self.assertEqual(set(result), {"ticker", "report_type", "content", "model", "provider"})
        self.assertEqual((result["ticker"], result["report_type"]), ("MSFT", "full"))
        self.assertEqual((result["provider"], result["model"]), ("openai_compat", PRIMARY))
        self.assertTrue(result["content"].startswith("stub answer to: Write a full research report on"),
                        result["content"])
        for key in ("created_at", "started_at", "finished_at"):
            self.assertRegex(done[key], RFC3339_UTC_RE)
        self.assertIsNone(done["error"])

    def test_a_report_falls_back_when_the_primary_fails(self):
        self.stub.control(models={PRIMARY: {"mode": "error500"}})
        job_id = self.accepted(self.report(self.analyst, "SPY"))
        done = self.wait_for(job_id, FINISHED, self.analyst)
        self.assertEqual(done["status"], "succeeded", done)
        self.assertEqual(done["result"]["model"], FALLBACK)

    def test_the_same_report_while_one_is_running_is_the_same_job(self):
        self.stub.control(models={PRIMARY: {"mode": "hang"}})
        first = self.accepted(self.report(self.other, "AAPL", "summary"))
        self.wait_for(first, {"running"}, self.other)
        second = self.accepted(self.report(self.other, "AAPL", "summary"))
        self.assertEqual(first, second)
        other_type = self.accepted(self.report(self.other, "AAPL", "full"))
        self.assertNotEqual(first, other_type)
        for job_id in (first, other_type):
            r = self.call("DELETE", JOBS + job_id, self.other)
            self.assertIn(r.status, (200, 409), r.body)
            self.wait_for(job_id, FINISHED, self.other)

    def test_jobs_of_others_do_not_exist_for_the_caller(self):
        job_id = self.accepted(self.report(self.analyst, "ETH-USD"))
        self.wait_for(job_id, FINISHED, self.analyst)
        for method in ("GET", "DELETE"):
            self.assert_error(self.call(method, JOBS + job_id, self.other), 404, "not_found")
        self.assertEqual(self.job(job_id, self.admin)["job_id"], job_id)
        self.assert_error(self.call("GET", JOBS + job_id, None), 401, "unauthorized")
        self.assert_error(self.call("GET", JOBS + "00000000-0000-4000-8000-000000000000", self.admin),
                          404, "not_found")
        self.assert_error(self.call("GET", JOBS + "not-a-uuid", self.admin), 404, "not_found")

    def report_jobs(self):
        return int(psql(self.db_url, "SELECT count(*) FROM jobs WHERE kind = 'research_report'"))

    def test_report_type_is_summary_or_full_exactly_and_required(self):
        before = self.report_jobs()
        for body in ({"report_type": "standard"}, {"report_type": ""}, {"report_type": "SUMMARY"},
                     {"report_type": "Full"}, {"report_type": " full"}, {"report_type": None}, {}):
            with self.subTest(body=body):
                self.assert_problem(self.call("POST", REPORTS.format("MSFT"), self.analyst, body), "report_type")
        self.assertEqual(self.report_jobs(), before, "a refused report request queued a job")

    def test_a_bad_report_type_is_refused_even_while_the_same_report_runs(self):
        self.stub.control(models={PRIMARY: {"mode": "hang"}})
        job_id = self.accepted(self.report(self.other, "MSFT", "summary"))
        self.addCleanup(self.call, "DELETE", JOBS + job_id, self.other)
        self.wait_for(job_id, {"running"}, self.other)
        for bad in ("SUMMARY", "summary "):
            with self.subTest(report_type=bad):
                self.assert_problem(self.report(self.other, "MSFT", bad), "report_type")
        self.assertEqual(self.accepted(self.report(self.other, "MSFT", "summary")), job_id)

    def test_report_requests_are_validated(self):
        self.assert_problem(self.call("POST", REPORTS.format("MSFT"), self.analyst, {"report_type": "long"}),
                            "report_type")
        self.assert_error(self.call("POST", REPORTS.format("MSFT"), self.analyst, {"report_type": 3}),
                          400, "bad_request")
        self.assert_error(self.call("POST", REPORTS.format("MSFT"), self.analyst, [1]), 400, "bad_request")
        self.assert_problem(self.report(self.analyst, "lower"), "ticker")
        self.assert_error(self.report(self.analyst, "NOPE123"), 404, "not_found")
        self.assert_error(self.report(self.free), 403, "not_entitled")
        self.assert_error(self.report(None), 401, "unauthorized")

    # ------------------------------------------------------------------ dead letters, retry, cancel

    def test_a_job_whose_providers_all_fail_goes_dead_and_an_admin_retry_runs_it_again(self):
        self.stub.control(models={PRIMARY: {"mode": "error500"}, FALLBACK: {"mode": "error500"}})
        job_id = self.accepted(self.report(self.analyst, "BTC-USD"))
        dead = self.wait_for(job_id, FINISHED, self.analyst, timeout=60)
        self.assertEqual(dead["status"], "dead", dead)
        self.assertEqual(dead["attempts"], dead["max_attempts"])
        self.assertIn("unavailable", dead["error"])
        listed = self.call("GET", ADMIN_JOBS + "?status=dead&limit=1000", self.admin)
        self.assertEqual(listed.status, 200, listed.body)
        self.assertIn(job_id, [j["job_id"] for j in listed.json["data"]])
        self.assertTrue(all(j["status"] == "dead" for j in listed.json["data"]))
        self.assertGreaterEqual(listed.json["meta"]["total"], 1)
        self.stub.control(models={})
        r = self.call("POST", f"{ADMIN_JOBS}/{job_id}/retry", self.admin)
        self.assertEqual(r.status, 200, r.body)
        self.assertIn(r.json["data"]["status"], ("queued", "running", "succeeded"))
        again = self.wait_for(job_id, FINISHED, self.analyst)
        self.assertEqual(again["status"], "succeeded", again)
        # Only dead jobs can be retried.
        self.assert_error(self.call("POST", f"{ADMIN_JOBS}/{job_id}/retry", self.admin), 409, "conflict")

    def test_cancelling_a_running_job_stops_it(self):
        self.stub.control(models={PRIMARY: {"mode": "hang"}})
        job_id = self.accepted(self.report(self.analyst, "SPY", "full"))
        self.wait_for(job_id, {"running"}, self.analyst)
        r = self.call("DELETE", JOBS + job_id, self.analyst)
        self.assertEqual(r.status, 200, r.body)
        self.assertIn(r.json["data"]["status"], ("running", "cancelled"))
        done = self.wait_for(job_id, FINISHED, self.analyst)
        self.assertEqual(done["status"], "cancelled", done)
        self.assertIsNone(done["result"])
        # A finished job cannot be cancelled.
        self.assert_error(self.call("DELETE", JOBS + job_id, self.analyst), 409, "conflict")

    def test_the_admin_job_list_is_for_admins_and_validates_its_query(self):
        self.assert_error(self.call("GET", ADMIN_JOBS + "?status=dead", self.analyst), 403, "forbidden")
        self.assert_error(self.call("GET", ADMIN_JOBS + "?status=dead", None), 401, "unauthorized")
        self.assert_problem(self.call("GET", ADMIN_JOBS + "?status=lost", self.admin), "status")
        self.assert_problem(self.call("GET", ADMIN_JOBS + "?limit=0", self.admin), "limit")
        self.assert_error(self.call("POST", f"{ADMIN_JOBS}/not-a-uuid/retry", self.admin), 404, "not_found")
        self.assert_error(self.call("POST", f"{ADMIN_JOBS}/00000000-0000-4000-8000-000000000000/retry",
                                    self.admin), 404, "not_found")

    # ------------------------------------------------------------------ backtests

    def backtest_body(self, **overrides):
        body = {"ticker": "BTC-USD", "timeframe": "1h",
                "strategy": {"type": "sma_cross", "fast": 5, "slow": 20},
                "from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00Z"}
        body.update(overrides)
        return body

    def test_a_backtest_runs_over_the_stored_candles(self):
        # The demo's BTC-USD week: hourly SMA crossings, and 5-minute RSI
        # extremes (the hourly RSI of the synthetic series never leaves 30..70).
        for timeframe, strategy in (("1h", {"type": "sma_cross", "fast": 5, "slow": 20}),
                                    ("5m", {"type": "rsi_reversion", "period": 14, "lower": 30, "upper": 70})):
            body = self.backtest_body(strategy=strategy, timeframe=timeframe)
            job_id = self.accepted(self.call("POST", BACKTESTS, self.analyst, body))
            done = self.wait_for(job_id, FINISHED, self.analyst)
            self.assertEqual(done["status"], "succeeded", done)
            result = done["result"]
            self.assertEqual(set(result), {"trades", "total_return", "max_drawdown", "win_rate"})
            self.assertGreater(result["trades"], 0, (timeframe, strategy, result))
            self.assertGreaterEqual(result["max_drawdown"], 0)
            self.assertTrue(0 <= result["win_rate"] <= 1, result)

    def test_backtest_requests_are_validated(self):
        cases = [
            ({"strategy": None}, "strategy"),
            ({"strategy": {"type": "martingale"}}, "strategy.type"),
            ({"strategy": {"type": "sma_cross", "fast": 30, "slow": 10}}, "strategy.fast"),
            ({"strategy": {"type": "sma_cross", "fast": 5}}, "strategy.slow"),
            ({"strategy": {"type": "rsi_reversion", "period": 14, "lower": 70, "upper": 30}}, "strategy.lower"),
            ({"timeframe": "2h"}, "timeframe"),
            ({"from": "yesterday"}, "from"),
            ({"to": "2000-01-01T00:00:00Z"}, "to"),
            ({"ticker": "bad ticker"}, "ticker"),
            ({"ticker": "btc-usd"}, "ticker"),
            ({"ticker": ""}, "ticker"),
            ({"ticker": None}, "ticker"),
            ({"timeframe": "1H"}, "timeframe"),
            ({"timeframe": ""}, "timeframe"),
            ({"timeframe": None}, "timeframe"),
            ({"strategy": {"type": "SMA_CROSS", "fast": 5, "slow": 20}}, "strategy.type"),
            ({"strategy": {"fast": 5, "slow": 20}}, "strategy.type"),
            ({"strategy": {"type": "sma_cross", "fast": 0, "slow": 20}}, "strategy.fast"),
            ({"strategy": {"type": "sma_cross", "fast": 5.5, "slow": 20}}, "strategy.fast"),
            ({"strategy": {"type": "rsi_reversion", "period": 1, "lower": 30, "upper": 70}}, "strategy.period"),
            ({"strategy": {"type": "rsi_reversion", "period": 14, "lower": -1, "upper": 70}}, "strategy.lower"),
            ({"strategy": {"type": "rsi_reversion", "period": 14, "lower": 30, "upper": 101}}, "strategy.upper"),
            ({"from": "2026-01-01"}, "from"),
            ({"from": None}, "from"),
            ({"to": None}, "to"),
            ({"from": "2026-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, "to"),
        ]
        for overrides, field in cases:
            with self.subTest(field=field, overrides=overrides):
                body = self.backtest_body(**overrides)
                if overrides.get("strategy", 0) is None:
                    del body["strategy"]
                self.assert_problem(self.call("POST", BACKTESTS, self.analyst, body), field)
        self.assert_error(self.call("POST", BACKTESTS, self.analyst, self.backtest_body(strategy="sma")),
                          400, "bad_request")
        for wrong_type in ({"ticker": 7}, {"timeframe": 60}, {"from": 1767225600},
                           {"strategy": {"type": "sma_cross", "fast": "5", "slow": 20}}):
            with self.subTest(wrong_type=wrong_type):
                self.assert_error(self.call("POST", BACKTESTS, self.analyst, self.backtest_body(**wrong_type)),
                                  400, "bad_request")
        self.assert_error(self.call("POST", BACKTESTS, self.analyst, self.backtest_body(ticker="NOPE123")),
                          404, "not_found")
        self.assert_error(self.call("POST", BACKTESTS, self.free, self.backtest_body()), 403, "not_entitled")

    # ------------------------------------------------------------------ operations

    def test_the_queue_is_in_health_detailed_and_metrics(self):
        r = self.deltad.get("/health/detailed", anonymous=True)
        self.assertEqual(r.status, 200, r.body)
        jobs = r.json["components"]["jobs"]
        self.assertEqual(jobs["status"], "healthy")
        self.assertEqual(set(jobs["details"]), {"queued", "running", "failed", "dead"})
        metrics = parse_prometheus(self.deltad.get("/metrics", anonymous=True).body.decode())
        names = {sample[0] for sample in metrics}
        for name in ("delta_jobs_queue_depth", "delta_jobs_claimed_total"):
            self.assertIn(name, names)


if __name__ == "__main__":
    unittest.main()
