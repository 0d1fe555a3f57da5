"""Database outage and recovery, against a PostgreSQL cluster of this test's own
(the shared test cluster must not be stopped). While PostgreSQL is down the
probes answer their documented bodies whatever credentials they carry (an
API key whose cached resolution has expired once made /ready answer the
error envelope: resolving it needs the database)."""

import time
import unittest

from tests.e2e.harness import DEMO_AUTH, Deltad, DeltaTestCase, PrivateCluster, poll_until

BASE = "/api/v2/market/securities"
RECOVERY_TIMEOUT = 30.0


class OutageTest(DeltaTestCase):
    start_server = False

    @classmethod
    def setUpClass(cls):
        # no super(): this class uses its own cluster, not the shared one
        cls.cluster = PrivateCluster()
        cls.addClassCleanup(cls.cluster.destroy)
        cls.cluster.init()
        cls.cluster.start()
        cls.deltad = Deltad(cls.cluster.url, headers=DEMO_AUTH)  # the market routes need credentials
        cls.addClassCleanup(cls.deltad.close)
        cls.deltad.start()
        cls.deltad.wait_serving()   # the start-up race is test_ratelimit.LateDatabaseTest's

    def get(self, path):
        return self.deltad.get(path)

    def poll_until(self, condition, deadline, what):
        try:
            poll_until(condition, max(0.0, deadline - time.monotonic()), what)
        except AssertionError as e:
            self.fail(f"{e} (PostgreSQL came back)\n{self.deltad.output_tail()}")

    def test_outage_gives_503_and_service_resumes_by_itself(self):
        # healthy
        r = self.get(BASE + "/T0042")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json["data"]["ticker"], "T0042")
        self.assertEqual(self.get("/ready").status, 200)

        self.cluster.stop("fast")

        # uncached tickers and lists: 503 unavailable (a cached one may still be served)
        for ticker in ("T0043", "T0044"):
            self.assert_error(self.get(f"{BASE}/{ticker}"), 503, "unavailable")
        self.assert_error(self.get(BASE + "?q=T19&limit=7"), 503, "unavailable")
        self.assertIn(self.get(BASE + "/T0042").status, (200, 503))

        # The probes answer their documented shape whatever credentials come
        # with them: none, a key resolved before the outage, and one never seen
        # (resolving it would need the database; a probe does not use it).
        for credentials in ({}, DEMO_AUTH, {"X-API-Key": "dk_live_" + "n" * 43}):
            with self.subTest(credentials=sorted(credentials)):
                ready = self.deltad.get("/ready", credentials, anonymous=not credentials)
                self.assertEqual(ready.status, 503, ready.body)
                self.assertIsInstance(ready.json, dict, ready.body)
                self.assertEqual(ready.json.get("status"), "not_ready", ready.body)
                self.assertIsInstance(ready.json["components"], dict)
                self.assertIn("database", ready.json["components"])
                self.assert_common_headers(ready)

                detailed = self.deltad.get("/health/detailed", credentials, anonymous=not credentials)
                self.assertEqual(detailed.status, 503, detailed.body)
                self.assertEqual(detailed.json.get("status"), "unhealthy", detailed.body)
                self.assertNotEqual(detailed.json["components"]["database"]["status"], "healthy")
                self.assert_no_leak(detailed)

        health = self.get("/health")
        self.assertEqual((health.status, health.json), (200, {"status": "ok"}),
                         "liveness must not depend on the database")

        self.cluster.start()

        deadline = time.monotonic() + RECOVERY_TIMEOUT
        self.poll_until(lambda: self.get("/ready").status == 200, deadline, "/ready is 200")

        r = self.get(BASE + "/T0045")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json["data"]["ticker"], "T0045")
        data = self.get(BASE + "?q=T19&limit=7")
        self.assertEqual(data.status, 200)
        self.assertEqual(len(data.json["data"]), 7)
        # the rest of the pool may still be reconnecting ("degraded"); it must get there
        self.poll_until(lambda: (self.get("/health/detailed").json or {}).get("status") == "healthy", deadline,
                        "/health/detailed is healthy")
        self.assertTrue(self.deltad.running(), "deltad exited during the outage")


if __name__ == "__main__":
    unittest.main()
