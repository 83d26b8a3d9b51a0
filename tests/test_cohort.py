"""ctip-grade: the cohort pipeline end to end on the fixture exercise — CSV content, re-runs,
resuming after a kill — plus analytics on hand-checked tables. The adversarial corpus is in
test_cohort_corpus.py, identity and run hygiene in test_cohort_identity.py."""
from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from nbgrader.api import Gradebook

from ctip import paths
from ctip.delivery.course import COURSE_ID
from ctip.delivery.submissions import model_answers
from ctip.instructor import analytics, cli, cohort, runner

pytestmark = pytest.mark.slow
MODEL = ["c1a", "c2a", "c3a", "c4a", "c5a", "c6a"]


# --- analytics on a table computed by hand ------------------------------------------

TABLE = np.array([[1, 1, 1], [1, 1, 0], [1, 0, 1], [0, 1, 0], [1, 0, 0], [0, 0, 0]], float)


def test_difficulty_by_hand():
    assert analytics.difficulty(TABLE) == pytest.approx([4 / 6, 3 / 6, 2 / 6])


def test_discrimination_by_hand():
    # item 1: x = 1 1 1 0 1 0, rest = 2 1 1 1 0 0; cov = 4/6 - (4/6)(5/6) = 1/9,
    # sd_x = sqrt(2/9), sd_rest = sqrt(7/6 - 25/36) = sqrt(17/36): r = (1/9) / sqrt(34/324)
    # item 2: x = 1 1 0 1 0 0, rest = 2 1 2 0 1 0; cov = 3/6 - (1/2)(1) = 0: r = 0
    # item 3: x = 1 0 1 0 0 0, rest = 2 2 1 1 1 0; cov = 3/6 - (1/3)(7/6) = 1/9,
    # sd_x = sqrt(2/9), sd_rest = sqrt(11/6 - 49/36) = sqrt(17/36): r as item 1
    r1 = (1 / 9) / np.sqrt(34 / 324)
    assert analytics.discrimination(TABLE) == pytest.approx([r1, 0.0, r1])
    assert r1 == pytest.approx(0.343, abs=1e-3)


def test_upper_lower_by_hand():
    # totals 3 2 2 1 1 0: 27 % of 6 rounds to 2; low = trainees 6 and 4, high = 3 and 1
    assert analytics.upper_lower(TABLE) == pytest.approx([1.0, 0.0, 1.0])


def test_item_flags_and_distractors():
    flags = analytics.item_flags(np.array([0.95, 0.1, 0.5, 0.5]), np.array([0.2, 0.3, -0.2, np.nan]))
    assert flags == [["easy"], ["hard"], ["negative"], []]
    assert analytics.distractor_counts(["a", "b", "a", ["a", "c"], "z"], ["a", "b", "c"]) == {"a": 3, "b": 1, "c": 1}
    assert analytics.distractor_counts([True, False, True], ["true", "false"]) == {"true": 2, "false": 1}


# --- the pipeline on the fixture course ------------------------------------------------



def release(root):
    return root / "exercises" / "ex90" / "ex90.ipynb"


def read_csv(path):
    with open(path, encoding="utf-8") as fh:
        return {row["trainee_id"]: row for row in csv.DictReader(fh)}


def test_csv_scores_reruns_and_manual_grades_survive(course_root, tmp_path):
    inbox = tmp_path / "inbox"
    full = {**model_answers("ex90"), "q8": {"path": MODEL, "trainee": "x"}}
    cohort.write_submission(inbox / "aibek", "ex90", release(course_root), full, "Жооп.")
    cohort.write_submission(inbox / "nurzat", "ex90", release(course_root),
                            {"q1": "b", "q2": ["a", "c"], "q5": ["s2", "s1", "s3"]})
    res = runner.run("ex90", course_root, inbox, progress=False)
    assert sorted(res.graded) == ["aibek", "nurzat"] and not res.failed
    rows = read_csv(res.csv_path)
    assert list(rows["aibek"])[:10] == ["trainee_id", "q1", "q2", "q3", "q4", "q5", "q7", "q8", "q6", "total"]
    assert [rows["aibek"][k] for k in ("q1", "q2", "q3", "q4", "q5", "q7", "q8", "q6", "total", "max_score")] == \
        ["1", "3", "1", "2", "2", "2", "5", "0", "16", "18"]
    assert [rows["nurzat"][k] for k in ("q1", "q2", "q5", "total")] == ["1", "2", "1.33", "4.33"]
    # the instructor grades aibek's free text; a re-run changes nothing it already graded
    with Gradebook(f"sqlite:///{course_root}/gradebook.db", course_id=COURSE_ID) as gb:
        g = gb.find_grade("q6_answer", "ex90", "ex90", "aibek")
        g.manual_score, g.needs_manual_grade = 2, False
        gb.db.commit()
    again = runner.run("ex90", course_root, inbox, progress=False)
    assert again.graded == [] and sorted(again.skipped) == ["aibek", "nurzat"]
    # nurzat resubmits: only nurzat is graded again, aibek's manual grade stays
    cohort.write_submission(inbox / "nurzat", "ex90", release(course_root), {"q1": "b", "q3": True})
    third = runner.run("ex90", course_root, inbox, progress=False)
    assert third.graded == ["nurzat"] and third.skipped == ["aibek"]
    with Gradebook(f"sqlite:///{course_root}/gradebook.db", course_id=COURSE_ID) as gb:
        assert gb.find_grade("q6_answer", "ex90", "ex90", "aibek").score == 2
        assert gb.find_submission("ex90", "aibek").score == 18
        assert gb.find_submission("ex90", "nurzat").score == 2
    assert (course_root / "feedback" / "aibek" / "ex90" / "ex90.html").exists()
    assert (res.report_dir / "report.md").read_text(encoding="utf-8").startswith("# Баалоо отчету: ex90")


