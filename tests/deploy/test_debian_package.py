"""The Debian package: `cpack` builds delta_<version>_amd64.deb from the
build tree; its files, control fields, conffile, maintainer scripts and
systemd unit are what deploy/debian says; lintian reports no error; and the
deltad inside it, unpacked (never installed), runs, finds its migrations in
/usr/share/delta/migrations and reads the packaged deltad.toml, which lists
every configuration key with its true default.

Environment (ctest sets both): DELTA_BUILD_DIR, the CMake build directory
with deltad and deltactl built; DELTA_PACKAGE_VERSION, the project version.
"""

import os
import re
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

from tests.deploy.metric_names import PROJECT_ROOT

TIMEOUT = 120


def run(*args, **kwargs):
    return subprocess.run(list(map(str, args)), capture_output=True, text=True, timeout=TIMEOUT, **kwargs)


def checked(*args, **kwargs):
    r = run(*args, **kwargs)
    if r.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, args))} exited {r.returncode}:\n{r.stdout}\n{r.stderr}")
    return r.stdout


def parse_config_print(text):
    """`deltad config --print` -> {"section.key": "value as printed"}."""
    out, section = {}, None
    for line in text.splitlines():
        if m := re.fullmatch(r"\[(\w+)\]", line):
            section = m.group(1)
        elif m := re.fullmatch(r"(\w+) = (.*)", line):
            out[f"{section}.{m.group(1)}"] = m.group(2)
    return out


def unit_directives(text):
    """A systemd unit -> {directive: [values]} (sections flattened)."""
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            out.setdefault(key, []).append(value)
    return out


class DebianPackageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        build = os.environ.get("DELTA_BUILD_DIR")
        version = os.environ.get("DELTA_PACKAGE_VERSION")
        if not build or not version:
            raise AssertionError("DELTA_BUILD_DIR and DELTA_PACKAGE_VERSION must be set (ctest sets them)")
        cls.build = Path(build)
        cls.tmp = Path(tempfile.mkdtemp(prefix="delta-deb-"))
        try:
            checked("cpack", "-G", "DEB", "--config", cls.build / "CPackConfig.cmake", "-B", cls.tmp / "out")
            cls.deb = cls.tmp / "out" / f"delta_{version}_amd64.deb"
            if not cls.deb.is_file():
                raise AssertionError(f"cpack made no {cls.deb.name}: {sorted(os.listdir(cls.tmp / 'out'))}")
            cls.root = cls.tmp / "root"
            cls.control = cls.tmp / "control"
            checked("dpkg-deb", "-x", cls.deb, cls.root)
            checked("dpkg-deb", "-e", cls.deb, cls.control)
        except BaseException:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def deltad(self, *args):
        return checked(self.root / "usr/bin/deltad", *args, env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})

    # -------------------------------------------------------------- contents

    def test_files_and_owners(self):
        listing = checked("dpkg-deb", "-c", self.deb)
        entries = {}
        for line in listing.splitlines():
            mode, owner, _size, _date, _time, path = line.split(None, 5)
            entries[path.removeprefix(".")] = (mode, owner)
        migrations = sorted(p.name for p in (PROJECT_ROOT / "migrations").glob("*.sql"))
        expected = {
            "/usr/bin/deltad": "-rwxr-xr-x",
            "/usr/bin/deltactl": "-rwxr-xr-x",
            "/etc/delta/deltad.toml": "-rw-r--r--",
            "/lib/systemd/system/deltad.service": "-rw-r--r--",
            "/usr/share/doc/delta/README.Debian": "-rw-r--r--",
            "/usr/share/doc/delta/copyright": "-rw-r--r--",
            "/usr/share/doc/delta/changelog.gz": "-rw-r--r--",
            "/usr/share/delta/prometheus/alert_rules.yml": "-rw-r--r--",
            "/usr/share/delta/prometheus/prometheus.yml": "-rw-r--r--",
            "/usr/share/delta/grafana/delta.json": "-rw-r--r--",
            **{f"/usr/share/delta/migrations/{m}": "-rw-r--r--" for m in migrations},
        }
        self.assertGreaterEqual(len(migrations), 8)
        for path, mode in expected.items():
            with self.subTest(path=path):
                self.assertIn(path, entries)
                self.assertEqual(entries[path], (mode, "root/root"))
        files = {p for p, (mode, _) in entries.items() if not mode.startswith("d")}
        self.assertEqual(files, set(expected), "files nobody asked for, or missing")
        for path, (_, owner) in entries.items():
            self.assertEqual(owner, "root/root", path)

    def test_control_fields_and_dependencies(self):
        info = checked("dpkg-deb", "-f", self.deb)
        fields = dict(re.findall(r"^([\w-]+): (.*)$", info, re.M))
        self.assertEqual(fields["Package"], "delta")
        self.assertEqual(fields["Version"], os.environ["DELTA_PACKAGE_VERSION"])
        self.assertEqual(fields["Architecture"], "amd64")
        self.assertTrue(fields["Maintainer"])
        self.assertIn("\n ", info.split("Description:", 1)[1], "an extended description")
        depends = {d.split()[0] for d in fields["Depends"].split(", ")}
        # From dpkg-shlibdeps (the libraries deltad links) and the scripts.
        self.assertLessEqual({"libc6", "libstdc++6", "libpq5", "libsodium23", "libssl3",
                              "adduser"}, depends, fields["Depends"])

    def test_conffile_and_maintainer_scripts(self):
        self.assertEqual((self.control / "conffiles").read_text().split(), ["/etc/delta/deltad.toml"])
        for script in ("postinst", "prerm", "postrm"):
            with self.subTest(script=script):
                path = self.control / script
                self.assertEqual(path.stat().st_mode & 0o777, 0o755)
                self.assertTrue(path.read_text().startswith("#!/bin/sh\n"))
                checked("sh", "-n", path)
        postinst = (self.control / "postinst").read_text()
        self.assertRegex(postinst, r"adduser --system --group .*\\\n.*delta\n")
        self.assertIn("chown root:delta /etc/delta/deltad.toml", postinst)
        self.assertIn("chmod 0640 /etc/delta/deltad.toml", postinst)
        self.assertIn("deb-systemd-invoke stop deltad.service", (self.control / "prerm").read_text())
        self.assertIn("deb-systemd-helper purge deltad.service", (self.control / "postrm").read_text())

    # -------------------------------------------------------------- the unit

    def test_unit_is_hardened_and_drains_on_sigterm(self):
        unit = unit_directives((self.root / "lib/systemd/system/deltad.service").read_text())
        for key, value in {
            "ExecStart": "/usr/bin/deltad serve --config /etc/delta/deltad.toml",
            "User": "delta", "Group": "delta",
            "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes", "NoNewPrivileges": "yes",
            "Restart": "on-failure", "KillSignal": "SIGTERM", "WantedBy": "multi-user.target",
        }.items():
            with self.subTest(directive=key):
                self.assertEqual(unit.get(key), [value])
        # SIGTERM waits for requests, then jobs, then signal stages (the HTTP
        # grace again); systemd must not SIGKILL before that bound.
        defaults = parse_config_print(self.deltad("config", "--print"))
        bound = 2 * int(defaults["http.shutdown_timeout_seconds"]) + int(defaults["jobs.shutdown_timeout_seconds"])
        self.assertGreater(int(unit["TimeoutStopSec"][0]), bound)

    def test_systemd_analyze_verify(self):
        exe = shutil.which("systemd-analyze")
        if exe is None:
            self.skipTest("systemd-analyze is not installed")
        # The package is not installed: the copy checked runs the unpacked
        # deltad (verify checks that ExecStart is executable). verify exits 0
        # for unknown keys and bad values too, so any complaint fails.
        unit = (self.root / "lib/systemd/system/deltad.service").read_text()
        copy = self.tmp / "verify" / "deltad.service"
        copy.parent.mkdir(exist_ok=True)
        copy.write_text(unit.replace("/usr/bin/deltad", str(self.root / "usr/bin/deltad")))
        r = run(exe, "verify", copy)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual((r.stdout + r.stderr).strip(), "", "systemd-analyze has a complaint")

    # -------------------------------------------------------------- lintian

    def test_lintian_reports_no_error(self):
        exe = shutil.which("lintian")
        if exe is None:
            raise AssertionError("lintian not found: install the Debian package lintian (scripts/setup)")
        r = run(exe, "--tag-display-limit", "0", "--display-info", "--allow-root", self.deb)
        tags = [line for line in r.stdout.splitlines() if re.match(r"^[EWIPX]: ", line)]
        errors = [t for t in tags if t.startswith("E: ")]
        print("\nlintian:\n" + "\n".join(tags or ["(no tags)"]))
        self.assertEqual(errors, [], r.stdout + r.stderr)
        self.assertNotIn("internal error", r.stderr.lower(), r.stderr)

    # -------------------------------------------------------------- the programs

    def test_deltad_and_deltactl_run_from_the_package(self):
        self.assertIn("serve", self.deltad("--help"))
        checked(self.root / "usr/bin/deltactl", "--help")

    def test_unpacked_deltad_finds_the_packaged_migrations(self):
        packaged = parse_config_print(self.deltad("config", "--print"))
        self.assertEqual(packaged["database.migrations_dir"],
                         f'"{(self.root / "usr/share/delta/migrations").resolve()}"')
        # The checkout's deltad keeps the checkout's migrations/.
        checkout = parse_config_print(checked(self.build / "deltad", "config", "--print"))
        self.assertEqual(checkout["database.migrations_dir"], f'"{PROJECT_ROOT / "migrations"}"')

    def test_packaged_config_lists_every_key_with_its_default(self):
        text = (self.root / "etc/delta/deltad.toml").read_text()
        # Commented out as shipped: deltad reads it and changes nothing.
        shipped = parse_config_print(self.deltad("--config", self.root / "etc/delta/deltad.toml", "config", "--print"))
        defaults = parse_config_print(self.deltad("config", "--print"))
        self.assertEqual(shipped, defaults)
        # Every key is there, once, under its section, as "#key = default".
        listed, section = {}, None
        for line in text.splitlines():
            if m := re.fullmatch(r"\[(\w+)\]", line):
                section = m.group(1)
            elif m := re.fullmatch(r"#(\w+) = (.*)", line):
                key = f"{section}.{m.group(1)}"
                self.assertNotIn(key, listed, "listed twice")
                listed[key] = m.group(2)
        missing = set(defaults) - set(listed)
        self.assertEqual(missing, set(), "keys deltad knows that deploy/debian/deltad.toml does not list")
        self.assertEqual(set(listed) - set(defaults), set(), "keys deltad does not know")
        for key, value in listed.items():
            with self.subTest(key=key):
                expected = ('"/usr/share/delta/migrations"' if key == "database.migrations_dir"
                            else defaults[key])
                self.assertEqual(value, expected)
        # Uncommented, every line is a valid setting that keeps the defaults.
        uncommented = self.tmp / "uncommented.toml"
        uncommented.write_text(re.sub(r"(?m)^#(\w+ = )", r"\1", text))
        explicit = parse_config_print(self.deltad("--config", uncommented, "config", "--print"))
        self.assertEqual(explicit, {**defaults, "database.migrations_dir": '"/usr/share/delta/migrations"'})


if __name__ == "__main__":
    unittest.main()
