"""tools/llm-stub over real sockets: both wire formats, determinism, JSON mode,
credentials, bad bodies, every fault mode (flags and /_control), fail_next,
per-model overrides, counters, SIGTERM/SIGINT.

Needs LLM_STUB (ctest: $<TARGET_FILE:llm-stub>); without it the tests fail,
never skip. No database, no deltad. Everything waits on events (the listening
line, a response, a socket timeout, a process exit), bounded by timeouts.

`LlmStub` is reusable by the gateway's end-to-end tests:
    stub = LlmStub(); stub.start(); stub.control(mode="error500", fail_next=1)
    ... base URL stub.url ...; stub.stop()  # asserts exit 0
"""

import http.client
import json
import os
import selectors
import signal
import socket
import subprocess
import time
import unittest
import urllib.parse

START_TIMEOUT = 10.0
REQUEST_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0

OPENAI = "/v1/chat/completions"
ANTHROPIC = "/v1/messages"
OPENAI_AUTH = {"Authorization": "Bearer sk-test"}
ANTHROPIC_AUTH = {"x-api-key": "ak-test", "anthropic-version": "2023-06-01"}
DECISIONS = {"approve", "reject", "abstain"}
OK_SETTINGS = {"mode": "ok", "latency_ms": 0, "retry_after": 1, "fail_next": 0, "models": {}}


def stub_binary():
    path = os.environ.get("LLM_STUB", "")
    if not path:
        raise AssertionError("LLM_STUB is not set (path of the llm-stub binary; ctest sets it)")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise AssertionError(f"LLM_STUB={path} is not an executable file")
    return path


# Where migration 0003 points every routing row, fallback and evaluator.
SEEDED_STUB = "127.0.0.1:18090"


def point_llm_rows_at(db_url, stub):
    """Re-point every LLM routing row, fallback and evaluator of a migrated
    database from the demo stub (127.0.0.1:18090) at `stub` (an LlmStub);
    run it before deltad starts. Raises if a row still names the demo port."""
    from tests.e2e.harness import HarnessError, psql  # the stub's own tests need no database
    port = f"127.0.0.1:{stub.port}"
    for table in ("llm_model_routing", "llm_fallback_chain", "llm_evaluators"):
        psql(db_url, f"UPDATE {table} SET base_url = replace(base_url, '{SEEDED_STUB}', '{port}')")
    left = psql(db_url, "SELECT count(*) FROM (SELECT base_url FROM llm_model_routing UNION ALL "
                        "SELECT base_url FROM llm_fallback_chain UNION ALL "
                        f"SELECT base_url FROM llm_evaluators) u WHERE base_url LIKE '%{SEEDED_STUB}%'")
    if left.strip() != "0":
        raise HarnessError(f"{left.strip()} routing rows still name {SEEDED_STUB}")


class LlmStub:
    """One llm-stub process on a free port (--port 0)."""

    def __init__(self, *args, threads=2):
        self.args = ["--port", "0", "--threads", str(threads), *args]
        self.proc = None
        self.url = None
        self.port = None

    def start(self):
        self.proc = subprocess.Popen([stub_binary(), *self.args], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        line = self._read_line(START_TIMEOUT)
        try:
            msg = json.loads(line)
        except ValueError:
            self.kill()
            raise AssertionError(f"llm-stub's first line is not JSON: {line!r}")
        if msg.get("message") != "listening" or not str(msg.get("url", "")).startswith("http://127.0.0.1:"):
            self.kill()
            raise AssertionError(f"unexpected first line: {msg!r}")
        self.url = msg["url"]
        self.port = urllib.parse.urlsplit(self.url).port
        return self

    def _read_line(self, timeout):
        deadline = time.monotonic() + timeout
        buf = b""
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            while b"\n" not in buf:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    self.kill()
                    raise AssertionError(f"llm-stub printed no listening line within {timeout} s")
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    err = self.proc.stderr.read().decode(errors="replace")
                    self.proc.wait(timeout=STOP_TIMEOUT)
                    raise AssertionError(f"llm-stub exited ({self.proc.returncode}) before listening: {err}")
                buf += chunk
        return buf.split(b"\n", 1)[0].decode()

    def connection(self, timeout=REQUEST_TIMEOUT):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, timeout=REQUEST_TIMEOUT):
        """(status, headers as a lower-case dict, body bytes) on a fresh connection."""
        conn = self.connection(timeout)
        try:
            if isinstance(body, (dict, list)):
                body = json.dumps(body)
            hdrs = {"Content-Type": "application/json"} if body is not None else {}
            hdrs.update(headers or {})
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        finally:
            conn.close()

    def control(self, **settings):
        status, _, body = self.request("POST", "/_control", settings)
        if status != 200:
            raise AssertionError(f"POST /_control {settings} -> {status} {body!r}")
        return json.loads(body)

    def state(self):
        status, _, body = self.request("GET", "/_control")
        assert status == 200, (status, body)
        return json.loads(body)

    def stop(self, sig=signal.SIGTERM):
        """Signal the stub and return its exit code."""
        if self.proc is None:
            return None
        self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"llm-stub did not exit within {STOP_TIMEOUT} s of {sig!r}")
        finally:
            self.proc.stdout.close()
            self.proc.stderr.close()
        self.proc = None
        return code

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def openai_body(text="Should we approve signal 42 for AAPL?", model="gpt-test", **extra):
    return {"model": model, "messages": [{"role": "system", "content": "You are terse."},
                                         {"role": "user", "content": text}], **extra}


