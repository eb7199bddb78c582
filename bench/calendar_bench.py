"""Business-time benchmark: ``sla.calendar`` per call, for every kind of calendar.

Times ``add_business_seconds`` (a due time) and ``business_seconds_between``
(time spent, from the start to that due time) for targets of 1 minute,
8 hours, 30 days and 365 days of business time on four calendars:

- office: Europe/Moscow, Mon-Fri 09:00-18:00, Russian public holidays 2026-2031;
- 24x7 + holidays: Europe/Berlin (with DST), German public holidays 2026-2031;
- seven full days: Europe/Berlin, every day 00:00-24:00, no holidays (no
  closed time at all: the old code's worst case, 6-11 ms a call);
- day + night shift: America/New_York, Mon-Fri 08:00-20:00 and 20:00-08:00.

Starts are random instants of 2026 (fixed seed), cycled through. Each call is
timed alone (``perf_counter_ns``); the table gives median and p95 in
microseconds. Budget (issue): median <= 50 us for every cell; the exit status
is 1 if one is over. Reference measured in the same run: one
``datetime.astimezone(ZoneInfo(...))`` call, and the previous implementation
(``calendar_before.py``) on fewer calls. Writes ``bench/results/calendar.json``.

    .venv/bin/python bench/calendar_bench.py                   # ~1 min
    .venv/bin/python bench/calendar_bench.py --calls 500 --before-calls 0
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import calendar_before as before  # noqa: E402
import holidays as public_holidays  # noqa: E402
from common import percentile  # noqa: E402

from sla import calendar  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
BUDGET_US = 50.0
YEARS = range(2026, 2032)
TARGETS = {"1 min": 60, "8 h": 8 * 3600, "30 d": 30 * 86400, "365 d": 365 * 86400}


def _holidays(country: str) -> frozenset:
    return frozenset(public_holidays.country_holidays(country, years=YEARS))


def calendars() -> dict[str, tuple]:
    """Name -> (timezone, intervals, holidays, always_open)."""
    weekdays = range(5)
    return {
        "office + holidays": (
            "Europe/Moscow",
            tuple((d, 540, 1080) for d in weekdays),
            _holidays("RU"),
            False,
        ),
        "24x7 + holidays": ("Europe/Berlin", (), _holidays("DE"), True),
        "seven full days": (
            "Europe/Berlin",
            tuple((d, 0, 1440) for d in range(7)),
            frozenset(),
            False,
        ),
        "day + night shift": (
            "America/New_York",
            tuple((d, s, e) for d in weekdays for s, e in ((480, 1200), (1200, 480))),
            frozenset(),
            False,
        ),
    }


def starts(count: int) -> list[datetime]:
    rng = random.Random(20261201)
    first = datetime(2026, 1, 1, tzinfo=UTC)
    return [first + timedelta(seconds=rng.randrange(365 * 86400)) for _ in range(count)]


def timed(call: Callable[[int], object], calls: int) -> list[float]:
    """Microseconds of each of ``calls`` calls (``call(i)``), GC off."""
    out = []
    gc.disable()
    try:
        for i in range(calls):
            t0 = time.perf_counter_ns()
            call(i)
            out.append((time.perf_counter_ns() - t0) / 1000)
    finally:
        gc.enable()
    return out


def summary(values: list[float]) -> dict[str, float]:
    return {"p50": statistics.median(values), "p95": percentile(values, 95)}


def measure_new(spec, target: int, instants: list[datetime], calls: int) -> dict:
    n = len(instants)
    dues = [calendar.add_business_seconds(spec, s, target) for s in instants]
    # Every due time is exact: the elapsed time comes back as the target.
    assert all(
        calendar.business_seconds_between(spec, s, d) == target
        for s, d in zip(instants, dues, strict=True)
    )
    add = timed(
        lambda i: calendar.add_business_seconds(spec, instants[i % n], target), calls
    )
    between = timed(
        lambda i: calendar.business_seconds_between(spec, instants[i % n], dues[i % n]),
        calls,
    )
    return {"add": summary(add), "between": summary(between)}


def measure_before(fields: tuple, target: int, instants: list[datetime], calls: int):
    """The previous implementation's median add and between, or None where it
    refuses the target (its search horizon of two years)."""
    if not calls:
        return None
    spec = before.CalendarSpec(*fields)
    n = len(instants)
    try:
        dues = [before.add_business_seconds(spec, s, target) for s in instants[:calls]]
    except ValueError:
        return None
    add = timed(
        lambda i: before.add_business_seconds(spec, instants[i % n], target), calls
    )
    between = timed(
        lambda i: before.business_seconds_between(spec, instants[i], dues[i]), calls
    )
    return {"add": statistics.median(add), "between": statistics.median(between)}


def reference(calls: int) -> float:
    """Median microseconds of one ``astimezone`` into a DST zone."""
    tz = ZoneInfo("Europe/Berlin")
    instants = starts(1000)
    return statistics.median(timed(lambda i: instants[i % 1000].astimezone(tz), calls))


def first_call(spec, instant: datetime) -> float:
    """Microseconds of the very first call on a fresh calendar: building its
    tables (the zone's transitions are cached per process, so they may be
    warm already)."""
    t0 = time.perf_counter_ns()
    calendar.add_business_seconds(spec, instant, TARGETS["365 d"])
    return (time.perf_counter_ns() - t0) / 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000, help="timed calls per cell")
    parser.add_argument(
        "--before-calls",
        type=int,
        default=20,
        help="calls per cell for the previous implementation (0: skip it)",
    )
    args = parser.parse_args()
    instants = starts(500)
    ref = reference(args.calls)
    print(
        f"reference: one datetime.astimezone(ZoneInfo('Europe/Berlin')) = {ref:.2f} us"
    )
    print(
        f"{'calendar':<20} {'target':>6} | {'add p50':>8} {'p95':>7} {'x ref':>6} |"
        f" {'between p50':>11} {'p95':>7} {'x ref':>6} | {'before add':>10}"
        f" {'before betw.':>12}"
    )
    rows, over = [], []
    for name, fields in calendars().items():
        spec = calendar.CalendarSpec(*fields)
        cold = first_call(spec, instants[0])
        for label, target in TARGETS.items():
            new = measure_new(spec, target, instants, args.calls)
            old = measure_before(fields, target, instants, args.before_calls)
            add, between = new["add"], new["between"]
            old_text = (
                f"{old['add']:>10,.0f} {old['between']:>12,.0f}"
                if old
                else f"{'refused' if args.before_calls else '-':>10} {'':>12}"
            )
            print(
                f"{name:<20} {label:>6} | {add['p50']:>8.1f} {add['p95']:>7.1f}"
                f" {add['p50'] / ref:>6.1f} | {between['p50']:>11.1f}"
                f" {between['p95']:>7.1f} {between['p50'] / ref:>6.1f} | {old_text}"
            )
            rows.append(
                {"calendar": name, "target": label, **new, "before": old, "cold": cold}
            )
            if max(add["p50"], between["p50"]) > BUDGET_US:
                over.append(f"{name} {label}")
        print(f"{'':<20} first call on a fresh calendar (365 d): {cold:,.0f} us")
    RESULTS.mkdir(exist_ok=True)
    out = {"reference_astimezone_us": ref, "calls": args.calls, "rows": rows}
    (RESULTS / "calendar.json").write_text(json.dumps(out, indent=2))
    if over:
        print(f"over the {BUDGET_US:.0f} us budget: {', '.join(over)}", file=sys.stderr)
        return 1
    print(f"every median is within the {BUDGET_US:.0f} us budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
