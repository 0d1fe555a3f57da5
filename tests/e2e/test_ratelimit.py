"""Rate limiting: RateLimit-* headers on every /api/v2 route, the exact hourly
quota of an API key (200 concurrent requests with one entry-tier key, 100/h:
exactly 100 pass), the anonymous per-IP limit (default 60/min burst 120;
configured burst 5), the per-user session limit, a tier's new hourly limit
taking effect within 5 s, and no false 429 while the tier table is not loaded
yet (deltad started before its database).

Every deltad here runs on a fresh database, so every bucket starts empty."""

import collections
import threading
import time
import unittest

from tests.e2e.harness import (DEMO_AUTH, TIER_LIMITS, Deltad, DeltaTestCase, PrivateCluster,
                               poll_until, prepare_database)

SECURITY = "/api/v2/market/securities/T0042"
TIERS = "/api/v2/platform/tiers"
ME = "/api/v2/users/me"
ADMIN = "/api/v2/platform/admin"
GENEROUS_IP_LIMIT = {"ratelimit__ip_per_minute": 100000, "ratelimit__ip_burst": 100000}
EFFECT_TIMEOUT = 5.0


def fire_concurrently(n, send):
    """Run send(i) for i in range(n) on n threads released together; return
    the list of results (exceptions are results too)."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        try:
            barrier.wait(timeout=30)
            results[i] = send(i)
        except Exception as e:  # noqa: BLE001 - reported by the caller
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    if any(t.is_alive() for t in threads):
        raise AssertionError(f"{n} concurrent requests still running after 120 s")
    return results


class KeyQuotaTest(DeltaTestCase):
    """API keys: the tier's exact hourly quota."""
    config = GENEROUS_IP_LIMIT

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        d = cls.deltad
        cls.admin = d.add_user(role="admin")
        cls.entry = d.add_user(tier="entry")
        cls.entry_key = d.new_key(cls.entry, "quota")["key"]

    def test_200_concurrent_requests_with_one_entry_key_exactly_100_pass(self):
        key = {"X-API-Key": self.entry_key}
        results = fire_concurrently(200, lambda i: self.deltad.request(
            "GET", SECURITY, {**key, "X-Request-ID": f"quota-{i}"}, timeout=60))
        errors = [r for r in results if isinstance(r, Exception)]
        self.assertEqual(errors[:5], [], f"{len(errors)} requests failed outright")
        statuses = collections.Counter(r.status for r in results)
        self.assertEqual(statuses, {200: 100, 429: 100}, f"statuses: {dict(statuses)}")
        remaining = []
        for r in results:
            if r.status == 200:
                self.assertEqual(r.json["data"]["ticker"], "T0042")
                limit, rem, reset = self.assert_ratelimit_headers(r)
                self.assertEqual(limit, 100)
                remaining.append(rem)
            else:
                self.assert_rate_limited(r)
                self.assertEqual(int(r.headers["ratelimit-limit"]), 100)
        self.assertEqual(sorted(remaining), list(range(100)),
                         "each admitted request must see its own place in the quota")
        # the quota stays spent: the next request is refused too
        self.assert_rate_limited(self.deltad.get(SECURITY, key))
        self.assert_rate_limited(self.deltad.get(ME, key))
        # other buckets are untouched: the same user's session, another user's key
        self.assertEqual(self.deltad.get(ME, self.entry.bearer).status, 200)
        other = self.deltad.add_user(tier="entry")
        other_key = self.deltad.new_key(other, "other")["key"]
        r = self.deltad.get(SECURITY, {"X-API-Key": other_key})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.assert_ratelimit_headers(r)[:2], (100, 99))

    def test_key_headers_carry_the_tiers_exact_quota(self):
        for tier in ("entry", "professional", "analyst", "research"):
            with self.subTest(tier=tier):
                user = self.deltad.add_user(tier=tier)
                key = {"X-API-Key": self.deltad.new_key(user, tier)["key"]}
                quota = TIER_LIMITS[tier][1]
                first = self.deltad.get(SECURITY, key)
                self.assertEqual(first.status, 200, first.body)
                self.assertEqual(self.assert_ratelimit_headers(first)[:2], (quota, quota - 1))
                # one bucket per key, whatever the route
                second = self.deltad.get(ME, key)
                self.assertEqual(second.status, 200, second.body)
                self.assertEqual(self.assert_ratelimit_headers(second)[:2], (quota, quota - 2))
                third = self.deltad.get(TIERS, key)
                self.assertEqual(self.assert_ratelimit_headers(third)[:2], (quota, quota - 3))
        demo = self.deltad.get(SECURITY, DEMO_AUTH)
        self.assertEqual(self.assert_ratelimit_headers(demo)[0], 10000)

    def test_every_api_v2_route_sends_ratelimit_headers(self):
        user = self.deltad.add_user(tier="professional")
        key = self.deltad.new_key(user, "headers")
        ki = {"X-API-Key": key["key"]}
        spare = self.deltad.new_key(user, "spare")
        self.deltad.new_key(user, "third")   # professional: 3 keys, so the next POST is 403
        token = self.deltad.login(user.email, user.password).json["data"]["token"]
        calls = [
            ("GET", TIERS, None, None, 200),
            ("GET", TIERS, ki, None, 200),
            ("GET", SECURITY, ki, None, 200),
            ("GET", "/api/v2/market/securities?limit=2", user.bearer, None, 200),
            ("GET", "/api/v2/market/securities/ZZZZ9", ki, None, 404),
            ("GET", "/api/v2/market/securities?limit=0", ki, None, 422),
            ("POST", "/api/v2/users/register", None,
             {"email": f"rl-{time.monotonic_ns()}@test.local", "password": "0123456789"}, 201),
            ("POST", "/api/v2/users/login", None, {"email": user.email, "password": "wrong-pass-123"}, 401),
            ("GET", ME, user.bearer, None, 200),
            ("GET", ME, ki, None, 200),
            ("GET", "/api/v2/platform/api-keys", user.bearer, None, 200),
            ("POST", "/api/v2/platform/api-keys", user.bearer, {"name": "one too many"}, 403),
            ("DELETE", f"/api/v2/platform/api-keys/{spare['key_id']}", user.bearer, None, 204),
            ("PUT", f"{ADMIN}/tiers/free", self.admin.bearer, {"api_keys_max": 0}, 200),
            ("POST", "/api/v2/users/logout", {"Authorization": "Bearer " + token}, None, 204),
        ]
        for method, path, headers, body, status in calls:
            with self.subTest(method=method, path=path):
                r = self.deltad.request(method, path, headers, body)
                self.assertEqual(r.status, status, r.body[:300])
                self.assert_ratelimit_headers(r)

    def test_no_ratelimit_headers_on_operations_routes(self):
        for path in ("/health", "/ready"):
            r = self.deltad.get(path)
            self.assertEqual(r.status, 200)
            self.assertNotIn("ratelimit-limit", r.headers)


