"""The deltad command line: migrate, migrate --status, config --print,
configuration precedence and validation (exit code 2)."""

import os
import subprocess
import tempfile
import unittest

from tests.e2e.harness import (DeltaTestCase, deltad_binary, deltad_env, drop_database,
                               fresh_database, migration_versions, psql, run_cli)

SECRET = "s3cret"
SECRET_URL = f"postgresql://u:{SECRET}@127.0.0.1:1/x"


def output(proc):
    return proc.stdout + proc.stderr


def names_first_migration(text):
    """0001 or its name (0001_securities.sql) appears in text."""
    return "0001" in text or "securities" in text


class MigrateTest(DeltaTestCase):
    start_server = False

    def new_db(self):
        url = fresh_database()
        self.addCleanup(drop_database, url)
        return url

    def applied(self, url):
        rows = psql(url, "SELECT version FROM schema_migrations ORDER BY version")
        return [int(v) for v in rows.split()]

    def migrate(self, url, *args):
        return run_cli(["migrate", *args], deltad_env(url))

    def test_migrate_applies_every_file_once(self):
        url = self.new_db()
        expected = migration_versions()
        self.assertTrue(expected, "no migrations/NNNN_*.sql in the checkout")
        proc = self.migrate(url)
        self.assertEqual(proc.returncode, 0, output(proc))
        self.assertEqual(self.applied(url), expected)
        columns = set(psql(url, "SELECT column_name FROM information_schema.columns "
                                "WHERE table_name = 'schema_migrations'").split())
        self.assertTrue({"version", "name", "checksum", "applied_at"} <= columns, columns)
        again = self.migrate(url)
        self.assertEqual(again.returncode, 0, output(again))
        self.assertEqual(self.applied(url), expected)

    def test_status_before_and_after(self):
        url = self.new_db()
        before = self.migrate(url, "--status")
        self.assertEqual(before.returncode, 0, output(before))
        self.assertTrue(names_first_migration(output(before)), output(before))
        # --status only reports
        self.assertEqual(psql(url, "SELECT count(*) FROM pg_tables WHERE tablename = 'securities'").strip(), "0")
        self.assertEqual(self.migrate(url).returncode, 0)
        after = self.migrate(url, "--status")
        self.assertEqual(after.returncode, 0, output(after))
        self.assertTrue(names_first_migration(output(after)), output(after))
        self.assertNotEqual(output(before), output(after), "--status reads the same before and after")

    def test_changed_applied_migration_is_refused(self):
        url = self.new_db()
        self.assertEqual(self.migrate(url).returncode, 0)
        kind = psql(url, "SELECT data_type FROM information_schema.columns "
                         "WHERE table_name = 'schema_migrations' AND column_name = 'checksum'").strip()
        fake = {"bytea": "'\\xdeadbeef'"}.get(kind, "12345" if "int" in kind else "'deadbeef'")
        psql(url, f"UPDATE schema_migrations SET checksum = {fake} "
                  f"WHERE version = (SELECT min(version) FROM schema_migrations)")
        proc = self.migrate(url)
        self.assertNotEqual(proc.returncode, 0, "migrate accepted a changed, already applied file")
        self.assertIn("checksum", output(proc).lower())
        self.assertTrue(names_first_migration(output(proc)), output(proc))

    def test_concurrent_runners_apply_each_migration_once(self):
        url = self.new_db()
        procs = [subprocess.Popen([deltad_binary(), "migrate"], env=deltad_env(url),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  stdin=subprocess.DEVNULL) for _ in range(4)]
        results = [(p.wait(timeout=60), *p.communicate(timeout=10)) for p in procs]
        for code, out, err in results:
            self.assertEqual(code, 0, out + err)
        self.assertEqual(self.applied(url), migration_versions())

    def test_unreachable_database_fails_without_leaking_the_password(self):
        proc = run_cli(["migrate"], deltad_env(SECRET_URL), timeout=60)
        self.assertNotEqual(proc.returncode, 0)
        self.assertNotIn(SECRET, output(proc))


