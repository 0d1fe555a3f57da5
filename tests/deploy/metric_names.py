"""Metric names for the deploy tests: those deltad exports, and those a
PromQL expression reads.

deltad registers every metric family by name in its sources
(`counter_family("delta_...", ...)` and the like), many of them only when the
first event happens, so /metrics at start-up does not list them all: the
sources are the complete list.
"""

import re
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("actors", "cmd", "config", "http", "protocol", "storage", "telemetry")

# Not exported yet; the cluster and telemetry work adds them with exactly
# these names (issues 13 and 14), and the rules and dashboard already use them.
ANNOUNCED = {"delta_cluster_nodes", "delta_actor_mailbox_depth", "delta_llm_breaker_state"}
# Written by Prometheus itself for every scrape target.
PROMETHEUS_OWN = {"up"}

_FAMILY_RE = re.compile(r'\b(counter|gauge|float_counter|histogram)_family\(\s*"([a-zA-Z_:][a-zA-Z0-9_:]*)"')


def exported_metric_names(root=PROJECT_ROOT):
    """Every series name deltad's sources register (histograms as their
    _bucket, _sum and _count series)."""
    names = set()
    for folder in SOURCE_DIRS:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix not in (".cpp", ".hpp"):
                continue
            for kind, name in _FAMILY_RE.findall(path.read_text(encoding="utf-8")):
                if kind == "histogram":
                    names.update({name + "_bucket", name + "_sum", name + "_count"})
                else:
                    names.add(name)
    return names


def allowed_metric_names(root=PROJECT_ROOT):
    return exported_metric_names(root) | ANNOUNCED | PROMETHEUS_OWN


_KEYWORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan"}


def promql_metric_names(expr):
    """The metric names a PromQL expression selects. Good enough for the
    expressions of this repository: strings, label matchers, ranges, grouping
    clauses, offsets and Grafana variables are removed; what is left that is
    an identifier not called like a function is a metric name."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    text = re.sub(r"\boffset\s+-?\w+", " ", text)
    text = re.sub(r"\$\{?\w+\}?", " ", text)
    names = set()
    for m in re.finditer(r"(?<![\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?", text):
        name, call = m.group(1), m.group(2)
        if call or name.lower() in _KEYWORDS:
            continue
        names.add(name)
    return names