class TierLimitChangeTest(DeltaTestCase):
    """PUT /admin/tiers/entry {"rate_limit_per_hour": 5}: existing entry keys get
    the new limit within 5 s, counted against what they already used."""
    config = GENEROUS_IP_LIMIT

    def test_new_hourly_limit_reaches_existing_keys(self):
        d = self.deltad
        admin = d.add_user(role="admin")
        a = d.add_user(tier="entry")
        b = d.add_user(tier="entry")
        key_a = {"X-API-Key": d.new_key(a, "a")["key"]}
        key_b = {"X-API-Key": d.new_key(b, "b")["key"]}
        first = d.get(SECURITY, key_a)
        self.assertEqual(self.assert_ratelimit_headers(first)[:2], (100, 99))

        def put_limit(value):
            r = d.request("PUT", f"{ADMIN}/tiers/entry", admin.bearer, {"rate_limit_per_hour": value})
            self.assert_meta(r)
            return r.json["data"]

        self.addCleanup(put_limit, TIER_LIMITS["entry"][1])
        data = put_limit(5)
        self.assertEqual((data["tier"], data["rate_limit_per_hour"], data["api_keys_max"]), ("entry", 5, 1))

        # watch key B (so that key A's use stays known): within 5 s its limit reads 5
        poll_until(lambda: d.get(ME, key_b).headers.get("ratelimit-limit") == "5", EFFECT_TIMEOUT,
                   "an entry key's RateLimit-Limit is 5")
        tiers = {t["tier"]: t for t in d.get(TIERS).json["data"]}
        self.assertEqual(tiers["entry"]["rate_limit_per_hour"], 5)
        # key A used 1 of its hour: 4 more pass, then 429
        results = [d.get(SECURITY, key_a) for _ in range(8)]
        self.assertEqual([r.status for r in results], [200] * 4 + [429] * 4,
                         [(r.status, r.headers.get("ratelimit-remaining")) for r in results])
        self.assertEqual([self.assert_ratelimit_headers(r)[:2] for r in results[:4]],
                         [(5, 3), (5, 2), (5, 1), (5, 0)])
        for r in results[4:]:
            self.assert_rate_limited(r)
            self.assertEqual(r.headers["ratelimit-limit"], "5")
        # newly created keys of the tier show the new limit too
        c = d.add_user(tier="entry")
        self.assertEqual(d.new_key(c, "c")["rate_limit_per_hour"], 5)

        # back to 100: key A passes again within 5 s (6 of 100 used)
        put_limit(100)
        poll_until(lambda: d.get(SECURITY, key_a).status == 200, EFFECT_TIMEOUT,
                   "key A passes again after the limit went back to 100")
        r = d.get(SECURITY, key_a)
        self.assertEqual(r.status, 200)
        limit, remaining, _ = self.assert_ratelimit_headers(r)
        self.assertEqual(limit, 100)
        self.assertLessEqual(remaining, 100 - 6)


