"""The instructor's side of the hub course: open (release) exercises, collect, grade with
ctip-grade, release feedback. Runs as an instructor (their JupyterLab terminal: ``~/course`` is
the shared course) or as the grader account::

    python -m ctip.deployment.instructor open ex01 ex02     # generate + release to trainees
    python -m ctip.deployment.instructor collect ex01       # exchange inbound -> submitted/
    python -m ctip.deployment.instructor grade ex01         # ctip-grade run (no trainee code runs)
    python -m ctip.deployment.instructor return ex01        # release feedback to the exchange
    python -m ctip.deployment.instructor cycle ex01         # collect + grade + return

Formgrader (the hub service) works on the same course and exchange.
"""
from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from pathlib import Path

from .. import paths
from ..delivery import course as dcourse
from . import layout as L


def configure_course(c, root: Path | str) -> None:
    """The course's nbgrader config: ctip's own settings, the hub's exchange beside the course,
    and nbgrader's groupshared mode so every instructor can work on it."""
    root = Path(root)
    dcourse.configure(c, root)
    c.Exchange.root = str(root.parent / "exchange")
    c.Exchange.path_includes_course = False
    c.CourseDirectory.groupshared = True


def course_root() -> Path:
    return Path(os.environ.get("CTIP_COURSE_ROOT") or L.from_env().course)


def api(root: Path):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config
    cfg = Config()
    configure_course(cfg, root)
    a = NbGraderAPI(coursedir=CourseDirectory(config=cfg), config=cfg)
    a.log.setLevel(logging.ERROR)
    return a


@contextlib.contextmanager
def _course_keys(root: Path):
    """ctip-grade reads graded keys from the course's solutions/ (not the repository's)."""
    old = paths.SOLUTIONS
    paths.SOLUTIONS = root / "solutions"
    try:
        yield
    finally:
        paths.SOLUTIONS = old


def _check(res: dict, what: str) -> dict:
    if not res.get("success"):
        raise RuntimeError(f"{what} failed: {(res.get('error') or res.get('log') or '').strip()[-800:]}")
    return res


def open_exercises(root: Path, exercises: list[str]) -> None:
    with dcourse.env_bin_on_path():
        a = api(root)
        for eid in exercises:
            _check(a.generate_assignment(eid, force=True), f"generate_assignment {eid}")
            _check(a.release_assignment(eid), f"release_assignment {eid}")


def collect(root: Path, eid: str) -> None:
    with dcourse.env_bin_on_path():
        _check(api(root).collect(eid, update=True), f"collect {eid}")


def _secrets(root: Path, eid: str) -> dict[str, bytes]:
    out = {}
    for f in (root / "submitted").glob(f"*/{eid}/submission_secret.txt"):
        out[f.parent.parent.name] = f.read_bytes()
    return out


def grade(root: Path, eid: str, lang: str | None = None):
    """``ctip-grade run`` on the collected submissions. ctip-grade rewrites each submission as
    it validated it; nbgrader's per-submission secret (which names the feedback file in the
    exchange) is carried over so that feedback can be released."""
    from ..instructor.runner import run
    kept = _secrets(root, eid)
    with _course_keys(root):
        result = run(eid, root, None, feedback=True, lang=lang, progress=False)
    for trainee, secret in kept.items():
        for top in ("submitted", "autograded", "feedback"):
            d = root / top / trainee / eid
            if d.is_dir():
                (d / "submission_secret.txt").write_bytes(secret)
    return result


def release_feedback(root: Path, eid: str) -> None:
    with dcourse.env_bin_on_path():
        _check(api(root).release_feedback(eid), f"release_feedback {eid}")
    # released files keep the course's 0660 (umask 007); the trainee's own Unix account must
    # read its file; its name is a hash of the submission's secret, and the folder is not listable
    out = root.parent / "exchange" / dcourse.COURSE_ID / "feedback"
    for f in out.glob("*.html"):
        if f.stat().st_uid == os.geteuid():
            os.chmod(f, 0o644)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m ctip.deployment.instructor", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["open", "collect", "grade", "return", "cycle"])
    ap.add_argument("exercises", nargs="+")
    ap.add_argument("--course", type=Path, default=None, help="course folder (default: the hub's)")
    ap.add_argument("--lang", choices=["ky", "en"], default=None)
    args = ap.parse_args(argv)
    root = (args.course or course_root()).resolve()
    if args.command == "open":
        open_exercises(root, args.exercises)
    for eid in args.exercises if args.command != "open" else []:
        if args.command in ("collect", "cycle"):
            collect(root, eid)
        if args.command in ("grade", "cycle"):
            r = grade(root, eid, args.lang)
            print(f"{eid}: graded {len(r.graded)}, unchanged {len(r.skipped)}, failed {len(r.failed)}; "
                  f"report {r.report_dir / 'report.md'}")
        if args.command in ("return", "cycle"):
            release_feedback(root, eid)
    return 0


if __name__ == "__main__":
    sys.exit(main())
