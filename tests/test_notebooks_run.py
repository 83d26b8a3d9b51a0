"""The papermill regression matrix: every page × language × answer set {none, the key, a fixed
wrong set}, injected through the pages' papermill parameters (``lang``, ``folder``: the folder
holding the answer file the test writes). Each run must have no errors and no stderr, draw its
figures, and display the score the scoring functions compute for that answer set:

* a module page shows "points: got / max" in its score bar (the widget's text form is in the
  executed notebook), equal to ModuleSession.score() for the same answers;
* a solution (nbgrader source) notebook's hidden tests return, item by item, exactly what
  ctip.grading computes for the same answers (in the answer file's language).

Runs in a scratch copy of the page's folder, so no answer file appears in the repository.
Independent runs: CI spreads them over two workers (pytest-xdist); benchmarks/notebook_matrix.py
prints serial against parallel time.
"""
from __future__ import annotations

import html
import json
import shutil

import nbformat
import papermill as pm
import pytest

from ctip import grading, paths
from ctip.content import loader
from ctip.content.loader import iter_parts
from ctip.content.models import Case
from ctip.engine.session import ModuleSession
from ctip.engine.store import FORMAT, answers_path
from ctip.i18n import translator

pytestmark = pytest.mark.slow
LANGS = loader.languages()
SETS = ("none", "key", "wrong")


def wrong(item, key):
    """A fixed wrong answer of the item's kind (never the key)."""
    ids = item.option_ids
    kind = "multi" if item.kind == "checklist" else item.kind
    if kind == "single":
        return next(o for o in ids if o != key)
    if kind == "truefalse":
        return not key
    if kind == "multi":
        return [o for o in ids if o not in key][:1] or ids[:1]
    if kind == "order":
        return list(reversed(key))
    if kind == "sort":
        cats = [c.id for c in item.categories]
        return {o: cats[(cats.index(c) + 1) % len(cats)] for o, c in key.items()}
    raise ValueError(kind)


def answer_file(folder, notebook: str, answers: dict, lang: str | None = None) -> None:
    data = {"format": FORMAT, "version": 1, "notebook": notebook, "seed": 12345,
            "answers": {k: {"value": v, "time": "2026-11-30T10:00:00+00:00", "attempts": 1}
                        for k, v in answers.items()}}
    if lang:
        data["lang"] = lang
    answers_path(notebook, folder).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def module_answers(mid: str, which: str) -> dict:
    out = {}
    if which == "none":
        return out
    for q in loader.bank(mid).questions:
        for p in iter_parts(q):
            sid = f"{q.id}/{p.id}" if isinstance(q, Case) else q.id
            out[sid] = p.key if which == "key" else wrong(p, p.key)
    return out


def exercise_answers(eid: str, which: str) -> dict:
    keys = loader.keys(eid)
    out = {}
    if which == "none":
        return out
    for it in loader.exercise(eid).items:
        k = keys.items[it.id]
        if it.kind == "text":
            out[it.id] = "Жооп." if which == "key" else ""
        elif it.kind == "simulation":
            path = list(loader.scoring(it.case).model_path)
            out[it.id] = {"path": path if which == "key" else path[:1]}
        else:
            out[it.id] = k.key if which == "key" else wrong(it, k.key)
    return out


def run(nb_path, tmp_path, **params):
    work = tmp_path / "page"
    shutil.copytree(nb_path.parent, work, ignore=shutil.ignore_patterns("*.answers.json*", "*.json", "*.zip"))
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(work / nb_path.name), str(out), cwd=str(work), progress_bar=False,
                        execution_timeout=180, kernel_name="python3", parameters=params)
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    src = nbformat.read(nb_path, as_version=4)
    if any("S.figure(" in c.source or "E.figure(" in c.source for c in src.cells):
        assert any("image/png" in o.get("data", {}) or "ctip-diagram" in o.get("data", {}).get("text/html", "")
                   for o in outputs), "figures are drawn"
    return nb, outputs, work


def page_folder(lang: str):
    return paths.MODULES if lang == "ky" else paths.MODULES / lang


MODULE_CASES = [(lang, mid, which) for lang in LANGS for mid in loader.module_ids() for which in SETS]