def anthropic_body(text="Should we approve signal 42 for AAPL?", model="claude-test", **extra):
    return {"model": model, "max_tokens": 256, "system": "You are terse.",
            "messages": [{"role": "user", "content": [{"type": "text", "text": text}]}], **extra}


def words(s):
    return len(s.split())


class StubTestCase(unittest.TestCase):
    stub = None

    @classmethod
    def setUpClass(cls):
        cls.stub = LlmStub().start()

    @classmethod
    def tearDownClass(cls):
        if cls.stub is not None:
            code = cls.stub.stop()
            cls.stub = None
            if code != 0:
                raise AssertionError(f"llm-stub exited {code} after SIGTERM, expected 0")

    def setUp(self):
        self.stub.control(**OK_SETTINGS)

    def openai(self, body=None, headers=OPENAI_AUTH, **kw):
        return self.stub.request("POST", OPENAI, openai_body() if body is None else body, headers, **kw)

    def anthropic(self, body=None, headers=ANTHROPIC_AUTH, **kw):
        return self.stub.request("POST", ANTHROPIC, anthropic_body() if body is None else body, headers, **kw)

    def assert_openai_error(self, status, body, want_status, want_type, want_code=None):
        self.assertEqual(status, want_status, body)
        doc = json.loads(body)
        self.assertEqual(set(doc), {"error"})
        err = doc["error"]
        self.assertEqual(set(err), {"message", "type", "param", "code"})
        self.assertIsInstance(err["message"], str)
        self.assertTrue(err["message"])
        self.assertEqual(err["type"], want_type)
        if want_code is not None:
            self.assertEqual(err["code"], want_code)

    def assert_anthropic_error(self, status, body, want_status, want_type):
        self.assertEqual(status, want_status, body)
        doc = json.loads(body)
        self.assertEqual(set(doc), {"type", "error"})
        self.assertEqual(doc["type"], "error")
        self.assertEqual(set(doc["error"]), {"type", "message"})
        self.assertEqual(doc["error"]["type"], want_type)
        self.assertTrue(doc["error"]["message"])

    def assert_openai_answer(self, status, headers, body, req):
        self.assertEqual(status, 200, body)
        self.assertEqual(headers.get("content-type"), "application/json")
        doc = json.loads(body)
        self.assertEqual(set(doc), {"id", "object", "created", "model", "choices", "usage"})
        self.assertRegex(doc["id"], r"^chatcmpl-[0-9a-f]{16}$")
        self.assertEqual(doc["object"], "chat.completion")
        self.assertIsInstance(doc["created"], int)
        self.assertEqual(doc["model"], req["model"])
        self.assertEqual(len(doc["choices"]), 1)
        choice = doc["choices"][0]
        self.assertEqual(set(choice), {"index", "message", "finish_reason"})
        self.assertEqual(choice["index"], 0)
        self.assertEqual(choice["finish_reason"], "stop")
        self.assertEqual(set(choice["message"]), {"role", "content"})
        self.assertEqual(choice["message"]["role"], "assistant")
        text = choice["message"]["content"]
        self.assertIsInstance(text, str)
        usage = doc["usage"]
        self.assertEqual(set(usage), {"prompt_tokens", "completion_tokens", "total_tokens"})
        self.assertEqual(usage["prompt_tokens"], sum(words(m["content"]) for m in req["messages"]))
        self.assertEqual(usage["completion_tokens"], words(text))
        self.assertEqual(usage["total_tokens"], usage["prompt_tokens"] + usage["completion_tokens"])
        return text

    def assert_anthropic_answer(self, status, headers, body, req):
        self.assertEqual(status, 200, body)
        self.assertEqual(headers.get("content-type"), "application/json")
        doc = json.loads(body)
        self.assertEqual(set(doc), {"id", "type", "role", "model", "content", "stop_reason", "usage"})
        self.assertRegex(doc["id"], r"^msg_[0-9a-f]{16}$")
        self.assertEqual(doc["type"], "message")
        self.assertEqual(doc["role"], "assistant")
        self.assertEqual(doc["model"], req["model"])
        self.assertEqual(doc["stop_reason"], "end_turn")
        self.assertEqual(len(doc["content"]), 1)
        self.assertEqual(set(doc["content"][0]), {"type", "text"})
        self.assertEqual(doc["content"][0]["type"], "text")
        text = doc["content"][0]["text"]
        self.assertEqual(set(doc["usage"]), {"input_tokens", "output_tokens"})

        def content_words(c):
            return words(c) if isinstance(c, str) else sum(words(b["text"]) for b in c)
        want_in = content_words(req.get("system", "")) + sum(content_words(m["content"]) for m in req["messages"])
        self.assertEqual(doc["usage"]["input_tokens"], want_in)
        self.assertEqual(doc["usage"]["output_tokens"], words(text))
        return text

    def assert_decision(self, text):
        decision = json.loads(text)
        self.assertEqual(set(decision), {"decision", "confidence", "rationale"})
        self.assertIn(decision["decision"], DECISIONS)
        self.assertIsInstance(decision["confidence"], float)
        self.assertTrue(0.5 <= decision["confidence"] < 1.0, decision)
        self.assertRegex(text, r'"confidence":0\.\d\d[,}]')
        self.assertIsInstance(decision["rationale"], str)
        self.assertTrue(decision["rationale"])
        return decision


