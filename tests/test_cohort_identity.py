"""ctip-grade: who gets which grade, and the run around it.

Identity survives reruns (three runs with folders added between them keep every trainee's id
and gradebook record); LMS exports keep user ids with underscores apart, grade the newest
attempt and decode legacy zip names; one failing stage flags one trainee and the batch goes
on; the CSV always carries manual grades; the report is rewritten or marked stale; one run
per course; Ctrl-C stops cleanly; no third-party warnings reach the terminal; scores equal
stock nbgrader's on the value kinds that used to stop the batch."""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys

import pytest
from nbgrader.api import Gradebook

from ctip.delivery import course
from ctip.delivery.course import COURSE_ID
from ctip.delivery.submissions import model_answers
from ctip.instructor import cli, cohort, report, runner, validate

pytestmark = pytest.mark.slow
MODEL = ["c1a", "c2a", "c3a", "c4a", "c5a", "c6a"]




def release(root):
    return root / "exercises" / "ex90" / "ex90.ipynb"


def full():
    return {**model_answers("ex90"), "q8": {"path": MODEL, "trainee": "x"}}


def read_csv(path):
    with open(path, encoding="utf-8") as fh:
        return {row["trainee_id"]: row for row in csv.DictReader(fh)}


def book(root):
    with Gradebook(f"sqlite:///{root}/gradebook.db", course_id=COURSE_ID) as gb:
        return {s.student.id: float(s.score) for s in gb.find_assignment("ex90").submissions}


def lms_files(folder, user, ts, answers, root, assignment="Exercise 90"):
    nb = (release(root)).read_bytes()
    cohort._lms(folder, assignment, user, ts, "ex90", nb,
                json.dumps(cohort.answer_file("ex90", answers), ensure_ascii=False).encode())


def test_three_runs_keep_every_id_and_record(course_root, tmp_path):
    inbox = tmp_path / "inbox"
    w = cohort.write_submission
    w(inbox / "bakyt", "ex90", release(course_root), full())
    w(inbox / "nurzat", "ex90", release(course_root), {"q1": "b"})
    lms_files(inbox, "ali_k", "2026-11-20-10-00-00", {"q1": "b", "q3": True}, course_root)
    first = runner.run("ex90", course_root, inbox, progress=False)
    assert set(first.states) == {"bakyt", "nurzat", "ali_k"}
    ids_scores = {k: s.total for k, s in first.states.items()}
    # the instructor grades bakyt's free text in formgrader
    with Gradebook(f"sqlite:///{course_root}/gradebook.db", course_id=COURSE_ID) as gb:
        g = gb.find_grade("q6_answer", "ex90", "ex90", "bakyt")
        g.manual_score, g.needs_manual_grade = 2, False
        gb.db.commit()
    # run 2: new folders that sort before, look like, or collide with existing trainees
    w(inbox / "aaron", "ex90", release(course_root), {"q1": "b"})
    w(inbox / "Bakyt", "ex90", release(course_root), {})                 # same name, other case
    w(inbox / "ali k", "ex90", release(course_root), {})                 # safe id "ali_k" is taken
    lms_files(inbox, "bob_k", "2026-11-20-11-00-00", {}, course_root)    # underscore ids stay apart
    second = runner.run("ex90", course_root, inbox, progress=False)
    assert sorted(second.graded) == sorted(["aaron", "Bakyt-2", "ali_k-2", "bob_k"])
    assert sorted(second.skipped) == ["ali_k", "bakyt", "nurzat"]
    for tid in ("Bakyt-2", "ali_k-2"):
        assert "identity_similar" in [f[0] for f in second.states[tid].flags]
    # the CSV carries the manual grade although bakyt's submission did not change
    assert read_csv(second.csv_path)["bakyt"]["total"] == "18"
    # run 3: a newer LMS attempt of ali_k, listed before the older one in the folder
    lms_files(inbox, "ali_k", "2026-11-21-9-00-00", full(), course_root)
    shutil.rmtree(inbox / "aaron")                                       # a folder gone: the record stays
    third = runner.run("ex90", course_root, inbox, progress=False)
    assert third.graded == ["ali_k"]
    assert third.states["ali_k"].total == 16 and third.states["ali_k"].older
    for tid in ("bakyt", "nurzat", "aaron", "Bakyt-2", "ali_k-2", "bob_k"):
        assert third.states[tid].total == (18 if tid == "bakyt" else second.states[tid].total), tid
    assert ids_scores["nurzat"] == third.states["nurzat"].total
    scores = book(course_root)
    assert scores["bakyt"] == 18 and scores["ali_k"] == 16 and scores["Bakyt-2"] == 0
    roster = json.loads((course_root / "reports" / "roster.json").read_text(encoding="utf-8"))["trainees"]
    assert roster["ali_k"]["lms_ids"] == ["ali_k"] and roster["bob_k"]["lms_ids"] == ["bob_k"]
    assert roster["ali_k-2"]["names"] == ["ali k"] and roster["Bakyt-2"]["names"] == ["Bakyt"]
    # run 4 without --from: nothing regraded, the manual grade still in the CSV
    fourth = runner.run("ex90", course_root, None, progress=False)
    assert fourth.graded == [] and read_csv(fourth.csv_path)["bakyt"]["total"] == "18"


