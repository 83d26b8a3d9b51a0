"""The cohort pipeline behind `ctip-grade run`: import, validate, autograde (no kernels),
feedback, CSV, report.

* One submission never stops the batch: everything that touches it (archive, validation,
  placement, grading, feedback, scores) runs in one guard, and a failure becomes a flag naming
  the trainee, the stage and a one-line reason.
* Identity is stable: ids come from the course roster (roster.py), never from sort order.
* Safe to re-run: a state file remembers what each submission's content was when it was
  graded, so only new or changed submissions are graded again (also when re-reading
  submitted/ without --from), and a run that was killed half way picks up where it stopped.
* Exports are always current: every run reads every score back from the gradebook (manual
  grades from formgrader included) before it writes the CSV and the report.
* The report is rewritten at the end of every run; until then the old one carries a banner
  saying it is out of date. One run per course at a time (a lock file)."""
from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import logging
import os
import shutil
import time
import warnings
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from .. import paths
from ..delivery import course
from ..i18n import t
from ..delivery import localize
from . import intake, validate
from .roster import Roster

# flags that make a submission's answers unusable for item statistics
BROKEN = {"answers_missing", "answers_not_json", "answers_bad_format", "answers_too_large", "answers_too_deep",
          "answers_wrong_type", "no_files", "failed", "zip_unreadable"}


@dataclass
class TraineeState:
    trainee: str
    raw_name: str
    digest: str
    status: str                                   # graded | failed
    flags: list = field(default_factory=list)     # [code, params]
    scores: dict = field(default_factory=dict)    # grade cell name -> points
    total: float = 0.0
    max_score: float = 0.0
    placed: str = ""                              # digest of what was placed in submitted/
    broken: bool = False                          # left out of item statistics
    older: list = field(default_factory=list)     # earlier attempts: [time, archive folder]
    lms_id: str | None = None


@dataclass
class RunResult:
    exercise: str
    states: dict[str, TraineeState]
    graded: list[str]
    skipped: list[str]
    failed: list[str]
    report_dir: Path
    csv_path: Path
    notices: list = field(default_factory=list)   # batch notices: [code, params]


class Locked(Exception):
    def __init__(self, holder: str):
        super().__init__(holder)
        self.holder = holder


def _write_json(path: Path, data) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def load_state(path: Path) -> dict[str, TraineeState]:
    names = {f.name for f in fields(TraineeState)}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {k: TraineeState(**{a: b for a, b in v.items() if a in names}) for k, v in raw.items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return {}


def _digest(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode("utf-8", "surrogateescape") + b"\0" + files[name] + b"\0")
    return h.hexdigest()


def place(course_root: Path, eid: str, trainee: str, checked: validate.Checked, stamp: str | None) -> str:
    """Replace submitted/<trainee>/<eid>/ as a whole, so no stale file survives a resubmission.
    Returns the digest of what was placed (as a later run without --from will read it)."""
    dest = course_root / "submitted" / trainee / eid
    files = {f"{eid}.ipynb": checked.notebook}
    if checked.answers is not None:
        files[f"{eid}.answers.json"] = checked.answers
    if stamp:
        files["timestamp.txt"] = stamp.encode()
    tmp = dest.with_name(f".{eid}.incoming")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for name, data in files.items():
        (tmp / name).write_bytes(data)
    old = dest.with_name(f".{eid}.old")
    shutil.rmtree(old, ignore_errors=True)
    if dest.exists():
        os.replace(dest, old)
    os.replace(tmp, dest)
    shutil.rmtree(old, ignore_errors=True)
    return _digest(files)


def read_scores(course_root: Path, eid: str, trainee: str) -> tuple[dict, float, float]:
    with Gradebook(f"sqlite:///{course_root / 'gradebook.db'}", course_id=course.COURSE_ID) as gb:
        nb = gb.find_submission_notebook(eid, eid, trainee)
        scores = {g.name: float(g.score) for g in nb.grades}
        return scores, float(nb.score), float(nb.max_score)


def gradebook_scores(course_root: Path, eid: str) -> dict[str, tuple[dict, float, float]]:
    """Every submission of the exercise as the gradebook has it now (manual grades included)."""
    out = {}
    with Gradebook(f"sqlite:///{course_root / 'gradebook.db'}", course_id=course.COURSE_ID) as gb:
        try:
            assignment = gb.find_assignment(eid)
        except MissingEntry:
            return out
        for sub in assignment.submissions:
            for nb in sub.notebooks:
                if nb.name == eid:
                    out[sub.student.id] = ({g.name: float(g.score) for g in nb.grades}, float(nb.score),
                                           float(nb.max_score))
    return out


def gradebook_students(course_root: Path) -> set[str]:
    try:
        with Gradebook(f"sqlite:///{course_root / 'gradebook.db'}", course_id=course.COURSE_ID) as gb:
            return {s.id for s in gb.students}
    except Exception:
        return set()


def ensure_assignment(api, course_root: Path, eid: str) -> None:
    with Gradebook(f"sqlite:///{course_root / 'gradebook.db'}", course_id=course.COURSE_ID) as gb:
        try:
            gb.find_assignment(eid)
            return
        except MissingEntry:
            pass
    res = api.generate_assignment(eid, force=True)
    if not res.get("success"):
        raise RuntimeError(res.get("log") or res.get("error"))


def incoming_from(source: Path | None, course_root: Path, eid: str) -> intake.Batch:
    if source is None:
        batch = intake.from_folder(course_root / "submitted", eid)
        # already placed (by an earlier run or nbgrader collect): submitted/<trainee>/<eid>/...
        for inc in batch.items:
            inc.files = {n.split("/", 1)[1]: d for n, d in inc.files.items() if n.startswith(f"{eid}/")}
            inc.flags = [f for f in inc.flags if f[0] != "attempts"]
        return intake.Batch([inc for inc in batch.items if inc.files], [])
    if source.is_file():
        return intake.from_zip(source, eid)
    return intake.from_folder(source, eid)


# --- the lock ------------------------------------------------------------------------

@contextlib.contextmanager
def course_lock(course_root: Path, wait: float = 0.0):
    """One ctip-grade run per course: a second run waits up to `wait` seconds, then refuses
    (Locked, naming the run that holds the lock). The lock dies with its process."""
    try:
        import fcntl
    except ImportError:                 # no flock (Windows): no lock
        yield
        return
    path = course_root / "reports" / ".ctip-grade.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+", encoding="utf-8")
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError:
                if time.monotonic() >= deadline:
                    fh.seek(0)
                    raise Locked(fh.read().strip() or "?") from None
                time.sleep(0.5)
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}, {datetime.now().strftime('%Y-%m-%d %H:%M:%S')}")
        fh.flush()
        yield
    finally:
        fh.close()


