"""What each report shows above its tables: the headline numbers and the
charts (``helpdesk/static/reports.js`` draws them from the page's JSON)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from helpdesk.labels import channel_label
from reports.service import tables


def dash(value: Any, suffix: str = "") -> str:
    return "—" if value is None else f"{value}{suffix}"


def volume_headline(figures: dict) -> list:
    return [
        (_l("Created tickets"), figures["totals"]["created"]),
        (_l("Resolved tickets"), figures["totals"]["resolved"]),
        (_l("Open now"), figures["backlog"]["total"]),
        (
            _l("Open more than 7 days"),
            figures["backlog"]["by_age"]["7_30"] + figures["backlog"]["by_age"]["gt30"],
        ),
    ]


def volume_charts(figures: dict) -> list[dict]:
    periods = [r["period"].isoformat() for r in figures["series"]]
    by_age = figures["backlog"]["by_age"]
    return [
        chart(
            "volume-series",
            _l("Created and resolved"),
            "line",
            periods,
            [
                (_l("Created tickets"), [r["created"] for r in figures["series"]]),
                (_l("Resolved tickets"), [r["resolved"] for r in figures["series"]]),
            ],
        ),
        chart(
            "volume-channel",
            _l("By channel"),
            "bar",
            [channel_label(r["channel"]) for r in figures["by_channel"]],
            [
                (_l("Created tickets"), [r["created"] for r in figures["by_channel"]]),
                (
                    _l("Resolved tickets"),
                    [r["resolved"] for r in figures["by_channel"]],
                ),
            ],
        ),
        chart(
            "volume-category",
            _l("By category"),
            "bar",
            [r["category"] for r in figures["by_category"]],
            [
                (_l("Created tickets"), [r["created"] for r in figures["by_category"]]),
                (
                    _l("Resolved tickets"),
                    [r["resolved"] for r in figures["by_category"]],
                ),
            ],
        ),
        chart(
            "volume-ageing",
            _l("Backlog ageing"),
            "bar",
            [str(label) for label in tables.AGE_LABELS.values()],
            [(_l("Open tickets"), [by_age[k] for k in tables.AGE_LABELS])],
        ),
    ]


def csat_headline(figures: dict) -> list:
    t = figures["totals"]
    return [
        (_l("Ratings"), t["ratings"]),
        (_l("Average rating"), dash(t["average"])),
        (_l("Rated 4 or 5"), dash(t["good_percent"], " %")),
    ]


def csat_charts(figures: dict) -> list[dict]:
    periods = [r["period"].isoformat() for r in figures["series"]]
    return [
        chart(
            "csat-trend",
            _l("Average rating"),
            "line",
            periods,
            [(_l("Average rating"), [r["average"] for r in figures["series"]])],
            scale={"min": 1, "max": 5},
        ),
        chart(
            "csat-good",
            _l("Rated 4 or 5, %"),
            "bar",
            periods,
            [(_l("Rated 4 or 5, %"), [r["good_percent"] for r in figures["series"]])],
            scale={"min": 0, "max": 100},
        ),
    ]


def chart(
    id_: str,
    title,
    kind: str,
    labels: list,
    datasets: list,
    *,
    scale: dict | None = None,
    stacked: bool = False,
) -> dict:
    """One chart as ``helpdesk/static/reports.js`` draws it."""
    return {
        "id": id_,
        "title": str(title),
        "type": kind,
        "labels": [str(label) for label in labels],
        "datasets": [{"label": str(label), "data": data} for label, data in datasets],
        "scale": scale or {},
        "stacked": stacked,
    }


def agents_headline(figures: dict) -> list:
    items = figures["items"]
    return [
        (_l("Agents"), len(items)),
        (_l("Resolutions"), sum(r["resolutions"] for r in items)),
        (_l("First replies"), sum(r["first_replies"] for r in items)),
    ]


def agents_charts(figures: dict) -> list[dict]:
    items = figures["items"][:20]
    names = [r["agent"] for r in items]
    return [
        chart(
            "agents-work",
            _l("Resolutions and first replies"),
            "bar",
            names,
            [
                (_l("Resolutions"), [r["resolutions"] for r in items]),
                (_l("First replies"), [r["first_replies"] for r in items]),
            ],
        ),
        chart(
            "agents-sla",
            _l("SLA met, %"),
            "bar",
            names,
            [(_l("SLA met, %"), [r["sla_percent"] for r in items])],
            scale={"min": 0, "max": 100},
        ),
    ]


def flow_headline(figures: dict) -> list:
    t = figures["totals"]
    return [
        (_l("Registered"), t["registered"]),
        (_l("Resolved by line 1"), dash(t["line1_percent"], " %")),
        (_l("Reached line 2"), dash(t["to_line2_percent"], " %")),
        (_l("Reached line 3"), dash(t["to_line3_percent"], " %")),
        (_l("Defects filed"), t["defects_filed"]),
    ]


def flow_charts(figures: dict) -> list[dict]:
    periods = [r["period"].isoformat() for r in figures["series"]]
    s = figures["series"]
    return [
        chart(
            "flow-series",
            _l("Where the registered tickets went"),
            "bar",
            periods,
            [
                (_l("Line 1: on the call"), [r["line1_on_call"] for r in s]),
                (_l("Line 1: with an article"), [r["line1_with_article"] for r in s]),
                (_l("Line 1: later"), [r["line1_later"] for r in s]),
                (_l("Reached line 2"), [r["to_line2"] for r in s]),
                (_l("Reached line 3"), [r["to_line3"] for r in s]),
            ],
        ),
        chart(
            "flow-time",
            _l("Median hours on each line"),
            "bar",
            [_l("Line %(line)s", line=r["line"]) for r in figures["time_on_line"]],
            [
                (
                    _l("Hours on the line"),
                    [
                        round(r["median_seconds"] / 3600, 1)
                        if r["median_seconds"] is not None
                        else None
                        for r in figures["time_on_line"]
                    ],
                )
            ],
        ),
    ]


def kb_headline(figures: dict) -> list:
    t = figures["totals"]
    return [
        (_l("Deflections"), t["deflections"]),
        (_l("Deflection rate"), dash(t["deflection_percent"], " %")),
        (_l("First-contact resolution"), dash(t["first_contact_percent"], " %")),
    ]


def kb_charts(figures: dict) -> list[dict]:
    periods = [r["period"].isoformat() for r in figures["series"]]
    s = figures["series"]
    return [
        chart(
            "kb-rates",
            _l("Deflection and first-contact resolution, %"),
            "line",
            periods,
            [
                (_l("Deflection, %"), [r["deflection_percent"] for r in s]),
                (
                    _l("First-contact resolution, %"),
                    [r["first_contact_percent"] for r in s],
                ),
            ],
            scale={"min": 0, "max": 100},
        ),
        chart(
            "kb-top",
            _l("Articles that resolve the most"),
            "bar",
            [r["title"] for r in figures["top_articles"]],
            [
                (
                    _l("Resolved tickets"),
                    [r["resolved"] for r in figures["top_articles"]],
                )
            ],
        ),
    ]