class TierLimitUnderLoadTest(DeltaTestCase):
    """A tier's new hourly limit reaches keys whose buckets already exist
    within 5 s of the PUT, on the node that took the PUT and on a second
    node of the same database, while both are under concurrent load."""
    config = GENEROUS_IP_LIMIT
    LOAD_THREADS = 12

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.second = Deltad(cls.db_url, prepare=False, **GENEROUS_IP_LIMIT)
        cls.addClassCleanup(cls.second.close)
        cls.second.start()
        cls.second.wait_serving()

    def load(self, stop):
        """Keeps both nodes busy with keyed reads and database-bound lists
        until `stop` is set; returns the threads."""
        paths = (SECURITY, "/api/v2/market/securities?q=T1&limit=100", ME, TIERS)

        def run(i):
            node = (self.deltad, self.second)[i % 2]
            client = node.client(DEMO_AUTH)
            try:
                n = 0
                while not stop.is_set():
                    client.request("GET", paths[n % len(paths)])
                    n += 1
            except Exception:  # noqa: BLE001 - a load thread only keeps the nodes busy
                pass
            finally:
                client.close()

        threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(self.LOAD_THREADS)]
        for t in threads:
            t.start()
        return threads

    def test_a_live_buckets_limit_changes_within_5s_on_every_node_under_load(self):
        d, e = self.deltad, self.second
        admin = d.add_user(role="admin")
        owner = d.add_user(tier="entry")
        key = {"X-API-Key": d.new_key(owner, "live")["key"]}
        # the key's bucket is live on both nodes: 2 of 100 used on each
        for node in (d, e):
            for expected in (99, 98):
                r = node.get(SECURITY, key)
                self.assertEqual(self.assert_ratelimit_headers(r)[:2], (100, expected), r.body[:200])

        def put_limit(value):
            r = d.request("PUT", f"{ADMIN}/tiers/entry", admin.bearer, {"rate_limit_per_hour": value})
            self.assert_meta(r)

        self.addCleanup(put_limit, TIER_LIMITS["entry"][1])
        stop = threading.Event()
        threads = self.load(stop)
        self.addCleanup(lambda: [t.join(timeout=30) for t in threads])
        self.addCleanup(stop.set)
        start = time.monotonic()
        put_limit(7)
        seen = {}
        for name, node in (("first", d), ("second", e)):
            def limit_reads_7():
                r = node.get(ME, key)
                seen[name] = (r.status, r.headers.get("ratelimit-limit"), r.headers.get("ratelimit-remaining"))
                return seen[name][1] == "7"
            poll_until(limit_reads_7, max(0.0, start + EFFECT_TIMEOUT - time.monotonic()),
                       f"the live bucket on the {name} node reads RateLimit-Limit 7 (last: {seen.get(name)})")
        took = time.monotonic() - start
        self.assertLess(took, EFFECT_TIMEOUT, f"the new limit took {took:.2f} s")
        stop.set()
        # the same buckets, with what they had used: 7 - 2 - (polls) remain on each node
        for node in (d, e):
            r = node.get(SECURITY, key)
            limit, remaining, _ = self.assert_ratelimit_headers(r)
            self.assertEqual(limit, 7)
            self.assertLessEqual(remaining, 7 - 3)


class IpBurstTest(DeltaTestCase):
    """DELTA_RATELIMIT__IP_PER_MINUTE=60, DELTA_RATELIMIT__IP_BURST=5: the 6th
    anonymous request within a second is refused."""
    config = {"ratelimit__ip_per_minute": 60, "ratelimit__ip_burst": 5}

    def test_sixth_anonymous_request_in_a_second_is_429(self):
        client = self.deltad.client()
        try:
            client.request("GET", "/health")   # connection open: the timed part is the requests alone
            start = time.monotonic()
            results = [client.request("GET", TIERS) for _ in range(6)]
            elapsed = time.monotonic() - start
        finally:
            client.close()
        self.assertLess(elapsed, 1.0, "six requests took over a second: the test cannot judge the burst")
        self.assertEqual([r.status for r in results], [200] * 5 + [429], [r.body[:100] for r in results])
        self.assertEqual([self.assert_ratelimit_headers(r)[:2] for r in results[:5]],
                         [(5, 4), (5, 3), (5, 2), (5, 1), (5, 0)])
        retry = self.assert_rate_limited(results[5])
        self.assertEqual(retry, 1, "at 60/min the next request is allowed within a second")

        # the IP's bucket covers every anonymous route
        r = self.deltad.request("POST", "/api/v2/users/login", None,
                                {"email": "nobody@test.local", "password": "whatever-123"})
        self.assert_rate_limited(r)
        # credentials use their own bucket, not the IP's
        r = self.deltad.get(TIERS, DEMO_AUTH)
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.assert_ratelimit_headers(r)[0], 10000)
        # the bucket refills: one more anonymous request passes after Retry-After
        poll_until(lambda: self.deltad.get(TIERS).status == 200, 5.0,
                   "an anonymous request passes again")


