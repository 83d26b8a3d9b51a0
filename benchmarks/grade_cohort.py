"""Benchmark: stock sequential `nbgrader autograde` against `ctip-grade run` on the same
synthetic cohort, on this machine, in one run. Prints both times, the ratio, and whether every
score (per trainee, per graded cell) is identical.

    .venv/bin/python benchmarks/grade_cohort.py [--trainees 200] [--exercise ex01]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nbgrader.api import Gradebook

from ctip.delivery.course import COURSE_ID, env_bin_on_path, fast_api
from ctip.instructor.cli import make_demo_course
from ctip.instructor.cohort import make_cohort
from ctip.instructor.runner import ensure_assignment, run

CONFIG = "from ctip.delivery.course import configure\nconfigure(get_config(), {root!r})\n"


def scores(root: Path, eid: str) -> dict:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        return {(s.student.id, g.name): round(float(g.score), 4)
                for s in gb.find_assignment(eid).submissions for nb in s.notebooks for g in nb.grades}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trainees", type=int, default=200)
    ap.add_argument("--exercise", default="ex01")
    args = ap.parse_args()
    eid = args.exercise
    with tempfile.TemporaryDirectory() as tmp, env_bin_on_path():
        stock, ours = Path(tmp) / "stock", Path(tmp) / "ours"
        for root in (stock, ours):
            make_demo_course(root, eid)
            ensure_assignment(fast_api(root), root, eid)
        incoming = Path(tmp) / "incoming"
        make_cohort(eid, stock / "exercises" / eid / f"{eid}.ipynb", incoming, n=args.trainees, seed=11,
                    bad_share=0.0)
        for trainee in sorted(os.listdir(incoming)):          # stock nbgrader reads submitted/ itself
            shutil.copytree(incoming / trainee, stock / "submitted" / trainee / eid)
        (stock / "nbgrader_config.py").write_text(CONFIG.format(root=str(stock)))

        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "nbgrader", "autograde", eid], cwd=stock, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        t_stock = time.perf_counter() - t0

        t0 = time.perf_counter()
        run(eid, ours, incoming, feedback=False, progress=False)
        t_ours = time.perf_counter() - t0

        a, b = scores(stock, eid), scores(ours, eid)
        same = a == b and len(a) > 0
    cores = os.cpu_count()
    print(f"machine: {cores} cores, load average {os.getloadavg()[0]:.1f} at the end (other work shares "
          f"the CPU); {time.strftime('%Y-%m-%d %H:%M')}; exercise {eid}; {args.trainees} submissions")
    print(f"stock nbgrader autograde (sequential): {t_stock:8.1f} s  ({t_stock / args.trainees:.2f} s each)")
    print(f"ctip-grade run (no feedback):          {t_ours:8.1f} s  ({t_ours / args.trainees:.2f} s each)")
    print(f"speed-up: {t_stock / t_ours:.1f}x; scores identical: {same} ({len(a)} grades compared)")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
