"""Harness for Delta's end-to-end tests: a real `deltad` talked to over HTTP.

Everything here synchronises on events (a log line, a process exit, a socket
closing), never on the clock. Waits are bounded by timeouts so a broken server
fails a test instead of hanging it.

Environment (set by scripts/test and by ctest):
  DELTAD                   path of the deltad binary (ctest: $<TARGET_FILE:deltad>)
  DELTA_TEST_DATABASE_URL  superuser URL of a throwaway PostgreSQL cluster
  DELTA_TEST_PG_BIN        PostgreSQL 15 binaries (psql, initdb, pg_ctl)
  DELTA_TEST_DEMO_DATA     SQL file with the demo securities
A missing DELTAD or DELTA_TEST_DATABASE_URL is an error, never a skip.
"""

import collections
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0     # seconds deltad may take to log "listening"
REQUEST_TIMEOUT = 10.0   # socket timeout of every HTTP request
STOP_TIMEOUT = 20.0      # seconds deltad may take to exit after SIGTERM
CLI_TIMEOUT = 60.0       # seconds a CLI command (migrate, config) may take

# Words that must never reach a client in an error body (lower-case match).
LEAK_MARKERS = ("select ", "insert ", "update ", "libpq", "postgres", "sqlstate",
                "exception", "std::", "boost::", "what():", "traceback", "segmentation")

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
RFC3339_UTC_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")

# The demo identity in scripts/demo_data.sql: a research-tier user (10,000
# requests/hour, no market_ingest) owning one API key. Send DEMO_AUTH (or pass
# it as default headers to Deltad) on routes that need credentials.
DEMO_KEY = "dk_live_DEMOkey0000000000000000000000000000000000000"
DEMO_KEY_ID = "00000000-0000-4000-8000-0000000000d1"
DEMO_USER_ID = "00000000-0000-4000-8000-00000000de70"
DEMO_AUTH = {"X-API-Key": DEMO_KEY}
TIER_LIMITS = {  # tier -> (api_keys_max, rate_limit_per_hour), as migrations seed them
    "free": (0, 0), "entry": (1, 100), "professional": (3, 500),
    "analyst": (5, 2000), "research": (10, 10000),
}


class HarnessError(AssertionError):
    """The test environment or deltad could not be set up (reported as a failure)."""


# --------------------------------------------------------------------------- environment

def require_env(name, what):
    value = os.environ.get(name, "")
    if not value:
        raise HarnessError(
            f"{name} is not set ({what}). The end-to-end tests need it: run them through "
            f"scripts/test, or export it by hand (see tests/e2e/harness.py).")
    return value


def deltad_binary():
    path = require_env("DELTAD", "path of the deltad binary under test")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise HarnessError(f"DELTAD={path} is not an executable file")
    return path


def admin_database_url():
    return require_env("DELTA_TEST_DATABASE_URL", "superuser URL of the test PostgreSQL cluster")


def pg_bin(tool):
    directory = os.environ.get("DELTA_TEST_PG_BIN") or "/usr/lib/postgresql/15/bin"
    path = os.path.join(directory, tool)
    if not os.access(path, os.X_OK):
        raise HarnessError(f"{path} not found: set DELTA_TEST_PG_BIN to PostgreSQL 15's bin directory")
    return path


def demo_data_file():
    path = os.environ.get("DELTA_TEST_DEMO_DATA") or str(PROJECT_ROOT / "scripts" / "demo_data.sql")
    if not os.path.isfile(path):
        raise HarnessError(f"demo data {path} not found: set DELTA_TEST_DEMO_DATA")
    return path


def demo_candles_file():
    """scripts/demo_candles.sql (DELTA_TEST_DEMO_CANDLES overrides): a week of
    synthetic 1m bars for the demo tickers, relative to now."""
    path = os.environ.get("DELTA_TEST_DEMO_CANDLES") or str(PROJECT_ROOT / "scripts" / "demo_candles.sql")
    if not os.path.isfile(path):
        raise HarnessError(f"demo candles {path} not found: set DELTA_TEST_DEMO_CANDLES")
    return path


