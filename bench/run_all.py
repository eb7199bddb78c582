"""Run every benchmark in bench/ (``make bench``) with modest sizes, then
``load_mixed.py`` on SQLite and on PostgreSQL with two app instances.

Each ``*_bench.py`` runs as a subprocess with this Python and prints its own
output; the exit status is non-zero if any of them failed.
"""

import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# Arguments that keep `make bench` to a few minutes; scripts not listed run
# with their own defaults. The 10k/1M figures in README.md come from runs
# with --tickets 10000 and the default 1,000,000.
ARGS = {
    "import_bench.py": ["--tickets", "10000"],
    "intake_bench.py": [
        "--duration",
        "5",
        "--rounds",
        "1",
        "--pg",
        "--peer",
        "--workers",
        "2,4",
    ],
    "queue_bench.py": ["--tickets", "100000"],
    "sla_bench.py": ["--tickets", "100000", "--sweep-sizes", "10000,100000"],
    "ticket_search_bench.py": ["--tickets", "100000"],
}


# The load under a sweeping scheduler (not a *_bench.py: it serves the app
# and loads it, as intake_bench does): SQLite, then two app instances with a
# scheduler each on one PostgreSQL.
LOADS = [
    ["--duration", "10"],
    ["--pg", "--instances", "2", "--duration", "10"],
]


def main() -> int:
    failed = []
    runs = [(script, ARGS.get(script.name, [])) for script in BENCH.glob("*_bench.py")]
    runs.sort()
    runs += [(BENCH / "load_mixed.py", args) for args in LOADS]
    for script, args in runs:
        print(f"\n=== {' '.join([script.name, *args])}", flush=True)
        started = time.perf_counter()
        code = subprocess.run([sys.executable, str(script), *args], cwd=ROOT).returncode
        print(
            f"=== {script.name}: exit {code} in {time.perf_counter() - started:.0f} s"
        )
        if code:
            failed.append(script.name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
