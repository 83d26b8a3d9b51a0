"""ctip-grade on a mixed batch: every kind of broken, hostile or unusual submission the corpus
generator knows (cohort.corpus) graded in one run together with normal submissions.

The batch completes; every real trainee has exactly one row and no row belongs to nobody;
every kind raises its flag and gets its honest score (tampering never pays, damage never
costs what the answer file holds); nothing outside the course folder changes; trainee HTML
never reaches a feedback page as markup; re-runs (with and without --from) regrade nothing."""
from __future__ import annotations

import csv
import hashlib
import json
import os
import random
from pathlib import Path

import pytest

from ctip.content import loader
from ctip.delivery.submissions import model_answers
from ctip.instructor import cohort, intake, runner

pytestmark = pytest.mark.slow




def snapshot(top: Path, skip: Path) -> dict:
    """Every path under `top` except `skip`, with its size and content hash (links: target)."""
    out = {}
    for dirpath, dirnames, names in os.walk(top):
        if Path(dirpath) == skip.parent:
            dirnames[:] = [d for d in dirnames if Path(dirpath) / d != skip]
        for n in names + dirnames:
            p = Path(dirpath) / n
            if p.is_symlink():
                out[str(p)] = ("link", os.readlink(p))
            elif p.is_file():
                out[str(p)] = ("file", hashlib.sha256(p.read_bytes()).hexdigest())
            else:
                out[str(p)] = ("dir",)
    return out


def honest_total(kind: cohort.Kind, points: dict[str, float], full: float) -> float | None:
    if kind.honest is None:
        return None
    if kind.honest == "full":
        return full
    if kind.honest == "zero":
        return 0.0
    return full - sum(points[i] for i in kind.honest.split(":", 1)[1].split(","))


def test_mixed_batch_of_every_kind(course_root, tmp_path, monkeypatch):
    # caps small enough that the zip-bomb kinds stay cheap to build; the logic is the same
    monkeypatch.setattr(intake, "MAX_FILE", 7_000_000)
    monkeypatch.setattr(intake, "MAX_TOTAL", 16_000_000)
    monkeypatch.setattr(intake, "MAX_MEMBERS", 300)
    inbox = tmp_path / "inbox"
    release = course_root / "exercises" / "ex90" / "ex90.ipynb"
    kinds = cohort.corpus("ex90", release)
    assert len(kinds) >= 70
    for name, kind in kinds.items():
        kind.make(inbox / name)
    normals = {}
    rng = random.Random(5)
    for i in range(5):
        normals[f"normal{i}"] = None
        cohort.write_submission(inbox / f"normal{i}", "ex90", release, cohort.answers_for("ex90", rng.gauss(0, 1), rng),
                                rng.choice(cohort.TEXTS))
    full = {**model_answers("ex90")}
    cohort.write_submission(inbox / "normal_full", "ex90", release, full, "Жооп.")
    ex = loader.exercise("ex90")
    points = {it.id: it.points for it in ex.items}
    auto_max = sum(it.points for it in ex.items if it.kind != "text")
    normals["normal_full"] = auto_max
    evil = Path("/tmp/evil-abs.txt")
    evil.unlink(missing_ok=True)
    outside_before = snapshot(tmp_path, course_root)
    keys_before = (course_root / "solutions" / "ex90.keys.yaml").read_bytes()

    res = runner.run("ex90", course_root, inbox, progress=False, lang="en")

    # the batch completed: every trainee graded, none failed
    assert not res.failed, {k: res.states[k].flags for k in res.failed}
    expected_ids = {tid for name, kind in kinds.items() for tid in (kind.ids or (name,))} | set(normals)
    # exactly one row per real trainee, no phantom rows (junk, links, zips, LMS files)
    with open(res.csv_path, encoding="utf-8") as fh:
        rows = [r["trainee_id"] for r in csv.DictReader(fh)]
    assert len(rows) == len(set(rows))
    assert set(rows) == expected_ids == set(res.states)
    # every kind: its flag and its honest score
    problems = []
    for name, kind in kinds.items():
        for tid in kind.ids or (name,):
            st = res.states[tid]
            codes = [f[0] for f in st.flags]
            if kind.flag and kind.flag not in codes:
                problems.append((name, "flag", kind.flag, codes))
            want = honest_total(kind, points, auto_max)
            if want is not None and len(kind.ids or (name,)) == 1 and st.total != pytest.approx(want):
                problems.append((name, "score", st.total, want, codes))
    assert not problems, problems
    assert res.states["normal_full"].total == auto_max and not res.states["normal_full"].flags
    # both twins kept apart, the later one flagged for the instructor
    assert "identity_similar" in [f[0] for f in res.states["nurlan-2"].flags]
    # nothing outside the course folder changed (the inbox included), nothing escaped a zip
    assert snapshot(tmp_path, course_root) == outside_before
    assert not evil.exists()
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path.parent / "evil.txt").exists()
    assert (course_root / "solutions" / "ex90.keys.yaml").read_bytes() == keys_before
    # originals archived untouched
    archived = list((course_root / "imports" / "ex90" / "notebook_not_json").rglob("ex90.ipynb"))
    assert archived and archived[0].read_bytes() == b'{"cells": [ broken'
    # the older LMS attempt is archived and listed
    assert res.states["cholpon"].older and "Earlier attempts" in (res.report_dir / "report.md").read_text()
    # a duplicated written answer: both copies reach the graded cell for the instructor to choose
    graded_nb = json.loads((course_root / "autograded" / "duplicated_answer_cells" / "ex90" / "ex90.ipynb")
                           .read_text(encoding="utf-8"))
    answer = next(c for c in graded_nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == "q6_answer")
    text = "".join(answer["source"])
    assert "Долбоор" in text and "Акыркы жооп" in text
    # trainee HTML and JavaScript never reach a feedback page as markup
    for tid in ("html_in_new_markdown", "html_raw_cell", "html_code_output", "html_in_answer_cell"):
        page = (course_root / "feedback" / tid / "ex90" / "ex90.html").read_text(encoding="utf-8")
        for payload in ("<script>alert('xss", "<img src=x onerror", 'href="javascript:'):
            assert payload not in page, (tid, payload)
    # broken submissions are left out of item statistics, and the report says so
    report = (res.report_dir / "report.md").read_text(encoding="utf-8")
    summary = json.loads((res.report_dir / "report.json").read_text(encoding="utf-8"))
    assert "answers_missing" in summary["left_out_of_item_statistics"]
    assert "normal_full" not in summary["left_out_of_item_statistics"]
    assert "left out of the item statistics" in report and "OUT OF DATE" not in report and not summary["stale"]
    assert "answer file corrupt (not JSON)" in report

    # a run without --from reads submitted/ back: nothing is regraded or archived again
    imports_before = snapshot(course_root / "imports", course_root / "none")
    again = runner.run("ex90", course_root, None, progress=False, lang="en")
    assert again.graded == [] and not again.failed
    assert snapshot(course_root / "imports", course_root / "none") == imports_before
    # the same inbox again: unchanged submissions (OS junk included) are not regraded
    third = runner.run("ex90", course_root, inbox, progress=False, lang="en")
    assert third.graded == [] and not third.failed and set(third.states) == expected_ids