def migration_versions():
    """Version numbers of the migration files in the checkout (0001_x.sql -> 1)."""
    versions = []
    for f in sorted((PROJECT_ROOT / "migrations").glob("*.sql")):
        m = re.match(r"^(\d+)_", f.name)
        if m:
            versions.append(int(m.group(1)))
    return versions


def free_port():
    """A TCP port nothing listens on right now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------- PostgreSQL

def psql(url, sql=None, file=None, timeout=CLI_TIMEOUT):
    """Run SQL through psql (unaligned, tuples only); return stdout. Raises on error."""
    cmd = [pg_bin("psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", url]
    if sql is not None:
        cmd += ["-c", sql]
    if file is not None:
        cmd += ["-f", file]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)
    if proc.returncode != 0:
        raise HarnessError(f"psql failed ({proc.returncode}) on {sql or file}: {proc.stderr.strip()}")
    return proc.stdout


def database_url(base_url, dbname):
    """base_url with its database name replaced."""
    parts = urllib.parse.urlsplit(base_url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + dbname))


def fresh_database():
    """Create a uniquely named database on the test cluster; return its URL."""
    admin = admin_database_url()
    name = f"e2e_{os.getpid()}_{secrets.token_hex(4)}"
    psql(admin, f'CREATE DATABASE "{name}"')
    return database_url(admin, name)


def drop_database(url):
    name = urllib.parse.urlsplit(url).path.lstrip("/")
    psql(admin_database_url(), f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def load_demo_data(url):
    psql(url, file=demo_data_file())


class PrivateCluster:
    """A PostgreSQL cluster of the test's own, which the test may stop and start.

    Runs as the `postgres` OS user when the tests run as root (PostgreSQL refuses
    root), on 127.0.0.1 and a port picked here, with its socket in its own
    directory.
    """

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="delta-e2e-pg-")
        os.chmod(self.dir, 0o755)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "postgres.log")
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.running = False

    def _run(self, tool, *args, timeout=CLI_TIMEOUT):
        cmd = [pg_bin(tool), *args]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, cwd=self.dir)
        if proc.returncode != 0:
            raise HarnessError(f"{tool} failed ({proc.returncode}): {proc.stdout}{proc.stderr}"
                               f"\n{self.log_text()}")
        return proc.stdout

    def log_text(self):
        try:
            return Path(self.log).read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def init(self):
        self._run("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--no-sync")

    def start(self):
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", self.data, "-l", self.log, "-o", opts, "-w", "-t", "30", "start")
        self.running = True

    def stop(self, mode="fast"):
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "30", "stop")
        self.running = False

    def destroy(self):
        try:
            if self.running:
                self.stop("immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


# --------------------------------------------------------------------------- HTTP

Response = collections.namedtuple("Response", "status headers body json")


def _json_or_none(body):
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


def _merge_headers(pairs):
    headers = {}
    for name, value in pairs:
        name = name.lower()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def merge_headers(defaults, headers):
    """defaults overridden by headers, names compared case-insensitively; a
    header given as None in `headers` is left out (e.g. {"X-API-Key": None})."""
    out = {}
    given = {k.lower() for k in (headers or {})}
    for k, v in (defaults or {}).items():
        if k.lower() not in given:
            out[k] = v
    for k, v in (headers or {}).items():
        if v is not None:
            out[k] = v
    return out


def _encode_body(body, headers):
    if body is None or isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if not any(k.lower() == "content-type" for k in headers):
        headers["Content-Type"] = "application/json"
    return json.dumps(body).encode("utf-8")


def _read_response(resp):
    body = resp.read()
    return Response(resp.status, _merge_headers(resp.getheaders()), body, _json_or_none(body))


def request(host, port, method, path, headers=None, body=None, timeout=REQUEST_TIMEOUT):
    """One request on a new connection -> Response(status, headers, body, json).

    headers of the response are a dict with lower-case names (repeated headers
    joined with ", "); json is the parsed body or None. A dict or list body is
    sent as JSON (with Content-Type: application/json unless headers name one).
    """
    headers = dict(headers or {})
    payload = _encode_body(body, headers)
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=payload, headers=headers)
        return _read_response(conn.getresponse())
    finally:
        conn.close()


class Client:
    """A keep-alive client: every request goes over the same connection while
    the server keeps it open (http.client reconnects only when it was closed)."""

    def __init__(self, host, port, timeout=REQUEST_TIMEOUT, default_headers=None):
        self.conn = http.client.HTTPConnection(host, port, timeout=timeout)
        self.default_headers = dict(default_headers or {})

    def request(self, method, path, headers=None, body=None):
        headers = merge_headers(self.default_headers, headers)
        payload = _encode_body(body, headers)
        self.conn.request(method, path, body=payload, headers=headers)
        return _read_response(self.conn.getresponse())

    @property
    def sock(self):
        return self.conn.sock

    def close(self):
        self.conn.close()


def read_until_close(sock, timeout):
    """Read until the peer closes; raise TimeoutError if it is still open after
    `timeout` seconds. A reset by the peer counts as closed."""
    deadline = time.monotonic() + timeout
    chunks = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"connection still open after {timeout}s; got {b''.join(chunks)[:300]!r}")
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            break
        except socket.timeout:
            raise TimeoutError(
                f"connection still open after {timeout}s; got {b''.join(chunks)[:300]!r}") from None
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def raw_exchange(host, port, data, timeout=5.0):
    """Send raw bytes on a new connection, read until the server closes it."""
    with socket.create_connection((host, port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may close before reading everything; its answer still counts
        return read_until_close(s, timeout)


def parse_responses(data):
    """Split raw bytes from a server into Responses (Content-Length or chunked)."""
    out = []
    pos = 0
    while pos < len(data):
        end = data.find(b"\r\n\r\n", pos)
        if end < 0:
            raise ValueError(f"incomplete response head: {data[pos:pos + 200]!r}")
        lines = data[pos:end].decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = _merge_headers(line.split(":", 1) for line in lines[1:] if ":" in line)
        headers = {k: v.strip() for k, v in headers.items()}
        pos = end + 4
        if "content-length" in headers:
            n = int(headers["content-length"])
            body = data[pos:pos + n]
            pos += n
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            body = b""
            while True:
                line_end = data.index(b"\r\n", pos)
                size = int(data[pos:line_end].split(b";")[0], 16)
                pos = line_end + 2
                body += data[pos:pos + size]
                pos += size + 2
                if size == 0:
                    break
        else:
            body = data[pos:]
            pos = len(data)
        out.append(Response(status, headers, body, _json_or_none(body)))
    return out


# --------------------------------------------------------------------------- deltad

def deltad_env(db_url=None, **config):
    """Environment for a deltad process: this process's, without any DELTA_*
    variable, plus DELTA_DATABASE__URL and DELTA_<SECTION>__<KEY> for each
    config kwarg (http__port=1 -> DELTA_HTTP__PORT=1; lists joined by commas,
    booleans as true/false)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DELTA_")}
    if db_url is not None:
        env["DELTA_DATABASE__URL"] = db_url
    for key, value in config.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, (list, tuple)):
            value = ",".join(value)
        env["DELTA_" + key.upper()] = str(value)
    return env