class AnswerTest(StubTestCase):
    def test_openai_shape_and_text(self):
        req = openai_body("x" * 100, max_tokens=50, temperature=0.2)
        text = self.assert_openai_answer(*self.openai(req), req)
        self.assertEqual(text, "stub answer to: " + "x" * 60)

    def test_openai_deterministic(self):
        req = openai_body("same question twice")
        first = self.openai(req)[2]
        second = self.openai(req)[2]
        self.assertEqual(first, second)
        other = self.openai(openai_body("a different question"))[2]
        self.assertNotEqual(json.loads(first)["id"], json.loads(other)["id"])

    def test_openai_content_parts(self):
        req = {"model": "m", "messages": [{"role": "user", "content": [{"type": "text", "text": "part one"}]}]}
        text = self.assert_openai_answer(*self.openai(req),
                                         {"model": "m", "messages": [{"role": "user", "content": "part one"}]})
        self.assertEqual(text, "stub answer to: part one")

    def test_last_user_message_is_answered(self):
        req = {"model": "m", "messages": [{"role": "user", "content": "first question"},
                                          {"role": "assistant", "content": "an answer"},
                                          {"role": "user", "content": "second question"}]}
        self.assertEqual(self.assert_openai_answer(*self.openai(req), req), "stub answer to: second question")

    def test_utf8_cut_on_code_points(self):
        req = openai_body("é" * 80)
        self.assertEqual(self.assert_openai_answer(*self.openai(req), req), "stub answer to: " + "é" * 60)

    def test_anthropic_shape_and_text(self):
        req = anthropic_body("hello there, general")
        text = self.assert_anthropic_answer(*self.anthropic(req), req)
        self.assertEqual(text, "stub answer to: hello there, general")
        req = {"model": "claude-x", "max_tokens": 10, "messages": [{"role": "user", "content": "plain string"}]}
        self.assertEqual(self.assert_anthropic_answer(*self.anthropic(req), req), "stub answer to: plain string")

    def test_anthropic_deterministic(self):
        req = anthropic_body("same question twice")
        self.assertEqual(self.anthropic(req)[2], self.anthropic(req)[2])

    def test_json_mode_openai(self):
        req = openai_body("Evaluate signal 7", response_format={"type": "json_object"})
        text = self.assert_openai_answer(*self.openai(req), req)
        d = self.assert_decision(text)
        self.assertEqual(d["rationale"], "stub rationale for: Evaluate signal 7")
        self.assertEqual(self.openai(req)[2], self.openai(req)[2])
        # response_format text: plain answer
        req = openai_body("Evaluate signal 7", response_format={"type": "text"})
        self.assertEqual(self.assert_openai_answer(*self.openai(req), req), "stub answer to: Evaluate signal 7")

    def test_json_marker_both_formats(self):
        req = openai_body("[json] Evaluate signal 8")
        self.assert_decision(self.assert_openai_answer(*self.openai(req), req))
        req = anthropic_body("[json] Evaluate signal 8")
        self.assert_decision(self.assert_anthropic_answer(*self.anthropic(req), req))
        req = anthropic_body("Evaluate signal 8")
        req["system"] = "Answer in JSON. [json]"
        self.assert_decision(self.assert_anthropic_answer(*self.anthropic(req), req))

    def test_decisions_vary_with_prompt(self):
        seen = set()
        for i in range(30):
            req = openai_body(f"[json] signal {i}")
            seen.add(json.loads(json.loads(self.openai(req)[2])["choices"][0]["message"]["content"])["decision"])
        self.assertEqual(seen, DECISIONS)

    def test_keep_alive(self):
        conn = self.stub.connection()
        try:
            body = json.dumps(openai_body())
            bodies = []
            for _ in range(3):
                conn.request("POST", OPENAI, body=body, headers={**OPENAI_AUTH, "Content-Type": "application/json"})
                resp = conn.getresponse()
                self.assertEqual(resp.status, 200)
                self.assertIsNone(resp.getheader("Connection"))
                bodies.append(resp.read())
                if _ == 0:
                    sock = conn.sock
                self.assertIs(conn.sock, sock)  # the same connection served all three
            self.assertEqual(len(set(bodies)), 1)
        finally:
            conn.close()

    def test_expect_100_continue(self):
        body = json.dumps(openai_body("word " * 500)).encode()
        with socket.create_connection(("127.0.0.1", self.stub.port), timeout=REQUEST_TIMEOUT) as s:
            s.sendall(b"POST " + OPENAI.encode() + b" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n"
                      b"Expect: 100-continue\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n")
            interim = b""
            while b"\r\n\r\n" not in interim:
                chunk = s.recv(4096)
                self.assertTrue(chunk, "closed before 100 Continue")
                interim += chunk
            self.assertTrue(interim.startswith(b"HTTP/1.1 100 Continue\r\n"), interim)
            s.sendall(body)
            resp = http.client.HTTPResponse(s)
            resp.begin()
            self.assertEqual(resp.status, 200)
            self.assertEqual(json.loads(resp.read())["usage"]["prompt_tokens"], 3 + 500)


