#!/usr/bin/python3
"""End-to-end latency of the signal pipeline (issue 6): POST /api/v2/signals
until the decisions arrive on a WebSocket (GET /api/v2/stream, channel
`decisions`). Standard library only. Normally started by bench/signals_e2e,
which sets up PostgreSQL, llm-stub and deltad.

    bench/signals_e2e.py URL --key KEY [--rate 500] [--duration 20] [--warmup 3]
        [--connections 16] [--models 2] [--drain 10] [--p99-target-ms 100]
    bench/signals_e2e.py URL --key KEY --max [--rates 500,750,1000,1250,...]
        [--step 5] [--p99-bound-ms 100]

How it measures:
  * one WebSocket, authenticated with X-API-Key on the upgrade, subscribed to
    `decisions` without a filter (it receives every decision of the key's
    owner), read by its own process (multiprocessing) that only reads frames
    and stamps each received chunk with time.monotonic(), so its timestamps
    do not wait for the sender's work;
  * open-loop POSTs (asyncio, one process): connection i of N sends its k-th
    POST at t0 + (k*N + i)/rate; one that is still waiting for an answer
    sends as soon as it has it and counts a late send (more than 1 ms behind
    when it gets to send), as bench/open_loop.py does; the p99 of the actual
    slip (send time - due time, timer overshoot included) is shown. The send
    time (time.monotonic(), the same clock in both processes) and the
    event_id of the 202 are recorded;
  * latency per decision = its receipt - the POST's send time; per event =
    the receipt of the event's last (--models) decision - the send time;
    "per event, from the due time" counts from when the POST was due, so it
    includes the wait of a late send (no coordinated omission). After the
    last POST the client waits up to --drain seconds for every 202'd event
    to have all its decisions; the rest are reported missing.

--max sweeps rates (each step: 1 s untimed lead-in, then --step seconds,
then a drain; max(--connections, rate x 50 ms) connections) and stops at
the first step that does not keep up; the criterion is printed with the
table.

Exit status: 0 when the run worked (the latency target is reported as
PASS/FAIL, not an exit status), 1 when something is broken (no 202, no
decisions, decisions missing after the drain, non-202 answers, transport
errors, the stream closed), 2 for bad usage."""

import argparse
import asyncio
import base64
import hashlib
import json
import math
import multiprocessing as mp
import os
import re
import resource
import select
import socket
import struct
import sys
import time
import urllib.parse

STREAM_PATH = "/api/v2/stream"
SIGNALS_PATH = "/api/v2/signals"
# BTC-USD has demo candles around the clock (scripts/demo_candles.sql), so
# enrichment computes real features at any hour (bench/signals' BTC/USD has
# none: enriched with the no_candles flag).
DEFAULT_BODY = ('{"source":"bench","symbol":"BTC-USD","side":"long","strategy":"ema-cross",'
                '"price":43210.5,"ts":"2026-01-02T03:04:05Z"}')
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
EVENT_ID_RE = re.compile(rb'"event_id"\s*:\s*"([^"]+)"')
LATE_S = 0.001              # a connection more than this behind its schedule sends late
QUIET_OTHER_CORES = 0.15     # a second in which other processes used less than this is quiet
NOISY_CORES = 0.3           # --max: a failed step is repeated when others used more than this
ACK_BUDGET_S = 0.05         # --max: at least rate * 50 ms connections (each has 50 ms per POST)
OP_CONT, OP_TEXT, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x8, 0x9, 0xA


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("url", help="deltad base URL, e.g. http://127.0.0.1:8080")
    p.add_argument("--key", required=True, help="API key (X-API-Key) for the POSTs and the stream")
    p.add_argument("--rate", type=float, default=500, help="POSTs per second (default 500)")
    p.add_argument("--duration", type=float, default=20, help="measured seconds (default 20)")
    p.add_argument("--warmup", type=float, default=3, help="untimed seconds at --rate before (default 3)")
    p.add_argument("--connections", type=int, default=16, help="keep-alive HTTP connections (default 16)")
    p.add_argument("--models", type=int, default=2, help="decisions expected per event (default 2)")
    p.add_argument("--drain", type=float, default=10, help="seconds to wait for missing decisions (default 10)")
    p.add_argument("--body", default=DEFAULT_BODY, help="JSON body of every POST")
    p.add_argument("--p99-target-ms", type=float, default=100, help="target for the per-event p99 (default 100)")
    p.add_argument("--max", action="store_true", help="sweep rates for the sustained maximum")
    p.add_argument("--rates", default="500,750,1000,1250,1500,2000,3000,4000",
                   help="--max: rates to try, in order (default 500,750,1000,1250,1500,2000,3000,4000)")
    p.add_argument("--step", type=float, default=5, help="--max: measured seconds per rate (default 5)")
    p.add_argument("--p99-bound-ms", type=float, default=100,
                   help="--max: a rate counts as sustained within bound if its per-event p99 is below this")
    p.add_argument("--noisy-retries", type=int, default=1,
                   help="--max: repeat a rate that did not keep up while other processes used > 0.3 cores "
                        "this many times (default 1)")
    p.add_argument("--server-pid", type=int, help="report this process's CPU use (deltad) per phase")
    p.add_argument("--aux-pids", default="",
                   help="comma-separated pids whose CPU (with their children's) counts as the bench's own "
                        "(llm-stub, PostgreSQL's postmaster), so the rest is reported as other CPU")
    p.add_argument("--quiet-wait", type=float, default=20,
                   help="before each measurement wait up to this long for the machine to be idle "
                        "(< 0.25 cores busy) (default 20, 0 = never)")
    p.add_argument("--ids-out", help="write the measured events' ids (one a line) to this file")
    p.add_argument("--csv", help="write one line per measured POST to this file: event_id, send time (s "
                                 "from the start of the measured window), due slip, POST -> 202, and "
                                 "each model's POST -> decision (ms; empty when missing)")
    args = p.parse_args()
    try:
        args.aux_pid_list = [int(x) for x in args.aux_pids.split(",") if x.strip()]
    except ValueError:
        p.error("--aux-pids: comma-separated pids")
    if args.rate <= 0 or args.duration <= 0 or args.connections < 1 or args.models < 1 or args.step <= 0:
        p.error("rates, durations, --connections and --models must be positive")
    try:
        args.rate_list = [float(r) for r in args.rates.split(",") if r.strip()]
    except ValueError:
        p.error("--rates: comma-separated numbers")
    if args.max and not args.rate_list:
        p.error("--rates is empty")
    return args


