"""ops/grafana/helpdesk.json: every query names metrics /metrics exports,
and every metric of ours has a panel."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.helpdesk.metrics_support import scrape

DASHBOARD = Path(__file__).resolve().parents[2] / "ops" / "grafana" / "helpdesk.json"
OURS = re.compile(r"\bhelpdesk_[a-z0-9_]+")
SAMPLE_SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_count", "_sum"),
    "gauge": ("",),
}


def panels(items: list[dict]):
    for item in items:
        yield item
        yield from panels(item.get("panels", []))


def exprs(dashboard: dict) -> list[str]:
    return [
        target["expr"]
        for panel in panels(dashboard["panels"])
        for target in panel.get("targets", [])
    ]


def exported_series(client) -> dict[str, str]:
    """Each series name /metrics can answer → the family it belongs to."""
    families = scrape(client).families
    return {
        family.name + suffix: family.name
        for family in families.values()
        if family.name.startswith("helpdesk_")
        for suffix in SAMPLE_SUFFIXES[family.type]
    }


def test_every_query_names_metrics_we_export(client):
    dashboard = json.loads(DASHBOARD.read_text())
    series = exported_series(client)
    queries = exprs(dashboard)

    assert queries
    for expr in queries:
        names = OURS.findall(expr)
        assert names, expr
        unknown = [name for name in names if name not in series]
        assert not unknown, (expr, unknown)
    shown = {series[name] for expr in queries for name in OURS.findall(expr)}
    assert shown == set(series.values())


def test_the_dashboard_is_an_importable_grafana_model():
    dashboard = json.loads(DASHBOARD.read_text())
    ids = [panel["id"] for panel in panels(dashboard["panels"])]

    assert dashboard["uid"] and dashboard["title"]
    assert len(ids) == len(set(ids))
    variables = {v["name"]: v for v in dashboard["templating"]["list"]}
    assert variables["datasource"]["type"] == "datasource"
    for panel in panels(dashboard["panels"]):
        assert set(panel["gridPos"]) == {"h", "w", "x", "y"}
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == "${datasource}"
            assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