class CredentialsAndBodiesTest(StubTestCase):
    def test_openai_401(self):
        for headers in ({}, {"Authorization": "Bearer "}, {"Authorization": "Basic abc"},
                        {"Authorization": "sk-no-scheme"}):
            with self.subTest(headers=headers):
                self.assert_openai_error(*self.openai(headers=headers)[::2], 401, "invalid_request_error",
                                         "invalid_api_key")
        status, _, _ = self.openai(headers={"Authorization": "bearer lower-case-scheme"})
        self.assertEqual(status, 200)

    def test_anthropic_401_and_version(self):
        self.assert_anthropic_error(*self.anthropic(headers={"anthropic-version": "2023-06-01"})[::2],
                                    401, "authentication_error")
        self.assert_anthropic_error(*self.anthropic(headers={"x-api-key": "", "anthropic-version": "1"})[::2],
                                    401, "authentication_error")
        self.assert_anthropic_error(*self.anthropic(headers={"x-api-key": "k"})[::2], 400, "invalid_request_error")
        # An OpenAI bearer does not open the Anthropic endpoint.
        self.assert_anthropic_error(*self.anthropic(headers=OPENAI_AUTH)[::2], 401, "authentication_error")

    def test_openai_400(self):
        bad = ["not json", "[1, 2]", {"messages": [{"role": "user", "content": "x"}]},
               {"model": "", "messages": [{"role": "user", "content": "x"}]},
               {"model": "m"}, {"model": "m", "messages": []}, {"model": "m", "messages": "hi"},
               {"model": "m", "messages": [{"content": "x"}]}, {"model": "m", "messages": [{"role": "user"}]},
               {"model": "m", "messages": [{"role": "user", "content": 5}]},
               {"model": "m", "messages": [{"role": "user", "content": "x"}], "response_format": "json"}]
        for body in bad:
            with self.subTest(body=body):
                self.assert_openai_error(*self.openai(body)[::2], 400, "invalid_request_error")

    def test_anthropic_400(self):
        bad = ["{", {"max_tokens": 5, "messages": [{"role": "user", "content": "x"}]},
               {"model": "c", "messages": [{"role": "user", "content": "x"}]},
               {"model": "c", "max_tokens": 0, "messages": [{"role": "user", "content": "x"}]},
               {"model": "c", "max_tokens": 5}, {"model": "c", "max_tokens": 5, "messages": []},
               {"model": "c", "max_tokens": 5, "messages": [{"role": "user", "content": [{"text": "no type"}]}]},
               {"model": "c", "max_tokens": 5, "system": 3, "messages": [{"role": "user", "content": "x"}]}]
        for body in bad:
            with self.subTest(body=body):
                self.assert_anthropic_error(*self.anthropic(body)[::2], 400, "invalid_request_error")

    def test_unknown_path_and_method(self):
        status, _, body = self.stub.request("POST", "/v1/completions", openai_body(), OPENAI_AUTH)
        self.assert_openai_error(status, body, 404, "invalid_request_error")
        status, headers, body = self.stub.request("GET", OPENAI, None, OPENAI_AUTH)
        self.assert_openai_error(status, body, 405, "invalid_request_error")
        self.assertEqual(headers.get("allow"), "POST")

    def test_errors_do_not_consume_fail_next(self):
        self.stub.control(mode="error500", fail_next=1)
        self.assertEqual(self.openai(headers={})[0], 401)
        self.assertEqual(self.openai("garbage")[0], 400)
        self.assertEqual(self.openai()[0], 500)
        self.assertEqual(self.openai()[0], 200)