def pct(sorted_values, q):
    """Nearest-rank percentile of an ascending list (None when empty)."""
    if not sorted_values:
        return None
    return sorted_values[min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))]


def ms(x):
    return "-" if x is None else f"{x * 1000:.1f}"


def cpu_seconds_self():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def cpu_seconds_pid(pid):
    """utime + stime of a process from /proc (None if unreadable)."""
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def cpu_seconds_tree(pid):
    """CPU seconds of a process and its direct children (PostgreSQL's backends)."""
    total = cpu_seconds_pid(pid) or 0.0
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return total


def thread_seconds(pid):
    """{(tid, name): CPU seconds} of a process's threads ({} if unreadable)."""
    out = {}
    if not pid:
        return out
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                text = f.read()
            name = text[text.index("(") + 1:text.rindex(")")]
            fields = text.rsplit(")", 1)[1].split()
            out[(int(tid), name)] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return out


def busiest_threads(a, b, dt, n=4):
    """The n busiest threads between two thread_seconds() samples, as text."""
    use = sorted(((b[k] - a.get(k, 0.0)) / dt, k) for k in b)[::-1][:n]
    return ", ".join(f"{name}/{tid} {cores:.2f}" for cores, (tid, name) in use if cores > 0.005) or "-"


def machine_busy():
    """(busy, total) jiffies of all CPUs from /proc/stat (None if unreadable)."""
    try:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    return sum(v[:8]) - idle, sum(v[:8])


def busy_cores(b0, b1):
    """Cores busy between two machine_busy() samples."""
    if not b0 or not b1 or b1[1] == b0[1]:
        return None
    return (b1[0] - b0[0]) / (b1[1] - b0[1]) * (os.cpu_count() or 1)


class Meter:
    """CPU use over a phase: this sender, the receiver process, deltad
    (--server-pid), the other services (--aux-pids: llm-stub, PostgreSQL's
    postmaster and its backends) and the whole machine; `other` is what the
    machine spent on none of these (someone else's build, steal)."""

    def __init__(self, server_pid, aux_pids, receiver_pid):
        self.server_pid, self.aux_pids, self.receiver_pid = server_pid, aux_pids, receiver_pid

    def snap(self):
        return {"t": time.monotonic(), "sender": cpu_seconds_self(), "threads": thread_seconds(self.server_pid),
                "receiver": cpu_seconds_pid(self.receiver_pid) or 0.0,
                "deltad": cpu_seconds_pid(self.server_pid) if self.server_pid else None,
                "aux": sum(cpu_seconds_tree(p) for p in self.aux_pids), "machine": machine_busy()}

    @staticmethod
    def cores(a, b):
        dt = max(b["t"] - a["t"], 1e-9)
        c = {k: (b[k] - a[k]) / dt for k in ("sender", "receiver", "aux")}
        c["deltad"] = (b["deltad"] - a["deltad"]) / dt if a["deltad"] is not None and b["deltad"] is not None \
            else None
        c["machine"] = busy_cores(a["machine"], b["machine"])
        c["other"] = None
        c["threads"] = busiest_threads(a["threads"], b["threads"], dt)
        if c["machine"] is not None and c["deltad"] is not None:
            c["other"] = max(0.0, c["machine"] - c["sender"] - c["receiver"] - c["aux"] - c["deltad"])
        return c


def wait_quiet(seconds, threshold=0.25):
    """Waits up to `seconds` for a second in which the machine is busy less
    than `threshold` cores; returns (waited seconds, last busy cores)."""
    t0 = time.monotonic()
    busy = None
    while seconds > 0:
        b0 = machine_busy()
        time.sleep(1.0)
        busy = busy_cores(b0, machine_busy())
        if busy is None or busy < threshold or time.monotonic() - t0 >= seconds:
            break
    return time.monotonic() - t0, busy


