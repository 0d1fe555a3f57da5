"""Every list of the API pages the same way (API.md "Conventions"): the
routes come from /openapi.json, where a list's 200 answer is a page (data an
array, meta.total/limit/offset, links.next), so a list route added later is
walked too. For each declared list, with credentials that may call it and
path parameters that name something real:

  * meta.total/limit/offset are integers, limit and offset echo the request
    (default 50 and 0), data holds min(limit, total - offset) items;
  * links.next is there exactly while items remain, and is the same request
    one page on (following it gives the next page);
  * limit 0, 1001 or not a number, and a negative offset, are 422
    validation_failed naming the parameter.

Every other GET route of the document whose answer is an array would be a
list that does not say so: none may answer one.

Needs DELTAD, DELTA_TEST_DATABASE_URL and LLM_STUB (ctest sets them)."""

import re
import unittest
import urllib.parse

from tests.e2e.harness import DEMO_AUTH
from tests.e2e.stubbed import StubbedDeltaTestCase

# Values for the path parameters of list routes (names as in the document).
PATH_VALUES = {"use_case": "explain", "ticker": "BTC-USD"}


def page_schema_of(operation):
    """The data schema of an operation's 200 answer when it is a page, else None."""
    ok = operation.get("responses", {}).get("200", {})
    schema = ok.get("content", {}).get("application/json", {}).get("schema", {})
    props = schema.get("properties", {})
    if props.get("data", {}).get("type") == "array":
        return props
    return None


