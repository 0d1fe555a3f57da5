"""deploy/prometheus: the alert rules pass `promtool check rules` and their
unit tests (`promtool test rules`, tests/*.yml), every alert has a test where
it fires and one where it stays quiet, the example configuration is valid,
and every metric a rule reads is one deltad exports (or one announced)."""

import shutil
import subprocess
import unittest

import yaml

from tests.deploy.metric_names import PROJECT_ROOT, allowed_metric_names, promql_metric_names

PROMETHEUS_DIR = PROJECT_ROOT / "deploy" / "prometheus"
RULES = PROMETHEUS_DIR / "alert_rules.yml"
UNIT_TESTS = sorted((PROMETHEUS_DIR / "tests").glob("*.yml"))
# The figures the rules must watch (issue 15).
REQUIRED_ALERTS = {
    "DeltaInstanceDown", "DeltaHighErrorRate", "DeltaHighLatencyP95", "DeltaLlmBreakerOpen",
    "DeltaJobsDeadLettersGrowing", "DeltaSignalsDeadLettersGrowing", "DeltaDatabasePoolExhausted",
    "DeltaClusterNodeDown", "DeltaActorMailboxGrowing",
}


def promtool(*args):
    exe = shutil.which("promtool")
    if exe is None:
        raise AssertionError("promtool not found: install the Debian package prometheus (scripts/setup)")
    return subprocess.run([exe, *args], cwd=PROMETHEUS_DIR, capture_output=True, text=True, timeout=120)


def alerting_rules():
    doc = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule for group in doc["groups"] for rule in group["rules"] if "alert" in rule]


class AlertRulesTest(unittest.TestCase):
    def test_promtool_check_rules(self):
        r = promtool("check", "rules", str(RULES))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_promtool_unit_tests_pass(self):
        self.assertTrue(UNIT_TESTS, "no deploy/prometheus/tests/*.yml")
        r = promtool("test", "rules", *map(str, UNIT_TESTS))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout.count("SUCCESS"), len(UNIT_TESTS), r.stdout)

    def test_example_configuration_is_valid(self):
        r = promtool("check", "config", "prometheus.yml")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_rules_cover_the_required_figures(self):
        names = {rule["alert"] for rule in alerting_rules()}
        self.assertLessEqual(REQUIRED_ALERTS, names)
        for rule in alerting_rules():
            with self.subTest(alert=rule["alert"]):
                self.assertIn(rule["labels"].get("severity"), ("warning", "critical"))
                self.assertTrue(rule["annotations"].get("summary"))
                self.assertTrue(rule["annotations"].get("description"))

    def test_every_alert_has_a_firing_and_a_quiet_unit_test(self):
        firing, quiet = set(), set()
        for path in UNIT_TESTS:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
            for case in doc["tests"]:
                for check in case.get("alert_rule_test", []):
                    (firing if check.get("exp_alerts") else quiet).add(check["alertname"])
        for rule in alerting_rules():
            with self.subTest(alert=rule["alert"]):
                self.assertIn(rule["alert"], firing, "no unit test where it fires")
                self.assertIn(rule["alert"], quiet, "no unit test where it stays quiet")

    def test_rules_read_only_metrics_deltad_exports(self):
        allowed = allowed_metric_names()
        for rule in alerting_rules():
            with self.subTest(alert=rule["alert"]):
                used = promql_metric_names(rule["expr"])
                self.assertTrue(used, rule["expr"])
                self.assertLessEqual(used, allowed, f"unknown metric in {rule['expr']}")


class MetricNamesTest(unittest.TestCase):
    """The helper the checks above rely on."""

    def test_promql_names_skip_functions_labels_ranges_and_grouping(self):
        expr = ('histogram_quantile(0.95, sum by (job, le) (rate(delta_http_request_duration_seconds_bucket'
                '{route!~"/a|/b", instance=~"$instance"}[$__rate_interval]))) > 0.5 and on (job) '
                '(up offset 15m) or max without (instance) (delta(delta_cluster_nodes{status="down"}[15m])) > 1e3')
        self.assertEqual(promql_metric_names(expr),
                         {"delta_http_request_duration_seconds_bucket", "up", "delta_cluster_nodes"})

    def test_exported_names_come_from_the_sources(self):
        names = allowed_metric_names()
        for name in ("delta_http_requests_total", "delta_http_request_duration_seconds_bucket",
                     "delta_db_pool_busy", "delta_jobs_dead_letter_total", "dlq_entries_total"):
            self.assertIn(name, names)
        self.assertNotIn("delta_http_request_duration_seconds", names, "a histogram is its series")


if __name__ == "__main__":
    unittest.main()
