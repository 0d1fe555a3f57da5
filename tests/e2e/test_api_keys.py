"""API keys (/api/v2/platform/api-keys): create (shown once, dk_live_ prefix,
expiry), list (never the secret), revoke (rejected on the very next request),
per-tier count limits (free 0, entry 1, professional 3), validation, and
expiry honoured by a second node reading the database. At the end of the
class no key, token or password used here may appear in deltad's output."""

import datetime
import hashlib
import unittest
import uuid

from tests.e2e.harness import (API_KEYS_PATH, DEMO_AUTH, DEMO_KEY, DEMO_KEY_ID, RFC3339_UTC_RE,
                               TIER_LIMITS, Deltad, DeltaTestCase, psql)

KEYS = API_KEYS_PATH
ME = "/api/v2/users/me"
SECURITY = "/api/v2/market/securities/T0042"
CREATED_FIELDS = {"key_id", "name", "key", "prefix", "rate_limit_per_hour", "created_at", "expires_at"}
LISTED_FIELDS = CREATED_FIELDS - {"key"}
GENEROUS_IP_LIMIT = {"ratelimit__ip_per_minute": 100000, "ratelimit__ip_burst": 100000}


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def now():
    return datetime.datetime.now(datetime.timezone.utc)


class ApiKeysTest(DeltaTestCase):
    config = GENEROUS_IP_LIMIT

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        d = cls.deltad
        cls.research = d.add_user(tier="research")      # 10 keys: room for most tests
        cls.research2 = d.add_user(tier="research")

    # -- helpers

    def create(self, user_or_headers, name="k", expires_in_days=None):
        headers = user_or_headers.bearer if hasattr(user_or_headers, "bearer") else user_or_headers
        return self.deltad.create_key(headers, name, expires_in_days)

    def post_raw(self, body, headers):
        return self.deltad.request("POST", KEYS, headers, body)

    def listing(self, headers):
        r = self.deltad.get(KEYS, headers)
        self.assert_meta(r)
        self.assertIsInstance(r.json["data"], list)
        return r

    def delete(self, key_id, headers):
        return self.deltad.request("DELETE", f"{KEYS}/{key_id}", headers)

    def assert_key_works(self, key, user_id):
        r = self.deltad.get(ME, {"X-API-Key": key})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual((r.json["data"]["user_id"], r.json["data"]["auth_method"]), (user_id, "api_key"))

    def assert_key_rejected(self, key):
        self.assert_error(self.deltad.get(ME, {"X-API-Key": key}), 401, "unauthorized")
        self.assert_error(self.deltad.get(SECURITY, {"X-API-Key": key}), 401, "unauthorized")

    # -- create

    def test_create_shows_the_key_once(self):
        r = self.create(self.research, "first key")
        self.assert_meta(r, 201)
        data = r.json["data"]
        self.assertEqual(set(data), CREATED_FIELDS, data)
        uuid.UUID(data["key_id"])
        key = data["key"]
        self.assertTrue(key.startswith("dk_live_"), key[:8])
        self.assertGreaterEqual(len(key) - len("dk_live_"), 43, "fewer than 256 bits of secret")
        self.assertRegex(key, r"^[A-Za-z0-9_-]+$")
        self.assertEqual(data["prefix"], key[:16])
        self.assertEqual(data["name"], "first key")
        self.assertEqual(data["rate_limit_per_hour"], TIER_LIMITS["research"][1])
        self.assertRegex(data["created_at"], RFC3339_UTC_RE)
        self.assertLess(abs((now() - parse_time(data["created_at"])).total_seconds()), 300)
        self.assertIsNone(data["expires_at"])
        self.assert_key_works(key, self.research.user_id)
        # never again: not in the listing, not in the database
        listed = self.listing(self.research.bearer)
        self.assertNotIn(key.encode(), listed.body)
        self.assertNotIn(key[16:].encode(), listed.body)
        digest = hashlib.sha256(key.encode()).hexdigest()
        self.assertEqual(psql(self.db_url, f"SELECT count(*) FROM api_keys WHERE key_hash = '{digest}'").strip(), "1")
        self.assertNotIn(key[16:], psql(self.db_url, "SELECT t::text FROM api_keys t"))

    def test_keys_are_distinct(self):
        a = self.deltad.new_key(self.research2, "a")
        b = self.deltad.new_key(self.research2, "b")
        self.assertNotEqual(a["key"], b["key"])
        self.assertNotEqual(a["prefix"], b["prefix"])
        self.assertNotEqual(a["key_id"], b["key_id"])
        for k in (a, b):
            self.assert_key_works(k["key"], self.research2.user_id)

    def test_create_with_expiry(self):
        for days in (1, 30, 3650):
            with self.subTest(days=days):
                r = self.create(self.research2, f"expires in {days}", days)
                self.assert_meta(r, 201)
                data = r.json["data"]
                self.assertRegex(data["expires_at"], RFC3339_UTC_RE)
                delta = parse_time(data["expires_at"]) - parse_time(data["created_at"])
                self.assertLess(abs(delta.total_seconds() - days * 86400), 120, data)
                self.assert_key_works(data["key"], self.research2.user_id)
                self.assertEqual(self.delete(data["key_id"], self.research2.bearer).status, 204)

    def test_create_with_the_key_itself(self):
        """auth any: a key can make another key (within the tier's count)."""
        first = self.deltad.new_key(self.research, "parent")
        r = self.create({"X-API-Key": first["key"]}, "child")
        self.assert_meta(r, 201)
        self.assert_key_works(r.json["data"]["key"], self.research.user_id)

    def test_create_needs_credentials(self):
        self.assert_error(self.post_raw({"name": "x"}, None), 401, "unauthorized")
        bad = self.deltad.remember_secret("dk_live_" + "B" * 43, "unknown API key")
        self.assert_error(self.post_raw({"name": "x"}, {"X-API-Key": bad}), 401, "unauthorized")

    def test_create_validation(self):
        h = self.research.bearer
        for body, field in (({}, "name"), ({"name": ""}, "name"), ({"name": "n" * 101}, "name"),
                            ({"name": "x", "expires_in_days": 0}, "expires_in_days"),
                            ({"name": "x", "expires_in_days": -1}, "expires_in_days"),
                            ({"name": "x", "expires_in_days": 3651}, "expires_in_days")):
            with self.subTest(body=body):
                self.assert_validation_failed(self.post_raw(body, h), field)
        for body in ({"name": 5}, {"name": ["x"]}, {"name": "x", "expires_in_days": "7"},
                     {"name": "x", "expires_in_days": True}, [{"name": "x"}]):
            with self.subTest(body=body):
                self.assert_error(self.post_raw(body, h), 400, "bad_request")
        self.assert_error(self.deltad.request("POST", KEYS, {**h, "Content-Type": "text/plain"}, b"{}"),
                          415, "unsupported_media_type")

    # -- list

    def test_list_shows_only_the_callers_keys_without_secrets(self):
        user = self.deltad.add_user(tier="professional")
        made = [self.deltad.new_key(user, f"list {i}") for i in range(2)]
        r = self.listing(user.bearer)
        keys = r.json["data"]
        self.assertEqual(sorted(k["key_id"] for k in keys), sorted(m["key_id"] for m in made))
        for k in keys:
            self.assertEqual(set(k), LISTED_FIELDS, k)
            m = next(m for m in made if m["key_id"] == k["key_id"])
            self.assertEqual((k["name"], k["prefix"], k["rate_limit_per_hour"], k["created_at"], k["expires_at"]),
                             (m["name"], m["prefix"], 500, m["created_at"], m["expires_at"]))
        for m in made:
            self.assertNotIn(m["key"].encode(), r.body)
        # the same list through one of the keys
        via_key = self.listing({"X-API-Key": made[0]["key"]})
        self.assertEqual(sorted(k["key_id"] for k in via_key.json["data"]), sorted(m["key_id"] for m in made))
        # the demo user sees its own demo key only
        demo = self.listing(DEMO_AUTH).json["data"]
        self.assertEqual([k["key_id"] for k in demo], [DEMO_KEY_ID])
        self.assertEqual(demo[0]["prefix"], DEMO_KEY[:16])
        self.assertNotIn(DEMO_KEY.encode(), self.listing(DEMO_AUTH).body)

    def test_list_needs_credentials(self):
        self.assert_error(self.deltad.get(KEYS), 401, "unauthorized")

    def test_new_user_has_no_keys(self):
        user = self.deltad.add_user(tier="entry")
        self.assertEqual(self.listing(user.bearer).json["data"], [])

    # -- revoke

    def test_revoke_takes_effect_on_the_very_next_request(self):
        data = self.deltad.new_key(self.research, "to revoke")
        key = data["key"]
        self.assert_key_works(key, self.research.user_id)   # now cached wherever it is cached
        r = self.delete(data["key_id"], self.research.bearer)
        self.assertEqual(r.status, 204, r.body)
        self.assertEqual(r.body, b"")
        self.assert_key_rejected(key)
        self.assert_error(self.deltad.get("/api/v2/platform/tiers", {"X-API-Key": key}), 401, "unauthorized")
        listed = [k["key_id"] for k in self.listing(self.research.bearer).json["data"]]
        self.assertNotIn(data["key_id"], listed, "a revoked key is still listed as the caller's key")
        self.assert_error(self.delete(data["key_id"], self.research.bearer), 404, "not_found")

    def test_revoke_under_concurrent_use(self):
        """Requests in flight may finish; every request sent after the 204 is refused."""
        import threading
        data = self.deltad.new_key(self.research2, "busy")
        key = data["key"]
        stop = threading.Event()
        after_revoke = threading.Event()
        late_successes = []

        def hammer():
            client = self.deltad.client({"X-API-Key": key})
            try:
                while not stop.is_set():
                    sent_after = after_revoke.is_set()
                    r = client.request("GET", SECURITY)
                    if sent_after and r.status != 401:
                        late_successes.append(r.status)
            finally:
                client.close()

        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for t in threads:
            t.start()
        try:
            self.assertEqual(self.delete(data["key_id"], self.research2.bearer).status, 204)
            after_revoke.set()
            for _ in range(20):
                self.assert_error(self.deltad.get(SECURITY, {"X-API-Key": key}), 401, "unauthorized")
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=30)
        self.assertEqual(late_successes, [], "requests sent after the revocation were served")

    def test_revoke_own_key_with_itself(self):
        data = self.deltad.new_key(self.research2, "self destruct")
        r = self.delete(data["key_id"], {"X-API-Key": data["key"]})
        self.assertEqual(r.status, 204, r.body)
        self.assert_key_rejected(data["key"])

    def test_revoke_someone_elses_key_is_not_found(self):
        mine = self.deltad.new_key(self.research, "not yours")
        r = self.delete(mine["key_id"], self.research2.bearer)
        self.assert_error(r, 404, "not_found")
        self.assert_error(self.delete(DEMO_KEY_ID, self.research2.bearer), 404, "not_found")
        self.assert_key_works(mine["key"], self.research.user_id)
        self.assert_key_works(DEMO_KEY, "00000000-0000-4000-8000-00000000de70")

    def test_revoke_unknown_or_garbage_id_is_not_found(self):
        for key_id in (str(uuid.uuid4()), "garbage", "1", "0" * 36, "%27%3B--", "a" * 300):
            with self.subTest(key_id=key_id[:20]):
                self.assert_error(self.delete(key_id, self.research.bearer), 404, "not_found")

    def test_revoke_needs_credentials(self):
        mine = self.deltad.new_key(self.research, "anon delete")
        self.assert_error(self.delete(mine["key_id"], None), 401, "unauthorized")
        self.assert_key_works(mine["key"], self.research.user_id)

    # -- per-tier count limits

    def test_free_tier_has_no_keys(self):
        user = self.deltad.add_user()   # free
        self.assert_error(self.create(user), 403, "limit_reached")
        self.assertEqual(self.listing(user.bearer).json["data"], [])

    def test_entry_tier_has_one_key(self):
        user = self.deltad.add_user(tier="entry")
        first = self.create(user, "one")
        self.assert_meta(first, 201)
        self.assertEqual(first.json["data"]["rate_limit_per_hour"], 100)
        self.assert_error(self.create(user, "two"), 403, "limit_reached")
        self.assertEqual(len(self.listing(user.bearer).json["data"]), 1)

    def test_professional_tier_has_three_keys(self):
        user = self.deltad.add_user(tier="professional")
        for i in range(3):
            self.assert_meta(self.create(user, f"p{i}"), 201)
        self.assert_error(self.create(user, "p3"), 403, "limit_reached")
        self.assertEqual(len(self.listing(user.bearer).json["data"]), 3)

    def test_a_revoked_key_frees_its_slot(self):
        user = self.deltad.add_user(tier="entry")
        first = self.deltad.new_key(user, "slot")
        self.assert_error(self.create(user, "second"), 403, "limit_reached")
        self.assertEqual(self.delete(first["key_id"], user.bearer).status, 204)
        self.assert_meta(self.create(user, "replacement"), 201)

    def test_concurrent_creates_respect_the_limit(self):
        """Ten creates at once for an entry user (limit 1): exactly one 201."""
        import threading
        user = self.deltad.add_user(tier="entry")
        results = []
        lock = threading.Lock()
        barrier = threading.Barrier(10)

        def make(i):
            barrier.wait(timeout=10)
            r = self.create(user, f"race {i}")
            with lock:
                results.append(r)

        threads = [threading.Thread(target=make, args=(i,)) for i in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        statuses = sorted(r.status for r in results)
        self.assertEqual(statuses, [201] + [403] * 9, statuses)
        for r in results:
            if r.status == 403:
                self.assert_error(r, 403, "limit_reached")
        self.assertEqual(len(self.listing(user.bearer).json["data"]), 1)

    # -- expiry, seen by a node that reads the database

    def test_expired_key_is_rejected(self):
        user = self.deltad.add_user(tier="analyst")
        expiring = self.deltad.new_key(user, "expiring", 1)
        lasting = self.deltad.new_key(user, "lasting", 2)
        psql(self.db_url, "UPDATE api_keys SET expires_at = now() - interval '1 minute' "
                          f"WHERE key_id = '{expiring['key_id']}'")
        node2 = Deltad(self.db_url, prepare=False, **GENEROUS_IP_LIMIT)
        self.addCleanup(node2.close)
        node2.start()
        node2.wait_serving()
        for path in (ME, SECURITY):
            self.assert_error(node2.get(path, {"X-API-Key": expiring["key"]}), 401, "unauthorized")
            self.assertEqual(node2.get(path, {"X-API-Key": lasting["key"]}).status, 200)
        self.assertEqual(node2.stop(), 0)
        for k in (expiring, lasting):
            node2.remember_secret(k["key"], "API key")
        self.assertEqual(node2.leaked_secrets(), [], "the second node printed credentials")


if __name__ == "__main__":
    unittest.main()