def run_cli(args, env, timeout=CLI_TIMEOUT, input=None):
    """Run deltad with arguments (and `input` on stdin, if given); return the
    CompletedProcess (text output)."""
    stdin = {} if input is not None else {"stdin": subprocess.DEVNULL}
    return subprocess.run([deltad_binary(), *args], env=env, capture_output=True, text=True,
                          timeout=timeout, input=input, **stdin)


def users_create(db_url, email, password, tier=None, role=None, display_name=None):
    """`deltad users create --email E [--tier T] [--role R] [--display-name N]`,
    the password on stdin; return the CompletedProcess (exit 0 created, 3 the
    email exists, 2 bad input)."""
    args = ["users", "create", "--email", email]
    for flag, value in (("--tier", tier), ("--role", role), ("--display-name", display_name)):
        if value is not None:
            args += [flag, value]
    return run_cli(args, deltad_env(db_url), input=password + "\n")


def new_password():
    """A fresh password (>= 10 characters) no log line can contain by accident."""
    return "pw-" + secrets.token_urlsafe(18)


def new_email(tag="user"):
    return f"{tag}-{secrets.token_hex(5)}@test.local"


def prepare_database(db_url):
    """`deltad migrate`, then the demo data."""
    proc = run_cli(["migrate"], deltad_env(db_url))
    if proc.returncode != 0:
        raise HarnessError(f"deltad migrate exited {proc.returncode}\nstdout: {proc.stdout}\n"
                           f"stderr: {proc.stderr}")
    load_demo_data(db_url)


