"""ctip-grade aggregates the review logs trainees hand in with an exercise (issue 14): a
per-topic retention table (CSV), a plot and short console lines; a damaged log is flagged and
left out as a whole, and nothing else changes."""
from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta, timezone

import pytest

from ctip.delivery.submissions import model_answers
from ctip.i18n import t
from ctip.instructor import cli
from ctip.instructor import cohort as synth
from ctip.instructor import report
from ctip.review import cohort
from ctip.review.state import ReviewState

pytestmark = pytest.mark.slow
T0 = datetime(2026, 9, 1, 7, 0, tzinfo=timezone.utc)


def history(folder, plan):
    """A trainee's review state: module answers at T0, then reviews on later days.
    plan: {day: {item: fraction}} (day 0 = the module)."""
    folder.mkdir(parents=True)
    (folder / "m90.answers.json").write_text(json.dumps(
        {"format": "ctip-answers", "version": 1, "notebook": "m90",
         "answers": {sid: {"value": None, "time": T0.isoformat(), "attempts": 1, "fraction": f}
                     for sid, f in plan[0].items()}}), encoding="utf-8")
    now = [T0]
    state = ReviewState(folder, clock=lambda: now[0])
    for day in sorted(d for d in plan if d):
        now[0] = T0 + timedelta(days=day, hours=2)
        for sid, f in plan[day].items():
            state.record(sid, f)
    return state


def submit(inbox, release, name, state=None):
    synth.write_submission(inbox / name, "ex90", release, model_answers("ex90"))
    if state is not None:
        cohort.attach(inbox / name / "ex90.answers.json", state)
    return inbox / name / "ex90.answers.json"


