"""The counters and histograms every process updates as things happen.

Defined once, at import, as prometheus_client wants: under gunicorn (and in
the scheduler) with ``PROMETHEUS_MULTIPROC_DIR`` set, each process writes
them into its own files there and /metrics adds the files up, so a counter
keeps counting across workers and restarts of single workers. Nothing here
is a gauge: what is a count of rows is read from the database at scrape time
(``helpdesk.metrics.collector``), so no process has to agree with another.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

# Seconds. A page or API call should answer within 50 ms (DESIGN §5); the
# upper buckets catch the exports and the imports' uploads.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
JOB_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)

HTTP_REQUESTS = Counter(
    "helpdesk_http_requests",
    "HTTP requests answered, by route (the URL rule, not the path) and status.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "helpdesk_http_request_duration_seconds",
    "Time to build the response, by route.",
    ["method", "route"],
    buckets=REQUEST_BUCKETS,
)
JOB_RUNS = Counter(
    "helpdesk_scheduler_job_runs",
    "Scheduler job runs by outcome (ok, failed, database_unavailable).",
    ["job", "outcome"],
)
JOB_DURATION = Histogram(
    "helpdesk_scheduler_job_duration_seconds",
    "How long each scheduler job's run took (job=sla-sweep: the SLA sweep).",
    ["job"],
    buckets=JOB_BUCKETS,
)
SLA_SWEPT_CLOCKS = Counter(
    "helpdesk_sla_swept_clocks", "Due SLA clocks the sweep looked at."
)
SLA_ALERTS = Counter(
    "helpdesk_sla_alerts",
    "SLA warnings and breaches the sweep marked (kind=warning|breach).",
    ["kind"],
)
OUTBOX_DELIVERIES = Counter(
    "helpdesk_outbox_deliveries",
    "Outbox delivery attempts by outcome (sent, failed, given_up, unrecorded).",
    ["outcome"],
)
MAIL_INGESTED = Counter(
    "helpdesk_mail_ingested",
    "Inbound messages handled, by outcome (ticket_created, comment_added, ...).",
    ["outcome"],
)
DATABASE_ERRORS = Counter(
    "helpdesk_database_errors",
    "Errors the database driver raised, by kind (locked, read_only, disk_full, "
    "disconnected, integrity, other).",
    ["kind"],
)

# Anything else a client sends is counted as "other": the label's values stay few.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def count_request(method: str, route: str, status: int, seconds: float) -> None:
    method = method if method in KNOWN_METHODS else "other"
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_LATENCY.labels(method, route).observe(seconds)


def count_job_run(job_id: str, outcome: str, seconds: float) -> None:
    JOB_RUNS.labels(job_id, outcome).inc()
    JOB_DURATION.labels(job_id).observe(seconds)


def count_outcomes(counter: Counter, outcomes: dict[str, int]) -> None:
    """Add a run's counts (``{"sent": 3, "failed": 1}``) to a labelled counter."""
    for outcome, count in outcomes.items():
        if count:
            counter.labels(outcome).inc(count)


_ERROR_KINDS = (
    ("locked", ("database is locked", "lock timeout", "deadlock detected")),
    ("read_only", ("readonly database", "read-only transaction")),
    ("disk_full", ("database or disk is full", "no space left")),
    (
        "disconnected",
        (
            "unable to open database file",
            "disk i/o error",
            "connection refused",
            "server closed the connection",
            "terminating connection",
            "connection is closed",
        ),
    ),
)


def database_error_kind(
    error: BaseException, *, integrity: bool, is_disconnect: bool
) -> str:
    """A few stable words for what a driver error means to operations;
    ``integrity``: a constraint refused the write (often an expected race
    that a unique key settles, so it is kept apart from the trouble)."""
    text = str(error).lower()
    for kind, phrases in _ERROR_KINDS:
        if any(phrase in text for phrase in phrases):
            return kind
    if is_disconnect:
        return "disconnected"
    return "integrity" if integrity else "other"