def test_lms_zip_import(course_root, tmp_path):
    """A zip with a folder per trainee and the flat names of an LMS export (nbgrader zip collect)."""
    import zipfile
    src = tmp_path / "src"
    full = {**model_answers("ex90"), "q8": {"path": MODEL, "trainee": "x"}}
    cohort.write_submission(src / "aibek", "ex90", release(course_root), full)
    cohort.write_submission(src / "nurzat", "ex90", release(course_root), {"q1": "b"})
    zpath = tmp_path / "export.zip"
    with zipfile.ZipFile(zpath, "w") as z:
        for name in ("ex90.ipynb", "ex90.answers.json"):
            z.write(src / "aibek" / name, f"aibek/{name}")
            z.write(src / "nurzat" / name, f"Exercise 90_nurzat_attempt_2026-11-20-10-00-00_{name}")
    res = runner.run("ex90", course_root, zpath, progress=False)
    assert sorted(res.graded) == ["aibek", "nurzat"]
    assert res.states["aibek"].total == 16 and res.states["nurzat"].total == 1
    stamp = (course_root / "submitted" / "nurzat" / "ex90" / "timestamp.txt").read_text()
    assert stamp.startswith("2026-11-20 10:00:00")


# the adversarial corpus, mixed with normal submissions, is graded in tests/test_cohort_corpus.py


def ctip_grade(root, inbox, env):
    return subprocess.Popen([sys.executable, "-m", "ctip.instructor.cli", "run", "ex90", "--course", str(root),
                             "--from", str(inbox)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_a_killed_run_loses_nothing(course_root, tmp_path):
    inbox = tmp_path / "inbox"
    import random
    rng = random.Random(3)
    for i in range(12):
        cohort.write_submission(inbox / f"t{i:02d}", "ex90", release(course_root),
                                cohort.answers_for("ex90", rng.gauss(0, 1), rng))
    clean = tmp_path / "clean"
    shutil.copytree(course_root, clean)
    env = {**os.environ}
    proc = ctip_grade(course_root, inbox, env)
    state = course_root / "reports" / "ex90" / "state.json"
    deadline = time.time() + 120
    while time.time() < deadline:
        if state.exists() and len(runner.load_state(state)) >= 4:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = len(runner.load_state(state))
    assert 4 <= done_before < 12, "the run must be killed half way"
    rerun = runner.run("ex90", course_root, inbox, progress=False)
    assert len(rerun.skipped) >= done_before - 1 and len(rerun.graded) + len(rerun.skipped) == 12
    whole = runner.run("ex90", clean, inbox, progress=False)
    assert read_csv(rerun.csv_path) == read_csv(whole.csv_path)


def test_help_in_kyrgyz_and_english(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    ky = capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["--lang", "en", "run", "--help"])
    en = capsys.readouterr().out
    assert "Көнүгүүнү бүт топ үчүн" in ky and "параметрлер" in ky
    assert "grade an exercise" in en and "options" in en


def test_demo_cohort_runs_end_to_end(tmp_path, capsys):
    course = tmp_path / "demo"
    assert cli.main(["demo", "--trainees", "12", "--exercise", "ex01", "--course", str(course)]) == 0
    report = course / "reports" / "ex01"
    rows = read_csv(report / "ex01-grades.csv")
    assert len(rows) == 12
    assert {"scores.png", "items.png", "distractors.png", "modules.png", "report.md"} <= {p.name for p in report.iterdir()}
    summary = json.loads((report / "report.json").read_text(encoding="utf-8"))
    assert set(summary["items"]) == {it for it in next(iter(rows.values())) if it.startswith("q")} - {"q13"}
    # the instructors' analytics notebook draws the same plots from that course
    import nbformat
    import papermill as pm
    out = tmp_path / "analytics.out.ipynb"
    pm.execute_notebook(str(paths.DOCS / "analytics.ipynb"), str(out), parameters={"course": str(course)},
                        cwd=str(paths.DOCS), progress_bar=False, execution_timeout=120, kernel_name="python3")
    outputs = [o for c in nbformat.read(out, as_version=4).cells if c.cell_type == "code" for o in c.outputs]
    assert sum("image/png" in o.get("data", {}) for o in outputs) == 4
    assert any("| q01 |" in o.get("data", {}).get("text/markdown", "") for o in outputs)


def test_bad_command_lines_get_a_clear_message(tmp_path, capsys):
    assert cli.main(["run", "ex99"]) == 2
    assert "Мындай көнүгүү жок: ex99" in capsys.readouterr().err
    assert cli.main(["--lang", "en", "run", "ex01", "--from", str(tmp_path / "nope")]) == 2
    assert "Submissions not found" in capsys.readouterr().err
    assert cli.main(["run", "ex01", "--course", str(tmp_path)]) == 2
    assert "nbgrader курсу эмес" in capsys.readouterr().err
