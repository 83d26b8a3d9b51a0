"""The trainee app's parts without a browser: the free-text box (debounced, atomic saves), free text
placed into nbgrader's manually graded answer cell on both grading routes (stock `nbgrader
autograde` through the course configuration, and `ctip-grade`), the hand-in zip and its record,
progress read from the answer files, and the Voilà template filled in the course language."""
from __future__ import annotations

import json
import shutil
import time
import zipfile

import nbformat
import pytest
from nbgrader.api import Gradebook

from ctip import paths
from ctip.delivery import course, notebooks
from ctip.delivery.freetext import fill, fill_submission
from ctip.delivery.submissions import answer_file, model_answers

TEXT = "Иш-аракет: тартуу; каражат: алдоо; максат: эксплуатациялоо. ңөү"


@pytest.fixture
def exercise(fixture_course, tmp_path, monkeypatch):
    """An ex90 session in a scratch exercise folder (with its notebook), displaying nothing."""
    from ctip.engine import session as sess
    monkeypatch.setattr(sess, "display", lambda *a, **k: None)
    folder = tmp_path / "ex90"
    folder.mkdir()
    nb = notebooks.source_notebook("ex90")
    for c in nb.cells:                             # as released: the answer cell holds no model answer
        if c.metadata.get("nbgrader", {}).get("grade_id") == "q6_answer":
            c.source = ""
    (folder / "ex90.ipynb").write_text(notebooks.dumps(nb), encoding="utf-8")
    return lambda: sess.ExerciseSession("ex90", folder)


def stored(folder, eid="ex90"):
    return json.loads((folder / f"{eid}.answers.json").read_text(encoding="utf-8"))["answers"]


def test_free_text_box_saves_after_a_pause_atomically(exercise):
    from ctip.engine.freetext import FreeText
    s = exercise()
    item = s.items["q6"]
    box = FreeText(item, s.store, debounce=0.3)
    box.box.value = TEXT[:10]
    box.box.value = TEXT                       # typing: no write yet
    assert s.store.get("q6") is None and "q6" not in stored(s.store.path.parent)   # nothing saved yet
    assert "Сакталды" not in box.status.value
    time.sleep(1.0)
    assert stored(s.store.path.parent)["q6"]["value"] == TEXT
    assert box.status.value.count(":") == 1 and "ctip-fb-ok" in box.status.value   # "... HH:MM"
    assert not list(s.store.path.parent.glob(".ex90.answers.json.*"))               # no temp files left
    # reopening shows the text and when it was saved
    again = FreeText(item, exercise().store)
    assert again.box.value == TEXT and "ctip-fb-ok" in again.status.value


def test_exercise_session_gives_text_items_a_box(exercise):
    from ctip.engine.freetext import FreeText
    s = exercise()
    s.item("q6")
    assert isinstance(s.views["q6"], FreeText)


def test_source_notebook_has_box_before_the_hidden_answer_cell(fixture_course):
    nb = notebooks.source_notebook("ex90")
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]
    answer = ids.index("q6_answer")
    assert ids[answer - 1] == "q6_widget" and nb.cells[answer - 1].source.endswith('E.item("q6")')
    assert nb.cells[answer].metadata["tags"] == [notebooks.ANSWER_CELL]
    assert ids[-2] == "handin" and "show_handin(E)" in nb.cells[-2].source
    # the "Run All" hint is for JupyterLab only: hidden in the app by its tag
    assert any(c.metadata.get("tags") == [notebooks.LAB_ONLY] for c in nb.cells)


def test_fill_places_text_and_keeps_what_was_typed_in_the_cell(fixture_course):
    nb = notebooks.source_notebook("ex90")
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q6_answer")
    answers = answer_file("ex90", {"q6": TEXT, "q1": "b"})["answers"]
    cell.source = ""
    assert fill(nb, "ex90", answers) == ["q6"] and cell.source == TEXT
    assert fill(nb, "ex90", answers) == ["q6"] and cell.source == TEXT          # idempotent
    cell.source = "Клеткага жазылган жооп."
    fill(nb, "ex90", answers)
    assert cell.source.startswith(TEXT) and cell.source.endswith("Клеткага жазылган жооп.")
    # unreadable inputs leave the notebook as it is
    raw = nbformat.writes(nb).encode()
    assert fill_submission(raw, b"not json", "ex90") == raw
    assert fill_submission(raw, None, "ex90") == raw