class ConfigTest(unittest.TestCase):

    def test_print_hides_secrets(self):
        for url in (SECRET_URL, f"postgresql://u@127.0.0.1:1/x?password={SECRET}"):
            with self.subTest(url=url):
                proc = run_cli(["config", "--print"], deltad_env(url))
                self.assertEqual(proc.returncode, 0, output(proc))
                self.assertNotIn(SECRET, output(proc))
                self.assertIn("***", proc.stdout)

    def test_print_shows_defaults_and_env(self):
        proc = run_cli(["config", "--print"], deltad_env(SECRET_URL, http__port=8123,
                                                         database__pool_size=7))
        self.assertEqual(proc.returncode, 0, output(proc))
        for text in ("8123", "1048576", "16384", "body_limit_bytes", "header_limit_bytes",
                     "header_timeout_seconds", "idle_timeout_seconds", "cors_allowed_origins",
                     "pool_size", "scheduler_threads", "level"):
            self.assertIn(text, proc.stdout)

    def run_with_config_file(self, toml, env):
        with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
            f.write(toml)
        self.addCleanup(os.unlink, f.name)
        first = run_cli(["--config", f.name, "config", "--print"], env)
        if first.returncode == 0:
            return first
        second = run_cli(["config", "--print", "--config", f.name], env)
        return second if second.returncode == 0 or first.returncode != second.returncode else first

    def test_config_file_then_env(self):
        toml = "[http]\nport = 8123\nbody_limit_bytes = 2048\n\n[database]\npool_size = 3\n"
        proc = self.run_with_config_file(toml, deltad_env(SECRET_URL))
        self.assertEqual(proc.returncode, 0, output(proc))
        self.assertIn("8123", proc.stdout)
        self.assertIn("2048", proc.stdout)
        proc = self.run_with_config_file(toml, deltad_env(SECRET_URL, http__port=8124))
        self.assertEqual(proc.returncode, 0, output(proc))
        self.assertIn("8124", proc.stdout)
        self.assertNotIn("8123", proc.stdout, "environment must override the file")
        self.assertIn("2048", proc.stdout)

    def test_invalid_value_in_config_file(self):
        proc = self.run_with_config_file("[http]\nport = 70000\n", deltad_env(SECRET_URL))
        self.assertEqual(proc.returncode, 2, output(proc))
        self.assertIn("70000", proc.stderr)
        self.assertIn("port", proc.stderr.lower())

    def assert_rejected(self, args, key, value, **config):
        """Exit code 2, stderr names the key (http.port or DELTA_HTTP__PORT) and the value."""
        env = deltad_env(SECRET_URL, **config)
        try:
            proc = run_cli(args, env, timeout=15)
        except subprocess.TimeoutExpired:
            self.fail(f"deltad {' '.join(args)} kept running with {key}={value!r}")
        self.assertEqual(proc.returncode, 2, output(proc))
        err = proc.stderr.lower()
        section, name = key.split("__")
        self.assertTrue(f"{section}.{name}" in err or f"delta_{key}" in err,
                        f"stderr does not name {key}: {proc.stderr}")
        self.assertIn(str(value).lower(), err)
        self.assertNotIn(SECRET, output(proc))

    def test_invalid_values_stop_start_up_with_exit_code_2(self):
        for key, value in (("http__port", "70000"), ("http__port", "abc"), ("http__port", "-1"),
                           ("database__pool_size", "0"), ("log__level", "loud"),
                           ("log__access", "maybe"), ("http__body_limit_bytes", "-5"),
                           ("http__header_limit_bytes", "lots")):
            with self.subTest(key=key, value=value):
                self.assert_rejected(["serve"], key, value, **{key: value})

    def test_config_print_validates_too(self):
        self.assert_rejected(["config", "--print"], "http__port", "70000", http__port="70000")

    def test_unknown_command_fails(self):
        proc = run_cli(["no-such-command"], deltad_env(SECRET_URL), timeout=15)
        self.assertNotEqual(proc.returncode, 0)

    def test_help(self):
        proc = run_cli(["--help"], deltad_env(SECRET_URL), timeout=15)
        self.assertEqual(proc.returncode, 0, output(proc))
        for command in ("serve", "migrate", "config"):
            self.assertIn(command, proc.stdout)


if __name__ == "__main__":
    unittest.main()
