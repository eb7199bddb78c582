"""Run every benchmark in bench/ (``make bench``) with modest sizes.

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
    "intake_bench.py": ["--duration", "5", "--rounds", "1", "--pg", "--workers", "2,4"],
    "queue_bench.py": ["--tickets", "100000"],
    "sla_bench.py": ["--tickets", "100000", "--sweep-sizes", "10000,100000"],
    "ticket_search_bench.py": ["--tickets", "100000"],
}


def main() -> int:
    failed = []
    for script in sorted(BENCH.glob("*_bench.py")):
        args = ARGS.get(script.name, [])
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
