"""Database outage and recovery, against a PostgreSQL cluster of this test's own
(the shared test cluster must not be stopped)."""

import threading
import time
import unittest

from tests.e2e.harness import Deltad, DeltaTestCase, PrivateCluster

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
        cls.deltad = Deltad(cls.cluster.url)
        cls.addClassCleanup(cls.deltad.close)
        cls.deltad.start()

    def get(self, path):
        return self.deltad.get(path)

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

        ready = self.get("/ready")
        self.assertEqual(ready.status, 503, ready.body)
        self.assertEqual(ready.json["status"], "not_ready")
        self.assertIsInstance(ready.json["components"], dict)
        self.assertIn("database", ready.json["components"])
        self.assert_common_headers(ready)

        detailed = self.get("/health/detailed")
        self.assertEqual(detailed.status, 503, detailed.body)
        self.assertEqual(detailed.json["status"], "unhealthy")
        self.assertNotEqual(detailed.json["components"]["database"]["status"], "healthy")
        self.assert_no_leak(detailed)

        health = self.get("/health")
        self.assertEqual((health.status, health.json), (200, {"status": "ok"}),
                         "liveness must not depend on the database")

        self.cluster.start()

        # Bounded poll for recovery: one request, then threading.Event().wait(0.2)
        # (a bounded pause between polls, not a synchronisation), up to 30 s.
        pause = threading.Event()
        deadline = time.monotonic() + RECOVERY_TIMEOUT
        status = None
        while time.monotonic() < deadline:
            status = self.get("/ready").status
            if status == 200:
                break
            self.assertEqual(status, 503)
            pause.wait(0.2)
        self.assertEqual(status, 200, f"not ready {RECOVERY_TIMEOUT}s after PostgreSQL came back\n"
                                      f"{self.deltad.output_tail()}")

        r = self.get(BASE + "/T0045")
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json["data"]["ticker"], "T0045")
        data = self.get(BASE + "?q=T19&limit=7")
        self.assertEqual(data.status, 200)
        self.assertEqual(len(data.json["data"]), 7)
        self.assertEqual(self.get("/health/detailed").json["status"], "healthy")
        self.assertTrue(self.deltad.running(), "deltad exited during the outage")


if __name__ == "__main__":
    unittest.main()
