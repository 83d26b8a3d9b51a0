"""nbgrader round trip in a scratch course: release, submit, autograde, manual grade, feedback.

For the fixture exercise and every course exercise: model answers score full marks, an
untouched release scores 0, a crafted part-right submission scores exactly what the documented
rules give, and the feedback HTML shows per-item lines but no hidden test, key or rubric."""
from __future__ import annotations

import shutil

import pytest
from nbgrader.api import Gradebook

from ctip import paths
from ctip.content import loader
from ctip.content.models import Text
from ctip.delivery import course, notebooks
from ctip.delivery.submissions import model_answers, submit

pytestmark = pytest.mark.slow


def crafted(eid):
    """Right answers on even-numbered items, one multi answered with one right option only,
    the rest unanswered; returns (answers, expected autograded points), computed by hand."""
    ex, keys = loader.exercise(eid), loader.keys(eid)
    answers, expected, multi_done = {}, 0.0, False
    for i, it in enumerate(ex.items):
        if isinstance(it, Text):
            continue
        key = keys.items[it.id].key
        if it.kind == "simulation":
            if i % 2 == 0:
                answers[it.id] = {"path": list(loader.scoring(it.case).model_path), "trainee": "x"}
                expected += it.points
        elif it.kind == "multi" and not multi_done:
            multi_done = True
            answers[it.id] = key[:1]
            expected += round(it.points / len(key), 2)
        elif i % 2 == 0:
            answers[it.id] = key
            expected += it.points
    return answers, round(expected, 2)


def run_course(root, eid, source_text):
    (root / "solutions" / eid).mkdir(parents=True)
    (root / "solutions" / eid / f"{eid}.ipynb").write_text(source_text, encoding="utf-8")
    api = course.api(root)
    assert api.generate_assignment(eid, force=True)["success"]
    release = root / "exercises" / eid / f"{eid}.ipynb"
    ex = loader.exercise(eid)
    texts = {it.id: "Менин жообум: бул адамдарды сатуу, анткени үч элемент тең бар." for it in ex.items
             if isinstance(it, Text)}
    submit(root, "full", eid, model_answers(eid), release, texts)
    submit(root, "empty", eid, None, release)
    answers, expected = crafted(eid)
    submit(root, "part", eid, answers, release)
    for student in ("full", "empty", "part"):
        res = api.autograde(eid, student, force=True)
        assert res["success"], res.get("log")
    auto_max = sum(it.points for it in ex.items if not isinstance(it, Text))
    with Gradebook(f"sqlite:///{root}/gradebook.db", course_id=course.COURSE_ID) as gb:
        scores = {s: gb.find_submission(eid, s).score for s in ("full", "empty", "part")}
        flagged = gb.find_submission(eid, "full").needs_manual_grade
        for it in ex.items:                    # the instructor grades free text in formgrader
            if isinstance(it, Text):
                g = gb.find_grade(f"{it.id}_answer", eid, eid, "full")
                g.manual_score, g.needs_manual_grade = it.points, False
        gb.db.commit()
        final_full = gb.find_submission(eid, "full").score
    assert api.generate_feedback(eid)["success"]
    feedback = {s: (root / "feedback" / s / eid / f"{eid}.html").read_text(encoding="utf-8")
                for s in ("full", "empty", "part")}
    return dict(scores=scores, auto_max=auto_max, expected_part=expected, flagged=flagged,
                final_full=final_full, max=sum(it.points for it in ex.items), feedback=feedback,
                release=release.read_text(encoding="utf-8"))


def secrets(eid, source_text):
    """Strings that must never reach a trainee: hidden-test code, rubric lines, model answers."""
    keys = loader.keys(eid)
    out = ["BEGIN HIDDEN TESTS", "grade_item(", "key=", "БААЛОО КРИТЕРИЙЛЕРИ", "BEGIN SOLUTION"]
    for k in keys.items.values():
        out += [r.text for r in k.rubric]
        if k.model_answer:
            out.append(k.model_answer[:60])
    return out


def check(result, eid, source_text):
    assert result["scores"]["full"] == pytest.approx(result["auto_max"])
    assert result["scores"]["empty"] == 0
    assert result["scores"]["part"] == pytest.approx(result["expected_part"])
    assert result["final_full"] == pytest.approx(result["max"])
    assert result["flagged"] == any(isinstance(it, Text) for it in loader.exercise(eid).items)
    for text in [result["release"], *result["feedback"].values()]:
        for secret in secrets(eid, source_text):
            assert secret not in text
    # per-item feedback is there, in Kyrgyz, with the trainee's score
    assert "1-суроо:" in result["feedback"]["part"] and "упай" in result["feedback"]["part"]


