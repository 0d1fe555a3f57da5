"""Graceful shutdown: SIGTERM/SIGINT exit 0 with a "stopped" log line, no new
connections once stopping, requests in progress answered whole, idle and
stalled connections do not hold the process past the shutdown timeout."""

import http.client
import re
import signal
import socket
import threading
import unittest

from tests.e2e.harness import DEMO_AUTH, Deltad, DeltaTestCase, prepare_database

BASE = "/api/v2/market/securities"
SHUTDOWN_TIMEOUT = 3
STOPPING = re.compile(r"stop|shut|signal|terminat", re.I)
STOPPED = re.compile(r"\bstopped\b|shut ?down complete|exit", re.I)


class ShutdownTest(DeltaTestCase):
    start_server = False

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        prepare_database(cls.db_url)

    def start(self, **config):
        d = Deltad(self.db_url, prepare=False, http__shutdown_timeout_seconds=SHUTDOWN_TIMEOUT, **config)
        self.addCleanup(d.close)
        d.start()
        self.assertEqual(d.get("/health").status, 200)
        d.wait_serving()   # the workers below use the demo key from their first request
        return d

    def assert_stopped_line(self, d, since):
        messages = [str(o.get("message", "")) for o in d.log_objects(since)]
        self.assertTrue(any(STOPPED.search(m) for m in messages),
                        f"no 'stopped' log line after the signal: {messages[-10:]}")

    def test_sigterm_exits_0_and_logs_stopped(self):
        d = self.start()
        since = d.mark()
        self.assertEqual(d.stop(signal.SIGTERM), 0, d.output_tail())
        self.assert_stopped_line(d, since)
        with self.assertRaises(ConnectionRefusedError):
            d.connect().close()

    def test_sigint_exits_0(self):
        d = self.start()
        since = d.mark()
        self.assertEqual(d.stop(signal.SIGINT), 0, d.output_tail())
        self.assert_stopped_line(d, since)

    def test_no_new_connections_while_stopping(self):
        d = self.start()
        idle = d.client()  # an open keep-alive connection keeps the server busy stopping
        self.addCleanup(idle.close)
        self.assertEqual(idle.request("GET", "/health").status, 200)
        since = d.mark()
        d.send_signal(signal.SIGTERM)
        d.wait_for_log(lambda o: bool(STOPPING.search(str(o.get("message", "")))), since=since)
        # From here on, a new connection is refused, or closed without an answer.
        try:
            s = d.connect()
        except ConnectionRefusedError:
            pass
        else:
            with s:
                try:
                    s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
                    s.settimeout(SHUTDOWN_TIMEOUT + 10)
                    data = s.recv(65536)
                except (ConnectionResetError, BrokenPipeError):
                    data = b""
                self.assertEqual(data, b"", "a connection opened after SIGTERM was served")
        self.assertEqual(d.wait_exit(), 0, d.output_tail())

    def test_idle_and_stalled_connections_do_not_hold_the_process(self):
        d = self.start(http__header_timeout_seconds=60, http__idle_timeout_seconds=60)
        idle = d.client()
        self.addCleanup(idle.close)
        self.assertEqual(idle.request("GET", "/health").status, 200)
        stalled = d.connect()
        self.addCleanup(stalled.close)
        stalled.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # never finished
        self.assertEqual(d.get("/health").status, 200)  # the stalled one was accepted by now
        # exit within the shutdown timeout (plus start-up slack), still with code 0
        self.assertEqual(d.stop(timeout=SHUTDOWN_TIMEOUT + 10), 0, d.output_tail())

    def test_requests_in_flight_at_sigterm_are_answered_whole(self):
        """Clients hammer the server; SIGTERM lands once 200 answers are in. Every
        request either gets a complete 200 or no answer at all (refused, or closed
        before a response): never a truncated body or a 5xx."""
        d = self.start()
        enough = threading.Event()
        done = threading.Event()
        lock = threading.Lock()
        stats = {"ok": 0, "no_answer": 0}
        bad = []

        def worker(n):
            conn = http.client.HTTPConnection(d.host, d.port, timeout=10)
            i = 0
            try:
                while not done.is_set():
                    ticker = f"T{(n * 97 + i) % 2000:04d}"
                    i += 1
                    try:
                        conn.request("GET", f"{BASE}/{ticker}", headers=DEMO_AUTH)
                        resp = conn.getresponse()
                        body = resp.read()
                    except (ConnectionRefusedError, ConnectionResetError, BrokenPipeError,
                            http.client.RemoteDisconnected):
                        with lock:
                            stats["no_answer"] += 1
                        return  # the server stopped taking this client's requests: done
                    except (http.client.IncompleteRead, socket.timeout) as e:
                        with lock:
                            bad.append(repr(e))
                        return
                    with lock:
                        if resp.status == 200 and f'"{ticker}"'.encode() in body:
                            stats["ok"] += 1
                            if stats["ok"] >= 200:
                                enough.set()
                        else:
                            bad.append((resp.status, body[:200]))
                            return
            finally:
                conn.close()

        threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(8)]
        for t in threads:
            t.start()
        self.assertTrue(enough.wait(30), f"clients got no answers: {stats} {bad[:5]}")
        d.send_signal(signal.SIGTERM)
        code = d.wait_exit()
        done.set()
        for t in threads:
            t.join(timeout=15)
        self.assertEqual(code, 0, d.output_tail())
        self.assertEqual(bad, [], f"bad answers during shutdown ({stats})")


if __name__ == "__main__":
    unittest.main()
