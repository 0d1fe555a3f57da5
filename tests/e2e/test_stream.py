"""The live stream, GET /api/v2/stream (WebSocket), against a real deltad with
a minimal standard-library WebSocket client (RFC 6455: handshake, masked
frames, fragments, ping/pong, close codes): authentication by header (wrong
credentials refuse the upgrade with 401 and the error envelope) or by first
message (bad credentials: an unauthorized error, then close 1008; silence:
close 1008 after the auth timeout), ping/pong, subscribe/unsubscribe, bad
messages answered with errors on an open connection, the message size limit
(close 1009), the subscriptions limit, metrics, and close 1001 on SIGTERM.

A real event end to end: a research report job hangs in tools/llm-stub
while its owner, another user and an admin subscribe to it; cancelling it
publishes `cancelled` through the jobs engine and the stream hub to the
owner and the admin only. The slow-client close (1008) needs a publisher
the test can drive fast; it is tested at the actor level
(tests/unit/actors/stream/stream_hub_test.cpp) with the real send-queue
policy (tests/unit/http/send_queue_test.cpp).

Needs DELTAD, DELTA_TEST_DATABASE_URL and LLM_STUB (ctest sets them)."""

import base64
import hashlib
import json
import os
import signal
import socket
import struct

from tests.e2e.harness import (DEMO_KEY, DEMO_USER_ID, REQUEST_ID_RE, Deltad, DeltaTestCase,
                               Response, poll_until, prepare_database)
from tests.e2e.test_llm_stub import LlmStub, point_llm_rows_at

PATH = "/api/v2/stream"
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
WAIT = 10.0          # bound of every wait for a message or a close
AUTH_TIMEOUT = 10    # the server's first-message auth timeout (stream_connection_limits)
MAX_MESSAGE = 64 * 1024
MAX_SUBSCRIPTIONS = 100
GENEROUS_IP_LIMIT = {"ratelimit__ip_per_minute": 100000, "ratelimit__ip_burst": 100000}

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class Closed(Exception):
    """The server closed the WebSocket: code (None without one) and reason."""

    def __init__(self, code, reason):
        super().__init__(f"closed by the server: {code} {reason!r}")
        self.code, self.reason = code, reason


