"""The HTTP edge: 400/404/405/413/415/431, request framing (Transfer-Encoding,
Content-Length) and Host, request ids, CORS, keep-alive, pipelining,
header-read and idle timeouts, malformed and hostile input.

Requests carry the demo API key (the market routes need credentials) except
the POSTs, which are anonymous: their JSON body checks (400/413/415) come
before auth, and a well-formed body then gets 401.

Waits below are socket timeouts and the server closing a connection (events);
every bound is a test limit, never a pause."""

import json
import select
import socket
import time
import unittest

from tests.e2e.harness import (DEMO_AUTH, REQUEST_ID_RE, DeltaTestCase, parse_responses,
                               read_until_close)

BASE = "/api/v2/market/securities"
ALLOWED = "https://app.example.com"
ALLOWED_2 = "https://admin.example.com"
BODY_LIMIT = 4096
HEADER_TIMEOUT = 1
IDLE_TIMEOUT = 2
GOOD_BODY = {"ticker": "NEW1", "name": "New", "security_type": "equity", "currency": "USD"}
ANON = {"X-API-Key": None}   # header override: leave the demo key out
SMUGGLED = b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"   # must never be read as a request


def allow_set(header):
    return {m.strip().upper() for m in header.split(",") if m.strip()}


class EdgeTest(DeltaTestCase):
    default_headers = DEMO_AUTH
    config = {
        "http__cors_allowed_origins": [ALLOWED, ALLOWED_2],
        "http__body_limit_bytes": BODY_LIMIT,
        "http__header_timeout_seconds": HEADER_TIMEOUT,
        "http__idle_timeout_seconds": IDLE_TIMEOUT,
    }

    def tearDown(self):
        super().tearDown()
        # whatever a test threw at it, the server still serves
        r = self.deltad.get("/health")
        self.assertEqual(r.status, 200, f"server stopped serving\n{self.deltad.output_tail()}")
        self.assertTrue(self.deltad.running())

    def post(self, body, content_type="application/json", headers=None):
        h = dict(headers or {})
        if content_type is not None:
            h["Content-Type"] = content_type
        return self.deltad.request("POST", BASE, h, body, anonymous=True)

    # -- 404 / 405

    def test_unknown_path_is_not_found(self):
        for path in ("/nope", "/api/v2/nope", "/api/v2/market", "/api/v2/market/securities/AAPL/x",
                     "/HEALTH", "/healthz"):
            with self.subTest(path=path):
                self.assert_error(self.deltad.get(path), 404, "not_found")

    def test_wrong_method_is_405_with_allow(self):
        for method, path, expected in (("DELETE", "/health", {"GET"}),
                                       ("POST", "/ready", {"GET"}),
                                       ("POST", BASE + "/AAPL", {"GET"}),
                                       ("PUT", BASE, {"GET", "POST"}),
                                       ("DELETE", BASE, {"GET", "POST"})):
            with self.subTest(method=method, path=path):
                r = self.deltad.request(method, path)
                self.assert_error(r, 405, "method_not_allowed")
                self.assertIn("allow", r.headers, "405 without Allow")
                allowed = allow_set(r.headers["allow"])
                self.assertTrue(expected <= allowed, f"Allow: {r.headers['allow']}")
                self.assertFalse({"DELETE", "PUT", "PATCH"} & allowed - expected,
                                 f"Allow lists methods the route lacks: {r.headers['allow']}")

    # -- JSON bodies: 400 / 413 / 415 (checked before auth -> 401)

    def test_wellformed_json_reaches_auth(self):
        self.assert_error(self.post(GOOD_BODY), 401, "unauthorized")
        self.assert_error(self.post(GOOD_BODY, "application/json; charset=utf-8"), 401, "unauthorized")
        self.assert_error(self.post(GOOD_BODY, "Application/JSON"), 401, "unauthorized")
        # with credentials, the next check is the feature (the demo user lacks market_ingest)
        self.assert_error(self.post(GOOD_BODY, headers=DEMO_AUTH), 403, "not_entitled")

    def test_body_checks_come_before_auth_with_credentials_too(self):
        self.assert_error(self.post(b'{"ticker":"X"}', "text/plain", DEMO_AUTH), 415,
                          "unsupported_media_type")
        self.assert_error(self.post(b'{"ticker":', headers=DEMO_AUTH), 400, "bad_request")
        self.assert_error(self.post({"ticker": "NEW1", "pad": "x" * BODY_LIMIT}, headers=DEMO_AUTH),
                          413, "payload_too_large")

    def test_non_json_content_type_is_415(self):
        for ctype in ("text/plain", "application/x-www-form-urlencoded", "application/jsonx",
                      "multipart/form-data; boundary=x", None):
            with self.subTest(content_type=ctype):
                r = self.post(b'{"ticker":"X"}', ctype)
                self.assert_error(r, 415, "unsupported_media_type")

    def test_malformed_json_is_400(self):
        for body in (b'{"ticker":', b"", b"{} x", b"{'ticker': 'X'}", b'{"ticker":"\xff\xfe"}',
                     b"\x00", b"nul"):
            with self.subTest(body=body):
                self.assert_error(self.post(body), 400, "bad_request")

    def test_body_over_limit_is_413(self):
        pad = "x" * BODY_LIMIT
        r = self.post({"ticker": "NEW1", "pad": pad})
        self.assert_error(r, 413, "payload_too_large")

    def test_body_at_limit_is_accepted(self):
        body = b'{"ticker":"NEW1","pad":"'
        body += b"x" * (BODY_LIMIT - len(body) - 2) + b'"}'
        self.assertEqual(len(body), BODY_LIMIT)
        self.assert_error(self.post(body), 401, "unauthorized")

    def test_declared_huge_body_is_refused_without_reading_it(self):
        head = (f"POST {BASE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Content-Length: 100000000\r\n\r\n").encode()
        # the answer (and the close) must come without the 100 MB ever being sent
        responses = parse_responses(self.deltad.raw(head + b'{"ticker":'))
        self.assertTrue(responses, "connection closed without a 413")
        self.assertEqual(responses[0].status, 413)
        self.assertEqual(responses[0].json["error"]["code"], "payload_too_large")

    def test_chunked_body_over_limit_is_413(self):
        chunk = b"x" * 1000
        head = (f"POST {BASE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n").encode()
        body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(6)) + b"0\r\n\r\n"
        responses = parse_responses(self.deltad.raw(head + body))
        self.assertEqual(responses[0].status, 413)
        self.assertEqual(responses[0].json["error"]["code"], "payload_too_large")

    # -- framing (RFC 9112 §6): no request hides in another's body

    def assert_refused_alone(self, raw):
        """The server answered exactly one 400 bad_request, said it closes, and
        closed (raw() reads until it does); nothing after it was served."""
        since = self.deltad.mark()
        responses = parse_responses(self.deltad.raw(raw))
        self.assertEqual(len(responses), 1, [(r.status, r.body[:100]) for r in responses])
        self.assert_error(responses[0], 400, "bad_request")
        self.assertEqual(responses[0].headers.get("connection", "").lower(), "close", responses[0].headers)
        served = [o.get("path") for o in self.deltad.log_objects(since) if o.get("message") == "request"]
        self.assertNotIn("/smuggled", served, "a request smuggled in a body was served")

    def signal_head(self, framing):
        return (b"POST /api/v2/signals HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + self.deltad.raw_auth() + framing + b"\r\n")

    def test_transfer_codings_other_than_chunked_are_refused(self):
        body = b'{"source":"tv","symbol":"AAPL","side":"long"}'
        for coding in (b"xchunked", b"gzip", b"identity", b"chunked, identity", b"gzip, chunked",
                       b"chunked, chunked", b"chunked;x=1", b""):
            with self.subTest(coding=coding):
                framing = b"Transfer-Encoding: %s\r\nContent-Length: %d\r\n" % (coding, len(body))
                self.assert_refused_alone(self.signal_head(framing) + body + SMUGGLED)

    def test_unknown_coding_without_content_length_is_refused(self):
        chunked = b"5\r\nhello\r\n0\r\n\r\n"
        self.assert_refused_alone(self.signal_head(b"Transfer-Encoding: xchunked\r\n") + chunked + SMUGGLED)

    def test_chunked_with_content_length_is_refused_in_either_order(self):
        body = b'{"source":"tv","symbol":"AAPL","side":"long"}'
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        for framing in (b"Transfer-Encoding: chunked\r\nContent-Length: %d\r\n" % len(chunked),
                        b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n" % len(chunked),
                        b"Transfer-Encoding: chunked\r\nContent-Length: 0\r\n"):
            with self.subTest(framing=framing):
                self.assert_refused_alone(self.signal_head(framing) + chunked + SMUGGLED)

    def test_transfer_encoding_in_http_1_0_is_refused(self):
        raw = (f"POST {BASE} HTTP/1.0\r\nContent-Type: application/json\r\n"
               f"Transfer-Encoding: chunked\r\n\r\n").encode() + b"2\r\n{}\r\n0\r\n\r\n" + SMUGGLED
        self.assert_refused_alone(raw)

    def test_chunked_in_any_case_is_read_as_chunked(self):
        body = json.dumps(GOOD_BODY).encode()
        for coding in ("chunked", "Chunked", "CHUNKED"):
            with self.subTest(coding=coding):
                raw = (f"POST {BASE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       f"Transfer-Encoding: {coding}\r\n\r\n").encode()
                raw += b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
                raw += b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                responses = parse_responses(self.deltad.raw(raw))
                # the body parsed as JSON (so auth is next: 401), then the next request on the connection
                self.assertEqual([r.status for r in responses], [401, 200], responses)
                self.assertEqual(responses[0].json["error"]["code"], "unauthorized")

    # -- Host (RFC 9112 §3.2)

    def test_requests_without_exactly_one_valid_host_are_refused(self):
        for head in (b"GET /health HTTP/1.1\r\n",                        # HTTP/1.1 needs a Host
                     b"GET /health HTTP/1.1\r\nX-Host: x\r\n",
                     b"GET /health HTTP/1.1\r\nHost: a\r\nHost: a\r\n",  # two, even alike
                     b"GET /health HTTP/1.1\r\nHost: a\r\nhost: b\r\n",
                     b"GET /health HTTP/1.0\r\nHost: a\r\nHost: b\r\n",  # two in HTTP/1.0 too
                     b"GET /health HTTP/1.1\r\nHost: a b\r\n",            # not a host
                     b"GET /health HTTP/1.1\r\nHost: a/b\r\n",
                     b"GET /health HTTP/1.1\r\nHost: user@a\r\n"):
            with self.subTest(head=head):
                self.assert_refused_alone(head + b"\r\n" + SMUGGLED)

    def test_one_host_or_none_in_http_1_0_is_served(self):
        for raw in (b"GET /health HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: close\r\n\r\n",
                    b"GET /health HTTP/1.1\r\nHost: [::1]\r\nConnection: close\r\n\r\n",
                    b"GET /health HTTP/1.0\r\n\r\n"):
            with self.subTest(raw=raw):
                self.assertEqual([r.status for r in parse_responses(self.deltad.raw(raw))], [200])

    # -- request ids and response time

    def test_every_response_has_request_id_and_response_time(self):
        cases = [
            ("GET", "/health", None, None, 200),
            ("GET", "/nope", None, None, 404),
            ("DELETE", "/health", None, None, 405),
            ("GET", BASE + "?limit=0", None, None, 422),
            ("POST", BASE, {"Content-Type": "text/plain"}, b"x", 415),
            ("POST", BASE, {"Content-Type": "application/json"}, b"{", 400),
            ("POST", BASE, {"Content-Type": "application/json"}, b"[" * (BODY_LIMIT + 1), 413),
            ("POST", BASE, ANON, GOOD_BODY, 401),
            ("OPTIONS", BASE, {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
             None, 403),
        ]
        for method, path, headers, body, status in cases:
            with self.subTest(method=method, path=path):
                r = self.deltad.request(method, path, headers, body)
                self.assertEqual(r.status, status, r.body[:300])
                self.assert_common_headers(r)
                if status >= 400:
                    self.assertEqual(r.json["error"]["request_id"], r.headers["x-request-id"])

    def test_sane_request_id_is_echoed(self):
        for rid in ("abc-123_X.y", "a", "A" * 128, "0123456789", "..--__"):
            with self.subTest(rid=rid):
                r = self.deltad.get(BASE + "/T0042", {"X-Request-ID": rid})
                self.assertEqual(r.headers.get("x-request-id"), rid)
                self.assertEqual(r.json["meta"]["request_id"], rid)
                r = self.deltad.get("/nope", {"X-Request-ID": rid})
                self.assertEqual(r.headers.get("x-request-id"), rid)
                self.assertEqual(r.json["error"]["request_id"], rid)

    def test_request_id_is_echoed_on_every_error(self):
        cases = [
            ("DELETE", "/health", None, None, 405),
            ("GET", BASE + "?limit=0", None, None, 422),
            ("POST", BASE, {"Content-Type": "text/plain"}, b"x", 415),
            ("POST", BASE, {"Content-Type": "application/json"}, b"{", 400),
            ("POST", BASE, {"Content-Type": "application/json"}, b"[" * (BODY_LIMIT + 1), 413),
            ("POST", BASE, ANON, GOOD_BODY, 401),
            ("OPTIONS", BASE, {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
             None, 403),
            ("OPTIONS", BASE, {"Origin": ALLOWED, "Access-Control-Request-Method": "GET"}, None, 204),
        ]
        for n, (method, path, headers, body, status) in enumerate(cases):
            rid = f"echo-{status}-{n}"
            with self.subTest(status=status):
                r = self.deltad.request(method, path, {**(headers or {}), "X-Request-ID": rid}, body)
                self.assertEqual(r.status, status, r.body[:300])
                self.assertEqual(r.headers.get("x-request-id"), rid)
                if r.json is not None:
                    self.assertEqual(r.json["error"]["request_id"], rid)

    def test_access_log_names_method_and_path_of_refused_bodies(self):
        since = self.deltad.mark()
        rid = "edge-log-413"
        r = self.post({"pad": "x" * BODY_LIMIT}, headers={"X-Request-ID": rid})
        self.assertEqual(r.status, 413)
        line = self.deltad.wait_for_log(lambda o: o.get("request_id") == rid and "status" in o, since=since)
        self.assertEqual((line["method"], line["path"], line["status"]), ("POST", BASE, 413))

    def test_insane_request_id_is_replaced(self):
        for rid in ("A" * 129, "a b", "<script>", "", "id;drop", "é", "a\tb", "{x}"):
            with self.subTest(rid=rid):
                r = self.deltad.request("GET", BASE + "/T0042", {"X-Request-ID": rid.encode("utf-8")})
                got = r.headers.get("x-request-id", "")
                self.assertNotEqual(got, rid)
                self.assertRegex(got, REQUEST_ID_RE)
                self.assertEqual(r.json["meta"]["request_id"], got)

    def test_generated_request_ids_are_unique(self):
        ids = {self.deltad.get("/health").headers["x-request-id"] for _ in range(20)}
        self.assertEqual(len(ids), 20)

    # -- CORS

    def test_cors_allowed_origin(self):
        for origin in (ALLOWED, ALLOWED_2):
            with self.subTest(origin=origin):
                r = self.deltad.get(BASE + "/T0042", {"Origin": origin})
                self.assertEqual(r.status, 200)
                self.assertEqual(r.headers.get("access-control-allow-origin"), origin)
                self.assertIn("origin", [v.strip().lower() for v in r.headers.get("vary", "").split(",")])

    def test_cors_on_error_responses(self):
        r = self.deltad.get(BASE + "/ZZZZ9", {"Origin": ALLOWED})
        self.assert_error(r, 404, "not_found")
        self.assertEqual(r.headers.get("access-control-allow-origin"), ALLOWED)

    def test_cors_disallowed_origins_get_nothing(self):
        for origin in ("https://evil.example", "http://app.example.com", "https://app.example.com.evil.example",
                       "https://sub.app.example.com", "null", "*", ALLOWED + "/"):
            with self.subTest(origin=origin):
                r = self.deltad.get(BASE + "/T0042", {"Origin": origin})
                self.assertEqual(r.status, 200)
                self.assertNotIn("access-control-allow-origin", r.headers)

    def test_no_origin_no_cors_headers(self):
        r = self.deltad.get("/health")
        self.assertNotIn("access-control-allow-origin", r.headers)

    def test_preflight_allowed(self):
        r = self.deltad.request("OPTIONS", BASE, {"Origin": ALLOWED, "Access-Control-Request-Method": "GET"})
        self.assertEqual(r.status, 204, r.body)
        self.assertEqual(r.headers.get("access-control-allow-origin"), ALLOWED)
        self.assertIn("GET", allow_set(r.headers.get("access-control-allow-methods", "")))
        self.assertTrue(r.headers.get("access-control-allow-headers"), r.headers)
        self.assertEqual(r.body, b"")
        self.assert_common_headers(r)

    def test_preflight_for_json_post(self):
        r = self.deltad.request("OPTIONS", BASE, {
            "Origin": ALLOWED, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-request-id"})
        self.assertEqual(r.status, 204, r.body)
        self.assertEqual(r.headers.get("access-control-allow-origin"), ALLOWED)
        self.assertIn("POST", allow_set(r.headers.get("access-control-allow-methods", "")))
        allowed_headers = {h.strip().lower() for h in r.headers.get("access-control-allow-headers", "").split(",")}
        self.assertIn("content-type", allowed_headers)

    def test_preflight_from_disallowed_origin_is_forbidden(self):
        for origin in ("https://evil.example", "null"):
            with self.subTest(origin=origin):
                r = self.deltad.request("OPTIONS", BASE, {"Origin": origin,
                                                          "Access-Control-Request-Method": "GET"})
                self.assert_error(r, 403, "forbidden")
                self.assertNotIn("access-control-allow-origin", r.headers)

    # -- connections

    def test_keep_alive_serves_many_requests_on_one_connection(self):
        client = self.deltad.client()
        try:
            first = client.request("GET", "/health")
            self.assertEqual(first.status, 200)
            sock = client.sock
            self.assertIsNotNone(sock, "server closed a keep-alive connection after one request")
            for i in range(20):
                path = ("/health", BASE + f"/T{i:04d}", "/nope", BASE + "?limit=0")[i % 4]
                r = client.request("GET", path)
                self.assertEqual(r.status, (200, 200, 404, 422)[i % 4])
                self.assertIs(client.sock, sock, f"connection was not kept alive after {path}")
        finally:
            client.close()

    def test_pipelined_requests_are_answered_in_order(self):
        auth = self.deltad.raw_auth()
        reqs = b"".join(f"GET {BASE}/T{i:04d} HTTP/1.1\r\nHost: x\r\nX-Request-ID: pipe-{i}\r\n".encode()
                        + auth + b"\r\n" for i in range(5))
        reqs += b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        responses = parse_responses(self.deltad.raw(reqs))
        self.assertEqual([r.status for r in responses], [200] * 6)
        self.assertEqual([r.json["data"]["ticker"] for r in responses[:5]], [f"T{i:04d}" for i in range(5)])
        self.assertEqual([r.headers["x-request-id"] for r in responses[:5]], [f"pipe-{i}" for i in range(5)])

    def test_http_1_0_connection_is_closed_after_the_response(self):
        responses = parse_responses(self.deltad.raw(b"GET /health HTTP/1.0\r\n\r\n"))
        self.assertEqual([r.status for r in responses], [200])
        self.assertEqual(responses[0].json, {"status": "ok"})

    def test_idle_keep_alive_connection_is_closed(self):
        with self.deltad.connect() as s:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            data = read_until_close(s, IDLE_TIMEOUT + 4)
        self.assertEqual([r.status for r in parse_responses(data)], [200])

    def assert_closed_or_status(self, data, statuses):
        if data:
            self.assertIn(parse_responses(data)[0].status, statuses, data[:300])

    def test_malformed_request_lines(self):
        for raw in (b"GARBAGE\r\n\r\n", b"GET\r\n\r\n",
                    b"GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
                    b"GET /health HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n",
                    b"GET /he\x00alth HTTP/1.1\r\nHost: x\r\n\r\n",
                    b"GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
                    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64):
            with self.subTest(raw=raw[:40]):
                data = self.deltad.raw(raw)
                self.assert_closed_or_status(data, (400, 505))

    def test_half_sent_headers_are_cut_off_by_the_header_timeout(self):
        with self.deltad.connect() as s:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
            start = time.monotonic()
            data = read_until_close(s, HEADER_TIMEOUT + 4)
        self.assertLess(time.monotonic() - start, HEADER_TIMEOUT + 4)
        self.assert_closed_or_status(data, (408,))

    def test_silent_connection_is_closed(self):
        with self.deltad.connect() as s:
            data = read_until_close(s, HEADER_TIMEOUT + IDLE_TIMEOUT + 4)
        self.assert_closed_or_status(data, (408,))

    def test_trickled_headers_are_cut_off_by_the_header_timeout(self):
        """One header byte every 0.25 s would keep a per-read timer alive forever;
        the header deadline must cut the connection anyway. The pacing is a
        select() on the socket, so the server's close ends the loop at once."""
        limit = HEADER_TIMEOUT + 4
        with self.deltad.connect() as s:
            s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            start = time.monotonic()
            answer = None
            while answer is None and time.monotonic() - start < limit:
                readable, _, _ = select.select([s], [], [], 0.25)
                if readable:
                    answer = read_until_close(s, 3)  # the server answered or closed: it must close now
                    break
                try:
                    s.sendall(b"a")
                except (BrokenPipeError, ConnectionResetError):
                    answer = b""
            self.assertIsNotNone(answer, f"a trickling client held the connection for {limit}s")
        self.assert_closed_or_status(answer, (408,))

    def test_header_block_over_the_limit_is_431(self):
        head = b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n"
        responses = parse_responses(self.deltad.raw(head))  # raw() also proves the server closed
        self.assertEqual(responses[0].status, 431)
        self.assertEqual(responses[0].json["error"]["code"], "bad_request")
        self.assertEqual(len(responses), 1)

    def test_many_headers_over_the_limit_is_431(self):
        head = b"GET /health HTTP/1.1\r\nHost: x\r\n"
        head += b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 40) for i in range(500)) + b"\r\n"
        responses = parse_responses(self.deltad.raw(head))
        self.assertEqual(responses[0].status, 431)

    def test_header_under_the_limit_is_fine(self):
        r = self.deltad.get("/health", {"X-Big": "a" * 8000})
        self.assertEqual(r.status, 200)

    # -- hostile input: never a 5xx, never a crash

    def test_very_long_path(self):
        self.assert_error(self.deltad.get("/" + "a" * 10000), 404, "not_found")
        self.assert_validation_failed(self.deltad.get(BASE + "/" + "A" * 10000), "ticker")

    def test_nul_bytes_in_path_and_query(self):
        self.assert_validation_failed(self.deltad.get(BASE + "/T0%0042"), "ticker")
        r = self.deltad.get("/health%00")
        self.assertIn(r.status, (400, 404), r.body[:300])
        self.assertIn(r.json["error"]["code"], ("bad_request", "not_found"))
        r = self.deltad.get(BASE + "?q=%00")
        self.assertIn(r.status, (200, 422), r.body[:300])

    def test_invalid_utf8_in_query(self):
        for query in ("q=%FF%FE", "q=%C3", "q=%ED%A0%80", "limit=%FF"):
            with self.subTest(query=query):
                r = self.deltad.get(BASE + "?" + query)
                if query.startswith("limit"):
                    self.assert_validation_failed(r, "limit")
                elif r.status == 422:
                    self.assert_validation_failed(r, "q")
                else:
                    self.assertEqual(r.status, 200, r.body[:300])
                    self.assertEqual(r.json["data"], [])

    def test_bad_percent_encoding(self):
        for path in (BASE + "?q=%", BASE + "?q=%G1", BASE + "/%", BASE + "/%ZZ"):
            with self.subTest(path=path):
                r = self.deltad.get(path)
                self.assertIn(r.status, (200, 400, 422) if "?" in path else (400, 422), r.body[:300])
                if r.status != 200:
                    self.assertIn(r.json["error"]["code"], ("bad_request", "validation_failed"))

    def test_thousand_query_parameters(self):
        query = "&".join(f"p{i}={i}" for i in range(1000))
        r = self.deltad.get(BASE + "?" + query)
        self.assertIn(r.status, (200, 400, 422, 431), r.body[:300])
        if r.status == 200:
            self.assertEqual(r.json["meta"]["limit"], 50)

    def test_duplicate_limit_parameters(self):
        r = self.deltad.get(BASE + "?limit=5&limit=10")
        self.assertIn(r.status, (200, 422), r.body[:300])
        if r.status == 200:
            self.assertIn(r.json["meta"]["limit"], (5, 10))
            self.assertEqual(len(r.json["data"]), r.json["meta"]["limit"])
        else:
            self.assert_validation_failed(r, "limit")

    def test_garbage_bytes_do_not_disturb_other_connections(self):
        client = self.deltad.client()
        try:
            self.assertEqual(client.request("GET", "/health").status, 200)
            with socket.create_connection((self.deltad.host, self.deltad.port), timeout=5) as s:
                s.sendall(bytes(range(256)) * 20)
                try:
                    read_until_close(s, 5)
                except TimeoutError:
                    self.fail("server neither answered nor closed a connection sending binary garbage")
            self.assertEqual(client.request("GET", BASE + "/T0001").status, 200)
        finally:
            client.close()


if __name__ == "__main__":
    unittest.main()