@contextlib.contextmanager
def quiet():
    """Third-party warnings and log chatter stay out of the instructor's terminal."""
    names = ("traitlets", "nbgrader", "nbconvert", "NbGraderAPI", "Autograde", "GenerateFeedback", "alembic")
    saved = {n: logging.getLogger(n).level for n in names}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for n in names:
            logging.getLogger(n).setLevel(logging.ERROR)
        try:
            yield
        finally:
            for n, lvl in saved.items():
                logging.getLogger(n).setLevel(lvl)


# --- one submission in one guard --------------------------------------------------------

class StageError(Exception):
    pass


def _api_reason(res: dict) -> str:
    err = (res.get("error") or "").strip().splitlines()
    if err and err[-1].startswith("KeyboardInterrupt"):
        raise KeyboardInterrupt
    log = [ln for ln in (res.get("log") or "").splitlines() if ln.startswith(("[ERROR]", "[CRITICAL]"))
           and "Please see the error log" not in ln and "There was an error processing" not in ln]
    text = (log[-1].split("]", 1)[1] if log else (err[-1] if err else "")).strip()
    return text[:200] or "nbgrader"


def reason(e: BaseException) -> dict:
    """A one-line reason: the kind of failure (localized in the report) and its detail."""
    kind = ("encoding" if isinstance(e, UnicodeError) else "depth" if isinstance(e, RecursionError)
            else "memory" if isinstance(e, MemoryError) else "disk" if isinstance(e, OSError)
            else "grader" if isinstance(e, StageError) else "other")
    lines = str(e).strip().splitlines()
    return {"kind": kind, "error": (lines[-1] if lines else type(e).__name__)[:200]}


def grade_one(api, course_root: Path, eid: str, inc: intake.Incoming, release, source_nb, feedback: bool,
              digest: str) -> TraineeState:
    st = TraineeState(inc.trainee, inc.raw_name, digest, "graded", [list(f) for f in inc.flags],
                      lms_id=inc.lms_id)
    if any(f[0] == "failed" for f in inc.flags):   # could not even be read in
        st.status, st.broken = "failed", True
        return st
    stage = "archive"
    try:
        imports = course_root / "imports" / eid
        intake.archive(inc, imports)
        for old in inc.older:
            where = intake.archive(old, imports)
            st.older.append([old.timestamp or "?", str(where.relative_to(course_root))])
        if st.older:
            st.flags.append(["older_archived", {"n": len(st.older), "where": str(
                (imports / intake.safe_id(inc.trainee)).relative_to(course_root))}])
        stage = "validate"
        checked = validate.check(inc, eid, release, source_nb)
        st.flags += [list(f) for f in checked.flags]
        st.broken = checked.broken
        stage = "place"
        st.placed = place(course_root, eid, inc.trainee, checked, inc.timestamp)
        stage = "autograde"
        res = api.autograde(eid, inc.trainee, force=True)
        if not res.get("success"):
            raise StageError(_api_reason(res))
        stage = "scores"
        st.scores, st.total, st.max_score = read_scores(course_root, eid, inc.trainee)
        if feedback:
            stage = "feedback"
            res = api.generate_feedback(eid, inc.trainee, force=True)
            if not res.get("success"):          # the grade stands; only the feedback page is missing
                st.flags.append(["feedback_failed", {"error": _api_reason(res)}])
    except KeyboardInterrupt:
        raise
    except Exception as e:                      # one bad submission never stops the batch
        if stage == "feedback":
            st.flags.append(["feedback_failed", {"error": reason(e)["error"]}])
        else:
            st.status = "failed"
            st.broken = True
            st.flags.append(["failed", {"stage": stage, **reason(e)}])
    return st


