"""deltactl, the operator CLI, against a real deltad (and tools/llm-stub for a
dead job and a breaker): the real binary with a private XDG_CONFIG_HOME.

login (password on stdin; the credentials file 0600 in a 0700 directory,
keyed by URL; the kept token works; wrong password -> exit 1 `unauthorized`,
nothing kept), login with an API key, logout (file gone, token dead on the
node), keys list/create/revoke, jobs dead/get/retry, breakers, llm routes,
health, --json as one JSON document equal to the API's data, exit codes 2
(usage), 3 (no node, no answer within --timeout) and 4 (not logged in), and
--help of every command. nodes, drain, top and jobs enqueue talk to routes
that other work is adding: their tests here hold whether or not the node
declares the route (a clear "does not serve" and exit 1 until it does).

Needs DELTAD, DELTACTL, LLM_STUB and DELTA_TEST_DATABASE_URL (ctest sets them)."""

import http.server
import json
import os
import shutil
import socket
import ssl
import stat
import subprocess
import tempfile
import threading

from tests.e2e.harness import free_port, poll_until
from tests.e2e.stubbed import StubbedDeltaTestCase

CLI_TIMEOUT = 30.0
USE_CASES = ["explain", "cohort_match", "report_chat", "deep_research", "signal_classify",
             "report_generate", "signal_evaluate"]   # actors/llm/use_case.hpp
COMMANDS = [[], ["health"], ["ready"], ["detailed"], ["metrics"], ["openapi"], ["login"], ["logout"],
            ["nodes"], ["drain"], ["jobs"], ["jobs", "dead"], ["jobs", "retry"], ["jobs", "enqueue"],
            ["jobs", "get"], ["keys"], ["keys", "list"], ["keys", "create"], ["keys", "revoke"],
            ["breakers"], ["llm"], ["llm", "routes"], ["top"]]
PRIMARY, FALLBACK = "stub-primary", "stub-fallback"   # the seeded LLM endpoints
UNKNOWN_JOB = "00000000-0000-4000-8000-000000000000"


class HealthOverTls:
    """An HTTPS server (stdlib) answering GET with {"status":"ok"}, whose
    certificate, made by the openssl tool, names only DNS:localhost."""

    def __init__(self, directory):
        openssl = shutil.which("openssl")
        if not openssl:
            raise AssertionError("openssl not found (Debian package openssl)")
        self.cert = os.path.join(directory, "cert.pem")
        key = os.path.join(directory, "key.pem")
        subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out",
                        self.cert, "-days", "1", "-subj", "/CN=localhost", "-addext",
                        "subjectAltName=DNS:localhost"], check=True, capture_output=True, timeout=CLI_TIMEOUT)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, key)

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = b'{"status":"ok"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def deltactl_binary():
    path = os.environ.get("DELTACTL", "")
    if not (path and os.path.isfile(path) and os.access(path, os.X_OK)):
        raise AssertionError(f"DELTACTL={path!r} is not an executable file (ctest sets it)")
    return path