class ModesTest(StubTestCase):
    def test_latency(self):
        want = self.openai()[2]
        self.stub.control(mode="latency", latency_ms=300)
        for call in (self.openai, self.anthropic):
            start = time.monotonic()
            status, _, body = call()
            elapsed = time.monotonic() - start
            self.assertEqual(status, 200)
            self.assertGreaterEqual(elapsed, 0.3)
        self.assertEqual(self.openai()[2], want)  # same answer, only later

    def test_latency_does_not_block_the_thread(self):
        # A one-thread stub: if the delay blocked its thread, nothing else
        # would be served until the slow answer went out.
        stub = LlmStub("--mode", "latency", "--latency-ms", "3000", threads=1).start()
        try:
            stub.control(models={"fast-model": {"mode": "ok"}})
            slow = stub.connection()
            start = time.monotonic()
            slow.request("POST", OPENAI, body=json.dumps(openai_body(model="slow-model")),
                         headers={**OPENAI_AUTH, "Content-Type": "application/json"})
            for _ in range(5):
                self.assertEqual(stub.request("POST", OPENAI, openai_body(model="fast-model"), OPENAI_AUTH)[0], 200)
            with selectors.DefaultSelector() as sel:
                sel.register(slow.sock, selectors.EVENT_READ)
                self.assertEqual(sel.select(0), [], "the slow answer came before the fast ones were served")
            resp = slow.getresponse()
            self.assertEqual(resp.status, 200)
            resp.read()
            self.assertGreaterEqual(time.monotonic() - start, 3.0)
            slow.close()
        finally:
            self.assertEqual(stub.stop(), 0)

    def test_error500(self):
        self.stub.control(mode="error500")
        self.assert_openai_error(*self.openai()[::2], 500, "server_error")
        self.assert_anthropic_error(*self.anthropic()[::2], 500, "api_error")
        self.assertEqual(self.openai()[0], 500)  # no fail_next: permanent

    def test_ratelimit(self):
        self.stub.control(mode="ratelimit", retry_after=3)
        status, headers, body = self.openai()
        self.assert_openai_error(status, body, 429, "requests", "rate_limit_exceeded")
        self.assertEqual(headers.get("retry-after"), "3")
        status, headers, body = self.anthropic()
        self.assert_anthropic_error(status, body, 429, "rate_limit_error")
        self.assertEqual(headers.get("retry-after"), "3")

    def test_hang(self):
        self.stub.control(mode="hang", reset_counters=True)
        for call in (self.openai, self.anthropic):
            start = time.monotonic()
            with self.assertRaises((socket.timeout, TimeoutError)):
                call(timeout=1.0)
            self.assertGreaterEqual(time.monotonic() - start, 0.9)  # the 1 s socket timeout fired
        # The stub itself still serves.
        self.stub.control(mode="ok")
        self.assertEqual(self.openai()[0], 200)
        self.assertEqual(self.stub.state()["counters"]["by_outcome"].get("hang"), 2)

    def test_hang_connection_stays_open(self):
        self.stub.control(mode="hang")
        with socket.create_connection(("127.0.0.1", self.stub.port), timeout=REQUEST_TIMEOUT) as s:
            body = json.dumps(openai_body()).encode()
            s.sendall(b"POST " + OPENAI.encode() + b" HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n"
                      b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
            s.settimeout(1.0)
            with self.assertRaises((socket.timeout, TimeoutError)):
                s.recv(1)  # neither an answer nor a close (a close would return b"")

    def test_invalid_json(self):
        self.stub.control(mode="invalid_json")
        req = openai_body("Evaluate signal 9", response_format={"type": "json_object"})
        text = self.assert_openai_answer(*self.openai(req), req)
        with self.assertRaises(ValueError):
            json.loads(text)
        req = anthropic_body("[json] Evaluate signal 9")
        text = self.assert_anthropic_answer(*self.anthropic(req), req)
        with self.assertRaises(ValueError):
            json.loads(text)
        # Without a JSON request the answer is the normal text.
        req = openai_body("plain")
        self.assertEqual(self.assert_openai_answer(*self.openai(req), req), "stub answer to: plain")

    def test_truncated(self):
        self.stub.control(mode="truncated")
        for path, body, headers in ((OPENAI, openai_body(), OPENAI_AUTH),
                                    (ANTHROPIC, anthropic_body(), ANTHROPIC_AUTH)):
            conn = self.stub.connection()
            try:
                conn.request("POST", path, body=json.dumps(body),
                             headers={**headers, "Content-Type": "application/json"})
                resp = conn.getresponse()
                self.assertEqual(resp.status, 200)
                promised = int(resp.getheader("Content-Length"))
                with self.assertRaises(http.client.IncompleteRead) as cm:
                    resp.read()
                self.assertGreater(len(cm.exception.partial), 0)
                self.assertLess(len(cm.exception.partial), promised)
            finally:
                conn.close()

    def test_fail_next(self):
        self.stub.control(mode="error500", fail_next=2)
        self.assertEqual(self.openai()[0], 500)
        self.assertEqual(self.anthropic()[0], 500)
        self.assertEqual(self.openai()[0], 200)
        state = self.stub.state()
        self.assertEqual((state["mode"], state["fail_next"]), ("ok", 0))
        self.assertEqual(self.openai()[0], 200)

    def test_fail_next_primary_fails_fallback_succeeds(self):
        self.stub.control(mode="ratelimit", retry_after=2, fail_next=1)
        status, headers, _ = self.openai()
        self.assertEqual((status, headers.get("retry-after")), (429, "2"))
        self.assertEqual(self.openai()[0], 200)

    def test_fail_next_with_hang(self):
        self.stub.control(mode="hang", fail_next=1)
        with self.assertRaises((socket.timeout, TimeoutError)):
            self.openai(timeout=1.0)
        self.assertEqual(self.openai()[0], 200)

    def test_model_overrides(self):
        state = self.stub.control(models={"model-b": {"mode": "error500"},
                                          "model-c": {"mode": "ratelimit", "retry_after": 5}})
        self.assertEqual(state["models"]["model-b"]["mode"], "error500")
        self.assertEqual(self.openai(openai_body(model="model-a"))[0], 200)
        self.assertEqual(self.openai(openai_body(model="model-b"))[0], 500)
        self.assertEqual(self.anthropic(anthropic_body(model="model-b"))[0], 500)
        status, headers, _ = self.openai(openai_body(model="model-c"))
        self.assertEqual((status, headers.get("retry-after")), (429, "5"))
        state = self.stub.control(models={"model-b": None})
        self.assertEqual(set(state["models"]), {"model-c"})
        self.assertEqual(self.openai(openai_body(model="model-b"))[0], 200)
        self.assertEqual(self.stub.control(models={})["models"], {})


class ControlTest(StubTestCase):
    def test_get_and_post(self):
        state = self.stub.control(mode="latency", latency_ms=25, retry_after=4, fail_next=3)
        for s in (state, self.stub.state()):
            self.assertEqual({k: s[k] for k in OK_SETTINGS},
                             {"mode": "latency", "latency_ms": 25, "retry_after": 4, "fail_next": 3, "models": {}})
            self.assertEqual(set(s["counters"]), {"requests_total", "by_path", "by_outcome"})
        # A new mode without fail_next is permanent.
        self.assertEqual(self.stub.control(mode="error500")["fail_next"], 0)

    def test_counters(self):
        self.stub.control(reset_counters=True)
        self.openai()
        self.openai(headers={})
        self.anthropic("nope")
        self.stub.control(mode="error500", fail_next=1)
        self.anthropic()
        self.stub.request("GET", "/nowhere")
        c = self.stub.state()["counters"]
        self.assertEqual(c["by_path"], {"/_control": 2, OPENAI: 2, ANTHROPIC: 2, "other": 1})
        self.assertEqual(c["by_outcome"], {"ok": 1, "unauthorized": 1, "bad_request": 1, "error500": 1,
                                           "not_found": 1})
        self.assertEqual(c["requests_total"], 7)

    def test_invalid_control_changes_nothing(self):
        before = {k: v for k, v in self.stub.state().items() if k != "counters"}
        for body in ({"mode": "sideways"}, {"latency_ms": -1}, {"latency_ms": "5"}, {"fail_next": 1.5},
                     {"mode": "error500", "retry_after": -3}, {"unknown": 1}, {"models": []},
                     {"models": {"m": {"mode": "nope"}}}, {"models": {"m": 3}}, "not json"):
            with self.subTest(body=body):
                status, _, resp = self.stub.request("POST", "/_control", body)
                self.assertEqual(status, 400, resp)
                self.assertIn("error", json.loads(resp))
        after = {k: v for k, v in self.stub.state().items() if k != "counters"}
        self.assertEqual(before, after)


class FlagsAndSignalsTest(unittest.TestCase):
    def test_start_flags(self):
        stub = LlmStub("--mode", "ratelimit", "--retry-after", "9").start()
        try:
            status, headers, _ = stub.request("POST", OPENAI, openai_body(), OPENAI_AUTH)
            self.assertEqual((status, headers.get("retry-after")), (429, "9"))
        finally:
            self.assertEqual(stub.stop(), 0)
        stub = LlmStub("--mode", "latency", "--latency-ms", "200", threads=1).start()
        try:
            start = time.monotonic()
            status, _, _ = stub.request("POST", ANTHROPIC, anthropic_body(), ANTHROPIC_AUTH)
            self.assertEqual(status, 200)
            self.assertGreaterEqual(time.monotonic() - start, 0.2)
            self.assertEqual(stub.state()["mode"], "latency")
        finally:
            self.assertEqual(stub.stop(), 0)

    def test_bad_flags_exit_2(self):
        for args in (["--mode", "sideways"], ["--port", "70000"], ["--threads", "0"], ["--bogus", "1"],
                     ["--latency-ms"]):
            with self.subTest(args=args):
                proc = subprocess.run([stub_binary(), *args], capture_output=True, timeout=STOP_TIMEOUT)
                self.assertEqual(proc.returncode, 2)
                self.assertEqual(proc.stdout, b"")

    def test_sigterm_and_sigint_exit_0(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            with self.subTest(sig=sig):
                stub = LlmStub().start()
                self.assertEqual(stub.request("POST", OPENAI, openai_body(), OPENAI_AUTH)[0], 200)
                self.assertEqual(stub.stop(sig), 0)

    def test_sigterm_with_a_hanging_connection(self):
        stub = LlmStub("--mode", "hang").start()
        try:
            conn = stub.connection(timeout=REQUEST_TIMEOUT)
            conn.request("POST", OPENAI, body=json.dumps(openai_body()),
                         headers={**OPENAI_AUTH, "Content-Type": "application/json"})
            # The request has reached the stub once the counter shows it.
            deadline = time.monotonic() + REQUEST_TIMEOUT
            while stub.state()["counters"]["by_outcome"].get("hang") != 1:
                self.assertLess(time.monotonic(), deadline, "the hanging request never arrived")
        finally:
            code = stub.stop()
        self.assertEqual(code, 0)
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError)):
            conn.getresponse()
        conn.close()


if __name__ == "__main__":
    unittest.main()

