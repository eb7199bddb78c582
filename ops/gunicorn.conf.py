"""gunicorn's settings: ``gunicorn -c ops/gunicorn.conf.py 'app:create_app()'``
(``make run`` does so).

- Metrics: every worker is a process, so prometheus_client runs in its
  multiprocess mode. ``PROMETHEUS_MULTIPROC_DIR`` (instance/prometheus unless
  set) is made ready when the server starts - the files of processes that
  are gone are removed (helpdesk/metrics/multiproc.py) - and a worker that
  exits is marked dead. Give ``flask scheduler`` the same variable, so its
  counters (the SLA sweep's, the outbox's, mail in) reach /metrics too.
- Memory: once a worker has loaded the app, the objects it made are frozen
  out of the garbage collector's walks (helpdesk/heap.py).
- Logs: the access log carries the request id (the ``X-Request-ID`` the app
  answers); ``LOG_FORMAT=json`` makes gunicorn's own lines JSON too.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Set before anything imports prometheus_client: it picks where its values
# live at import time, and the workers inherit the master's environment.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(ROOT / "instance" / "prometheus"))
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" '
    "%(M)sms request_id=%({x-request-id}o)s"
)

if os.environ.get("LOG_FORMAT", "").strip().lower() == "json":
    _json = {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": ["levelname", "name", "message"],
        "rename_fields": {"levelname": "level", "name": "logger"},
        "timestamp": "time",
    }
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": _json},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
            "stdout": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            },
        },
        # The app gives the root logger its own JSON handler (helpdesk/logs.py).
        "root": {"level": "INFO", "handlers": []},
        "loggers": {
            "gunicorn.error": {
                "level": "INFO",
                "handlers": ["stderr"],
                "propagate": False,
            },
            "gunicorn.access": {
                "level": "INFO",
                "handlers": ["stdout"],
                "propagate": False,
            },
        },
    }


def on_starting(server) -> None:
    from helpdesk.metrics import multiproc

    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    removed = multiproc.prepare(folder)
    server.log.info(
        "metrics folder %s ready (%s stale files removed)", folder, len(removed)
    )


def post_worker_init(worker) -> None:
    from helpdesk.heap import freeze_startup_objects

    frozen = freeze_startup_objects()
    worker.log.info("worker %s: %s start-up objects frozen", worker.pid, frozen)


def child_exit(server, worker) -> None:
    # Its live gauges go; its counters stay, so totals never drop.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
