"""Serial against parallel time for the papermill regression matrix (tests/test_notebooks_run.py).

    .venv/bin/python benchmarks/notebook_matrix.py            # the whole matrix, twice
    .venv/bin/python benchmarks/notebook_matrix.py -k "ky-m01"  # a slice

Prints the wall time with one worker and with two (pytest-xdist) and the speed-up. A script,
not a test: timings depend on the machine and on what else runs on it.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(workers: int, extra: list[str]) -> tuple[float, str]:
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", str(workers),
           "tests/test_notebooks_run.py", *extra]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    last = (done.stdout.strip().splitlines() or ["?"])[-1]
    return time.perf_counter() - start, last


def main(argv: list[str]) -> int:
    serial, s_line = run(1, argv)
    parallel, p_line = run(2, argv)
    print(f"machine: {os.cpu_count()} cores; matrix: tests/test_notebooks_run.py {' '.join(argv)}")
    print(f"serial (1 worker):    {serial:8.1f} s   {s_line}")
    print(f"parallel (2 workers): {parallel:8.1f} s   {p_line}")
    print(f"speed-up: {serial / parallel:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