def quiet(args):
    waited, busy = wait_quiet(args.quiet_wait)
    if busy is not None and busy >= 0.25:
        print(f"  (machine still busy: {busy:.2f} cores after waiting {waited:.0f} s for it to be idle)",
              flush=True)


# ----------------------------------------------------------------- WebSocket receiver (child process)

class StreamReceiver:
    """Reads the decisions stream in a process of its own. Shared counters
    (decisions, complete events) let the parent see progress; the records
    (event_id, model, t_recv) come back through the pipe on "dump"."""

    def __init__(self, host, port, key, models, conn, n_decisions, n_complete):
        self.host, self.port, self.key, self.models = host, port, key, models
        self.conn, self.n_decisions, self.n_complete = conn, n_decisions, n_complete
        self.buf = bytearray()
        self.message, self.opcode = bytearray(), None
        self.records = []           # (event_id, model, t) since the last dump
        self.seen = {}              # event_id -> set of models
        self.duplicates = 0         # the same (event, model) delivered again (at-least-once publish)
        self.errors = []            # error messages from the server
        self.closed = None          # (code, reason) when the server closed
        self.other = 0              # messages other than decision events

    def connect(self):
        self.sock = socket.create_connection((self.host, self.port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {STREAM_PATH} HTTP/1.1", f"Host: {self.host}:{self.port}", "Upgrade: websocket",
                 "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13",
                 f"X-API-Key: {self.key}"]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("the stream closed during the upgrade")
            self.buf += chunk
        head, _, rest = bytes(self.buf).partition(b"\r\n\r\n")
        self.buf = bytearray(rest)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        if status != 101:
            raise RuntimeError(f"the stream upgrade was refused: {lines[0]} {self.buf[:300]!r}")
        accept = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
        if not any(l.lower().startswith("sec-websocket-accept:") and l.split(":", 1)[1].strip() == accept
                   for l in lines[1:]):
            raise RuntimeError("bad Sec-WebSocket-Accept")
        self.send_frame(OP_TEXT, json.dumps({"op": "subscribe", "channel": "decisions"}).encode())
        deadline = time.monotonic() + 10
        while True:
            for msg in self.read_messages(deadline - time.monotonic()):
                if msg.get("type") == "subscribed":
                    self.sock.settimeout(None)
                    return msg.get("subscription_id")
                raise RuntimeError(f"unexpected answer to subscribe: {msg}")
            if time.monotonic() > deadline:
                raise RuntimeError("no subscribed ack within 10 s")

    def send_frame(self, opcode, payload):
        n = len(payload)
        header = bytes([0x80 | opcode])
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def read_messages(self, timeout):
        """Blocks up to timeout for one chunk; returns the complete text messages in the buffer."""
        self.sock.settimeout(max(0.001, timeout))
        try:
            chunk = self.sock.recv(262144)
        except socket.timeout:
            return []
        if not chunk:
            raise EOFError("the stream closed without a close frame")
        self.buf += chunk
        return self.parse()

    def parse(self):
        out, buf = [], self.buf
        pos = 0
        while True:
            if len(buf) - pos < 2:
                break
            b0, b1 = buf[pos], buf[pos + 1]
            n, hdr = b1 & 0x7F, 2
            if n == 126:
                if len(buf) - pos < 4:
                    break
                n, hdr = struct.unpack_from("!H", buf, pos + 2)[0], 4
            elif n == 127:
                if len(buf) - pos < 10:
                    break
                n, hdr = struct.unpack_from("!Q", buf, pos + 2)[0], 10
            if len(buf) - pos < hdr + n:
                break
            payload = bytes(buf[pos + hdr:pos + hdr + n])
            pos += hdr + n
            op = b0 & 0x0F
            if op == OP_PING:
                self.send_frame(OP_PONG, payload)
            elif op == OP_PONG:
                pass
            elif op == OP_CLOSE:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                self.closed = (code, payload[2:].decode("utf-8", "replace"))
                try:
                    self.send_frame(OP_CLOSE, payload[:2])
                except OSError:
                    pass
                raise EOFError(f"the stream was closed by the server: {self.closed}")
            else:
                if op != OP_CONT:
                    self.opcode = op
                self.message += payload
                if b0 & 0x80:
                    if self.opcode == OP_TEXT:
                        out.append(json.loads(self.message))
                    self.message = bytearray()
        del buf[:pos]
        return out

    def on_messages(self, messages, t):
        for m in messages:
            if m.get("type") == "event" and m.get("channel") == "decisions":
                d = m.get("data") or {}
                eid, model = d.get("event_id"), d.get("model")
                self.records.append((eid, model, t))
                self.n_decisions.value += 1
                models = self.seen.setdefault(eid, set())
                if model in models:
                    self.duplicates += 1
                else:
                    models.add(model)
                    if len(models) == self.models:
                        self.n_complete.value += 1
            else:
                self.other += 1
                if m.get("type") == "error" and len(self.errors) < 20:
                    self.errors.append(m.get("error"))

    def dump(self):
        self.conn.send({"records": self.records, "duplicates": self.duplicates, "errors": self.errors,
                        "closed": self.closed, "other": self.other, "cpu": cpu_seconds_self()})
        self.records = []

    def run(self):
        try:
            sub = self.connect()
        except Exception as e:  # noqa: BLE001 - reported to the parent
            self.conn.send(("error", f"{type(e).__name__}: {e}"))
            return
        self.conn.send(("ready", sub))
        self.sock.setblocking(False)
        fd, cfd = self.sock.fileno(), self.conn.fileno()
        alive = True
        while True:
            ready, _, _ = select.select([fd, cfd] if alive else [cfd], [], [], 1.0)
            if fd in ready and alive:
                try:
                    chunk = self.sock.recv(262144)
                    t = time.monotonic()
                    if not chunk:
                        raise EOFError("the stream closed without a close frame")
                    self.buf += chunk
                    self.on_messages(self.parse(), t)
                except BlockingIOError:
                    pass
                except (EOFError, OSError, ValueError) as e:
                    alive = False
                    if self.closed is None:
                        self.closed = (None, str(e))
            if cfd in ready:
                cmd = self.conn.recv()
                self.dump()
                if cmd == "stop":
                    break
        try:
            self.sock.setblocking(True)
            self.sock.settimeout(1)
            if alive:
                self.send_frame(OP_CLOSE, struct.pack("!H", 1000))
            self.sock.close()
        except OSError:
            pass


def receiver_main(host, port, key, models, conn, n_decisions, n_complete):
    StreamReceiver(host, port, key, models, conn, n_decisions, n_complete).run()


# ----------------------------------------------------------------- open-loop POSTs (parent, asyncio)

class Phase:
    """One open-loop schedule: POSTs at `rate` from t0 to t_end over `conns`
    connections; sends before t_measure are the untimed lead-in."""

    def __init__(self, rate, conns, lead_in, seconds):
        self.rate, self.conns, self.lead_in, self.seconds = rate, conns, lead_in, seconds
        self.sends = []          # (t_send, t_ack, status, event_id or None, measured, t_due)
        self.late = 0
        self.slips = []
        self.transport_errors = []
        self.non202_samples = []
        self.samples = []        # Meter snapshots, one a second of the measured window


async def read_response(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        low = line.lower()
        if low.startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
        elif low.startswith(b"transfer-encoding:") and b"chunked" in low:
            raise RuntimeError("chunked answers are not supported by this client")
    body = await reader.readexactly(length) if length else b""
    return status, body


async def post_worker(i, phase, host, port, request, t0, t_measure, t_end):
    loop = asyncio.get_running_loop()
    reader = writer = None
    k = 0
    try:
        while True:
            due = t0 + (k * phase.conns + i) / phase.rate
            if due >= t_end:
                break
            k += 1
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
                writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            delay = due - loop.time()
            measured = due >= t_measure
            if delay > 0:
                await asyncio.sleep(delay)
            elif delay < -LATE_S and measured:
                phase.late += 1     # still busy with the previous POST (or the loop was): sent at once
            t_send = time.monotonic()
            if measured:
                phase.slips.append(t_send - due)
            try:
                writer.write(request)
                status, body = await read_response(reader)
            except (OSError, asyncio.IncompleteReadError, RuntimeError, ValueError) as e:
                phase.sends.append((t_send, None, None, None, measured, due))
                if len(phase.transport_errors) < 10:
                    phase.transport_errors.append(f"{type(e).__name__}: {e}")
                writer.close()
                reader = writer = None
                continue
            t_ack = time.monotonic()
            eid = None
            if status == 202:
                m = EVENT_ID_RE.search(body)
                eid = m.group(1).decode() if m else None
            elif len(phase.non202_samples) < 5:
                phase.non202_samples.append(f"{status} {body[:200]!r}")
            phase.sends.append((t_send, t_ack, status, eid, measured, due))
    finally:
        if writer is not None:
            writer.close()


async def sample(phase, meter):
    """A Meter snapshot at every whole second of the measured window."""
    loop = asyncio.get_running_loop()
    k = 0
    while phase.t_measure + k <= phase.t_end + 1e-6:
        delay = phase.t_measure + k - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        phase.samples.append(meter.snap())
        k += 1


async def run_phase(phase, url, key, body, meter=None):
    host, port = url.hostname, url.port or 80
    payload = body.encode()
    request = ("\r\n".join([f"POST {SIGNALS_PATH} HTTP/1.1", f"Host: {url.netloc}",
                            "Content-Type: application/json", f"X-API-Key: {key}",
                            f"Content-Length: {len(payload)}"]) + "\r\n\r\n").encode() + payload
    loop = asyncio.get_running_loop()
    t0 = loop.time() + 0.2
    t_measure = t0 + phase.lead_in
    t_end = t_measure + phase.seconds
    phase.t0, phase.t_measure, phase.t_end = t0, t_measure, t_end
    tasks = [post_worker(i, phase, host, port, request, t0, t_measure, t_end) for i in range(phase.conns)]
    if meter is not None:
        tasks.append(sample(phase, meter))
    await asyncio.gather(*tasks)
    phase.t_done = time.monotonic()


async def drain(n_complete, target, seconds):
    """Waits until the receiver has seen `target` complete events or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while n_complete.value < target and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    return n_complete.value >= target


# ----------------------------------------------------------------- analysis

class Receipts:
    """Every decision received so far: event_id -> {model: first receipt}."""

    def __init__(self):
        self.first = {}
        self.duplicates = 0
        self.errors = []
        self.closed = None
        self.other = 0
        self.cpu = 0.0
        self.all_times = []

    def add(self, dump):
        for eid, model, t in dump["records"]:
            self.first.setdefault(eid, {}).setdefault(model, t)
            self.all_times.append(t)
        self.duplicates = dump["duplicates"]
        self.errors = dump["errors"]
        self.closed = dump["closed"]
        self.other = dump["other"]
        self.cpu = dump["cpu"]


def analyse(phase, receipts, models):
    r = {"target_rate": phase.rate, "conns": phase.conns}
    measured = [s for s in phase.sends if s[4]]
    r["posted"] = len(measured)
    r["ok"] = sum(1 for s in measured if s[2] == 202)
    r["non202"] = {}
    for s in measured:
        if s[2] is not None and s[2] != 202:
            r["non202"][s[2]] = r["non202"].get(s[2], 0) + 1
    r["transport_errors"] = sum(1 for s in measured if s[2] is None)
    r["no_event_id"] = sum(1 for s in measured if s[2] == 202 and s[3] is None)
    # POSTs actually sent inside the measured window, per second (a late
    # connection pushes sends past its end).
    r["achieved_rate"] = sum(1 for s in measured if s[0] < phase.t_end) / phase.seconds
    r["late"] = phase.late
    slips = sorted(phase.slips)
    r["slip_p99"] = pct(slips, 0.99)
    acks = sorted(s[1] - s[0] for s in measured if s[1] is not None)
    r["ack_p50"], r["ack_p99"] = pct(acks, 0.5), pct(acks, 0.99)

    per_decision, per_event, per_event_due, missing, partial, complete_at = [], [], [], 0, 0, []
    for t_send, _, status, eid, _, due in measured:
        if status != 202 or eid is None:
            continue
        got = receipts.first.get(eid, {})
        per_decision.extend(t - t_send for t in got.values())
        if len(got) >= models:
            last = max(got.values())
            per_event.append(last - t_send)
            per_event_due.append(last - due)
            complete_at.append(last)
        else:
            missing += 1
            if got:
                partial += 1
    per_decision.sort()
    per_event.sort()
    per_event_due.sort()
    r["decisions"] = len(per_decision)
    r["complete"] = len(per_event)
    r["missing"], r["partial"] = missing, partial
    for name, values in (("dec", per_decision), ("ev", per_event), ("due", per_event_due)):
        for q in (0.5, 0.9, 0.99):
            r[f"{name}_p{int(q * 100)}"] = pct(values, q)
        r[f"{name}_max"] = values[-1] if values else None
    # Steady state: in the second half of the measured window, events whose
    # last decision arrived per second vs POSTs sent per second.
    half = phase.t_measure + phase.seconds / 2
    sent_h = sum(1 for s in measured if s[0] >= half and s[0] < phase.t_end)
    done_h = sum(1 for t in complete_at if half <= t < phase.t_end)
    span = phase.t_end - half
    r["posted_rate_h2"] = sent_h / span
    r["delivered_rate_h2"] = done_h / span
    # Backlog when the sending stopped (the schedule's end, or the last send
    # if connections ran late): 202'd events without all decisions yet.
    t_stop = max([phase.t_end] + [s[0] for s in measured])
    r["backlog_at_end"] = sum(1 for s in measured if s[2] == 202 and s[3] is not None and
                              not (len(receipts.first.get(s[3], {})) >= models and
                                   max(receipts.first[s[3]].values()) <= t_stop))
    return r


def write_csv(path, phase, receipts):
    models = sorted({m for got in receipts.first.values() for m in got})
    f3 = lambda x: "" if x is None else f"{x * 1000:.3f}"
    with open(path, "w") as f:
        f.write(",".join(["event_id", "send_s", "slip_ms", "ack_ms", "status"] + models) + "\n")
        for t_send, t_ack, status, eid, measured, due in sorted(phase.sends):
            if not measured:
                continue
            got = receipts.first.get(eid, {}) if eid else {}
            f.write(",".join([eid or "", f"{t_send - phase.t_measure:.6f}", f3(t_send - due),
                              f3(t_ack - t_send if t_ack else None), str(status or "")]
                             + [f3(got[m] - t_send if m in got else None) for m in models]) + "\n")


def summary_broken(r):
    problems = []
    if r["ok"] == 0:
        problems.append("no POST was answered 202")
    if r["decisions"] == 0:
        problems.append("no decision arrived on the stream")
    if r["missing"]:
        problems.append(f"{r['missing']} events without all their decisions after the drain")
    if r["non202"]:
        problems.append(f"non-202 answers: {r['non202']}")
    if r["transport_errors"]:
        problems.append(f"{r['transport_errors']} POSTs failed at the transport level")
    if r["no_event_id"]:
        problems.append(f"{r['no_event_id']} 202 bodies without an event_id")
    return problems


# ----------------------------------------------------------------- main

def start_receiver(url, key, models):
    ctx = mp.get_context("fork")
    n_decisions, n_complete = ctx.Value("q", 0, lock=False), ctx.Value("q", 0, lock=False)
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=receiver_main, daemon=True,
                       args=(url.hostname, url.port or 80, key, models, child, n_decisions, n_complete))
    proc.start()
    if not parent.poll(15):
        proc.kill()
        sys.exit("stream: no answer from the receiver within 15 s")
    kind, detail = parent.recv()
    if kind != "ready":
        proc.join(2)
        print(f"stream: {detail}", file=sys.stderr)
        sys.exit(1)
    return proc, parent, n_decisions, n_complete


def collect(conn, receipts, stop=False):
    conn.send("stop" if stop else "dump")
    receipts.add(conn.recv())


def cpu_line(c):
    f2 = lambda x: "-" if x is None else f"{x:.2f}"
    return (f"client {f2(c['sender'])} sender + {f2(c['receiver'])} receiver, deltad {f2(c['deltad'])}, "
            f"PostgreSQL + llm-stub {f2(c['aux'])}, other processes {f2(c['other'])}; machine "
            f"{f2(c['machine'])} of {os.cpu_count()}")


def print_per_second(phase, receipts, models):
    """Per second of the measured window: the per-event p99 of the POSTs sent
    in it and the cores other processes used, to tell a slow pipeline from a
    shared machine."""
    buckets = {}
    for t_send, _, status, eid, measured, _ in phase.sends:
        got = receipts.first.get(eid, {}) if eid else {}
        if measured and len(got) >= models:
            buckets.setdefault(int(t_send - phase.t_measure), []).append(max(got.values()) - t_send)
    n = max([int(math.ceil(phase.seconds))] + [k + 1 for k in buckets])
    p99 = [pct(sorted(buckets.get(i, [])), 0.99) for i in range(n)]
    other = [Meter.cores(a, b)["other"] for a, b in zip(phase.samples, phase.samples[1:])][:n]
    other += [None] * (n - len(other))
    print("\n  per second of the run: per-event p99 (ms) of the POSTs sent in it / other processes' cores")
    for start in range(0, n, 10):
        cells = [f"{'-' if p is None else f'{p * 1000:.0f}'}/{'-' if o is None else f'{o:.1f}'}"
                 for p, o in zip(p99[start:start + 10], other[start:start + 10])]
        print(f"  {start:>4}s  " + " ".join(f"{c:>9}" for c in cells))
    quiet_s = [i for i in range(n) if other[i] is not None and other[i] < QUIET_OTHER_CORES]
    if quiet_s and len(quiet_s) < len([o for o in other if o is not None]):
        v = sorted(x for i in quiet_s for x in buckets.get(i, []))
        print(f"  per event in the {len(quiet_s)} quiet seconds (other processes < {QUIET_OTHER_CORES} cores): "
              f"n {len(v)}, p50 {ms(pct(v, 0.5))}, p90 {ms(pct(v, 0.9))}, p99 {ms(pct(v, 0.99))} ms")


def print_kv(rows):
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"  {k:<{width}}  {v}")


def steady(args, url, conn, n_complete, meter):
    receipts = Receipts()
    phase = Phase(args.rate, args.connections, args.warmup, args.duration)
    quiet(args)
    m0 = meter.snap()
    asyncio.run(run_phase(phase, url, args.key, args.body, meter))
    c = meter.cores(m0, meter.snap())
    ok_all = sum(1 for s in phase.sends if s[2] == 202 and s[3])
    t_drain0 = time.monotonic()
    drained = asyncio.run(drain(n_complete, ok_all, args.drain))
    drain_s = time.monotonic() - t_drain0
    collect(conn, receipts, stop=True)
    r = analyse(phase, receipts, args.models)
    if args.ids_out:
        with open(args.ids_out, "w") as f:
            f.writelines(f"{s[3]}\n" for s in phase.sends if s[4] and s[3])
    if args.csv:
        write_csv(args.csv, phase, receipts)

    print(f"\nsignals end to end: POST {SIGNALS_PATH} -> decision on {STREAM_PATH} (channel decisions)")
    print(f"  rate {args.rate:g}/s for {args.duration:g} s after a {args.warmup:g} s warm-up, "
          f"{args.connections} keep-alive connections, {args.models} decisions expected per event\n")
    print(f"  {'latency (ms)':<30} {'n':>8} {'p50':>8} {'p90':>8} {'p99':>8} {'max':>8}")
    print(f"  {'per decision (POST -> decision)':<30} {r['decisions']:>8} {ms(r['dec_p50']):>8} "
          f"{ms(r['dec_p90']):>8} {ms(r['dec_p99']):>8} {ms(r['dec_max']):>8}")
    print(f"  {'per event (POST -> last dec.)':<30} {r['complete']:>8} {ms(r['ev_p50']):>8} "
          f"{ms(r['ev_p90']):>8} {ms(r['ev_p99']):>8} {ms(r['ev_max']):>8}")
    print(f"  {'per event, from the due time':<30} {r['complete']:>8} {ms(r['due_p50']):>8} "
          f"{ms(r['due_p90']):>8} {ms(r['due_p99']):>8} {ms(r['due_max']):>8}")
    print(f"  {'POST -> 202 (client side)':<30} {r['ok']:>8} {ms(r['ack_p50']):>8} {'':>8} "
          f"{ms(r['ack_p99']):>8} {'':>8}\n")
    rows = [
        ("posted (measured)", f"{r['posted']}  ({r['achieved_rate']:.1f}/s achieved)"),
        ("202", r["ok"]),
        ("non-202", sum(r["non202"].values()) and r["non202"] or 0),
        ("transport errors", r["transport_errors"]),
        ("late sends (> 1 ms behind)", f"{r['late']} ({100.0 * r['late'] / max(1, r['posted']):.2f}%), "
                                f"p99 slip {ms(r['slip_p99'])} ms"),
        ("decisions received", f"{r['decisions']} for measured events "
                               f"(+{sum(len(v) for v in receipts.first.values()) - r['decisions']} warm-up), "
                               f"{receipts.duplicates} duplicates"),
        (f"events with all {args.models}", r["complete"]),
        ("events missing decisions", f"{r['missing']} after a {args.drain:g} s drain "
                                     f"({r['partial']} with some) — drained in {drain_s:.2f} s"
                                     + ("" if drained else ", NOT drained")),
        ("steady state (2nd half)", f"{r['posted_rate_h2']:.0f} POST/s, "
                                    f"{r['delivered_rate_h2']:.0f} events/s fully delivered"),
        ("backlog when sending stopped", f"{r['backlog_at_end']} events"),
        ("CPU while sending (cores)", cpu_line(c)),
        ("deltad's busiest threads", f"{c['threads']} (name/tid cores)"),
    ]
    if receipts.errors:
        rows.append(("stream errors", receipts.errors[:3]))
    if receipts.closed:
        rows.append(("stream closed", receipts.closed))
    if phase.non202_samples:
        rows.append(("non-202 samples", phase.non202_samples[:3]))
    if phase.transport_errors:
        rows.append(("transport error samples", phase.transport_errors[:3]))
    print_kv(rows)
    print_per_second(phase, receipts, args.models)
    late_pct = 100.0 * r["late"] / max(1, r["posted"])
    if c["other"] is not None and c["other"] > 0.15:
        print(f"  NOTE: other processes used {c['other']:.2f} cores during the run: the machine was shared, "
              f"worth repeating when it is quiet")
    if c["sender"] > 0.9 or c["receiver"] > 0.9:
        print("  NOTE: a client process used > 90% of a core: it could not hold the schedule, "
              "the offered load was lower or burstier than asked")
    elif late_pct > 1:
        print(f"  NOTE: {late_pct:.1f}% of the sends were late because their connection still waited for "
              f"a 202 (POST -> 202 p99 {ms(r['ack_p99'])} ms vs {1000 * args.connections / args.rate:.0f} ms "
              f"between a connection's sends): the load bent to the server; more --connections keep "
              f"the schedule")
    target = r["ev_p99"] is not None and r["ev_p99"] * 1000 < args.p99_target_ms and not r["missing"]
    print(f"\n  target: per-event p99 < {args.p99_target_ms:g} ms at {args.rate:g}/s with no missing "
          f"decisions: {'PASS' if target else 'FAIL'} (p99 {ms(r['ev_p99'])} ms)")
    problems = summary_broken(r)
    if receipts.closed:
        problems.append(f"the stream was closed: {receipts.closed}")
    for p in problems:
        print(f"  BROKEN: {p}")
    return 1 if problems else 0


def sweep(args, url, conn, n_complete, meter):
    receipts = Receipts()
    results = []
    ok_total = 0
    print(f"\nsignals end to end, rate sweep: {args.step:g} s per rate after a 1 s lead-in, "
          f"drain up to {args.drain:g} s between rates, {args.models} decisions per event")
    header = (f"  {'rate':>6} {'conns':>5} {'POST/s':>7} {'late%':>6} {'non202':>6} {'deliv/s':>7} "
              f"{'backlog':>7} {'drain s':>7} {'ev p50':>7} {'ev p99':>7} {'dec p99':>7} "
              f"{'client':>6} {'deltad':>6} {'pg+st':>5} {'other':>5}  verdict")
    print(header)
    queue = [(rate, args.noisy_retries) for rate in args.rate_list]
    while queue:
        rate, retries = queue.pop(0)
        conns = max(args.connections, math.ceil(rate * ACK_BUDGET_S))
        phase = Phase(rate, conns, 1.0, args.step)
        quiet(args)
        m0 = meter.snap()
        asyncio.run(run_phase(phase, url, args.key, args.body))
        c = meter.cores(m0, meter.snap())
        ok_total += sum(1 for s in phase.sends if s[2] == 202 and s[3])
        t_drain0 = time.monotonic()
        drained = asyncio.run(drain(n_complete, ok_total, args.drain))
        drain_s = time.monotonic() - t_drain0
        collect(conn, receipts)
        r = analyse(phase, receipts, args.models)
        r["drain_s"], r["drained"] = drain_s, drained
        r["cpu"] = c
        late_pct = 100.0 * r["late"] / max(1, r["posted"])
        keeps_up = (not r["non202"] and not r["transport_errors"] and not r["missing"]
                    and r["achieved_rate"] >= 0.95 * rate and late_pct <= 5
                    and r["delivered_rate_h2"] >= 0.95 * r["posted_rate_h2"])
        within = keeps_up and r["ev_p99"] is not None and r["ev_p99"] * 1000 < args.p99_bound_ms
        client_bound = c["sender"] > 0.9 or c["receiver"] > 0.9
        r["keeps_up"], r["within"], r["client_bound"] = keeps_up, within, client_bound
        verdict = ("within bound" if within else "keeps up, p99 over bound" if keeps_up else "BEHIND")
        if client_bound:
            verdict += " (client CPU-bound)"
        elif late_pct > 5:
            verdict += " (late sends: 202s slower than the connections' schedule)"
        results.append(r)
        f2 = lambda x: "-" if x is None else f"{x:.2f}"
        print(f"  {rate:>6g} {conns:>5} {r['achieved_rate']:>7.0f} {late_pct:>6.1f} "
              f"{sum(r['non202'].values()) + r['transport_errors']:>6} {r['delivered_rate_h2']:>7.0f} "
              f"{r['backlog_at_end']:>7} {drain_s:>7.2f} {ms(r['ev_p50']):>7} {ms(r['ev_p99']):>7} "
              f"{ms(r['dec_p99']):>7} {f2(c['sender'] + c['receiver']):>6} {f2(c['deltad']):>6} {f2(c['aux']):>5} "
              f"{f2(c['other']):>5}  {verdict}", flush=True)
        if not keeps_up:
            if retries > 0 and (c["other"] or 0) > NOISY_CORES:
                print(f"  {'':>6} other processes used {c['other']:.2f} cores: repeating {rate:g}/s", flush=True)
                queue.insert(0, (rate, retries - 1))
                continue
            break
    collect(conn, receipts, stop=True)
    for r in results[-2:]:
        print(f"  deltad's busiest threads at {r['target_rate']:g}/s: {r['cpu']['threads']} (name/tid cores)")
    print(f"\n  keeps up: every POST 202, >= 95% of the asked rate sent and <= 5% late sends, events fully "
          f"delivered per second\n            >= 95% of POSTs per second in the step's second half, and every "
          f"event's {args.models} decisions within the {args.drain:g} s drain.")
    print(f"  conns: max(--connections, rate x {ACK_BUDGET_S * 1000:g} ms); late%: sends more than 1 ms "
          f"behind schedule because the connection still waited for a 202.")
    print(f"  within bound: keeps up and per-event p99 < {args.p99_bound_ms:g} ms. "
          f"deliv/s: events/s fully delivered (2nd half); backlog: events\n"
          f"            without all decisions when sending stopped. CPU in cores while sending: client "
          f"(sender + receiver),\n            deltad, pg+st (PostgreSQL + llm-stub), other (the rest of the "
          f"machine: others' work).")
    results_by_rate = {}
    for r in results:   # a repeated rate counts with its last attempt
        results_by_rate[r["target_rate"]] = r
    results = list(results_by_rate.values())
    best_within = max((r["target_rate"] for r in results if r["within"]), default=None)
    best_up = max((r["target_rate"] for r in results if r["keeps_up"]), default=None)
    best_deliv = max((r["delivered_rate_h2"] for r in results), default=0)
    print(f"\n  highest rate within bound (p99 < {args.p99_bound_ms:g} ms): "
          f"{'none' if best_within is None else f'{best_within:g}/s'}")
    print(f"  highest rate kept up (any latency):    {'none' if best_up is None else f'{best_up:g}/s'}")
    print(f"  highest delivered rate seen:           {best_deliv:.0f} events/s")
    if any(r["client_bound"] for r in results):
        print("  NOTE: in steps marked client CPU-bound a Python client process used > 90% of a core and "
              "could not hold the schedule; those rates were not offered exactly")
    if any((r["cpu"]["other"] or 0) > 0.15 for r in results):
        print("  NOTE: other processes used > 0.15 cores in some steps: the machine was shared, worth "
              "repeating when it is quiet")
    problems = []
    if not any(r["decisions"] for r in results):
        problems.append("no decision arrived on the stream")
    if receipts.closed:
        problems.append(f"the stream was closed: {receipts.closed}")
    if results and summary_broken(results[0]):
        problems += [f"first rate: {p}" for p in summary_broken(results[0])]
    if receipts.errors:
        print(f"  stream errors: {receipts.errors[:3]}")
    for p in problems:
        print(f"  BROKEN: {p}")
    return 1 if problems else 0


def main():
    args = parse_args()
    url = urllib.parse.urlsplit(args.url)
    if url.scheme != "http" or not url.hostname:
        sys.exit("URL must be http://HOST:PORT")
    proc, conn, _, n_complete = start_receiver(url, args.key, args.models)
    meter = Meter(args.server_pid, args.aux_pid_list, proc.pid)
    try:
        code = (sweep if args.max else steady)(args, url, conn, n_complete, meter)
    finally:
        proc.join(5)
        if proc.is_alive():
            proc.kill()
    sys.exit(code)


if __name__ == "__main__":
    main()