def test_fixture_exercise_round_trip(fixture_course, tmp_path):
    src = notebooks.dumps(notebooks.source_notebook("ex90"))
    r = run_course(tmp_path, "ex90", src)
    check(r, "ex90", src)
    # the mixed submission of the docs' example: q3 right, q4 half sorted, q5 one pair swapped
    api = course.api(tmp_path)
    submit(tmp_path, "mixed", "ex90", {"q1": "a", "q2": ["a", "b"], "q3": True,
                                        "q4": {"x1": "act", "x2": "act"}, "q5": ["s2", "s1", "s3"]},
           tmp_path / "exercises" / "ex90" / "ex90.ipynb")
    assert api.autograde("ex90", "mixed")["success"]
    with Gradebook(f"sqlite:///{tmp_path}/gradebook.db", course_id=course.COURSE_ID) as gb:
        assert gb.find_submission("ex90", "mixed").score == pytest.approx(1 + 0.5 + 1.33)


def test_graded_case_full_zero_partial(fixture_course, tmp_path):
    """A branching case graded by nbgrader: model path, no path, and a path with one harm
    instead of the interview, and traces missed: steps 2+1+2+2 = 7 of 10, minus the 3-point
    harm = 4/10 -> 2.0 of 5 points."""
    api, release = fixture_release(tmp_path)
    model = ["c1a", "c2a", "c3a", "c4a", "c5a", "c6a"]
    partial = ["c1a", "c2a", "c3b", "c4b", "c5a", "c6a"]
    for student, path in (("model", model), ("none", None), ("harm", partial)):
        submit(tmp_path, student, "ex90", None if path is None else {"q8": {"path": path, "trainee": student}},
               release)
        assert api.autograde("ex90", student)["success"]
    with Gradebook(f"sqlite:///{tmp_path}/gradebook.db", course_id=course.COURSE_ID) as gb:
        got = {s: gb.find_grade("q8_test", "ex90", "ex90", s).score for s in ("model", "none", "harm")}
    assert got == {"model": 5.0, "none": 0.0, "harm": 2.0}
    assert api.generate_feedback("ex90")["success"]
    fb = (tmp_path / "feedback" / "harm" / "ex90" / "ex90.html").read_text(encoding="utf-8")
    assert "милдеттүү кадамдар: 4 / 6; зыяндуу аракеттер: 1" in fb
    assert "model_path" not in fb and "SCORING" not in fb


def fixture_release(root):
    """A scratch course with the fixture exercise released: (api, release notebook path)."""
    (root / "solutions" / "ex90").mkdir(parents=True)
    (root / "solutions" / "ex90" / "ex90.ipynb").write_text(notebooks.dumps(notebooks.source_notebook("ex90")),
                                                           encoding="utf-8")
    api = course.api(root)
    assert api.generate_assignment("ex90", force=True)["success"]
    return api, root / "exercises" / "ex90" / "ex90.ipynb"


def test_bad_answer_file_scores_zero_with_a_reason(fixture_course, tmp_path):
    api, release = fixture_release(tmp_path)
    dest = submit(tmp_path, "broken", "ex90", None, release)
    (dest / "ex90.answers.json").write_text("{not json", encoding="utf-8")
    dest2 = submit(tmp_path, "wrongtypes", "ex90", {"q1": ["b"], "q2": "a", "q3": "yes"}, release)
    for s in ("broken", "wrongtypes"):
        assert api.autograde("ex90", s)["success"]
    with Gradebook(f"sqlite:///{tmp_path}/gradebook.db", course_id=course.COURSE_ID) as gb:
        assert gb.find_submission("ex90", "broken").score == 0
        assert gb.find_submission("ex90", "wrongtypes").score == 0
    assert (dest / "ex90.answers.json").read_text() == "{not json"     # the submission is untouched
    assert dest2.exists()
    assert api.generate_feedback("ex90")["success"]
    fb = (tmp_path / "feedback" / "broken" / "ex90" / "ex90.html").read_text(encoding="utf-8")
    assert "жооп туура эмес форматта сакталган" in fb


@pytest.mark.parametrize("eid", loader.exercise_ids())
def test_course_exercise_round_trip(eid, tmp_path):
    source = paths.SOLUTIONS / eid / f"{eid}.ipynb"
    assert source.exists(), "run ctip-build"
    src = source.read_text(encoding="utf-8")
    r = run_course(tmp_path, eid, src)
    check(r, eid, src)
    shutil.rmtree(tmp_path / "autograded")