def test_lms_zip_ids_attempts_names_and_damage(course_root, tmp_path):
    nb = release(course_root).read_bytes()

    def ans(a):
        return json.dumps(cohort.answer_file("ex90", a), ensure_ascii=False).encode()
    zpath = tmp_path / "export.zip"
    old, new = "2026-11-9-10-00-00", "2026-11-10-10-00-00"     # the newer one sorts first
    members = [
        (f"Exercise 90_ali_k_attempt_{new}_ex90.ipynb", nb), (f"Exercise 90_ali_k_attempt_{new}_ex90.answers.json",
                                                              ans(full())),
        (f"Exercise 90_ali_k_attempt_{old}_ex90.ipynb", nb), (f"Exercise 90_ali_k_attempt_{old}_ex90.answers.json",
                                                              ans({})),
        (f"Exercise 90_bob_k_attempt_{new}_ex90.ipynb", nb), (f"Exercise 90_bob_k_attempt_{new}_ex90.answers.json",
                                                              ans({"q1": "b"})),
        ("__MACOSX/._Exercise 90_bob_k_attempt_x_ex90.ipynb", b"\0"), (".DS_Store", b"\0"),
        ("../../../evil.txt", b"x"), ("cyril\\ex90.ipynb", nb), ("cyril\\ex90.answers.json", ans(full())),
    ]
    cohort._zip(zpath, members)
    cohort.patch_zip(zpath, f"Exercise 90_bob_k_attempt_{new}_ex90.ipynb", "crc")
    res = runner.run("ex90", course_root, zpath, progress=False, lang="en")
    assert set(res.states) == {"ali_k", "bob_k", "cyril"} and not res.failed
    assert res.states["ali_k"].total == 16 and len(res.states["ali_k"].older) == 1
    # bob_k's notebook is damaged in the zip: graded from the answer file, the damage reported
    assert res.states["bob_k"].total == 1 and "nb_missing" in [f[0] for f in res.states["bob_k"].flags]
    assert "zip_damaged" in [n[0] for n in res.notices]
    assert res.states["cyril"].total == 16
    assert "zip_unsafe_path" in [n[0] for n in res.notices]
    assert not (tmp_path / "evil.txt").exists()
    # folder names written by Windows in cp866 and cp1251 become the right ids
    legacy = tmp_path / "legacy.zip"
    cohort.zip_legacy_names(legacy, [("Айбек".encode("cp866"), "ex90.ipynb", nb),
                                     ("Айбек".encode("cp866"), "ex90.answers.json", ans(full())),
                                     ("Нурзат".encode("cp1251"), "ex90.ipynb", nb),
                                     ("Нурзат".encode("cp1251"), "ex90.answers.json", ans({"q1": "b"}))])
    res2 = runner.run("ex90", course_root, legacy, progress=False)
    assert {"Айбек", "Нурзат"} <= set(res2.states)
    assert res2.states["Айбек"].total == 16 and res2.states["Нурзат"].total == 1
    # a zip date of zero and an encrypted member do not stop anyone
    odd = tmp_path / "odd.zip"
    cohort._zip(odd, [("dana/ex90.ipynb", nb), ("dana/ex90.answers.json", ans(full())),
                      ("erlan/ex90.ipynb", nb), ("erlan/ex90.answers.json", ans(full()))], date=(1980, 0, 0, 0, 0, 0))
    cohort.patch_zip(odd, "erlan/ex90.ipynb", "encrypted")
    res3 = runner.run("ex90", course_root, odd, progress=False)
    assert res3.states["dana"].total == 16 and res3.states["erlan"].total == 16
    assert "zip_encrypted" in [n[0] for n in res3.notices]


