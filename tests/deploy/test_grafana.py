"""deploy/grafana/delta.json: a Grafana dashboard that parses, whose every
query reads metrics deltad exports (or announced ones), and that shows the
figures the alert rules watch."""

import json
import re
import unittest

from tests.deploy.metric_names import PROJECT_ROOT, allowed_metric_names, promql_metric_names

DASHBOARD = PROJECT_ROOT / "deploy" / "grafana" / "delta.json"
# One metric per figure of issue 15: request rate, errors, p95, breakers,
# dead letters (jobs and signals), the pool, nodes, mailboxes.
REQUIRED = {
    "delta_http_requests_total", "delta_http_request_duration_seconds_bucket", "delta_llm_breaker_state",
    "delta_jobs_dead_letter_total", "dlq_entries_total", "delta_db_pool_size", "delta_db_pool_busy",
    "delta_db_pool_queued", "delta_cluster_nodes", "delta_actor_mailbox_depth",
}


def panels(items):
    for panel in items:
        yield panel
        yield from panels(panel.get("panels", []))


def queries(dashboard):
    """(where, PromQL) for every panel target and templating query."""
    for panel in panels(dashboard["panels"]):
        for target in panel.get("targets", []):
            yield f"panel {panel['title']!r}", target["expr"]
    for var in dashboard["templating"]["list"]:
        if var["type"] != "query":
            continue
        query = var["query"]["query"] if isinstance(var["query"], dict) else var["query"]
        m = re.fullmatch(r"label_values\((.*),\s*\w+\)", query)
        yield f"variable {var['name']!r}", m.group(1) if m else query


class DashboardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))

    def test_is_a_dashboard_with_unique_panel_ids(self):
        d = self.dashboard
        self.assertEqual((d["title"], d["uid"]), ("Delta", "delta-overview"))
        ids = [p["id"] for p in panels(d["panels"])]
        self.assertEqual(len(ids), len(set(ids)), ids)
        for panel in panels(d["panels"]):
            if panel["type"] != "row":
                with self.subTest(panel=panel["title"]):
                    self.assertTrue(panel["targets"])
                    self.assertEqual(panel["datasource"]["uid"], "${datasource}")

    def test_every_query_reads_metrics_deltad_exports(self):
        allowed = allowed_metric_names()
        for where, expr in queries(self.dashboard):
            with self.subTest(where=where, expr=expr):
                used = promql_metric_names(expr)
                self.assertTrue(used)
                self.assertLessEqual(used, allowed, f"unknown metric in {expr}")

    def test_shows_every_figure(self):
        used = set().union(*(promql_metric_names(e) for _, e in queries(self.dashboard)))
        self.assertLessEqual(REQUIRED, used)


if __name__ == "__main__":
    unittest.main()
