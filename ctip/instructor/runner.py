"""The cohort pipeline behind `ctip-grade run`: import, validate, autograde (no kernels),
feedback, CSV, report. Safe to re-run: a state file remembers what each submission's content
was when it was graded, so only new or changed submissions are graded again, and a run that was
killed half way picks up where it stopped."""
from __future__ import annotations

import csv
import json
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from .. import paths
from ..delivery import course
from ..i18n import t
from . import intake, validate


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


@dataclass
class RunResult:
    exercise: str
    states: dict[str, TraineeState]
    graded: list[str]
    skipped: list[str]
    failed: list[str]
    report_dir: Path
    csv_path: Path


def _write_json(path: Path, data) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def load_state(path: Path) -> dict[str, TraineeState]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {k: TraineeState(**v) for k, v in raw.items()}
    except (OSError, ValueError, TypeError):
        return {}


def place(course_root: Path, eid: str, trainee: str, checked: validate.Checked, stamp: str | None) -> None:
    """Replace submitted/<trainee>/<eid>/ as a whole, so no stale file survives a resubmission."""
    dest = course_root / "submitted" / trainee / eid
    tmp = dest.with_name(f".{eid}.incoming")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    (tmp / f"{eid}.ipynb").write_bytes(checked.notebook)
    if checked.answers is not None:
        (tmp / f"{eid}.answers.json").write_bytes(checked.answers)
    if stamp:
        (tmp / "timestamp.txt").write_text(stamp)
    old = dest.with_name(f".{eid}.old")
    shutil.rmtree(old, ignore_errors=True)
    if dest.exists():
        os.replace(dest, old)
    os.replace(tmp, dest)
    shutil.rmtree(old, ignore_errors=True)


def read_scores(course_root: Path, eid: str, trainee: str) -> tuple[dict, float, float]:
    with Gradebook(f"sqlite:///{course_root / 'gradebook.db'}", course_id=course.COURSE_ID) as gb:
        nb = gb.find_submission_notebook(eid, eid, trainee)
        scores = {g.name: float(g.score) for g in nb.grades}
        return scores, float(nb.score), float(nb.max_score)


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


def incoming_from(source: Path | None, course_root: Path, eid: str) -> list[intake.Incoming]:
    if source is None:
        source = course_root / "submitted"
        found = intake.from_folder(source)
        # already placed by nbgrader collect: submitted/<trainee>/<eid>/...
        for inc in found:
            inc.files = {n.split("/", 1)[1]: d for n, d in inc.files.items() if n.startswith(f"{eid}/")}
        return [inc for inc in found if inc.files]
    if source.is_file() and source.suffix == ".zip":
        return intake.from_zip(source)
    return intake.from_folder(source)


def run(eid: str, course_root: Path | None = None, source: Path | None = None, feedback: bool = True,
        report_dir: Path | None = None, lang: str | None = None, progress: bool = True) -> RunResult:
    from tqdm import tqdm

    course_root = Path(course_root or paths.ROOT).resolve()
    report_dir = Path(report_dir or course_root / "reports" / eid)
    report_dir.mkdir(parents=True, exist_ok=True)
    state_path = report_dir / "state.json"
    states = load_state(state_path)
    with course.env_bin_on_path():
        api = course.fast_api(course_root)
        ensure_assignment(api, course_root, eid)
        release = nbformat.read(course_root / "exercises" / eid / f"{eid}.ipynb", as_version=4)
        source_nb = nbformat.read(course_root / "solutions" / eid / f"{eid}.ipynb", as_version=4)
        todo = incoming_from(Path(source) if source else None, course_root, eid)
        graded, skipped, failed = [], [], []
        for inc in tqdm(todo, desc=t("progress", lang, "instructor"), disable=not progress, unit="sub"):
            digest = inc.digest()
            old = states.get(inc.trainee)
            if old and old.digest == digest and old.status == "graded":
                skipped.append(inc.trainee)
                continue
            intake.archive(inc, course_root / "imports" / eid)
            checked = validate.check(inc, eid, release, source_nb)
            flags = [list(f) for f in inc.flags + checked.flags]
            place(course_root, eid, inc.trainee, checked, inc.timestamp)
            st = TraineeState(inc.trainee, inc.raw_name, digest, "graded", flags)
            try:
                res = api.autograde(eid, inc.trainee, force=True)
                if not res.get("success"):
                    raise RuntimeError((res.get("error") or res.get("log") or "")[-300:])
                if feedback:
                    api.generate_feedback(eid, inc.trainee, force=True)
                st.scores, st.total, st.max_score = read_scores(course_root, eid, inc.trainee)
                graded.append(inc.trainee)
            except Exception as e:        # one bad submission never stops the batch
                st.status = "failed"
                st.flags.append(["grading_failed", {"error": str(e).strip().splitlines()[-1][:200] if str(e).strip() else type(e).__name__}])
                failed.append(inc.trainee)
            states[inc.trainee] = st
            _write_json(state_path, {k: asdict(v) for k, v in states.items()})
    csv_path = export_csv(course_root, eid, states, report_dir)
    result = RunResult(eid, states, graded, skipped, failed, report_dir, csv_path)
    from . import report
    report.write(result, course_root, lang)
    return result


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