def test_not_a_zip_gets_a_clear_message(course_root, tmp_path, capsys):
    bad = tmp_path / "export.zip"
    bad.write_bytes(b"not a zip at all")
    assert cli.main(["--lang", "en", "run", "ex90", "--course", str(course_root), "--from", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "cannot be read as a zip" in err and "Traceback" not in err


def test_one_failing_stage_flags_one_trainee(course_root, tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    for name in ("a", "b", "c"):
        cohort.write_submission(inbox / name, "ex90", release(course_root), full())
    real = validate.check

    def check(inc, *args):
        if inc.trainee == "b":
            raise RecursionError("maximum recursion depth exceeded")
        return real(inc, *args)
    monkeypatch.setattr(validate, "check", check)
    res = runner.run("ex90", course_root, inbox, progress=False, lang="en")
    assert res.failed == ["b"] and sorted(res.graded) == ["a", "c"]
    (code, params), = [f for f in res.states["b"].flags if f[0] == "failed"]
    assert params["stage"] == "validate" and params["kind"] == "depth"
    text = (res.report_dir / "report.md").read_text(encoding="utf-8")
    assert "**b**" in text and "NOT GRADED: stage «check» failed (nested too deep" in text
    assert read_csv(res.csv_path)["b"]["status"] == "failed"
    # the next run (the cause fixed) grades b, and only b
    monkeypatch.setattr(validate, "check", real)
    again = runner.run("ex90", course_root, inbox, progress=False, lang="en")
    assert again.graded == ["b"] and again.states["b"].total == 16


def test_report_rewritten_or_marked_stale_and_ctrl_c(course_root, tmp_path, monkeypatch, capsys):
    inbox = tmp_path / "inbox"
    for name in ("a", "b", "c"):
        cohort.write_submission(inbox / name, "ex90", release(course_root), full())
    runner.run("ex90", course_root, inbox, progress=False, lang="en")
    md = course_root / "reports" / "ex90" / "report.md"
    assert "OUT OF DATE" not in md.read_text(encoding="utf-8")
    # Ctrl-C in the middle of a run: what is graded is kept, the report says it is stale
    cohort.write_submission(inbox / "d", "ex90", release(course_root), full())
    cohort.write_submission(inbox / "e", "ex90", release(course_root), full())
    real = runner.grade_one
    calls = []

    def grade_one(api, root, eid, inc, *a):
        calls.append(inc.trainee)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(api, root, eid, inc, *a)
    monkeypatch.setattr(runner, "grade_one", grade_one)
    assert cli.main(["--lang", "en", "run", "ex90", "--course", str(course_root), "--from", str(inbox)]) == 130
    err = capsys.readouterr().err
    assert "Stopped" in err and "Traceback" not in err
    assert md.read_text(encoding="utf-8").startswith(report.STALE_MARK) and "OUT OF DATE" in md.read_text()
    assert json.loads((md.parent / "report.json").read_text())["stale"] is True
    # the next run resumes (the lock died with the interrupted run) and rewrites the report
    monkeypatch.setattr(runner, "grade_one", real)
    res = runner.run("ex90", course_root, inbox, progress=False, lang="en")
    assert res.graded == ["e"] and set(res.states) == {"a", "b", "c", "d", "e"}
    assert "OUT OF DATE" not in md.read_text(encoding="utf-8")
    # a report that cannot be made is replaced by a short one saying why; the CSV is current
    monkeypatch.setattr(report, "write", lambda *a, **k: 1 / 0)
    res = runner.run("ex90", course_root, inbox, progress=False, lang="en")
    assert "could not be made (division by zero)" in md.read_text(encoding="utf-8")
    assert set(read_csv(res.csv_path)) == {"a", "b", "c", "d", "e"}


def test_two_runs_on_one_course_do_not_interleave(course_root, tmp_path, capsys):
    inbox = tmp_path / "inbox"
    cohort.write_submission(inbox / "a", "ex90", release(course_root), full())
    with runner.course_lock(course_root):
        with pytest.raises(runner.Locked):
            runner.run("ex90", course_root, inbox, progress=False)
        assert cli.main(["--lang", "en", "run", "ex90", "--course", str(course_root), "--from", str(inbox)]) == 2
        assert "Another ctip-grade run is grading this course (pid" in capsys.readouterr().err
    assert runner.run("ex90", course_root, inbox, progress=False).graded == ["a"]


def test_terminal_output_has_no_warnings_or_tracebacks(course_root, tmp_path):
    inbox = tmp_path / "inbox"
    kinds = cohort.corpus("ex90", release(course_root))
    for name in ("notebook_no_cell_ids", "notebook_duplicate_cell_ids", "answers_unhashable_value",
                 "notebook_lone_surrogate", "changed_points", "zip_bad_crc", "os_junk"):
        kinds[name].make(inbox / name)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    out = subprocess.run([sys.executable, "-m", "ctip.instructor.cli", "--lang", "en", "run", "ex90", "--course",
                          str(course_root), "--from", str(inbox)], env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = [ln for ln in (out.stdout + out.stderr).splitlines() if ln.strip()]
    noisy = [ln for ln in lines if any(w in ln for w in ("Warning", "Traceback", "[ERROR]", "WARNING", "invalid",
                                                          "Failed validating", "On instance"))]
    assert not noisy, noisy[:5]
    assert "Done: 7 graded" in out.stdout


def test_scores_equal_stock_nbgrader_on_odd_values(course_root, tmp_path):
    """ctip-grade (no kernel) and stock nbgrader (a kernel runs every hidden test) give the same
    score to every grade cell of the value kinds that used to stop the batch."""
    inbox = tmp_path / "inbox"
    kinds = cohort.corpus("ex90", release(course_root))
    names = ["answers_unhashable_value", "answers_lone_surrogate", "answers_object_for_choice",
             "answers_nan_value", "answers_entry_not_object", "answers_utf16", "control_wrong_answers"]
    for name in names:
        kinds[name].make(inbox / name)
    cohort.write_submission(inbox / "model", "ex90", release(course_root), full())
    ours = runner.run("ex90", course_root, inbox, progress=False, feedback=False)
    assert not ours.failed
    stock = course.api(course_root)
    for tid in [*names, "model"]:
        assert stock.autograde("ex90", tid, force=True)["success"], tid
    with Gradebook(f"sqlite:///{course_root}/gradebook.db", course_id=COURSE_ID) as gb:
        for tid in [*names, "model"]:
            nb = gb.find_submission_notebook("ex90", "ex90", tid)
            assert {g.name: float(g.score) for g in nb.grades} == ours.states[tid].scores, tid