def _course(root):
    (root / "solutions" / "ex90").mkdir(parents=True)
    (root / "solutions" / "ex90" / "ex90.ipynb").write_text(notebooks.dumps(notebooks.source_notebook("ex90")),
                                                           encoding="utf-8")
    shutil.copy(course.paths.SOLUTIONS / "ex90.keys.yaml", root / "solutions")


def _answer_cell(path):
    nb = nbformat.read(path, as_version=4)
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q6_answer").source


@pytest.mark.slow
def test_stock_autograde_puts_free_text_where_formgrader_shows_it(fixture_course, tmp_path):
    root = tmp_path / "course"
    _course(root)
    api = course.api(root)                         # the course configuration (nbgrader_config.py)
    assert api.generate_assignment("ex90", force=True)["success"]
    release = root / "exercises" / "ex90" / "ex90.ipynb"
    sub = root / "submitted" / "aigul" / "ex90"
    sub.mkdir(parents=True)
    shutil.copy(release, sub / "ex90.ipynb")      # the notebook as released: the cell holds the stub
    answers = {**model_answers("ex90"), "q6": TEXT}
    (sub / "ex90.answers.json").write_text(json.dumps(answer_file("ex90", answers), ensure_ascii=False),
                                           encoding="utf-8")
    res = api.autograde("ex90", "aigul", force=True)
    assert res["success"], res.get("log")
    assert _answer_cell(root / "autograded" / "aigul" / "ex90" / "ex90.ipynb") == TEXT
    with Gradebook(f"sqlite:///{root}/gradebook.db", course_id=course.COURSE_ID) as gb:
        g = gb.find_grade("q6_answer", "ex90", "ex90", "aigul")
        assert g.needs_manual_grade and g.auto_score is None     # waits for the instructor, not auto-zero


@pytest.mark.slow
def test_hand_in_zip_is_graded_by_ctip_grade_with_the_free_text(exercise, fixture_course, tmp_path):
    from ctip.engine import freetext, handin, progress
    from ctip.instructor import runner
    s = exercise()
    folder = s.store.path.parent
    assert progress.exercise_progress("ex90", folder).state == "not_started"
    for iid, value in model_answers("ex90").items():
        s.store.put(iid, value)
    s.item("q6")
    s.views["q6"].box.value = TEXT                  # still pending (debounced): hand-in flushes it
    panel = handin.HandIn(s)
    panel.ask()
    assert "ctip-fb-bad" in panel.message.value and panel.confirm_box.layout.display == "none"   # no name
    panel.name.value = "Айгүл Осмонова"
    panel.ask()
    assert panel.confirm_box.layout.display == "flex"
    assert stored(folder)["q6"]["value"] == TEXT
    missing = handin.unanswered(s.exercise, s.store)
    assert missing == [n for n, it in enumerate(s.exercise.items, 1)
                       if not freetext.answered(it, s.store.get(it.id))]
    panel.hand_in()
    zips = list(folder.glob("ex90-Айгүл_Осмонова-*.zip"))
    assert len(zips) == 1 and "data:application/zip;base64," in panel.result.value
    with zipfile.ZipFile(zips[0]) as z:
        assert sorted(z.namelist()) == ["Айгүл_Осмонова/ex90.answers.json", "Айгүл_Осмонова/ex90.ipynb"]
    state = progress.exercise_progress("ex90", folder)
    assert state.state == "handed_in" and state.handed_in is not None
    # the instructor grades the zip; the free text waits in the manually graded cell
    root = tmp_path / "course"
    _course(root)
    res = runner.run("ex90", root, zips[0], feedback=False, progress=False)
    assert res.graded == ["Айгүл_Осмонова"] and not res.failed
    assert _answer_cell(root / "autograded" / "Айгүл_Осмонова" / "ex90" / "ex90.ipynb") == TEXT
    auto = sum(it.points for it in s.exercise.items if it.kind != "text")
    assert res.states["Айгүл_Осмонова"].total == auto
    # a change after hand-in makes it a new attempt in progress
    s.store.put("q1", "a")
    assert progress.exercise_progress("ex90", folder).state == "in_progress"
    assert "ctip-fb-part" in handin.HandIn(s).result.value