class LogLine:
    """One line of deltad's stdout: the raw text and the parsed JSON (or None)."""

    __slots__ = ("text", "obj")

    def __init__(self, text):
        self.text = text
        try:
            obj = json.loads(text)
        except ValueError:
            obj = None
        self.obj = obj if isinstance(obj, dict) else None

    def __repr__(self):
        return self.text


class User:
    """A user made for a test (`Deltad.add_user`): email, password, tier, role,
    and after login user_id and token (a live session)."""

    def __init__(self, email, password, tier, role, display_name=None):
        self.email, self.password, self.tier, self.role = email, password, tier, role
        self.display_name = display_name
        self.user_id = None
        self.token = None

    @property
    def bearer(self):
        """Headers carrying this user's session token."""
        return {"Authorization": "Bearer " + self.token}

    def __repr__(self):
        return f"User({self.email}, tier={self.tier}, role={self.role})"


LOGIN_PATH = "/api/v2/users/login"
API_KEYS_PATH = "/api/v2/platform/api-keys"


class Deltad:
    """A `deltad serve` process on 127.0.0.1 and a free port.

    Deltad(db_url, prepare=True, headers=None, **config): prepare runs `deltad
    migrate` and loads the demo data first; headers are sent with every request
    (e.g. DEMO_AUTH) unless a request overrides them or says anonymous=True;
    config kwargs become DELTA_* variables
    (http__header_timeout_seconds=1 -> DELTA_HTTP__HEADER_TIMEOUT_SECONDS=1).

    Every secret a test uses through this object (passwords, session tokens,
    API keys, also wrong ones) is remembered; leaked_secrets() finds any of
    them in what deltad (serve and the CLI commands run here) printed.
    """

    def __init__(self, db_url, prepare=True, headers=None, **config):
        self.db_url = db_url
        self.prepare = prepare
        self.default_headers = dict(headers or {})
        self.secrets = {DEMO_KEY: "demo API key"}   # plaintext -> what it is
        self.cli_output = []       # stdout + stderr of CLI commands run for this server
        self.host = "127.0.0.1"
        self.port = free_port()
        settings = {"http__host": self.host, "http__port": self.port, "log__level": "debug"}
        settings.update(config)
        self.env = deltad_env(db_url, **settings)
        self.proc = None
        self.lines = []            # every stdout line, as LogLine
        self.stderr_lines = []
        self.listening = None      # the "listening" log object
        self._stdout_done = False
        self._cond = threading.Condition()
        self._threads = []

    # -- lifecycle

    def start(self):
        if self.prepare:
            prepare_database(self.db_url)
        self.proc = subprocess.Popen([deltad_binary(), "serve"], env=self.env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        for target, stream in ((self._read_stdout, self.proc.stdout),
                               (self._read_stderr, self.proc.stderr)):
            t = threading.Thread(target=target, args=(stream,), daemon=True)
            t.start()
            self._threads.append(t)
        with self._cond:
            self._cond.wait_for(lambda: self.listening is not None or self._stdout_done,
                                timeout=START_TIMEOUT)
        if self.listening is None:
            code = self.proc.poll()
            self.close()
            state = f"exited with {code}" if code is not None else f"did not log 'listening' within {START_TIMEOUT}s"
            raise HarnessError(f"deltad serve {state}\n{self.output_tail()}")
        return self

    def wait_serving(self, timeout=15.0):
        """Bounded poll until deltad answers API requests: /ready is 200 and
        GET /api/v2/platform/tiers with the demo key is 200. deltad logs
        "listening" before its pool has connected and before it has loaded the
        tier table; the first API requests may get 503 (or, a known bug, a 429
        with RateLimit-Limit 0: see test_ratelimit.LateDatabaseTest). Uses the
        demo key's bucket, never the anonymous per-IP one."""
        def serving():
            if self.get("/ready", anonymous=True).status != 200:
                return False
            return self.get("/api/v2/platform/tiers", DEMO_AUTH, anonymous=True).status == 200
        poll_until(serving, timeout, "deltad serving API requests")
        return self

    def _read_stdout(self, stream):
        for raw in stream:
            line = LogLine(raw.decode("utf-8", "replace").rstrip("\r\n"))
            with self._cond:
                self.lines.append(line)
                if line.obj is not None and line.obj.get("message") == "listening" \
                        and self.listening is None:
                    self.listening = line.obj
                self._cond.notify_all()
        with self._cond:
            self._stdout_done = True
            self._cond.notify_all()

    def _read_stderr(self, stream):
        for raw in stream:
            with self._cond:
                self.stderr_lines.append(raw.decode("utf-8", "replace").rstrip("\r\n"))

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout=STOP_TIMEOUT):
        """Wait for the process to exit; return its exit code (and finish reading its output)."""
        code = self.proc.wait(timeout=timeout)
        for t in self._threads:
            t.join(timeout=5)
        return code

    def stop(self, sig=signal.SIGTERM, timeout=STOP_TIMEOUT):
        """Send `sig` (SIGTERM) and wait for exit; return the exit code."""
        self.send_signal(sig)
        return self.wait_exit(timeout)

    def close(self):
        """Make sure the process is gone (kill if needed). Safe to call twice."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.kill()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        for t in self._threads:
            t.join(timeout=5)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()

    # -- logs

    def log_objects(self, since=0):
        with self._cond:
            return [l.obj for l in self.lines[since:] if l.obj is not None]

    def mark(self):
        """Position in the log, for wait_for_log(since=...)."""
        with self._cond:
            return len(self.lines)

    def wait_for_log(self, predicate, since=0, timeout=10.0):
        """Wait until a JSON log object satisfying predicate appears; return it."""
        found = []

        def check():
            for line in self.lines[since:]:
                if line.obj is not None and predicate(line.obj):
                    found.append(line.obj)
                    return True
            return self._stdout_done

        with self._cond:
            self._cond.wait_for(check, timeout=timeout)
        if not found:
            raise AssertionError(f"no matching log line within {timeout}s\n{self.output_tail()}")
        return found[0]

    def output_tail(self, n=40):
        with self._cond:
            out = "\n".join(l.text for l in self.lines[-n:])
            err = "\n".join(self.stderr_lines[-n:])
        return f"--- deltad stdout (last {n}) ---\n{out}\n--- deltad stderr ---\n{err}"

    # -- HTTP

    @property
    def base_url(self):
        return f"http://{self.host}:{self.port}"

    def request(self, method, path, headers=None, body=None, timeout=REQUEST_TIMEOUT,
                anonymous=False):
        """One request on a new connection. The default headers are added
        unless anonymous=True; headers override them (None removes one)."""
        headers = merge_headers({} if anonymous else self.default_headers, headers)
        try:
            return request(self.host, self.port, method, path, headers, body, timeout)
        except (ConnectionError, http.client.RemoteDisconnected) as e:
            self.explain_death(e)
            raise

    def explain_death(self, error):
        """If the process is gone, turn a connection error into a report of that."""
        if self.proc is not None:
            try:
                code = self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                return
            raise AssertionError(f"deltad died (exit code {code}) before {error!r}\n"
                                 f"{self.output_tail()}") from error

    def get(self, path, headers=None, anonymous=False):
        return self.request("GET", path, headers, anonymous=anonymous)

    def client(self, headers=None, anonymous=False):
        """A keep-alive Client sending the default headers (unless anonymous) and headers."""
        return Client(self.host, self.port,
                      default_headers=merge_headers({} if anonymous else self.default_headers, headers))

    def raw_auth(self):
        """The default headers as raw header lines, for raw-socket requests."""
        return "".join(f"{k}: {v}\r\n" for k, v in self.default_headers.items()).encode()

    # -- identity helpers

    def remember_secret(self, value, what="secret"):
        """Note a plaintext credential the test uses; leaked_secrets() looks for it."""
        if value:
            with self._cond:
                self.secrets[value] = what
        return value

    def users_create(self, email, password, tier=None, role=None, display_name=None):
        """`deltad users create` against this server's database; CompletedProcess."""
        self.remember_secret(password, "password")
        proc = users_create(self.db_url, email, password, tier, role, display_name)
        with self._cond:
            self.cli_output.append(proc.stdout + proc.stderr)
        return proc

    def add_user(self, tier=None, role=None, email=None, password=None, display_name=None,
                 login=True):
        """Create a user with the CLI and (login=True) log in; return a User."""
        email = email or new_email(role if role and role != "user" else tier or "user")
        password = password or new_password()
        proc = self.users_create(email, password, tier, role, display_name)
        if proc.returncode != 0:
            raise HarnessError(f"deltad users create --email {email} exited {proc.returncode}: "
                               f"{proc.stdout}{proc.stderr}")
        user = User(email, password, tier or "free", role or "user", display_name)
        if login:
            r = self.login(email, password)
            if r.status != 200:
                raise AssertionError(f"login of a new user {email}: {r.status} {r.body[:300]!r}")
            user.token = r.json["data"]["token"]
            user.user_id = r.json["data"]["user"]["user_id"]
        return user

    def login(self, email, password, headers=None):
        """POST /api/v2/users/login (anonymous unless headers say otherwise); Response."""
        self.remember_secret(password, "password")
        r = self.request("POST", LOGIN_PATH, headers, {"email": email, "password": password},
                         anonymous=True)
        if r.status == 200 and isinstance(r.json, dict):
            self.remember_secret((r.json.get("data") or {}).get("token"), "session token")
        return r

    def create_key(self, auth, name="test key", expires_in_days=None):
        """POST /api/v2/platform/api-keys with the auth headers given (and no
        default headers); Response. The new key's plaintext is remembered."""
        body = {"name": name}
        if expires_in_days is not None:
            body["expires_in_days"] = expires_in_days
        r = self.request("POST", API_KEYS_PATH, auth, body, anonymous=True)
        if r.status == 201 and isinstance(r.json, dict):
            self.remember_secret((r.json.get("data") or {}).get("key"), "API key")
        return r

    def new_key(self, user, name="test key", expires_in_days=None):
        """A new API key of user's (201 asserted); return its data dict (key, key_id, ...)."""
        r = self.create_key(user.bearer, name, expires_in_days)
        if r.status != 201:
            raise AssertionError(f"POST {API_KEYS_PATH} for {user}: {r.status} {r.body[:300]!r}")
        return r.json["data"]

    def leaked_secrets(self, extra=()):
        """[(what, secret, line)] for every remembered secret (and each of
        `extra`, (what, value) pairs) found in deltad's stdout, stderr or CLI
        output. Stop the process first so that every line has been read."""
        with self._cond:
            texts = ([l.text for l in self.lines] + list(self.stderr_lines)
                     + [line for out in self.cli_output for line in out.splitlines()])
            wanted = list(self.secrets.items()) + [(v, w) for w, v in extra]
        found = []
        for secret, what in wanted:
            for line in texts:
                if secret in line:
                    found.append((what, secret, line[:300]))
                    break
        for line in texts:  # any argon2 hash (even a truncated one in a database error)
            if "$argon2" in line:
                found.append(("password hash", "$argon2", line[:300]))
                break
        return found

    def raw(self, data, timeout=5.0):
        return raw_exchange(self.host, self.port, data, timeout)

    def connect(self, timeout=5.0):
        return socket.create_connection((self.host, self.port), timeout=timeout)