def run(eid: str, course_root: Path | None = None, source: Path | None = None, feedback: bool = True,
        report_dir: Path | None = None, lang: str | None = None, progress: bool = True,
        wait: float = 0.0) -> RunResult:
    course_root = Path(course_root or paths.ROOT).resolve()
    report_dir = Path(report_dir or course_root / "reports" / eid)
    report_dir.mkdir(parents=True, exist_ok=True)
    from . import report
    with course_lock(course_root, wait), quiet():
        report.mark_stale(report_dir, lang)
        return _run(eid, course_root, source, feedback, report_dir, lang, progress)


def _run(eid, course_root, source, feedback, report_dir, lang, progress) -> RunResult:
    from tqdm import tqdm

    from . import report
    state_path = report_dir / "state.json"
    states = load_state(state_path)
    graded, skipped, failed = [], [], []
    with course.env_bin_on_path():
        api = course.fast_api(course_root)
        localize.add_to(api.config)      # feedback pages in each trainee's language
        ensure_assignment(api, course_root, eid)
        release = nbformat.read(course_root / "exercises" / eid / f"{eid}.ipynb", as_version=4)
        source_nb = nbformat.read(course_root / "solutions" / eid / f"{eid}.ipynb", as_version=4)
        batch = incoming_from(Path(source) if source else None, course_root, eid)
        roster = Roster(course_root / "reports" / "roster.json")
        roster.adopt(gradebook_students(course_root) | set(states))
        roster.assign(batch.items, by_id=source is None)
        roster.save()
        # names the roster joins (the instructor merged them) are attempts of one trainee
        items = intake.newest_attempts(batch.items, lambda inc: inc.trainee)
        for inc in tqdm(items, desc=t("progress", lang, "instructor"), disable=not progress, unit="sub"):
            digest = inc.digest()
            old = states.get(inc.trainee)
            if old and old.status == "graded" and digest in (old.digest, old.placed):
                skipped.append(inc.trainee)
                continue
            st = grade_one(api, course_root, eid, inc, release, source_nb, feedback, digest)
            (failed if st.status == "failed" else graded).append(inc.trainee)
            states[inc.trainee] = st
            _write_json(state_path, {k: asdict(v) for k, v in states.items()})
    refresh(course_root, eid, states)
    _write_json(state_path, {k: asdict(v) for k, v in states.items()})
    csv_path = export_csv(course_root, eid, states, report_dir)
    result = RunResult(eid, states, graded, skipped, failed, report_dir, csv_path, [list(n) for n in batch.notices])
    report.write_safely(result, course_root, lang)
    return result


def refresh(course_root: Path, eid: str, states: dict[str, TraineeState]) -> None:
    """Scores as the gradebook has them now: manual grades entered in formgrader since the
    last run, and submissions graded outside ctip-grade, reach the CSV and the report."""
    book = gradebook_scores(course_root, eid)
    for tid, (scores, total, mx) in book.items():
        st = states.get(tid)
        if st is None:
            states[tid] = TraineeState(tid, tid, "", "graded", [["outside_run", {}]], scores, total, mx)
        elif st.status == "graded":
            st.scores, st.total, st.max_score = scores, total, mx


def item_columns(course_root: Path, eid: str) -> list[tuple[str, str]]:
    """(grade cell name, item id) of every scored cell, in exercise order."""
    src = nbformat.read(course_root / "solutions" / eid / f"{eid}.ipynb", as_version=4)
    out = []
    for c in src.cells:
        nbg = c.metadata.get("nbgrader", {})
        if nbg.get("grade") and nbg.get("points", 0) > 0:
            out.append((nbg["grade_id"], nbg["grade_id"].rsplit("_", 1)[0]))
    return out


def export_csv(course_root: Path, eid: str, states: dict[str, TraineeState], report_dir: Path) -> Path:
    cols = item_columns(course_root, eid)
    path = report_dir / f"{eid}-grades.csv"
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["trainee_id", *[item for _, item in cols], "total", "max_score", "status", "flags"])
        for trainee in sorted(states):
            st = states[trainee]
            w.writerow([trainee, *[f"{st.scores.get(g, 0.0):g}" for g, _ in cols], f"{st.total:g}",
                        f"{st.max_score:g}", st.status, " ".join(f[0] for f in st.flags)])
    os.replace(tmp, path)
    return path