class WebSocket:
    """A minimal RFC 6455 client over one TCP connection. connect() does the
    HTTP upgrade; if the server refuses it, `response` holds its answer and
    the socket is closed."""

    def __init__(self, host, port, headers=None, path=PATH, timeout=WAIT):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""
        self.close_sent = False
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Upgrade: websocket",
                 "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = self._read_until(b"\r\n\r\n").decode("latin-1").split("\r\n")
        status = int(head[0].split(" ", 2)[1])
        fields = {}
        for line in head[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                fields[name.strip().lower()] = value.strip()
        body = b""
        if status != 101:
            body = self._read_exactly(int(fields.get("content-length", "0")))
            self.sock.close()
        self.response = Response(status, fields, body, json.loads(body) if body else None)
        if status == 101:
            expected = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
            if fields.get("sec-websocket-accept") != expected:
                raise AssertionError(f"bad Sec-WebSocket-Accept: {fields}")

    @property
    def open(self):
        return self.response.status == 101

    # -- bytes

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise Closed(None, "connection closed without a close frame")
        self.buf += chunk

    def _read_until(self, marker):
        while marker not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(marker, 1)
        return head

    def _read_exactly(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    # -- frames

    def send_frame(self, opcode, payload, fin=True):
        """One client frame (always masked, as RFC 6455 requires)."""
        header = bytes([(0x80 if fin else 0) | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def recv_frame(self):
        b0, b1 = self._read_exactly(2)
        if b1 & 0x80:
            raise AssertionError("the server masked a frame")
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._read_exactly(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._read_exactly(8))[0]
        return b0 & 0x80 != 0, b0 & 0x0F, self._read_exactly(n)

    def send_text(self, text):
        self.send_frame(OP_TEXT, text.encode())

    def send(self, obj):
        self.send_text(json.dumps(obj))

    def recv(self):
        """The next text message as JSON. Answers pings; raises Closed on a close frame."""
        message, opcode = b"", None
        while True:
            fin, op, payload = self.recv_frame()
            if op == OP_PING:
                self.send_frame(OP_PONG, payload)
                continue
            if op == OP_PONG:
                continue
            if op == OP_CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                reason = payload[2:].decode("utf-8", "replace")
                if not self.close_sent:
                    self.close_sent = True
                    try:
                        self.send_frame(OP_CLOSE, payload[:2])
                    except OSError:
                        pass
                raise Closed(code, reason)
            if op != OP_CONT:
                opcode = op
            message += payload
            if fin:
                if opcode != OP_TEXT:
                    raise AssertionError(f"a non-text message (opcode {opcode})")
                return json.loads(message)

    def request(self, obj):
        self.send(obj)
        return self.recv()

    def expect_close(self, timeout=WAIT):
        """Read until the server closes; return (code, messages received before)."""
        self.sock.settimeout(timeout)
        messages = []
        try:
            while True:
                messages.append(self.recv())
        except Closed as closed:
            return closed.code, messages

    def close(self, code=1000):
        """Client-initiated close; returns the code the server echoed."""
        self.close_sent = True
        self.send_frame(OP_CLOSE, struct.pack("!H", code))
        echoed, _ = self.expect_close()
        self.sock.close()
        return echoed

    def shutdown(self):
        try:
            self.sock.close()
        except OSError:
            pass


class StreamCase(DeltaTestCase):
    config = GENEROUS_IP_LIMIT

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = cls.deltad.add_user(tier="research")
        cls.admin = cls.deltad.add_user(tier="research", role="admin")

    def connect(self, headers=None, deltad=None):
        d = deltad or self.deltad
        ws = WebSocket(d.host, d.port, headers)
        self.addCleanup(ws.shutdown)
        return ws

    def connect_open(self, headers):
        ws = self.connect(headers)
        self.assertEqual(ws.response.status, 101, ws.response.body)
        return ws

    def assert_error(self, message, code):
        self.assertEqual(message.get("type"), "error", message)
        self.assertEqual(message["error"]["code"], code, message)
        self.assertIsInstance(message["error"]["message"], str)
        self.assertTrue(message["error"]["message"])

    def assert_still_open(self, ws):
        self.assertEqual(ws.request({"op": "ping"}), {"type": "pong"})


class AuthenticationTest(StreamCase):
    def test_api_key_header_opens_the_stream(self):
        ws = self.connect_open({"X-API-Key": DEMO_KEY})
        self.assertRegex(ws.response.headers.get("x-request-id", ""), REQUEST_ID_RE)
        self.assert_still_open(ws)
        self.assertEqual(ws.close(), 1000)

    def test_bearer_header_opens_the_stream(self):
        ws = self.connect_open(self.user.bearer)
        reply = ws.request({"op": "subscribe", "channel": "decisions", "filters": {"symbol": "AAPL"}})
        self.assertEqual(reply["type"], "subscribed", reply)

    def test_a_wrong_api_key_refuses_the_upgrade_with_401(self):
        ws = self.connect({"X-API-Key": "dk_live_" + "x" * 43})
        err = self.assert_error_envelope(ws.response, 401, "unauthorized")
        self.assertFalse(ws.open)
        self.assertEqual(err["request_id"], ws.response.headers["x-request-id"])

    def test_a_wrong_bearer_token_refuses_the_upgrade_with_401(self):
        ws = self.connect({"Authorization": "Bearer ds_" + "y" * 43})
        self.assert_error_envelope(ws.response, 401, "unauthorized")

    def test_a_malformed_authorization_header_refuses_the_upgrade_with_401(self):
        ws = self.connect({"Authorization": "Basic Zm9vOmJhcg=="})
        self.assert_error_envelope(ws.response, 401, "unauthorized")

    def assert_error_envelope(self, resp, status, code):
        self.assertEqual(resp.status, status, resp.body)
        self.assertTrue(resp.headers.get("content-type", "").startswith("application/json"))
        self.assertIsInstance(resp.json, dict, resp.body)
        err = resp.json["error"]
        self.assertEqual(err["code"], code)
        self.assertTrue(err["message"])
        self.assertIn("details", err)
        return err

    def test_first_message_auth_with_an_api_key(self):
        ws = self.connect_open({})
        reply = ws.request({"op": "auth", "api_key": DEMO_KEY})
        self.assertEqual(reply, {"type": "authenticated", "user_id": DEMO_USER_ID, "auth_method": "api_key"})
        self.assertEqual(ws.request({"op": "subscribe", "channel": "decisions"})["type"], "subscribed")

    def test_first_message_auth_with_a_session_token(self):
        ws = self.connect_open({})
        reply = ws.request({"op": "auth", "token": self.user.token})
        self.assertEqual(reply, {"type": "authenticated", "user_id": self.user.user_id, "auth_method": "session"})

    def test_messages_sent_right_after_auth_wait_for_it(self):
        ws = self.connect_open({})
        ws.send({"op": "auth", "token": self.user.token})
        ws.send({"op": "subscribe", "channel": "decisions"})
        self.assertEqual(ws.recv()["type"], "authenticated")
        self.assertEqual(ws.recv()["type"], "subscribed")

    def test_first_message_with_bad_credentials_gets_an_error_then_1008(self):
        for auth in ({"api_key": "dk_live_" + "z" * 43}, {"token": "ds_" + "q" * 43}, {"token": "bad token"}):
            with self.subTest(auth=list(auth)):
                ws = self.connect_open({})
                ws.send({"op": "auth", **auth})
                code, messages = ws.expect_close()
                self.assertEqual(code, 1008)
                self.assertEqual(len(messages), 1, messages)
                self.assert_error(messages[0], "unauthorized")

    def test_anything_but_auth_before_authenticating_gets_an_error_then_1008(self):
        for first in ('{"op":"subscribe","channel":"decisions"}', "not json"):
            with self.subTest(first=first):
                ws = self.connect_open({})
                ws.send_text(first)
                code, messages = ws.expect_close()
                self.assertEqual(code, 1008)
                self.assert_error(messages[0], "unauthorized")

    def test_ping_is_answered_before_authentication(self):
        ws = self.connect_open({})
        self.assert_still_open(ws)

    def test_auth_twice_is_an_error_and_the_connection_stays(self):
        ws = self.connect_open({"X-API-Key": DEMO_KEY})
        self.assert_error(ws.request({"op": "auth", "api_key": DEMO_KEY}), "bad_request")
        self.assert_still_open(ws)

    def test_no_auth_message_closes_with_1008_after_the_auth_timeout(self):
        ws = self.connect_open({})
        code, messages = ws.expect_close(timeout=AUTH_TIMEOUT + WAIT)
        self.assertEqual(code, 1008)
        self.assert_error(messages[-1], "unauthorized")
        self.assertIn("timed out", messages[-1]["error"]["message"])

    def test_a_plain_get_is_400(self):
        r = self.deltad.get(PATH, {"X-API-Key": DEMO_KEY})
        self.assertEqual(r.status, 400, r.body)
        self.assertEqual(r.json["error"]["code"], "bad_request")


class MessagesTest(StreamCase):
    def test_ping_pong(self):
        ws = self.connect_open({"X-API-Key": DEMO_KEY})
        for _ in range(3):
            self.assertEqual(ws.request({"op": "ping"}), {"type": "pong"})

    def test_subscribe_and_unsubscribe_are_answered(self):
        ws = self.connect_open(self.user.bearer)
        a = ws.request({"op": "subscribe", "channel": "decisions",
                        "filters": {"symbol": "AAPL", "model": "m1", "event_type": "decision"}})
        self.assertEqual(a["type"], "subscribed")
        self.assertEqual(a["channel"], "decisions")
        self.assertIsInstance(a["subscription_id"], str)
        b = ws.request({"op": "subscribe", "channel": "decisions", "filters": {"symbol": "MSFT"}})
        self.assertEqual(b["channel"], "decisions")
        self.assertNotEqual(a["subscription_id"], b["subscription_id"])
        self.assertEqual(ws.request({"op": "unsubscribe", "subscription_id": a["subscription_id"]}),
                         {"type": "unsubscribed", "subscription_id": a["subscription_id"]})
        self.assert_error(ws.request({"op": "unsubscribe", "subscription_id": a["subscription_id"]}), "not_found")
        self.assert_still_open(ws)

    def test_bad_messages_get_errors_and_the_connection_stays_open(self):
        ws = self.connect_open({"X-API-Key": DEMO_KEY})
        cases = [
            ("{not json", "bad_request"),
            ("[1, 2]", "bad_request"),
            ('"ping"', "bad_request"),
            ('{"type":"ping"}', "bad_request"),
            ('{"op":"dance"}', "bad_request"),
            ('{"op":"subscribe"}', "validation_failed"),
            ('{"op":"subscribe","channel":"prices"}', "validation_failed"),
            ('{"op":"subscribe","channel":"jobs"}', "validation_failed"),
            ('{"op":"subscribe","channel":"jobs","filters":{"job_id":7}}', "validation_failed"),
            ('{"op":"subscribe","channel":"decisions","filters":{"colour":"red"}}', "validation_failed"),
            ('{"op":"subscribe","channel":"decisions","filters":"AAPL"}', "validation_failed"),
            ('{"op":"unsubscribe"}', "validation_failed"),
            ('{"op":"unsubscribe","subscription_id":"sub-999"}', "not_found"),
            # a job that does not exist, by a well-formed or any other id
            ('{"op":"subscribe","channel":"jobs","filters":{"job_id":"00000000-0000-4000-8000-000000000000"}}',
             "not_found"),
            ('{"op":"subscribe","channel":"jobs","filters":{"job_id":"j-1"}}', "not_found"),
        ]
        for text, code in cases:
            with self.subTest(text=text):
                ws.send_text(text)
                self.assert_error(ws.recv(), code)
        self.assert_still_open(ws)

    def test_a_message_split_in_fragments_is_one_message(self):
        ws = self.connect_open({"X-API-Key": DEMO_KEY})
        ws.send_frame(OP_TEXT, b'{"op":', fin=False)
        ws.send_frame(OP_CONT, b'"ping"}', fin=True)
        self.assertEqual(ws.recv(), {"type": "pong"})

    def test_a_websocket_ping_frame_gets_a_pong_frame(self):
        ws = self.connect_open({"X-API-Key": DEMO_KEY})
        ws.send_frame(OP_PING, b"hello")
        _, op, payload = ws.recv_frame()
        self.assertEqual((op, payload), (OP_PONG, b"hello"))

    def test_too_many_subscriptions(self):
        ws = self.connect_open({"X-API-Key": DEMO_KEY})
        for i in range(MAX_SUBSCRIPTIONS):
            ws.send({"op": "subscribe", "channel": "decisions", "filters": {"symbol": f"S{i}"}})
        ids = set()
        for _ in range(MAX_SUBSCRIPTIONS):
            reply = ws.recv()
            self.assertEqual(reply["type"], "subscribed", reply)
            ids.add(reply["subscription_id"])
        self.assertEqual(len(ids), MAX_SUBSCRIPTIONS)
        self.assert_error(ws.request({"op": "subscribe", "channel": "decisions"}), "limit_reached")
        self.assert_still_open(ws)
        # Room again after an unsubscribe.
        ws.request({"op": "unsubscribe", "subscription_id": ids.pop()})
        self.assertEqual(ws.request({"op": "subscribe", "channel": "decisions"})["type"], "subscribed")

    def test_an_oversize_message_closes_with_1009(self):
        ws = self.connect_open({"X-API-Key": DEMO_KEY})
        ws.send_text('{"op":"ping","pad":"' + "x" * MAX_MESSAGE + '"}')
        code, _ = ws.expect_close()
        self.assertEqual(code, 1009)

    def test_a_message_at_the_limit_is_accepted(self):
        ws = self.connect_open({"X-API-Key": DEMO_KEY})
        prefix, suffix = '{"op":"ping","pad":"', '"}'
        ws.send_text(prefix + "x" * (MAX_MESSAGE - len(prefix) - len(suffix)) + suffix)
        self.assertEqual(ws.recv(), {"type": "pong"})

    def test_a_binary_message_closes_with_1003(self):
        ws = self.connect_open({"X-API-Key": DEMO_KEY})
        ws.send_frame(OP_BINARY, b"\x00\x01")
        code, _ = ws.expect_close()
        self.assertEqual(code, 1003)

    def test_metrics(self):
        ws = self.connect_open({"X-API-Key": DEMO_KEY})
        self.assertEqual(ws.request({"op": "subscribe", "channel": "decisions"})["type"], "subscribed")
        text = self.deltad.get("/metrics").body.decode()
        values = {}
        for line in text.splitlines():
            if line.startswith("delta_stream_"):
                name, value = line.rsplit(" ", 1)
                values[name] = float(value)
        self.assertGreaterEqual(values.get("delta_stream_connections", 0), 1, values)
        self.assertGreaterEqual(values.get("delta_stream_subscriptions", 0), 1, values)
        self.assertGreaterEqual(values.get("delta_stream_messages_sent_total", 0), 1, values)
        self.assertIn("delta_stream_slow_client_disconnects_total", values)

    def test_the_route_is_in_the_openapi_document(self):
        doc = self.deltad.get("/openapi.json").json
        self.assertIn("101", doc["paths"][PATH]["get"]["responses"])


class JobEventTest(StreamCase):
    start_server = False
    PRIMARY = "stub-primary"          # report_generate's first endpoint

    @classmethod
    def setUpClass(cls):
        super(StreamCase, cls).setUpClass()
        cls.stub = LlmStub().start()
        cls.addClassCleanup(cls.stub.stop)
        prepare_database(cls.db_url)
        point_llm_rows_at(cls.db_url, cls.stub)
        cls.deltad = Deltad(cls.db_url, prepare=False, demo_llm_key="sk-stream-e2e", llm__max_attempts=1,
                            **GENEROUS_IP_LIMIT)
        cls.deltad.remember_secret("sk-stream-e2e", "provider key")
        cls.addClassCleanup(cls.deltad.close)
        cls.deltad.start()
        cls.deltad.wait_serving()
        cls.owner = cls.deltad.add_user(tier="analyst")
        cls.other = cls.deltad.add_user(tier="analyst")
        cls.admin = cls.deltad.add_user(tier="research", role="admin")

    def tearDown(self):
        self.stub.control(mode="ok", fail_next=0, models={})
        super().tearDown()

    def job_status(self, job_id):
        r = self.deltad.request("GET", f"/api/v2/jobs/{job_id}", self.owner.bearer, anonymous=True)
        self.assertEqual(r.status, 200, r.body)
        return r.json["data"]["status"]

    def subscribe(self, user, job_id):
        ws = self.connect_open(user.bearer)
        reply = ws.request({"op": "subscribe", "channel": "jobs", "filters": {"job_id": job_id}})
        self.assertEqual(reply["type"], "subscribed", reply)
        return ws, reply["subscription_id"]

    def next_event(self, ws, subscription_id, job_id, status):
        """Events of the job up to the one with `status`; returns that one."""
        while True:
            message = ws.recv()
            self.assertEqual(message["type"], "event", message)
            self.assertEqual(message["channel"], "jobs")
            self.assertEqual(message["subscription_id"], subscription_id)
            self.assertEqual(message["data"]["job_id"], job_id)
            if message["data"]["status"] == status:
                return message["data"]

    def test_a_report_job_goes_from_202_to_succeeded_with_progress_on_the_stream(self):
        # The provider takes 4 s, so the job is still running when we have
        # subscribed (a subscription cannot precede the job id), and its
        # once-a-second progress reaches us before the answer.
        self.stub.control(models={self.PRIMARY: {"mode": "latency", "latency_ms": 4000}})
        r = self.deltad.request("POST", "/api/v2/signals/research/AAPL/reports", self.owner.bearer,
                                {"report_type": "full"}, anonymous=True)
        self.assertEqual(r.status, 202, r.body)
        job_id = r.json["data"]["job_id"]
        poll_until(lambda: self.job_status(job_id) == "running", WAIT, f"job {job_id} running")
        ws, sub = self.subscribe(self.owner, job_id)
        seen = []
        while not seen or seen[-1]["status"] != "succeeded":
            message = ws.recv()
            self.assertEqual((message["type"], message["subscription_id"]), ("event", sub), message)
            self.assertEqual(message["data"]["job_id"], job_id)
            seen.append(message["data"])
        progress = [e["progress"] for e in seen]
        self.assertEqual(progress, sorted(progress), seen)
        self.assertIn("running", [e["status"] for e in seen[:-1]], seen)   # progress before the end
        done = seen[-1]
        self.assertEqual(done["progress"], 100)
        self.assertEqual(done["result"]["ticker"], "AAPL")
        self.assertEqual(done["result"]["model"], self.PRIMARY)
        self.assertTrue(done["result"]["content"].startswith("stub answer to: Write a full research report"))
        self.assertEqual(self.job_status(job_id), "succeeded")

    def test_a_job_event_reaches_its_owner_and_admins_only(self):
        self.stub.control(models={self.PRIMARY: {"mode": "hang"}})
        r = self.deltad.request("POST", "/api/v2/signals/research/MSFT/reports", self.owner.bearer,
                                {"report_type": "summary"}, anonymous=True)
        self.assertEqual(r.status, 202, r.body)
        job_id = r.json["data"]["job_id"]
        poll_until(lambda: self.job_status(job_id) == "running", WAIT, f"job {job_id} running")
        owner, owner_sub = self.subscribe(self.owner, job_id)
        other = self.connect_open(self.other.bearer)
        self.assert_error(other.request({"op": "subscribe", "channel": "jobs", "filters": {"job_id": job_id}}),
                          "not_found")
        # the other user still follows what is theirs to follow, on the same connection
        self.assertEqual(other.request({"op": "subscribe", "channel": "decisions"})["type"], "subscribed")
        admin, admin_sub = self.subscribe(self.admin, job_id)
        r = self.deltad.request("DELETE", f"/api/v2/jobs/{job_id}", self.owner.bearer, anonymous=True)
        self.assertEqual(r.status, 200, r.body)
        data = self.next_event(owner, owner_sub, job_id, "cancelled")
        self.assertEqual(data["kind"], "research_report")
        self.assertNotIn("result", data)
        self.assertEqual(self.next_event(admin, admin_sub, job_id, "cancelled"), data)
        # The hub handled the event before the owner got it; anything it had
        # queued for the other user would come before this pong.
        self.assertEqual(other.request({"op": "ping"}), {"type": "pong"})


    def test_a_job_subscription_is_for_its_owner_and_admins_only(self):
        self.stub.control(models={self.PRIMARY: {"mode": "hang"}})
        r = self.deltad.request("POST", "/api/v2/signals/research/AAPL/reports", self.owner.bearer,
                                {"report_type": "summary"}, anonymous=True)
        self.assertEqual(r.status, 202, r.body)
        job_id = r.json["data"]["job_id"]
        self.addCleanup(self.deltad.request, "DELETE", f"/api/v2/jobs/{job_id}", self.owner.bearer,
                        anonymous=True)
        ws = self.connect_open(self.other.bearer)
        unknown = "00000000-0000-4000-8000-000000000000"
        # another user's job answers as an unknown one does, and the connection stays open
        for job in (job_id, unknown, job_id.upper()[:-1] + "x"):
            with self.subTest(job=job):
                self.assert_error(ws.request({"op": "subscribe", "channel": "jobs", "filters": {"job_id": job}}),
                                  "not_found")
        self.assert_still_open(ws)
        by_key = self.connect_open({"X-API-Key": DEMO_KEY})   # a third user, by API key
        self.assert_error(by_key.request({"op": "subscribe", "channel": "jobs", "filters": {"job_id": job_id}}),
                          "not_found")
        # the owner and an admin may follow it
        self.subscribe(self.owner, job_id)
        self.subscribe(self.admin, job_id)
        self.assert_error(self.connect_open(self.admin.bearer).request(
            {"op": "subscribe", "channel": "jobs", "filters": {"job_id": unknown}}), "not_found")


class ShutdownTest(DeltaTestCase):
    start_server = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        prepare_database(cls.db_url)

    def test_sigterm_closes_websockets_with_1001_and_exits(self):
        d = Deltad(self.db_url, prepare=False, http__shutdown_timeout_seconds=5)
        self.addCleanup(d.close)
        d.start()
        d.wait_serving()
        sockets = [WebSocket(d.host, d.port, {"X-API-Key": DEMO_KEY}) for _ in range(3)]
        for ws in sockets:
            self.addCleanup(ws.shutdown)
            self.assertEqual(ws.request({"op": "ping"}), {"type": "pong"})
        d.send_signal(signal.SIGTERM)
        for ws in sockets:
            code, _ = ws.expect_close()
            self.assertEqual(code, 1001)
        self.assertEqual(d.wait_exit(), 0, d.output_tail())

    def test_a_client_that_ignores_the_close_does_not_hold_the_process(self):
        d = Deltad(self.db_url, prepare=False, http__shutdown_timeout_seconds=3)
        self.addCleanup(d.close)
        d.start()
        d.wait_serving()
        ws = WebSocket(d.host, d.port, {"X-API-Key": DEMO_KEY})
        self.addCleanup(ws.shutdown)
        self.assertEqual(ws.request({"op": "ping"}), {"type": "pong"})
        ws.close_sent = True  # never answer the server's close frame
        d.send_signal(signal.SIGTERM)
        self.assertEqual(d.wait_exit(), 0, d.output_tail())


if __name__ == "__main__":
    import unittest
    unittest.main()