# --------------------------------------------------------------------------- test cases

class DeltaTestCase(unittest.TestCase):
    """Base class: one fresh database and one deltad per test class.

    Subclasses set `config` (dict of DELTA_* settings as kwargs) and use
    cls.deltad. Set `start_server = False` to get only cls.db_url.
    """

    config = {}
    default_headers = {}   # sent with every cls.deltad request (e.g. DEMO_AUTH)
    start_server = True
    maxDiff = 4000

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.db_url = fresh_database()
        cls.addClassCleanup(drop_database, cls.db_url)
        if cls.start_server:
            cls.deltad = Deltad(cls.db_url, headers=cls.default_headers, **cls.config)
            cls.addClassCleanup(cls.deltad.close)
            cls.deltad.start()
            cls.deltad.wait_serving()

    @classmethod
    def tearDownClass(cls):
        """Stop the class's deltad (so its output is complete) and check that no
        credential the tests used (passwords, session tokens, API keys) and no
        password hash appears in anything it printed."""
        d = getattr(cls, "deltad", None) if cls.start_server else None
        if d is not None and d.proc is not None:
            if d.running():
                d.stop()
            else:
                d.wait_exit()
            extra = []
            try:
                hashes = psql(cls.db_url, "SELECT password_hash FROM users")
                extra = [("password hash", h) for h in hashes.split() if h.startswith("$argon2")]
            except HarnessError:
                pass  # no users table (an older schema): nothing to look for
            leaked = d.leaked_secrets(extra)
            if leaked:
                raise AssertionError("deltad printed credentials: " + "; ".join(
                    f"{what} {secret[:12]}... in {line!r}" for what, secret, line in leaked))
        super().tearDownClass()

    def setUp(self):
        if self.start_server:
            self.assertTrue(self.deltad.running(),
                            f"deltad is not running\n{self.deltad.output_tail()}")

    def run(self, result=None):
        # After a failed test, show what deltad logged meanwhile (ctest
        # --output-on-failure prints it).
        d = getattr(type(self), "deltad", None) if self.start_server else None
        if result is None or d is None:
            return super().run(result)
        mark, failed = d.mark(), len(result.failures) + len(result.errors)
        out = super().run(result)
        if len(result.failures) + len(result.errors) > failed:
            with d._cond:
                log = "\n".join(l.text for l in d.lines[mark:][-60:])
                err = "\n".join(d.stderr_lines[-20:])
            sys.stderr.write(f"\n--- deltad output during {self.id()} ---\n{log}\n"
                             f"--- deltad stderr ---\n{err}\n")
        return out

    # -- assertions shared by the modules

    def assert_common_headers(self, resp):
        rid = resp.headers.get("x-request-id", "")
        self.assertRegex(rid, REQUEST_ID_RE, f"X-Request-ID missing or malformed: {resp.headers}")
        self.assertRegex(resp.headers.get("x-response-time", ""), r"\d",
                         f"X-Response-Time missing: {resp.headers}")

    def assert_no_leak(self, resp):
        text = resp.body.decode("utf-8", "replace").lower()
        for marker in LEAK_MARKERS:
            self.assertNotIn(marker, text, f"internal detail {marker!r} in error body: {resp.body[:500]!r}")

    def assert_error(self, resp, status, code):
        """Exact status and error code, the error envelope, headers, no internals."""
        self.assertEqual(resp.status, status, f"body: {resp.body[:500]!r}")
        self.assertTrue(resp.headers.get("content-type", "").startswith("application/json"),
                        f"error content-type: {resp.headers.get('content-type')}")
        self.assertIsInstance(resp.json, dict, f"error body is not a JSON object: {resp.body[:300]!r}")
        self.assertIn("error", resp.json)
        err = resp.json["error"]
        self.assertEqual(err.get("code"), code, f"body: {resp.json}")
        self.assertIsInstance(err.get("message"), str)
        self.assertTrue(err["message"], "error.message is empty")
        self.assertIn("details", err)
        self.assert_common_headers(resp)
        self.assertEqual(err.get("request_id"), resp.headers["x-request-id"],
                         "error.request_id differs from X-Request-ID")
        self.assert_no_leak(resp)
        return err

    def assert_validation_failed(self, resp, field):
        err = self.assert_error(resp, 422, "validation_failed")
        details = err["details"]
        self.assertIsInstance(details, list, f"validation details must be a list: {err}")
        self.assertTrue(details, "validation details are empty")
        for item in details:
            self.assertIsInstance(item, dict)
            self.assertIsInstance(item.get("field"), str)
            self.assertIsInstance(item.get("problem"), str)
            self.assertTrue(item["problem"])
        self.assertIn(field, [d["field"] for d in details], f"details do not name {field!r}: {details}")
        return err

    def assert_meta(self, resp, status=200):
        """A success envelope: data + meta.request_id (= header) + RFC 3339 UTC timestamp."""
        self.assertEqual(resp.status, status, f"body: {resp.body[:500]!r}")
        self.assertTrue(resp.headers.get("content-type", "").startswith("application/json"))
        self.assertIsInstance(resp.json, dict)
        self.assertIn("data", resp.json)
        meta = resp.json.get("meta")
        self.assertIsInstance(meta, dict)
        self.assert_common_headers(resp)
        self.assertEqual(meta.get("request_id"), resp.headers["x-request-id"])
        self.assertRegex(meta.get("timestamp", ""), RFC3339_UTC_RE)
        return meta

    def assert_ratelimit_headers(self, resp):
        """RateLimit-Limit/-Remaining/-Reset present, non-negative integers,
        remaining <= limit; return (limit, remaining, reset)."""
        values = []
        for name in ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"):
            value = resp.headers.get(name)
            self.assertIsNotNone(value, f"{name} missing (status {resp.status}): {resp.headers}")
            self.assertRegex(value, r"^\d+$", f"{name}: {value!r}")
            values.append(int(value))
        self.assertLessEqual(values[1], values[0], f"remaining > limit: {resp.headers}")
        return tuple(values)

    def assert_rate_limited(self, resp):
        """429 rate_limited, Retry-After whole seconds >= 1, RateLimit-* with
        remaining 0; return Retry-After."""
        self.assert_error(resp, 429, "rate_limited")
        retry = resp.headers.get("retry-after", "")
        self.assertRegex(retry, r"^\d+$", f"Retry-After must be whole seconds: {resp.headers}")
        self.assertGreaterEqual(int(retry), 1, f"Retry-After: {retry}")
        _, remaining, _ = self.assert_ratelimit_headers(resp)
        self.assertEqual(remaining, 0, f"a 429 with RateLimit-Remaining {remaining}")
        return int(retry)


def use_private_cluster(cls):
    """In a setUpClass: a PostgreSQL cluster of the class's own as
    cls.cluster (migrated, with the demo data), destroyed with the class;
    the tests may stop and start it."""
    cls.cluster = PrivateCluster()
    cls.addClassCleanup(cls.cluster.destroy)
    cls.cluster.init()
    cls.cluster.start()
    prepare_database(cls.cluster.url)


def poll_until(condition, timeout, what):
    """Bounded poll for a state the server reaches on its own (a pool reconnecting):
    check, then threading.Event().wait(0.2) (a bounded pause between polls, not
    a synchronisation), for at most `timeout` seconds. Raises AssertionError."""
    pause = threading.Event()
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            raise AssertionError(f"not {what} within {timeout}s")
        pause.wait(0.2)


def parse_prometheus(text):
    """Samples of a Prometheus exposition: list of (name, labels dict, value float)."""
    samples = []
    line_re = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$")
    label_re = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = line_re.match(line)
        if not m:
            raise ValueError(f"not a Prometheus sample line: {line!r}")
        labels = dict(label_re.findall(m.group(2) or ""))
        samples.append((m.group(1), labels, float(m.group(3))))
    return samples