class DefaultIpLimitTest(DeltaTestCase):
    """Default anonymous limit: 60/min with a burst of 120."""

    def test_default_burst_is_120(self):
        client = self.deltad.client()
        try:
            client.request("GET", "/health")
            start = time.monotonic()
            results = [client.request("GET", TIERS) for _ in range(125)]
            elapsed = time.monotonic() - start
        finally:
            client.close()
        statuses = [r.status for r in results]
        self.assertEqual(statuses[:120], [200] * 120, f"the burst of 120 was not granted: {statuses}")
        # at 1 request/s more, at most 1 + elapsed seconds' worth may pass after the burst
        passed = statuses.count(200)
        self.assertLessEqual(passed, 120 + int(elapsed) + 1, f"{passed} passed in {elapsed:.2f}s")
        self.assertIn(429, statuses[120:], f"no 429 after the burst of 120 ({elapsed:.2f}s)")
        for r in results:
            if r.status == 429:
                self.assert_rate_limited(r)


class UserBurstTest(DeltaTestCase):
    """Sessions: per user, DELTA_RATELIMIT__USER_PER_MINUTE / USER_BURST."""
    config = {"ratelimit__user_per_minute": 60, "ratelimit__user_burst": 3, **GENEROUS_IP_LIMIT}

    def test_fourth_session_request_in_a_second_is_429(self):
        d = self.deltad
        user = d.add_user(tier="entry")
        other = d.add_user(tier="entry")
        key = {"X-API-Key": d.new_key(other, "k")["key"]}
        # `user` has only logged in (anonymous requests): its bucket is full.
        # A second session of the same user shares the user's bucket.
        second = d.login(user.email, user.password).json["data"]["token"]
        client = d.client(user.bearer)
        try:
            client.request("GET", "/health")
            start = time.monotonic()
            results = [client.request("GET", ME) for _ in range(2)]
            results.append(d.get(ME, {"Authorization": "Bearer " + second}))
            results.append(client.request("GET", ME))
            elapsed = time.monotonic() - start
        finally:
            client.close()
        self.assertLess(elapsed, 1.0, "four requests took over a second: the test cannot judge the burst")
        self.assertEqual([r.status for r in results], [200, 200, 200, 429],
                         [(r.status, r.headers.get("ratelimit-remaining")) for r in results])
        self.assertEqual([self.assert_ratelimit_headers(r)[:2] for r in results[:3]], [(3, 2), (3, 1), (3, 0)])
        self.assert_rate_limited(results[3])
        # other users and other credentials are separate buckets
        self.assertEqual(d.get(ME, other.bearer).status, 200)
        self.assertEqual(d.get(ME, key).status, 200)


class LateDatabaseTest(DeltaTestCase):
    """deltad started while PostgreSQL is down: once the database is back,
    requests with a valid key get 200 (or 503 while deltad catches up),
    never a 429 from a tier table that is not loaded yet."""
    start_server = False

    @classmethod
    def setUpClass(cls):
        # no super(): a cluster of this test's own, which it stops and starts
        cls.cluster = PrivateCluster()
        cls.addClassCleanup(cls.cluster.destroy)
        cls.cluster.init()
        cls.cluster.start()
        prepare_database(cls.cluster.url)

    def test_no_false_429_while_tiers_load(self):
        self.cluster.stop("fast")
        d = Deltad(self.cluster.url, prepare=False, headers=DEMO_AUTH, database__migrate_on_start=False)
        self.addCleanup(d.close)
        d.start()
        self.assert_error(d.get(SECURITY), 503, "unavailable")
        self.cluster.start()
        seen = []

        def served():
            r = d.get(SECURITY)
            seen.append((r.status, r.headers.get("ratelimit-limit"), r.headers.get("retry-after")))
            return r.status == 200

        # bounded poll (the pool reconnects on its own, within its backoff)
        poll_until(served, 30.0, "a request with the demo key is served")
        wrong = [s for s in seen if s[0] not in (200, 503)]
        self.assertFalse(wrong, f"{len(wrong)} of {len(seen)} answers while deltad caught up were "
                                f"neither 200 nor 503 (status, RateLimit-Limit, Retry-After): {wrong[:3]}")
        self.assertEqual(d.stop(), 0)


if __name__ == "__main__":
    unittest.main()