class ListsTest(StubbedDeltaTestCase):
    with_candles = True
    config = {"ratelimit__ip_per_minute": 100000, "ratelimit__ip_burst": 100000,
              "ratelimit__user_per_minute": 100000, "ratelimit__user_burst": 100000}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        d = cls.deltad
        cls.admin = d.add_user(tier="research", role="admin")
        cls.user = d.add_user(tier="professional")
        # something to page through in the lists that start empty
        for name in ("one", "two", "three"):
            d.new_key(cls.user, name)
        for _ in range(2):
            r = d.request("POST", "/api/v2/signals", cls.admin.bearer,
                          {"source": "lists", "symbol": "BTC-USD", "side": "long"}, anonymous=True)
            assert r.status == 202, r.body
            r = d.request("POST", "/api/v2/signals/backtests", cls.admin.bearer,
                          {"ticker": "BTC-USD", "timeframe": "1h", "from": "2026-01-01T00:00:00Z",
                           "to": "2026-01-02T00:00:00Z", "strategy": {"type": "sma_cross", "fast": 2, "slow": 3}},
                          anonymous=True)
            assert r.status == 202, r.body
        cls.document = d.get("/openapi.json", anonymous=True).json

    # -- helpers

    def operations(self):
        for path, item in self.document["paths"].items():
            for method, op in item.items():
                yield method.upper(), path, op

    def lists(self, method="GET"):
        return [(p, op) for m, p, op in self.operations() if m == method and page_schema_of(op)]

    def credentials(self, path):
        return self.admin.bearer if "/admin/" in path else self.user.bearer

    def concrete(self, path):
        def value(match):
            name = match.group(1)
            self.assertIn(name, PATH_VALUES, f"no value for the path parameter {name} of {path}: add one")
            return urllib.parse.quote(PATH_VALUES[name], safe="")
        return re.sub(r"\{([^}]+)\}", value, path)

    def call(self, method, target, path_pattern, body=None):
        return self.deltad.request(method, target, self.credentials(path_pattern), body, anonymous=True)

    def assert_page(self, r, limit, offset):
        meta = self.assert_meta(r)
        data = r.json["data"]
        self.assertIsInstance(data, list, r.body[:300])
        for figure in ("total", "limit", "offset"):
            self.assertIsInstance(meta.get(figure), int, f"meta.{figure}: {meta}")
        self.assertEqual((meta["limit"], meta["offset"]), (limit, offset), meta)
        total = meta["total"]
        self.assertEqual(len(data), max(0, min(limit, total - offset)), meta)
        nxt = (r.json.get("links") or {}).get("next")
        if offset + limit < total:
            self.assertIsNotNone(nxt, f"items remain after this page but there is no links.next: {meta}")
        else:
            self.assertIsNone(nxt, f"links.next on the last page: {meta}")
        return data, total, nxt

    # -- the walk

    def test_the_document_declares_the_lists_of_the_contract(self):
        declared = {p for p, _ in self.lists()}
        for path in ("/api/v2/platform/tiers", "/api/v2/platform/api-keys", "/api/v2/market/securities",
                     "/api/v2/market/prices/{ticker}", "/api/v2/signals", "/api/v2/platform/admin/jobs",
                     "/api/v2/platform/admin/llm/fallbacks/{use_case}", "/api/v2/platform/admin/llm/evaluators",
                     "/api/v2/platform/admin/llm/breakers"):
            self.assertIn(path, declared)

    def test_every_list_carries_its_paging_figures_by_default(self):
        for path, _ in self.lists():
            with self.subTest(path=path):
                r = self.call("GET", self.concrete(path), path)
                self.assert_page(r, 50, 0)

    def test_every_list_pages_with_limit_offset_and_links_next(self):
        paged = 0
        for path, _ in self.lists():
            with self.subTest(path=path):
                target = self.concrete(path)
                first, total, nxt = self.assert_page(self.call("GET", target + "?limit=1", path), 1, 0)
                if total < 2:
                    continue
                paged += 1
                parts = urllib.parse.urlsplit(nxt)
                self.assertEqual(parts.path, target)
                query = urllib.parse.parse_qs(parts.query)
                self.assertEqual((query.get("limit"), query.get("offset")), (["1"], ["1"]), nxt)
                second, again, _ = self.assert_page(self.call("GET", parts.path + "?" + parts.query, path), 1, 1)
                self.assertEqual(again, total)
                self.assertNotEqual(first, second, "the next page repeats the first")
                # the last page, and a page past the end
                self.assert_page(self.call("GET", f"{target}?limit=1&offset={total - 1}", path), 1, total - 1)
                self.assert_page(self.call("GET", f"{target}?offset={total + 5}", path), 50, total + 5)
        self.assertGreaterEqual(paged, 5, "too few lists had two items to page through")

    def test_every_list_refuses_a_bad_limit_or_offset(self):
        for path, _ in self.lists():
            target = self.concrete(path)
            for query, field in (("limit=0", "limit"), ("limit=1001", "limit"), ("limit=ten", "limit"),
                                 ("offset=-1", "offset"), ("offset=x", "offset")):
                with self.subTest(path=path, query=query):
                    self.assert_validation_failed(self.call("GET", f"{target}?{query}", path), field)

    def test_a_list_replaced_by_put_answers_a_page_too(self):
        puts = self.lists("PUT")
        self.assertTrue(puts)
        for path, _ in puts:
            with self.subTest(path=path):
                target = self.concrete(path)
                items = [{"provider": "openai_compat", "model": f"lists-{i}", "base_url": self.stub.url + "/v1"}
                         for i in range(3)]
                if path.endswith("/evaluators"):
                    items = [{"name": f"lists-{i}", **item} for i, item in enumerate(items)]
                data, total, nxt = self.assert_page(self.call("PUT", target + "?limit=2", path, items), 2, 0)
                self.assertEqual(total, 3)
                self.assertEqual([d["model"] for d in data], ["lists-0", "lists-1"])
                rest, _, _ = self.assert_page(self.call("GET", nxt, path), 2, 2)
                self.assertEqual([d["model"] for d in rest], ["lists-2"])
                self.assert_validation_failed(self.call("PUT", target + "?offset=-1", path, items), "offset")

    def test_no_other_get_route_answers_an_array(self):
        lists = {p for p, _ in self.lists()}
        for method, path, op in self.operations():
            if method != "GET" or path in lists or "{" in path or path in ("/api/v2/stream",):
                continue
            with self.subTest(path=path):
                r = self.call("GET", path, path)
                if r.json is not None and r.status == 200 and "data" in r.json:
                    self.assertFalse(isinstance(r.json["data"], list), f"{path} answers an undeclared list")

    def test_the_api_keys_list_counts_the_callers_live_keys(self):
        user = self.deltad.add_user(tier="analyst")
        created = [self.deltad.new_key(user, f"k{i}")["key_id"] for i in range(3)]
        r = self.deltad.request("DELETE", f"/api/v2/platform/api-keys/{created[0]}", user.bearer, anonymous=True)
        self.assertEqual(r.status, 204)
        data, total, nxt = self.assert_page(
            self.deltad.request("GET", "/api/v2/platform/api-keys?limit=1", user.bearer, anonymous=True), 1, 0)
        self.assertEqual(total, 2)
        self.assertEqual(data[0]["key_id"], created[1])
        second, _, _ = self.assert_page(self.deltad.get(nxt, user.bearer, anonymous=True), 1, 1)
        self.assertEqual(second[0]["key_id"], created[2])
        self.assertNotIn("key", second[0])


if __name__ == "__main__":
    unittest.main()