@pytest.mark.parametrize("lang,mid,which", MODULE_CASES, ids=[f"{lang}-{m}-{w}" for lang, m, w in MODULE_CASES])
def test_module_page_shows_the_score_of_its_answers(lang, mid, which, tmp_path):
    answers = tmp_path / "answers"
    answers.mkdir()
    if which != "none":
        answer_file(answers, mid, module_answers(mid, which))
    expected = ModuleSession(mid, answers, lang=lang, create=False).score()
    got, mx, answered, total = expected
    line = translator(lang)("score", got=f"{got:g}", max=mx, answered=answered, total=total)
    nb, outputs, work = run(page_folder(lang) / f"{mid}.ipynb", tmp_path, lang=lang, folder=str(answers))
    shown = [html.unescape(o.get("data", {}).get("text/plain", "")) for o in outputs]
    assert any(line in s for s in shown), f"the page shows {line!r}"
    if which == "key":
        assert got == mx and answered == total
    if which == "wrong":
        assert got < mx
    assert not list(work.glob("*.answers.json")), "the page used the injected folder"


OTHER_PAGES = [(lang, name) for lang in LANGS for name in ("00_bashtalyshy.ipynb", "sozduk.ipynb", "kaitaloo.ipynb")]


@pytest.mark.parametrize("lang,name", OTHER_PAGES, ids=[f"{lang}-{n}" for lang, n in OTHER_PAGES])
def test_start_glossary_and_review_pages_run(lang, name, tmp_path):
    nb_path = page_folder(lang) / name
    params = {"lang": lang, "folder": str(tmp_path)} if "parameters" in json.dumps(
        [c.metadata.get("tags", []) for c in nbformat.read(nb_path, as_version=4).cells]) else {}
    run(nb_path, tmp_path, **params)


EXERCISE_CASES = [(lang, eid, which) for lang in LANGS for eid in loader.exercise_ids() for which in SETS]


@pytest.mark.parametrize("lang,eid,which", EXERCISE_CASES, ids=[f"{lang}-{e}-{w}" for lang, e, w in EXERCISE_CASES])
def test_exercise_grades_equal_the_scoring_functions(lang, eid, which, tmp_path):
    """The instructor notebook's hidden tests grade the injected answers exactly as ctip.grading
    does, in the trainee's language; the trainee copy runs on the same answers."""
    answers = exercise_answers(eid, which)
    src = paths.SOLUTIONS / eid / f"{eid}.ipynb"
    work_answers = tmp_path / "answers"
    work_answers.mkdir()
    # the page starts the answer file in its language at first open; "none" has no answers in it
    answer_file(work_answers, eid, answers, lang)
    keys = loader.keys(eid)
    expected = {}
    for it in loader.exercise(eid).items:
        if it.kind == "text":
            continue
        if it.kind == "simulation":
            expected[it.id] = grading.simulation_result(eid, it.id, loader.scoring(it.case).model_dump(mode="json"),
                                                        it.points, work_answers)
        else:
            expected[it.id] = grading.item_result(eid, it.id, keys.items[it.id].key, it.points, work_answers)
    # the hidden tests read the answer file beside the notebook: copy it into the scratch folder
    nb_path = src
    work = tmp_path / "page"
    shutil.copytree(nb_path.parent, work)
    shutil.copy(answers_path(eid, work_answers), work)
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(work / nb_path.name), str(out), cwd=str(work), progress_bar=False,
                        execution_timeout=180, kernel_name="python3", parameters={"lang": lang})
    nb = nbformat.read(out, as_version=4)
    got = {}
    for c in nb.cells:
        gid = c.metadata.get("nbgrader", {}).get("grade_id", "")
        if gid.endswith("_test"):
            res = [o for o in c.outputs if o.output_type == "execute_result"]
            text = "".join(o.get("text", "") for o in c.outputs if o.output_type == "stream")
            got[gid[:-5]] = (float(res[0]["data"]["text/plain"]), text.strip())
    assert set(got) == set(expected)
    for iid, (points, line) in expected.items():
        assert got[iid][0] == pytest.approx(points), iid
        assert got[iid][1] == line, iid                      # the same line, in the same language
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    if which == "key":
        assert all(p == it.points for it in loader.exercise(eid).items if it.id in expected
                   for p in [expected[it.id][0]])


@pytest.mark.parametrize("eid", loader.exercise_ids())
def test_trainee_copy_runs_and_starts_its_answer_file_empty(eid, tmp_path):
    nb_path = paths.EXERCISES / eid / f"{eid}.ipynb"
    _, _, work = run(nb_path, tmp_path, lang="ru", folder=None)
    data = json.loads(answers_path(eid, work).read_text(encoding="utf-8"))
    assert data["answers"] == {} and data["lang"] == "ru" and isinstance(data["seed"], int)
