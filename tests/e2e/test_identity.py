"""Users and sessions (/api/v2/users): register, login, logout, me; the
credential rules (API key wins over a session, wrong credentials are 401 even
where anonymous access is allowed); sessions kept in PostgreSQL (a second node
on the same database honours them and their expiry); `deltad users create`;
GET /api/v2/platform/tiers as seeded. At the end of the class (tearDownClass)
no password, token or key used here may appear in anything deltad printed."""

import datetime
import hashlib
import re
import statistics
import time
import unittest
import uuid

from tests.e2e.harness import (DEMO_AUTH, DEMO_KEY, DEMO_USER_ID, RFC3339_UTC_RE, TIER_LIMITS,
                               Deltad, DeltaTestCase, new_email, new_password, psql)

USERS = "/api/v2/users"
TIERS = "/api/v2/platform/tiers"
ME = USERS + "/me"
USER_FIELDS = {"user_id", "email", "display_name", "tier", "role", "active"}
ME_FIELDS = {"user_id", "email", "display_name", "tier", "role", "auth_method"}
FEATURES = {
    "free": {"explain"},
    "entry": {"explain", "signals_submit"},
    "professional": {"explain", "signals_submit", "research_reports", "backtest"},
    "analyst": {"explain", "signals_submit", "research_reports", "backtest", "custom_cohorts"},
    "research": {"explain", "signals_submit", "research_reports", "backtest", "custom_cohorts"},
}
# The anonymous per-IP limit (60/min, burst 120) is tested in test_ratelimit;
# here many anonymous register/login calls must not run into it.
GENEROUS_IP_LIMIT = {"ratelimit__ip_per_minute": 100000, "ratelimit__ip_burst": 100000}


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def now():
    return datetime.datetime.now(datetime.timezone.utc)


