"""Admin routes (/api/v2/platform/admin): entitlements, tiers and users.
Admins only: other users get 403 forbidden (never 404, whatever the path
names), anonymous callers 401. Changes take effect within 5 s (bounded polls):
market_ingest toggled for the research tier opens and closes POST
/api/v2/market/securities to the demo key; a tier's key count; a user's tier,
role and active flag (deactivation rejects their sessions and keys at once).
Every test restores what it changed."""

import itertools
import unittest
import uuid

from tests.e2e.harness import DEMO_AUTH, TIER_LIMITS, DeltaTestCase, poll_until

ADMIN = "/api/v2/platform/admin"
TIERS = "/api/v2/platform/tiers"
ME = "/api/v2/users/me"
SECURITIES = "/api/v2/market/securities"
TIER_FIELDS = {"tier", "api_keys_max", "rate_limit_per_hour", "features"}
USER_FIELDS = {"user_id", "email", "display_name", "tier", "role", "active"}
EFFECT_TIMEOUT = 5.0   # "takes effect within 5 s"
GENEROUS_IP_LIMIT = {"ratelimit__ip_per_minute": 100000, "ratelimit__ip_burst": 100000}
_tickers = itertools.count(1)


class AdminTest(DeltaTestCase):
    config = GENEROUS_IP_LIMIT

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        d = cls.deltad
        cls.admin = d.add_user(role="admin", display_name="The Admin")
        cls.user = d.add_user(tier="professional")
        cls.user_key = d.new_key(cls.user, "pro key")["key"]
        cls.internal = d.add_user(role="internal")
        cls.target = d.add_user(tier="entry")   # the user the refused PATCHes name

    # -- helpers

    def put(self, path, body, headers):
        return self.deltad.request("PUT", ADMIN + path, headers, body)

    def patch(self, path, body, headers):
        return self.deltad.request("PATCH", ADMIN + path, headers, body)

    def as_admin(self, method, path, body):
        r = self.deltad.request(method, ADMIN + path, self.admin.bearer, body)
        self.assert_meta(r)
        return r.json["data"]

    def set_feature(self, tier, feature, enabled):
        return self.as_admin("PUT", f"/entitlements/{tier}/{feature}", {"enabled": enabled})

    def restore_feature(self, tier, feature, enabled):
        self.addCleanup(self.set_feature, tier, feature, enabled)

    def tier_row(self, tier):
        r = self.deltad.get(TIERS)
        self.assertEqual(r.status, 200, r.body)
        return next(t for t in r.json["data"] if t["tier"] == tier)

    def poll(self, condition, what):
        try:
            poll_until(condition, EFFECT_TIMEOUT, what)
        except AssertionError as e:
            self.fail(f"{e}\n{self.deltad.output_tail(15)}")

    def new_security(self):
        return {"ticker": f"ZADM{next(_tickers)}", "name": "Admin test", "security_type": "equity",
                "currency": "USD"}

    def demo_post(self):
        return self.deltad.request("POST", SECURITIES, DEMO_AUTH, self.new_security())

    def assert_tier_view(self, data, tier):
        self.assertEqual(set(data), TIER_FIELDS, data)
        self.assertEqual(data["tier"], tier)
        self.assertIsInstance(data["features"], list)
        return data

    # -- who may call: admins only, 403 (not 404) for others, 401 for nobody

    def admin_calls(self):
        """One call per admin route, on existing and unknown targets. Each would
        change nothing if it went through (it sets the current value), so a
        server that wrongly lets one through does not disturb other tests."""
        uid = self.target.user_id
        return [("PUT", "/entitlements/research/market_ingest", {"enabled": False}),
                ("PUT", "/entitlements/nope/nope", {"enabled": True}),
                ("PUT", "/tiers/entry", {"rate_limit_per_hour": TIER_LIMITS["entry"][1]}),
                ("PUT", "/tiers/nope", {"rate_limit_per_hour": 1}),
                ("PATCH", f"/users/{uid}", {"role": "user"}),
                ("PATCH", f"/users/{uuid.uuid4()}", {"active": False}),
                ("PATCH", "/users/garbage", {"active": False})]

    def test_non_admins_are_forbidden(self):
        callers = {"session": self.user.bearer, "api key": {"X-API-Key": self.user_key},
                   "demo key": DEMO_AUTH}
        for who, headers in callers.items():
            for method, path, body in self.admin_calls():
                with self.subTest(who=who, method=method, path=path):
                    r = self.deltad.request(method, ADMIN + path, headers, body)
                    self.assert_error(r, 403, "forbidden")
        # nothing changed
        self.assertEqual(self.tier_row("entry")["rate_limit_per_hour"], TIER_LIMITS["entry"][1])
        self.assertNotIn("market_ingest", self.tier_row("research")["features"])
        self.assertEqual(self.deltad.get(ME, self.user.bearer).json["data"]["role"], "user")

    def test_internal_role_is_not_an_admin(self):
        """The internal role bypasses feature checks (data feeds), but the
        admin routes are `auth admin`: role admin only."""
        for method, path, body in self.admin_calls():
            with self.subTest(method=method, path=path):
                r = self.deltad.request(method, ADMIN + path, self.internal.bearer, body)
                self.assert_error(r, 403, "forbidden")

    def test_anonymous_and_bad_credentials_are_unauthorized(self):
        bad = self.deltad.remember_secret("ds_" + "A" * 43, "unknown session token")
        for headers in (None, {"Authorization": "Bearer " + bad}, {"X-API-Key": "dk_live_nope"}):
            for method, path, body in self.admin_calls():
                with self.subTest(headers=headers, method=method, path=path):
                    r = self.deltad.request(method, ADMIN + path, headers, body)
                    self.assert_error(r, 401, "unauthorized")

    def test_forbidden_even_with_a_bad_body(self):
        """The role is checked before the body's content: no validation hints for non-admins."""
        r = self.put("/tiers/entry", {"rate_limit_per_hour": -1}, self.user.bearer)
        self.assert_error(r, 403, "forbidden")
        r = self.patch(f"/users/{self.user.user_id}", {"tier": "gold"}, self.user.bearer)
        self.assert_error(r, 403, "forbidden")

    # -- entitlements

    def test_toggle_entitlement_returns_the_tier(self):
        self.restore_feature("entry", "backtest", False)
        data = self.assert_tier_view(self.set_feature("entry", "backtest", True), "entry")
        self.assertIn("backtest", data["features"])
        self.assertEqual((data["api_keys_max"], data["rate_limit_per_hour"]), TIER_LIMITS["entry"])
        self.poll(lambda: "backtest" in self.tier_row("entry")["features"], "GET /tiers lists backtest for entry")
        data = self.assert_tier_view(self.set_feature("entry", "backtest", False), "entry")
        self.assertNotIn("backtest", data["features"])
        self.assertEqual(set(data["features"]), {"explain", "signals_submit"})
        self.poll(lambda: "backtest" not in self.tier_row("entry")["features"],
                  "GET /tiers drops backtest for entry")

    def test_toggle_is_idempotent(self):
        self.restore_feature("analyst", "custom_cohorts", True)
        for _ in range(2):
            data = self.set_feature("analyst", "custom_cohorts", True)
            self.assertEqual(data["features"].count("custom_cohorts"), 1)

    def test_market_ingest_toggle_reaches_the_demo_key_within_5_s(self):
        self.assert_error(self.demo_post(), 403, "not_entitled")
        self.restore_feature("research", "market_ingest", False)
        data = self.set_feature("research", "market_ingest", True)
        self.assertIn("market_ingest", data["features"])

        created = []

        def entitled():
            r = self.demo_post()
            self.assertIn(r.status, (201, 403), r.body)
            if r.status == 201:
                created.append(r.json["data"]["ticker"])
            return r.status == 201

        self.poll(entitled, "the demo key (research) may POST securities")
        got = self.deltad.get(f"{SECURITIES}/{created[0]}", DEMO_AUTH)
        self.assertEqual(got.status, 200, got.body)

        self.set_feature("research", "market_ingest", False)

        def refused():
            r = self.demo_post()
            self.assertIn(r.status, (201, 403), r.body)
            if r.status == 403:
                self.assert_error(r, 403, "not_entitled")
            return r.status == 403

        self.poll(refused, "the demo key is refused again (403 not_entitled)")

    def test_entitlement_errors(self):
        h = self.admin.bearer
        self.assert_error(self.put("/entitlements/nope/market_ingest", {"enabled": True}, h), 404, "not_found")
        self.assert_error(self.put("/entitlements/research/nope", {"enabled": True}, h), 404, "not_found")
        self.assert_error(self.put("/entitlements/Research/market_ingest", {"enabled": True}, h), 404, "not_found")
        for body in ({}, {"enabled": None}):   # null counts as missing
            with self.subTest(body=body):
                self.assert_validation_failed(self.put("/entitlements/research/market_ingest", body, h), "enabled")
        for body in ({"enabled": "yes"}, {"enabled": 1}, {"enabled": [True]}):
            with self.subTest(body=body):
                self.assert_error(self.put("/entitlements/research/market_ingest", body, h), 400, "bad_request")
        r = self.deltad.request("PUT", ADMIN + "/entitlements/research/market_ingest",
                                {**h, "Content-Type": "text/plain"}, b'{"enabled":true}')
        self.assert_error(r, 415, "unsupported_media_type")
        self.assertNotIn("market_ingest", self.tier_row("research")["features"])

    def test_entitlement_wrong_method(self):
        r = self.deltad.request("POST", ADMIN + "/entitlements/research/market_ingest", self.admin.bearer,
                                {"enabled": True})
        self.assert_error(r, 405, "method_not_allowed")

    # -- tiers

    def test_tier_key_count_change_takes_effect(self):
        user = self.deltad.add_user(tier="entry")
        self.deltad.new_key(user, "first")
        self.assert_error(self.deltad.create_key(user.bearer, "second"), 403, "limit_reached")
        self.addCleanup(self.as_admin, "PUT", "/tiers/entry", {"api_keys_max": TIER_LIMITS["entry"][0]})
        data = self.assert_tier_view(self.as_admin("PUT", "/tiers/entry", {"api_keys_max": 2}), "entry")
        self.assertEqual((data["api_keys_max"], data["rate_limit_per_hour"]), (2, TIER_LIMITS["entry"][1]))
        self.assertEqual(set(data["features"]), {"explain", "signals_submit"})
        self.poll(lambda: self.tier_row("entry")["api_keys_max"] == 2, "GET /tiers shows 2 keys for entry")
        made = []

        def second_key():
            r = self.deltad.create_key(user.bearer, "second")
            self.assertIn(r.status, (201, 403), r.body)
            if r.status == 201:
                made.append(r)
            return r.status == 201

        self.poll(second_key, "an entry user may create a second key")
        self.assert_error(self.deltad.create_key(user.bearer, "third"), 403, "limit_reached")

    def test_tier_change_of_both_values(self):
        self.addCleanup(self.as_admin, "PUT", "/tiers/analyst",
                        dict(zip(("api_keys_max", "rate_limit_per_hour"), TIER_LIMITS["analyst"])))
        data = self.as_admin("PUT", "/tiers/analyst", {"api_keys_max": 6, "rate_limit_per_hour": 2500})
        self.assertEqual((data["api_keys_max"], data["rate_limit_per_hour"]), (6, 2500))
        self.poll(lambda: (self.tier_row("analyst")["api_keys_max"],
                           self.tier_row("analyst")["rate_limit_per_hour"]) == (6, 2500),
                  "GET /tiers shows analyst 6 keys, 2500/h")

    def test_tier_errors(self):
        h = self.admin.bearer
        self.assert_error(self.put("/tiers/nope", {"rate_limit_per_hour": 5}, h), 404, "not_found")
        self.assert_error(self.put("/tiers/ENTRY", {"rate_limit_per_hour": 5}, h), 404, "not_found")
        for body, field in (({"rate_limit_per_hour": -1}, "rate_limit_per_hour"),
                            ({"api_keys_max": -1}, "api_keys_max"),
                            ({"rate_limit_per_hour": 10 ** 12}, "rate_limit_per_hour"),
                            ({"api_keys_max": 1.5}, "api_keys_max")):   # a number, not a whole one
            with self.subTest(body=body):
                self.assert_validation_failed(self.put("/tiers/entry", body, h), field)
        for body in ({"rate_limit_per_hour": "5"}, {"api_keys_max": True}, [1]):
            with self.subTest(body=body):
                self.assert_error(self.put("/tiers/entry", body, h), 400, "bad_request")
        self.assertEqual((self.tier_row("entry")["api_keys_max"], self.tier_row("entry")["rate_limit_per_hour"]),
                         TIER_LIMITS["entry"])

    # -- users

    def test_patch_user_tier(self):
        user = self.deltad.add_user(tier="entry")
        data = self.as_admin("PATCH", f"/users/{user.user_id}", {"tier": "analyst"})
        self.assertEqual(set(data), USER_FIELDS, data)
        self.assertEqual((data["user_id"], data["email"], data["tier"], data["role"], data["active"]),
                         (user.user_id, user.email, "analyst", "user", True))
        self.poll(lambda: self.deltad.get(ME, user.bearer).json["data"]["tier"] == "analyst",
                  "/me shows the new tier")
        # the new tier's key count applies: analyst may have 5
        self.poll(lambda: self.deltad.create_key(user.bearer, "k1").status == 201, "a key for the analyst")
        self.assert_meta(self.deltad.create_key(user.bearer, "k2"), 201)

    def test_patch_user_role(self):
        user = self.deltad.add_user(tier="entry")
        self.assert_error(self.put("/tiers/nope", {"rate_limit_per_hour": 1}, user.bearer), 403, "forbidden")
        data = self.as_admin("PATCH", f"/users/{user.user_id}", {"role": "admin"})
        self.assertEqual(data["role"], "admin")

        def admin_now():
            r = self.put("/tiers/nope", {"rate_limit_per_hour": 1}, user.bearer)
            self.assertIn(r.status, (403, 404), r.body)
            return r.status == 404

        self.poll(admin_now, "the promoted user reaches the admin routes")
        self.as_admin("PATCH", f"/users/{user.user_id}", {"role": "user"})

        def user_again():
            r = self.put("/tiers/nope", {"rate_limit_per_hour": 1}, user.bearer)
            self.assertIn(r.status, (403, 404), r.body)
            return r.status == 403

        self.poll(user_again, "the demoted user is refused again")

    def test_deactivation_rejects_sessions_and_keys_at_once(self):
        user = self.deltad.add_user(tier="professional")
        key = self.deltad.new_key(user, "soon dead")["key"]
        self.assertEqual(self.deltad.get(ME, user.bearer).status, 200)
        self.assertEqual(self.deltad.get(ME, {"X-API-Key": key}).status, 200)
        self.assertEqual(self.deltad.get(f"{SECURITIES}/T0042", {"X-API-Key": key}).status, 200)
        data = self.as_admin("PATCH", f"/users/{user.user_id}", {"active": False})
        self.assertIs(data["active"], False)
        # at once: the very next requests
        self.assert_error(self.deltad.get(ME, user.bearer), 401, "unauthorized")
        self.assert_error(self.deltad.get(ME, {"X-API-Key": key}), 401, "unauthorized")
        self.assert_error(self.deltad.get(f"{SECURITIES}/T0042", {"X-API-Key": key}), 401, "unauthorized")
        self.assert_error(self.deltad.login(user.email, user.password), 401, "unauthorized")
        # the same message as a wrong password: no hint that the account exists
        wrong = self.deltad.login(user.email, "not-the-password-9")
        self.assertEqual(self.deltad.login(user.email, user.password).json["error"]["message"],
                         wrong.json["error"]["message"])
        # reactivated: may log in again
        self.assertIs(self.as_admin("PATCH", f"/users/{user.user_id}", {"active": True})["active"], True)
        self.poll(lambda: self.deltad.login(user.email, user.password).status == 200,
                  "the reactivated user may log in")

    def test_patch_user_errors(self):
        h = self.admin.bearer
        uid = self.user.user_id
        for user_id in (str(uuid.uuid4()), "garbage", "0"):
            with self.subTest(user_id=user_id):
                self.assert_error(self.patch(f"/users/{user_id}", {"active": True}, h), 404, "not_found")
        for body, field in (({"tier": "gold"}, "tier"), ({"role": "root"}, "role"), ({"tier": ""}, "tier")):
            with self.subTest(body=body):
                self.assert_validation_failed(self.patch(f"/users/{uid}", body, h), field)
        for body in ({"active": "no"}, {"tier": 3}, {"role": ["admin"]}):
            with self.subTest(body=body):
                self.assert_error(self.patch(f"/users/{uid}", body, h), 400, "bad_request")
        me = self.deltad.get(ME, self.user.bearer).json["data"]
        self.assertEqual((me["tier"], me["role"]), ("professional", "user"))

    def test_admin_sees_itself(self):
        r = self.deltad.get(ME, self.admin.bearer)
        self.assert_meta(r)
        self.assertEqual((r.json["data"]["role"], r.json["data"]["display_name"]), ("admin", "The Admin"))

    def test_admin_routes_are_documented(self):
        paths = self.deltad.get("/openapi.json").json["paths"]
        for path, method in ((ADMIN + "/entitlements/{tier}/{feature}", "put"),
                             (ADMIN + "/tiers/{tier}", "put"), (ADMIN + "/users/{user_id}", "patch")):
            self.assertIn(method, paths.get(path, {}), path)


if __name__ == "__main__":
    unittest.main()