def test_progress_counts_answers_and_continues_where_the_trainee_stopped(fixture_course, tmp_path):
    from ctip.engine import progress
    from ctip.engine.session import ModuleSession
    modules, exercises = tmp_path / "modules", tmp_path / "exercises"
    modules.mkdir()
    (exercises / "ex90").mkdir(parents=True)
    empty = progress.progress_html(modules, exercises)
    assert "data-ctip-href='m90.ipynb'" in empty
    s = ModuleSession("m90", modules)
    sid, item, _ = next(iter(s.parts()))
    s.store.put(sid, item.key, 1.0)
    progress.visited("m90", modules)
    p = progress.module_progress("m90", modules)
    assert (p.answered, p.got) == (1, 1.0) and p.total == len(list(s.parts())) and p.last is not None
    html = progress.progress_html(modules, exercises)
    assert "ctip-continue" in html and f"1 / {p.total}" in html


def test_voila_template_is_filled_in_the_course_language(tmp_path):
    from ctip.app import launch
    from ctip.i18n import t
    out = launch.render_template(tmp_path)
    texts = {f.name: f.read_text(encoding="utf-8") for f in out.iterdir()}
    assert set(texts) >= {"index.html.j2", "spinner.macro.html.j2", "error.html", "404.html", "tree.html"}
    for name, text in texts.items():
        assert "@@" not in text, name
        assert "https://" not in text and "cdn." not in text, name     # works offline
    assert t("app_loading") in texts["spinner.macro.html.j2"]
    assert t("app_dead") in texts["index.html.j2"] and t("app_cell_error") in texts["index.html.j2"]
    assert t("app_error_title") in texts["error.html"] and t("app_404_title") in texts["404.html"]
    assert "Running" not in texts["spinner.macro.html.j2"] and "Executing" not in texts["voila_setup.macro.html.j2"]


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_app_in_another_language_opens_that_start_page_and_speaks_it(tmp_path, lang):
    from ctip.app import launch
    from ctip.i18n import t
    assert launch.start_path(lang) == f"modules/{lang}/00_bashtalyshy.ipynb"
    assert (paths.ROOT / launch.start_path(lang)).exists()
    assert launch.start_url(8866, lang).endswith(f"/voila/render/modules/{lang}/00_bashtalyshy.ipynb")
    out = launch.render_template(tmp_path, lang)
    texts = {f.name: f.read_text(encoding="utf-8") for f in out.iterdir()}
    assert t("app_loading", lang) in texts["spinner.macro.html.j2"] != t("app_loading", "ky")
    assert t("app_dead", lang) in texts["index.html.j2"] and t("app_dead", "ky") not in texts["index.html.j2"]
    for name in ("404.html", "error.html", "tree.html"):       # "home" leads to this language's start page
        assert f"voila/render/modules/{lang}/00_bashtalyshy.ipynb" in texts[name], name
        assert f'<html lang="{lang}">' in texts[name]
    # an unknown language is refused with argparse's message, before anything starts
    with pytest.raises(SystemExit):
        launch.main(["--lang", "xx"])


def test_app_serves_only_trainee_folders(tmp_path):
    from ctip.app import launch
    (tmp_path / "course" / "modules").mkdir(parents=True)
    (tmp_path / "course" / "exercises").mkdir()
    (tmp_path / "course" / "solutions").mkdir()
    root = launch.prepare(tmp_path / "course", tmp_path / "work")
    assert sorted(p.name for p in root.iterdir()) == ["exercises", "modules"]
    cmd = launch.voila_command(root, 8899)
    assert "--Voila.ip=127.0.0.1" in cmd and "--template=ctip" in cmd