class IdentityTest(DeltaTestCase):
    config = GENEROUS_IP_LIMIT

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        d = cls.deltad
        cls.entry = d.add_user(tier="entry", display_name="Entry Person")
        cls.entry_key = d.new_key(cls.entry, "identity key")["key"]
        cls.other = d.add_user(tier="professional")

    # -- helpers

    def post(self, path, body, headers=None):
        return self.deltad.request("POST", USERS + path, headers, body)

    def register(self, email, password, display_name=None, headers=None):
        self.deltad.remember_secret(password, "password")
        body = {"email": email, "password": password}
        if display_name is not None:
            body["display_name"] = display_name
        return self.post("/register", body, headers)

    def me(self, headers):
        return self.deltad.get(ME, headers)

    def assert_me(self, r, user_id, auth_method):
        self.assert_meta(r)
        data = r.json["data"]
        self.assertEqual(set(data), ME_FIELDS, data)
        self.assertEqual(data["user_id"], user_id)
        self.assertEqual(data["auth_method"], auth_method)
        return data

    def assert_user_view(self, data):
        self.assertEqual(set(data), USER_FIELDS, data)
        uuid.UUID(data["user_id"])
        self.assertIs(data["active"], True)

    # -- register

    def test_register_creates_a_free_user_who_can_log_in(self):
        email, password = new_email("reg"), new_password()
        r = self.register(email, password, "Reg Istered")
        self.assert_meta(r, 201)
        data = r.json["data"]
        self.assert_user_view(data)
        self.assertEqual((data["email"], data["display_name"], data["tier"], data["role"]),
                         (email, "Reg Istered", "free", "user"))
        login = self.deltad.login(email, password)
        self.assert_meta(login)
        self.assertEqual(login.json["data"]["user"]["user_id"], data["user_id"])
        me = self.assert_me(self.me({"Authorization": "Bearer " + login.json["data"]["token"]}),
                            data["user_id"], "session")
        self.assertEqual((me["email"], me["display_name"], me["tier"], me["role"]),
                         (email, "Reg Istered", "free", "user"))

    def test_register_without_display_name(self):
        r = self.register(new_email("nodn"), new_password())
        self.assert_meta(r, 201)
        self.assert_user_view(r.json["data"])
        self.assertIsNone(r.json["data"]["display_name"])

    def test_register_password_of_exactly_10_characters(self):
        self.assert_meta(self.register(new_email("ten"), "0123456789"), 201)

    def test_register_stores_an_argon2id_hash(self):
        email, password = new_email("hash"), new_password()
        self.assert_meta(self.register(email, password), 201)
        stored = psql(self.db_url, f"SELECT password_hash FROM users WHERE email = '{email}'").strip()
        self.assertTrue(stored.startswith("$argon2id$"), f"password_hash is not argon2id: {stored[:20]}")
        self.assertNotIn(password, stored)

    def test_register_existing_email_is_conflict(self):
        email = new_email("dup")
        self.assert_meta(self.register(email, new_password()), 201)
        for variant in (email, email.upper(), email.capitalize(), self.entry.email.upper()):
            with self.subTest(email=variant):
                self.assert_error(self.register(variant, new_password()), 409, "conflict")

    def test_register_bad_email_is_validation_failed(self):
        for email in ("plainaddress", "@test.local", "user@", "", "a b@test.local", "x" * 250 + "@t.io"):
            with self.subTest(email=email):
                self.assert_validation_failed(self.register(email, new_password()), "email")

    def test_register_short_password_is_validation_failed(self):
        for password in ("", "short", "123456789"):
            with self.subTest(length=len(password)):
                self.assert_validation_failed(self.register(new_email("short"), password), "password")

    def test_register_names_every_bad_field(self):
        err = self.assert_validation_failed(self.register("bad", "short"), "email")
        self.assertIn("password", [d["field"] for d in err["details"]])

    def test_register_missing_fields(self):
        self.assert_validation_failed(self.post("/register", {"email": new_email("miss")}), "password")
        self.assert_validation_failed(self.post("/register", {"password": new_password()}), "email")

    def test_register_wrong_json_types_are_bad_request(self):
        for body in ({"email": new_email("type"), "password": 1234567890123},
                     {"email": 5, "password": new_password()},
                     {"email": new_email("type"), "password": new_password(), "display_name": 7},
                     {"email": [new_email("type")], "password": new_password()}):
            with self.subTest(body=body):
                self.assert_error(self.post("/register", body), 400, "bad_request")
        for raw in (b"[]", b'"x"', b"{", b""):
            with self.subTest(raw=raw):
                r = self.deltad.request("POST", USERS + "/register", {"Content-Type": "application/json"}, raw)
                self.assert_error(r, 400, "bad_request")

    def test_register_wrong_content_type_is_415(self):
        r = self.deltad.request("POST", USERS + "/register", {"Content-Type": "text/plain"},
                                b'{"email":"a@test.local","password":"0123456789"}')
        self.assert_error(r, 415, "unsupported_media_type")

    # -- login

    def test_login_returns_a_session_token(self):
        r = self.deltad.login(self.entry.email, self.entry.password)
        self.assert_meta(r)
        data = r.json["data"]
        self.assertEqual(set(data), {"token", "expires_at", "user"}, data)
        self.assertTrue(data["token"].startswith("ds_"), data["token"][:6])
        self.assertGreaterEqual(len(data["token"]), 3 + 40, "a session token of fewer than ~240 bits")
        self.assertRegex(data["expires_at"], RFC3339_UTC_RE)
        ttl = (parse_time(data["expires_at"]) - now()).total_seconds()
        self.assertTrue(23 * 3600 < ttl <= 24 * 3600 + 60, f"session lifetime {ttl}s, expected 24 h")
        user = data["user"]
        self.assertEqual(set(user), USER_FIELDS, user)
        self.assertEqual((user["user_id"], user["email"], user["display_name"], user["tier"],
                          user["role"], user["active"]),
                         (self.entry.user_id, self.entry.email, "Entry Person", "entry", "user", True))
        self.assertNotEqual(data["token"], self.entry.token, "two logins, one token")

    def test_session_token_is_stored_only_as_sha256(self):
        token = self.deltad.login(self.entry.email, self.entry.password).json["data"]["token"]
        digest = hashlib.sha256(token.encode()).hexdigest()
        self.assertEqual(psql(self.db_url, f"SELECT count(*) FROM sessions WHERE token_hash = '{digest}'").strip(), "1")
        dump = psql(self.db_url, "SELECT t::text FROM sessions t")
        self.assertNotIn(token, dump)
        self.assertNotIn(token[3:], dump)

    def test_login_failures_look_the_same(self):
        wrong = self.deltad.login(self.entry.email, "not-the-password-1")
        unknown = self.deltad.login(new_email("nobody"), "not-the-password-1")
        e1 = self.assert_error(wrong, 401, "unauthorized")
        e2 = self.assert_error(unknown, 401, "unauthorized")
        self.assertEqual(e1["message"], e2["message"])
        self.assertEqual(e1["details"], e2["details"])
        self.assertEqual(set(wrong.headers) - {"ratelimit-remaining", "ratelimit-reset"},
                         set(unknown.headers) - {"ratelimit-remaining", "ratelimit-reset"})
        # the right password in another case, an empty one: the same answer
        for password in (self.entry.password.upper(), self.entry.password + " "):
            with self.subTest(password=password[:4]):
                e3 = self.assert_error(self.deltad.login(self.entry.email, password), 401, "unauthorized")
                self.assertEqual(e3["message"], e1["message"])

    def test_login_failures_take_the_same_time_order(self):
        """An unknown email is checked against a decoy hash: no fast path that
        tells which emails exist. Medians of 5 each, within a factor of 4."""
        def timed(email):
            start = time.monotonic()
            r = self.deltad.login(email, "not-the-password-2")
            self.assertEqual(r.status, 401)
            return time.monotonic() - start
        wrong = statistics.median(timed(self.other.email) for _ in range(5))
        unknown = statistics.median(timed(new_email("ghost")) for _ in range(5))
        self.assertLess(max(wrong, unknown) / max(min(wrong, unknown), 1e-4), 4.0,
                        f"wrong password {wrong * 1000:.1f} ms, unknown email {unknown * 1000:.1f} ms")

    def test_login_bad_bodies(self):
        self.assert_validation_failed(self.post("/login", {"email": self.entry.email}), "password")
        self.assert_validation_failed(self.post("/login", {"password": "x" * 12}), "email")
        self.assert_error(self.post("/login", {"email": 1, "password": "x" * 12}), 400, "bad_request")
        self.assert_error(self.post("/login", {"email": self.entry.email, "password": 12}), 400, "bad_request")
        r = self.deltad.request("POST", USERS + "/login", {"Content-Type": "application/json"}, b"{")
        self.assert_error(r, 400, "bad_request")

    # -- me

    def test_me_with_a_session(self):
        data = self.assert_me(self.me(self.entry.bearer), self.entry.user_id, "session")
        self.assertEqual((data["email"], data["display_name"], data["tier"], data["role"]),
                         (self.entry.email, "Entry Person", "entry", "user"))

    def test_me_with_an_api_key(self):
        data = self.assert_me(self.me({"X-API-Key": self.entry_key}), self.entry.user_id, "api_key")
        self.assertEqual((data["tier"], data["role"]), ("entry", "user"))
        demo = self.assert_me(self.me(DEMO_AUTH), DEMO_USER_ID, "api_key")
        self.assertEqual((demo["tier"], demo["email"]), ("research", "demo@delta.local"))

    def test_me_without_credentials_is_unauthorized(self):
        self.assert_error(self.me(None), 401, "unauthorized")

    def test_api_key_wins_over_a_session(self):
        # the key of one user and the session of another: the key's user
        both = {"X-API-Key": self.entry_key, **self.other.bearer}
        self.assert_me(self.me(both), self.entry.user_id, "api_key")
        both = {**DEMO_AUTH, **self.entry.bearer}
        self.assert_me(self.me(both), DEMO_USER_ID, "api_key")
        # a good key with a garbage bearer: still the key
        self.assert_me(self.me({**DEMO_AUTH, "Authorization": "Bearer ds_garbage"}), DEMO_USER_ID, "api_key")

    def test_a_wrong_key_is_not_rescued_by_a_good_session(self):
        bad = self.deltad.remember_secret("dk_live_" + "Q" * 43, "unknown API key")
        self.assert_error(self.me({"X-API-Key": bad, **self.entry.bearer}), 401, "unauthorized")

    def test_wrong_credentials_are_401_even_where_anonymous_is_allowed(self):
        anonymous = self.deltad.get(TIERS)
        self.assertEqual(anonymous.status, 200, anonymous.body)
        bad_key = self.deltad.remember_secret("dk_live_" + "Z" * 43, "unknown API key")
        bad_token = self.deltad.remember_secret("ds_" + "Z" * 43, "unknown session token")
        for headers in ({"X-API-Key": bad_key}, {"X-API-Key": "nonsense"},
                        {"Authorization": "Bearer " + bad_token}, {"Authorization": "Basic eDp5"},
                        {"Authorization": "Bearer"}):
            with self.subTest(headers=headers):
                self.assert_error(self.deltad.get(TIERS, headers), 401, "unauthorized")
                self.assert_error(self.register(new_email("wc"), new_password(), headers=headers),
                                  401, "unauthorized")
                self.assert_error(self.deltad.login(self.entry.email, self.entry.password, headers),
                                  401, "unauthorized")

    def test_good_credentials_are_fine_where_anonymous_is_allowed(self):
        for headers in (DEMO_AUTH, self.entry.bearer, {"X-API-Key": self.entry_key}):
            with self.subTest(headers=list(headers)):
                self.assertEqual(self.deltad.get(TIERS, headers).status, 200)

    # -- logout

    def test_logout_kills_the_token_at_once(self):
        token = self.deltad.login(self.entry.email, self.entry.password).json["data"]["token"]
        bearer = {"Authorization": "Bearer " + token}
        self.assert_me(self.me(bearer), self.entry.user_id, "session")
        r = self.post("/logout", None, bearer)
        self.assertEqual(r.status, 204, r.body)
        self.assertEqual(r.body, b"")
        self.assert_common_headers(r)
        self.assert_error(self.me(bearer), 401, "unauthorized")
        self.assert_error(self.post("/logout", None, bearer), 401, "unauthorized")
        self.assert_error(self.deltad.get(TIERS, bearer), 401, "unauthorized")
        # the user's other sessions and keys live on
        self.assert_me(self.me(self.entry.bearer), self.entry.user_id, "session")
        self.assert_me(self.me({"X-API-Key": self.entry_key}), self.entry.user_id, "api_key")

    def test_logout_with_a_body_is_fine(self):
        token = self.deltad.login(self.other.email, self.other.password).json["data"]["token"]
        r = self.post("/logout", {}, {"Authorization": "Bearer " + token})
        self.assertEqual(r.status, 204, r.body)

    def test_logout_needs_a_session(self):
        self.assert_error(self.post("/logout", None, None), 401, "unauthorized")
        self.assert_error(self.post("/logout", None, DEMO_AUTH), 401, "unauthorized")
        self.assert_error(self.post("/logout", None, {"X-API-Key": self.entry_key}), 401, "unauthorized")
        # the key still works afterwards
        self.assert_me(self.me({"X-API-Key": self.entry_key}), self.entry.user_id, "api_key")

    def test_logout_wrong_method_is_405(self):
        r = self.deltad.get(USERS + "/logout", self.entry.bearer)
        self.assert_error(r, 405, "method_not_allowed")

    # -- sessions live in PostgreSQL: a second node on the same database

    def test_second_node_honours_sessions_and_their_expiry(self):
        live = self.deltad.login(self.other.email, self.other.password).json["data"]["token"]
        doomed = self.deltad.login(self.other.email, self.other.password).json["data"]["token"]
        gone = self.deltad.login(self.other.email, self.other.password).json["data"]["token"]
        self.assertEqual(self.post("/logout", None, {"Authorization": "Bearer " + gone}).status, 204)
        digest = hashlib.sha256(doomed.encode()).hexdigest()
        psql(self.db_url, "UPDATE sessions SET expires_at = now() - interval '1 minute' "
                          f"WHERE token_hash = '{digest}'")
        node2 = Deltad(self.db_url, prepare=False, **GENEROUS_IP_LIMIT)
        self.addCleanup(node2.close)
        node2.start()
        node2.wait_serving()
        r = node2.get(ME, {"Authorization": "Bearer " + live})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(r.json["data"]["user_id"], self.other.user_id)
        self.assert_error(node2.get(ME, {"Authorization": "Bearer " + doomed}), 401, "unauthorized")
        self.assert_error(node2.get(ME, {"Authorization": "Bearer " + gone}), 401, "unauthorized")
        self.assertEqual(node2.stop(), 0)
        for token in (live, doomed, gone):
            node2.remember_secret(token, "session token")
        self.assertEqual(node2.leaked_secrets(), [], "the second node printed credentials")

    # -- tiers as data

    def test_tiers_are_served_as_seeded(self):
        r = self.deltad.get(TIERS)
        self.assert_meta(r)
        tiers = r.json["data"]
        self.assertIsInstance(tiers, list)
        self.assertEqual([t["tier"] for t in tiers], list(TIER_LIMITS), "tiers in rank order")
        for t in tiers:
            with self.subTest(tier=t["tier"]):
                self.assertEqual(set(t), {"tier", "api_keys_max", "rate_limit_per_hour", "features"})
                self.assertEqual((t["api_keys_max"], t["rate_limit_per_hour"]), TIER_LIMITS[t["tier"]])
                self.assertIsInstance(t["features"], list)
                self.assertEqual(len(t["features"]), len(set(t["features"])), "a feature listed twice")
                self.assertEqual(set(t["features"]), FEATURES[t["tier"]])
                self.assertNotIn("market_ingest", t["features"])

    # -- deltad users create

    def test_users_create_tier_role_display_name(self):
        email, password = new_email("cli"), new_password()
        proc = self.deltad.users_create(email, password, tier="analyst", role="user", display_name="C L I")
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        r = self.deltad.login(email, password)
        self.assert_meta(r)
        user = r.json["data"]["user"]
        self.assertEqual((user["tier"], user["role"], user["display_name"]), ("analyst", "user", "C L I"))
        admin_email = new_email("cliadmin")
        proc = self.deltad.users_create(admin_email, new_password(), role="admin")
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        stored = psql(self.db_url, f"SELECT tier || ' ' || role FROM users WHERE email = '{admin_email}'")
        self.assertEqual(stored.strip(), "free admin")

    def test_users_create_existing_email_exits_3(self):
        for email in (self.entry.email, self.entry.email.upper()):
            with self.subTest(email=email):
                proc = self.deltad.users_create(email, new_password())
                self.assertEqual(proc.returncode, 3, proc.stdout + proc.stderr)
        # the first user's password still works
        self.assertEqual(self.deltad.login(self.entry.email, self.entry.password).status, 200)

    def test_users_create_bad_input_exits_2(self):
        cases = [("short password", dict(email=new_email("c2"), password="short")),
                 ("empty password", dict(email=new_email("c2"), password="")),
                 ("unknown tier", dict(email=new_email("c2"), password=new_password(), tier="gold")),
                 ("unknown role", dict(email=new_email("c2"), password=new_password(), role="root")),
                 ("bad email", dict(email="not-an-email", password=new_password())),
                 ("empty email", dict(email="", password=new_password()))]
        for what, kwargs in cases:
            with self.subTest(what):
                proc = self.deltad.users_create(**kwargs)
                self.assertNotIn("$argon2", proc.stdout + proc.stderr, f"{what}: a password hash printed")
                self.assertEqual(proc.returncode, 2, f"{what}: {proc.stdout}{proc.stderr}")
                if kwargs["email"]:
                    count = psql(self.db_url, "SELECT count(*) FROM users WHERE lower(email) = "
                                              f"lower('{kwargs['email']}')").strip()
                    self.assertEqual(count, "0", f"{what}: a user was created")


if __name__ == "__main__":
    unittest.main()