def read_rows(path):
    with open(path, encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_grade_run_aggregates_review_logs(course_root, tmp_path, capsys):
    release = course_root / "exercises" / "ex90" / "ex90.ipynb"
    inbox = tmp_path / "inbox"
    a = history(tmp_path / "a", {0: {"m90.q1": 1.0, "m90.q2": 1.0, "m90.q3": 0.0},
                                 3: {"m90.q1": 1.0, "m90.q2": 0.0, "m90.q3": 1.0},
                                 10: {"m90.q2": 1.0, "m90.q3": 0.5}})
    b = history(tmp_path / "b", {0: {"m90.q1": 1.0, "m90.q2": 0.0, "m90.c1/act": 1.0},
                                 4: {"m90.q1": 0.0, "m90.q2": 1.0, "m90.c1/act": 1.0}})
    good = {"aibek": submit(inbox, release, "aibek", a), "nurzat": submit(inbox, release, "nurzat", b)}
    submit(inbox, release, "bolot")                                  # hands in no log
    damaged = submit(inbox, release, "damir", a)
    data = json.loads(damaged.read_text(encoding="utf-8"))
    data["review"]["logs"][1]["fraction"] = 7                        # one unreadable entry
    data["review"]["logs"].append({"item": "m90.q1", "time": "next week", "fraction": 0.0})
    damaged.write_text(json.dumps(data), encoding="utf-8")

    expected = cohort.cohort_retention(good)           # what the two sound logs give
    assert {r.topic for r in expected} == {"elements", "children"}

    rc = cli.main(["run", "ex90", "--course", str(course_root), "--from", str(inbox), "--no-feedback"])
    out = capsys.readouterr().out
    assert rc == 0
    res_dir = course_root / "reports" / "ex90"
    state = json.loads((res_dir / "state.json").read_text(encoding="utf-8"))
    assert sorted(state) == ["aibek", "bolot", "damir", "nurzat"]
    assert all(s["status"] == "graded" for s in state.values())
    assert len({s["total"] for s in state.values()}) == 1            # the logs change no grade

    # the CSV holds exactly cohort_retention's figures of the sound logs
    rows = read_rows(res_dir / report.RETENTION_CSV)
    assert [(r["module"], r["topic"]) for r in rows] == [(e.module, e.topic) for e in expected]
    for row, e in zip(rows, expected, strict=True):
        assert row["topic_label"] == e.label
        assert (int(row["trainees"]), int(row["reviews"]), int(row["recalled"])) == (e.trainees, e.reviews, e.recalled)
        assert float(row["retention"]) == pytest.approx(e.retention, abs=1e-4)
        assert float(row["mean_fraction"]) == pytest.approx(e.mean_fraction, abs=1e-4)
        assert float(row["mean_gap_days"]) == pytest.approx(e.mean_gap_days, abs=0.01)
    # by hand: elements = q1, q3 (a: q1 d3 ok, q3 d3 ok, q3 d10 half; b: q1 d4 wrong) -> 2 of 4
    elements = next(r for r in rows if r["topic"] == "elements")
    assert (elements["trainees"], elements["reviews"], elements["recalled"]) == ("2", "4", "2")
    assert (res_dir / report.RETENTION_PNG).read_bytes()[:4] == b"\x89PNG"

    # the damaged log is flagged (report and report.json) and left out; the others are not flagged
    summary = json.loads((res_dir / "report.json").read_text(encoding="utf-8"))
    assert [f[0] for f in summary["flags"]["damir"]] == ["review_log_entries"]
    assert summary["flags"]["damir"][0][1] == {"bad": 2, "total": len(a.logs) + 1}
    assert not any(f[0].startswith("review_log") for k, fl in summary["flags"].items() if k != "damir" for f in fl)
    assert summary["review_retention"]["trainees"] == ["aibek", "nurzat"]
    assert summary["review_retention"]["left_out"] == ["damir"]
    md = (res_dir / "report.md").read_text(encoding="utf-8")
    assert t("report_retention", None, "instructor") in md and f"]({report.RETENTION_PNG})" in md
    assert t("flag.review_log_entries", None, "instructor", bad=2, total=len(a.logs) + 1) in md

    # the console: one short line per topic and the left-out count
    head = t("console_retention", None, "instructor", n=2)
    assert head in out
    for e in expected:
        assert t("console_retention_line", None, "instructor", module=e.module, label=e.label,
                 pct=f"{100 * e.retention:.0f} %", recalled=e.recalled, reviews=e.reviews, trainees=e.trainees) in out
    assert t("console_retention_left_out", None, "instructor", n=1) in out


def test_grade_run_without_review_logs(course_root, tmp_path, capsys):
    release = course_root / "exercises" / "ex90" / "ex90.ipynb"
    inbox = tmp_path / "inbox"
    for name in ("aibek", "nurzat"):
        submit(inbox, release, name)
    res_dir = course_root / "reports" / "ex90"
    res_dir.mkdir(parents=True, exist_ok=True)
    (res_dir / report.RETENTION_CSV).write_text("stale", encoding="utf-8")    # from an earlier run
    rc = cli.main(["--lang", "en", "run", "ex90", "--course", str(course_root), "--from", str(inbox),
                   "--no-feedback"])
    out = capsys.readouterr().out
    assert rc == 0
    assert out.strip().splitlines()[-1].startswith("Done: 2 graded")
    assert "retention" not in out.lower()                 # nothing to say on the console
    md = (res_dir / "report.md").read_text(encoding="utf-8")
    assert t("report_retention_none", "en", "instructor") in md
    assert not (res_dir / report.RETENTION_CSV).exists() and not (res_dir / report.RETENTION_PNG).exists()
    summary = json.loads((res_dir / "report.json").read_text(encoding="utf-8"))
    assert summary["flags"] == {} or not any(f[0].startswith("review_log") for fl in summary["flags"].values()
                                             for f in fl)


def test_check_handed_in_tells_damage_from_absence(fixture_course, tmp_path):
    s = history(tmp_path / "a", {0: {"m90.q1": 1.0}, 2: {"m90.q1": 1.0}})
    sound = {"format": "ctip-answers", "answers": {}, "review": cohort.payload(s)}
    assert cohort.check_handed_in(sound) == (sound["review"]["logs"], None, {})
    assert cohort.check_handed_in({"format": "ctip-answers", "answers": {}}) == ([], None, {})
    assert cohort.check_handed_in(b"{not json") == ([], None, {})           # the answer file's problem
    assert cohort.check_handed_in(tmp_path / "missing.json") == ([], None, {})
    assert cohort.check_handed_in({"review": "lost"})[1:] == ("review_log_bad", {})
    assert cohort.check_handed_in({"review": {"format": "ctip-review-log", "logs": {}}})[1] == "review_log_bad"
    bad = {"review": {"format": "ctip-review-log", "logs": [*sound["review"]["logs"], {"item": 3}]}}
    assert cohort.check_handed_in(bad) == ([], "review_log_entries", {"bad": 1, "total": 3})