def test_walkthrough_fixes_truefalse_wording_sort_rows_and_restart_asks(module, fixture_course, tmp_path):
    from ctip.engine.simview import SimulationView
    from ctip.engine.widgets import SelfCheck
    from ctip.i18n import t
    s = module()
    items = {q.kind: q for q in s.bank.questions}
    tf = items["truefalse"]
    view = SelfCheck(tf, s.store, tf.id)
    view.inputs.set(not tf.key)
    view.check()
    fb = view.feedback.value
    assert f"{t('your_answer')}: «{view.inputs.describe(not tf.key)}»" in fb
    assert f"«{view.inputs.describe(tf.key)}»" in fb
    srt = items["sort"]
    view = SelfCheck(srt, s.store, srt.id)
    cats = [c.id for c in srt.categories]
    wrong_row = next(iter(srt.key))
    answer = {o: (c if o != wrong_row else next(x for x in cats if x != c)) for o, c in srt.key.items()}
    view.inputs.set(answer)
    view.check()
    assert f"{t('sort_wrong_rows')}: {view.inputs.letters[wrong_row]}<" in view.feedback.value + "<"
    from ctip.content import loader
    case = next(p.stem.split(".")[0] for p in (fixture_course / "data" / "ky" / "cases").glob("*.yaml")
                if not p.name.endswith(".scoring.yaml"))
    sim = SimulationView(loader.simulation(case), s.store, f"sim:{case}")
    sim.choose(sim.current().choices[0].id)
    assert sim.path
    sim.ask_restart()                      # first click only asks
    assert sim.path and sim.restart_btn.description == t("sim_restart_confirm")
    sim.ask_restart()                      # second click restarts
    assert sim.path == [] and sim.restart_btn.description == t("sim_restart")


def test_hand_in_goes_through_the_sessions_exchange_when_there_is_one(exercise):
    """On a hub the page's session carries the exchange's submit call; the zip is made all the same."""
    from ctip.engine import handin
    s = exercise()
    calls = []
    s.exchange_submit = lambda folder, eid, name: calls.append((folder, eid, name)) or True
    panel = handin.HandIn(s)
    panel.name.value = "Bakyt"
    panel.ask()
    panel.hand_in()
    assert calls == [(s.store.path.parent, "ex90", "Bakyt")]
    record = handin.read_record("ex90", s.store.path.parent)
    assert record["exchange"] is True and list(s.store.path.parent.glob("ex90-Bakyt-*.zip"))


def test_the_start_page_progress_starts_no_answer_file_and_finds_exercises_from_a_language_folder(
        fixture_course, tmp_path, monkeypatch):
    from ctip.engine import progress
    (tmp_path / "modules" / "ru").mkdir(parents=True)
    (tmp_path / "exercises" / "ex90").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "modules" / "ru")
    html = progress.progress_html("..", lang="ky", exercises_href="../../exercises")
    assert "../../exercises/ex90/ex90.ipynb" in html
    assert not list(tmp_path.rglob("*.answers.json"))          # looking at progress writes nothing


def test_the_app_is_ready_only_when_its_own_process_serves_the_port(tmp_path):
    """Another server on the app's port (it took the port between the choice and Voilà's start)
    answering the app's URL must not count as the app being up."""
    import socket
    import subprocess
    import sys

    from ctip.app.launch import listening, wait_ready
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / "voila" / "static").mkdir(parents=True)
    (tmp_path / "voila" / "static" / "voila.js").write_text("//", encoding="utf-8")
    other = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                             cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ours = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert wait_ready(other, port, timeout=20)           # the server that does listen is found
        assert listening(other, port) and not listening(ours, port)
        assert not wait_ready(ours, port, timeout=2)
    finally:
        other.terminate()
        ours.terminate()
        other.wait(10)
        ours.wait(10)