class DeltactlTest(StubbedDeltaTestCase):
    maxDiff = 8000
    config = dict(llm__retry_base_ms=1, llm__retry_cap_ms=5, llm__max_attempts=1,
                  llm__breaker_failure_threshold=1000)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.deltad.add_user(tier="research", role="admin")
        cls.analyst = cls.deltad.add_user(tier="analyst")

    def setUp(self):
        super().setUp()
        config_home = tempfile.TemporaryDirectory(prefix="deltactl-xdg-")
        self.addCleanup(config_home.cleanup)
        self.config_home = config_home.name
        self.credentials = os.path.join(self.config_home, "delta", "credentials")

    # ------------------------------------------------------------------ helpers

    def ctl(self, *args, url=None, stdin="", env=None):
        """Run deltactl --url <this deltad> args; CompletedProcess (text)."""
        environment = {k: v for k, v in os.environ.items() if not k.startswith("DELTACTL_")}
        environment.update(XDG_CONFIG_HOME=self.config_home, HOME=self.config_home)
        environment.update(env or {})
        url_args = [] if url is False else ["--url", url or self.deltad.base_url]
        return subprocess.run([deltactl_binary(), *url_args, *args], input=stdin, capture_output=True,
                              text=True, timeout=CLI_TIMEOUT, env=environment)

    def ok(self, *args, **kwargs):
        done = self.ctl(*args, **kwargs)
        self.assertEqual(done.returncode, 0, f"deltactl {args}: {done.stderr}")
        return done

    def ok_json(self, *args, **kwargs):
        return json.loads(self.ok(*args, "--json", **kwargs).stdout)

    def refused(self, code, *args, **kwargs):
        """Exit 1 with the API's error code on stderr (first line) and nothing on stdout."""
        done = self.ctl(*args, **kwargs)
        self.assertEqual(done.returncode, 1, f"deltactl {args}: {done.stdout}{done.stderr}")
        self.assertTrue(done.stderr.startswith(f"deltactl: {code}: "), done.stderr)
        self.assertEqual(done.stdout, "")
        return done

    def api(self, method, path, user=None, body=None):
        return self.deltad.request(method, path, (user or self.admin).bearer, body, anonymous=True)

    def login(self, user):
        return self.ctl("login", "--email", user.email, stdin=user.password + "\n")

    def as_admin(self):
        return ["--token", self.admin.token]

    def node_declares(self, method, path):
        r = self.deltad.get("/openapi.json", anonymous=True)
        self.assertEqual(r.status, 200, r.body)
        return method.lower() in r.json["paths"].get(path, {})

    def assert_not_served(self, done, method, path):
        self.assertEqual(done.returncode, 1, done.stderr)
        self.assertIn(f"does not serve {method} {path}", done.stderr)
        self.assertIn("newer deltad", done.stderr)
        self.assertEqual(done.stdout, "")

    # ------------------------------------------------------------------ help and usage

    def test_every_command_has_help_and_the_root_help_lists_the_exit_codes(self):
        for command in COMMANDS:
            with self.subTest(command=command):
                done = self.ctl(*command, "--help", url=False)
                self.assertEqual(done.returncode, 0, done.stderr)
                self.assertIn("Usage:", done.stdout)
                self.assertIn(" ".join(command), done.stdout.splitlines()[1])
        root = self.ok("--help", url=False).stdout
        for line in ("0  done", "1  the API refused", "2  usage error", "3  cannot connect",
                     "4  not logged in", "DELTACTL_URL", "delta/credentials"):
            self.assertIn(line, root)

    def test_usage_errors_exit_2(self):
        for args in ([], ["jobs"], ["keys", "create"], ["jobs", "retry"], ["drain"],
                     ["llm", "routes", "no_such_use_case"], ["jobs", "enqueue", "x", "--payload", "{"],
                     ["jobs", "dead", "--limit", "0"], ["keys", "create", "k", "--expires-in-days", "0"],
                     ["top", "--sort", "cpu"], ["--timeout", "0", "health"], ["health", "--bogus"],
                     ["login"], ["login", "--email", "a@b.c", "--api-key", "k"]):
            with self.subTest(args=args):
                done = self.ctl(*args)
                self.assertEqual(done.returncode, 2, done.stdout + done.stderr)
                self.assertEqual(done.stdout, "")
                self.assertNotEqual(done.stderr, "")
        done = self.ctl("health", url="ftp://example.com")
        self.assertEqual(done.returncode, 2, done.stderr)
        self.assertIn("--url ftp://example.com", done.stderr)

    # ------------------------------------------------------------------ connection and login state

    def test_no_node_at_the_url_exits_3(self):
        done = self.ctl("health", url=f"http://127.0.0.1:{free_port()}")
        self.assertEqual(done.returncode, 3, done.stderr)
        self.assertIn("cannot connect", done.stderr)
        done = self.ctl("keys", "list", *self.as_admin(), url=f"http://127.0.0.1:{free_port()}")
        self.assertEqual(done.returncode, 3, done.stderr)

    def test_a_node_that_never_answers_exits_3_after_the_timeout(self):
        with socket.socket() as silent:   # accepts (the kernel's backlog) and never answers
            silent.bind(("127.0.0.1", 0))
            silent.listen(4)
            done = self.ctl("--timeout", "1", "health", url=f"http://127.0.0.1:{silent.getsockname()[1]}")
        self.assertEqual(done.returncode, 3, done.stderr)
        self.assertIn("no answer within 1 s", done.stderr)

    def test_https_checks_the_certificate_and_the_host_name(self):
        server = HealthOverTls(self.config_home)
        self.addCleanup(server.close)
        trusted = {"SSL_CERT_FILE": server.cert}   # OpenSSL's default trust store, overridden
        self.assertEqual(self.ok_json("health", url=f"https://localhost:{server.port}", env=trusted),
                         {"status": "ok"})
        untrusted = self.ctl("health", url=f"https://localhost:{server.port}")
        self.assertEqual(untrusted.returncode, 3, untrusted.stderr)
        self.assertIn("certificate verify failed", untrusted.stderr)
        other_name = self.ctl("health", url=f"https://127.0.0.1:{server.port}", env=trusted)
        self.assertEqual(other_name.returncode, 3, other_name.stderr)   # the certificate names localhost only
        self.assertIn("TLS handshake failed", other_name.stderr)

    def test_commands_that_need_a_credential_exit_4_without_one(self):
        for args in (["keys", "list"], ["nodes"], ["breakers"], ["jobs", "dead"], ["top", "--once"],
                     ["llm", "routes"], ["jobs", "get", UNKNOWN_JOB], ["logout"]):
            with self.subTest(args=args):
                done = self.ctl(*args)
                self.assertEqual(done.returncode, 4, done.stdout + done.stderr)
                self.assertIn("not logged in to " + self.deltad.base_url, done.stderr)
        self.assertFalse(os.path.exists(self.credentials))

    def test_the_url_comes_from_DELTACTL_URL(self):
        self.assertEqual(self.ok_json("health", url=False, env={"DELTACTL_URL": self.deltad.base_url}),
                         {"status": "ok"})

    # ------------------------------------------------------------------ login, logout

    def test_login_keeps_a_private_token_that_works_until_logout(self):
        user = self.deltad.add_user(tier="professional")
        done = self.login(user)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn(f"Logged in to {self.deltad.base_url} as {user.email}", done.stdout)
        self.assertNotIn(user.password, done.stdout + done.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(self.credentials).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(self.credentials)).st_mode), 0o700)
        with open(self.credentials) as f:
            kept = json.load(f)["credentials"][self.deltad.base_url]
        self.assertEqual(kept["kind"], "session")
        token = self.deltad.remember_secret(kept["secret"], "session token")
        me = self.deltad.request("GET", "/api/v2/users/me", {"Authorization": "Bearer " + token}, anonymous=True)
        self.assertEqual(me.status, 200, me.body)
        self.assertEqual(me.json["data"]["email"], user.email)
        self.assertEqual(self.ok_json("keys", "list"), [])   # the kept token is sent

        done = self.ok("logout")
        self.assertIn(f"Logged out of {self.deltad.base_url}", done.stdout)
        self.assertFalse(os.path.exists(self.credentials))
        dead = self.deltad.request("GET", "/api/v2/users/me", {"Authorization": "Bearer " + token}, anonymous=True)
        self.assertEqual(dead.status, 401, dead.body)
        self.assertEqual(self.ctl("keys", "list").returncode, 4)
        self.assertEqual(self.ctl("logout").returncode, 4)

    def test_login_with_a_wrong_password_exits_1_unauthorized_and_keeps_nothing(self):
        wrong = self.deltad.remember_secret("wrong-password-123", "password")
        done = self.refused("unauthorized", "login", "--email", self.analyst.email, stdin=wrong + "\n")
        self.assertIn("(HTTP 401", done.stderr)
        self.assertNotIn(wrong, done.stderr)
        self.assertFalse(os.path.exists(self.config_home + "/delta/credentials"))

    def test_login_with_an_api_key_keeps_the_key_once_the_node_accepts_it(self):
        key = self.deltad.new_key(self.admin, name="deltactl login")["key"]
        done = self.ok("login", "--api-key", key)
        self.assertIn(f"with an API key of {self.admin.email}", done.stdout)
        with open(self.credentials) as f:
            kept = json.load(f)["credentials"][self.deltad.base_url]
        self.assertEqual((kept["kind"], kept["secret"]), ("api_key", key))
        self.assertIsInstance(self.ok_json("breakers"), list)   # an admin's key, kept and sent
        self.assertIn("stays valid until revoked", self.ok("logout").stdout)
        self.assertFalse(os.path.exists(self.credentials))
        wrong = self.deltad.remember_secret("dk_live_" + "x" * 43, "API key")
        self.refused("unauthorized", "login", "--api-key", wrong)
        self.assertFalse(os.path.exists(self.credentials))

    def test_credentials_are_kept_per_url(self):
        self.assertEqual(self.login(self.analyst).returncode, 0)
        other = f"http://127.0.0.1:{free_port()}"
        self.assertEqual(self.ctl("keys", "list", url=other).returncode, 4)
        self.assertEqual(self.ctl("keys", "list", url=self.deltad.base_url + "/").returncode, 0)

    # ------------------------------------------------------------------ keys

    def test_keys_create_list_revoke(self):
        user = self.deltad.add_user(tier="professional")
        auth = ["--token", user.token]
        done = self.ok("keys", "create", "ci key", "--expires-in-days", "7", "--json", *auth)
        self.assertIn("shown only this once", done.stderr)
        created = json.loads(done.stdout)
        self.deltad.remember_secret(created["key"], "API key")
        self.assertTrue(created["key"].startswith("dk_live_"))
        self.assertEqual(created["name"], "ci key")
        self.assertIsNotNone(created["expires_at"])

        listed = self.ok_json("keys", "list", *auth)
        self.assertEqual([k["key_id"] for k in listed], [created["key_id"]])
        self.assertNotIn("key", listed[0])
        self.assertEqual(listed, self.api("GET", "/api/v2/platform/api-keys", user=user).json["data"])
        table = self.ok("keys", "list", *auth).stdout.splitlines()
        self.assertEqual(table[0].split(), ["KEY_ID", "NAME", "PREFIX", "RATE_PER_HOUR", "CREATED_AT", "EXPIRES_AT"])
        self.assertIn(created["key_id"], table[1])
        self.assertIn("ci key", table[1])

        self.assertIn(f"Revoked key {created['key_id']}", self.ok("keys", "revoke", created["key_id"], *auth).stdout)
        revoked = self.deltad.request("GET", "/api/v2/users/me", {"X-API-Key": created["key"]}, anonymous=True)
        self.assertEqual(revoked.status, 401, revoked.body)
        self.assertEqual(self.ok_json("keys", "list", *auth), [])
        self.refused("not_found", "keys", "revoke", created["key_id"], *auth)

    # ------------------------------------------------------------------ jobs

    def test_jobs_dead_get_and_retry(self):
        self.stub.control(models={PRIMARY: {"mode": "error500"}, FALLBACK: {"mode": "error500"}})
        r = self.api("POST", "/api/v2/signals/research/MSFT/reports", self.analyst, {"report_type": "summary"})
        self.assertEqual(r.status, 202, r.body)
        job_id = r.json["data"]["job_id"]

        def dead():
            return self.api("GET", "/api/v2/jobs/" + job_id).json["data"]["status"] == "dead"
        poll_until(dead, 30, f"job {job_id} dead")

        listed = self.ok_json("jobs", "dead", "--limit", "1000", *self.as_admin())
        self.assertIn(job_id, [j["job_id"] for j in listed])
        self.assertEqual({j["status"] for j in listed}, {"dead"})
        table = self.ok("jobs", "dead", *self.as_admin()).stdout.splitlines()
        self.assertEqual(table[0].split(), ["JOB_ID", "KIND", "ATTEMPTS", "CREATED_AT", "FINISHED_AT", "ERROR"])
        row = next(line for line in table if line.startswith(job_id))
        self.assertIn("report", row)
        self.assertIn("3/3", row)
        job = self.ok_json("jobs", "get", job_id, *self.as_admin())
        self.assertEqual(job, self.api("GET", "/api/v2/jobs/" + job_id).json["data"])
        self.assertIn("status:", self.ok("jobs", "get", job_id, *self.as_admin()).stdout)

        self.refused("forbidden", "jobs", "dead", "--token", self.analyst.token)
        self.stub.control(models={})
        done = self.ok("jobs", "retry", job_id, *self.as_admin())
        self.assertIn(f"Requeued job {job_id}", done.stdout)

        def succeeded():
            return self.api("GET", "/api/v2/jobs/" + job_id).json["data"]["status"] == "succeeded"
        poll_until(succeeded, 30, f"job {job_id} succeeded after the retry")
        self.refused("conflict", "jobs", "retry", job_id, *self.as_admin())
        self.refused("not_found", "jobs", "retry", UNKNOWN_JOB, *self.as_admin())
        self.refused("not_found", "jobs", "get", UNKNOWN_JOB, *self.as_admin())

    def test_jobs_enqueue(self):
        path = "/api/v2/platform/admin/jobs"
        done = self.ctl("jobs", "enqueue", "no_such_kind", "--payload", '{"a": 1}', *self.as_admin())
        if not self.node_declares("POST", path):
            self.assertIn("method_not_allowed", done.stderr)   # GET is served there
            return self.assert_not_served(done, "POST", path)
        self.assertEqual(done.returncode, 1, done.stderr)      # the route landed: 422 for an unknown kind
        self.assertIn("validation_failed", done.stderr)
        self.assertNotIn("does not serve", done.stderr)

    # ------------------------------------------------------------------ LLM gateway

    def test_breakers(self):
        r = self.deltad.request("POST", "/api/v2/signals/explain", None, {"text": "What is RSI?"}, anonymous=True)
        self.assertEqual(r.status, 200, r.body)   # a call: the primary endpoint has a breaker now
        breakers = self.ok_json("breakers", *self.as_admin())
        self.assertEqual(breakers, self.api("GET", "/api/v2/platform/admin/llm/breakers").json["data"])
        primary = next(b for b in breakers if b["model"] == PRIMARY)
        self.assertEqual(primary["state"], "closed")
        table = self.ok("breakers", *self.as_admin()).stdout.splitlines()
        self.assertEqual(table[0].split(), ["PROVIDER", "MODEL", "BASE_URL", "STATE", "FAILURES", "IN_FLIGHT",
                                            "OPENED_AT", "RETRY_AT"])
        self.assertTrue(any(PRIMARY in line and "closed" in line for line in table[1:]), table)
        self.refused("forbidden", "breakers", "--token", self.analyst.token)

    def test_llm_routes_of_every_use_case_and_of_one(self):
        every = self.ok_json("llm", "routes", *self.as_admin())
        self.assertEqual(list(every), USE_CASES)
        for use_case in USE_CASES:
            r = self.api("GET", "/api/v2/platform/admin/llm/routes/" + use_case)
            self.assertEqual(every[use_case], r.json["data"] if r.status == 200 else None, use_case)
        self.assertEqual(every["explain"]["model"], PRIMARY)
        one = self.ok_json("llm", "routes", "explain", *self.as_admin())
        self.assertEqual(one, every["explain"])
        table = self.ok("llm", "routes", *self.as_admin()).stdout.splitlines()
        self.assertEqual(table[0].split()[:3], ["USE_CASE", "PROVIDER", "MODEL"])
        self.assertEqual([line.split()[0] for line in table[1:]], USE_CASES)
        self.assertIn("env DELTA_DEMO_LLM_KEY", table[1])

    # ------------------------------------------------------------------ operations

    def test_health_views(self):
        self.assertEqual(self.ok_json("health"), {"status": "ok"})
        self.assertEqual(json.loads(self.ok("ready").stdout), {"status": "ready"})
        self.assertIn("database", json.loads(self.ok("detailed").stdout)["components"])

    # ------------------------------------------------------------------ routes being added elsewhere

    def test_nodes(self):
        path = "/api/v2/platform/admin/cluster/nodes"
        done = self.ctl("nodes", "--json", *self.as_admin())
        if not self.node_declares("GET", path):
            self.assertIn("not_found", done.stderr)
            return self.assert_not_served(done, "GET", path)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIsInstance(json.loads(done.stdout), list)

    def test_drain_of_an_unknown_node(self):
        path = "/api/v2/platform/admin/cluster/nodes/{node_id}/drain"
        done = self.ctl("drain", "no-such-node", *self.as_admin())
        if not self.node_declares("POST", path):
            return self.assert_not_served(done, "POST", path)
        self.assertEqual(done.returncode, 1, done.stderr)   # the route landed: 404 for an unknown node
        self.assertTrue(done.stderr.startswith("deltactl: not_found: "), done.stderr)
        self.assertNotIn("does not serve", done.stderr)

    def test_top_once(self):
        path = "/api/v2/platform/admin/telemetry"
        done = self.ctl("top", "--once", "--json", *self.as_admin())
        if not self.node_declares("GET", path):
            return self.assert_not_served(done, "GET", path)
        self.assertEqual(done.returncode, 0, done.stderr)
        frame = json.loads(done.stdout)
        self.assertIsInstance(frame, list)
        self.assertTrue(all("actors" in node for node in frame), frame)
