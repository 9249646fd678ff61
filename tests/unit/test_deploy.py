"""deploy/: the Grafana dashboard and the Prometheus alerts and scrape config speak only of
metrics meshgov exposes, and promtool accepts them (and the alerts' own unit tests)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from meshgov.metrics import Components, OpenBreaches, PortActivity, ProcessorMetrics
from meshgov.models.events import BreachKind

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
METRIC = re.compile(r"\b(meshgov_[a-z0-9_]+)")


def exposed() -> set[str]:
    """Every metric name a mesh exposes, from its own collectors."""
    ProcessorMetrics("deploy-test").dead_letter("mesh.outputs")
    registry = CollectorRegistry()
    ports = PortActivity(1)
    ports.seen("p", "q", datetime.now(UTC))
    entry = SimpleNamespace(
        status=SimpleNamespace(value="ACTIVE"),
        open_breaches=[SimpleNamespace(kind=BreachKind.FRESHNESS)],
    )
    child = SimpleNamespace(
        component=SimpleNamespace(name="pii"),
        state=SimpleNamespace(value="ready"),
        starts=1,
        lag=0,
    )
    for collector in (ports, OpenBreaches(lambda: [entry]), Components(lambda: [child])):
        registry.register(collector)
    text = generate_latest(REGISTRY).decode() + generate_latest(registry).decode()
    names: set[str] = set()
    for family in text_string_to_metric_families(text):
        names.add(family.name)
        if family.type == "counter":
            names.add(f"{family.name}_total")
        elif family.type == "histogram":
            names.update(f"{family.name}{suffix}" for suffix in ("_bucket", "_count", "_sum"))
    return names


def expressions() -> list[str]:
    dashboard = json.loads((DEPLOY / "grafana" / "meshgov.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    alerts = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    exprs += [r["expr"] for g in alerts["groups"] for r in g["rules"]]
    return exprs


def test_dashboards_and_alerts_use_only_metrics_meshgov_exposes() -> None:
    names = exposed()
    used = {name for expr in expressions() for name in METRIC.findall(expr)}
    assert len(used) >= 10
    unknown = sorted(n for n in used if n not in names)
    assert unknown == []


def test_the_dashboard_is_a_grafana_dashboard_on_a_datasource_variable() -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "meshgov.json").read_text())
    assert dashboard["uid"]
    assert dashboard["schemaVersion"] >= 36
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    (variable,) = dashboard["templating"]["list"]
    assert (variable["type"], variable["query"]) == ("datasource", "prometheus")
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == "${datasource}", panel["title"]
        assert panel["targets"], panel["title"]


def promtool() -> str | None:
    found = shutil.which("promtool")
    if found is None and os.environ.get("MESHGOV_REQUIRE_PROMTOOL"):
        pytest.fail("promtool is required here (Debian: apt-get install prometheus)")
    return found


def test_promtool_accepts_the_rules_the_config_and_the_dashboards_queries(
    tmp_path: Path,
) -> None:
    tool = promtool()
    checks: list[list[str]] = []
    if tool is not None:
        dashboard = json.loads((DEPLOY / "grafana" / "meshgov.json").read_text())
        rules = {
            "groups": [
                {
                    "name": "dashboard",
                    "rules": [
                        {
                            "record": f"dashboard:panel{p['id']}:{t['refId']}",
                            "expr": t["expr"].replace("$__rate_interval", "5m"),
                        }
                        for p in dashboard["panels"]
                        for t in p["targets"]
                    ],
                }
            ]
        }
        queries = tmp_path / "dashboard-queries.yml"
        queries.write_text(yaml.safe_dump(rules))
        checks = [
            [tool, "check", "rules", str(queries)],
            [tool, "check", "rules", str(DEPLOY / "prometheus" / "alerts.yml")],
            [tool, "check", "config", str(DEPLOY / "prometheus" / "prometheus.yml")],
            [tool, "test", "rules", str(DEPLOY / "prometheus" / "alerts.test.yml")],
        ]
    for command in checks:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
    # Without promtool, the alert rules at least parse as Prometheus rule groups.
    groups = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())["groups"]
    assert all({"alert", "expr"} <= set(rule) for g in groups for rule in g["rules"])
