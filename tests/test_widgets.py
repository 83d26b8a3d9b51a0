"""A simulated trainee: set widget values, press buttons, read feedback, score and file."""
import html
import json

import pytest

from ctip.content import loader
from ctip.engine import session as sess
from ctip.engine.store import answers_path, read_answers


def stored(tmp_path, name="m90"):
    return json.loads(answers_path(name, tmp_path).read_text(encoding="utf-8"))["answers"]


def test_single_choice_right_answer(module, tmp_path):
    s = module()
    s.quiz("m90.q1")
    v = s.views["m90.q1"]
    v.inputs.radio.value = "b"
    v.check_btn.click()
    assert "Туура!" in v.feedback.value
    assert "Булак: Колдонмо, 1-бөлүм, 1.1" in v.feedback.value
    assert "94" not in v.feedback.value          # trainees see chapter and section, not seed lines
    assert stored(tmp_path)["m90.q1"]["value"] == "b"
    assert s.score()[:3] == (1.0, 8, 1)


def test_wrong_answer_shows_the_right_one_and_retry_clears(module):
    s = module()
    s.quiz("m90.q1")
    v = s.views["m90.q1"]
    v.inputs.radio.value = "a"
    v.check_btn.click()
    L = v.inputs.letters                                        # the letters this trainee saw
    assert "Туура эмес." in v.feedback.value and f"Туура жооп: {L['b']}) үч" in v.feedback.value
    v.retry_btn.click()
    assert v.inputs.radio.value is None and v.feedback.value == ""


def test_multi_partial_feedback_names_missed_and_extra(module):
    s = module()
    s.quiz("m90.q3")
    v = s.views["m90.q3"]
    v.inputs.checks["a"].value = True
    v.inputs.checks["b"].value = True
    v.check_btn.click()
    fb = v.feedback.value
    assert "Туура эмес." in fb                                  # 1 right - 1 wrong = 0
    L = v.inputs.letters
    missed = "; ".join(sorted([f"{L['c']}) жашыруу", f"{L['d']}) азгыруу"]))
    assert f"Белгиленбей калган туура жооп: {missed}" in fb
    assert f"Ашыкча белгиленген: {L['b']}) алдоо" in fb
    v.inputs.checks["b"].value = False
    v.check_btn.click()
    assert "Жарым-жартылай туура: 33%" in v.feedback.value


def test_check_without_answer_asks_for_one_and_saves_nothing(module, tmp_path):
    s = module()
    s.quiz("m90.q4")
    v = s.views["m90.q4"]
    v.inputs.drops["x1"].value = "act"
    v.check_btn.click()
    assert "Бардык саптарды толтуруңуз." in v.feedback.value
    assert read_answers(answers_path("m90", tmp_path)) == {}    # nothing saved


def test_order_rejects_a_step_used_twice(module):
    s = module()
    s.quiz("m90.q5")
    v = s.views["m90.q5"]
    for n, step in enumerate(["s1", "s1", "s3", "s4"]):
        v.inputs.drops[n].value = step
    v.check_btn.click()
    assert "эки жолу" in v.feedback.value
    v.inputs.drops[1].value = "s2"
    v.check_btn.click()
    assert "Туура!" in v.feedback.value


def test_case_parts_score_separately_and_running_score_updates(module, tmp_path):
    s = module()
    s.score_bar()
    s.case("m90.c1")
    act, purpose = s.views["m90.c1/act"], s.views["m90.c1/purpose"]
    act.inputs.radio.value = "a"
    act.check_btn.click()
    purpose.inputs.radio.value = False
    purpose.check_btn.click()
    assert set(stored(tmp_path)) == {"m90.c1/act", "m90.c1/purpose"}
    assert "1 / 8" in s.score_bars[0].value and "2 / 8" in s.score_bars[0].value
    names, shares = s.topic_shares()
    assert names == ["Элементтер (5)", "Балдар (3)"] and shares == [0.0, pytest.approx(1 / 3)]


def test_answers_and_feedback_come_back_after_a_restart(module):
    s = module()
    s.quiz("m90.q2")
    s.views["m90.q2"].inputs.radio.value = True
    s.views["m90.q2"].check_btn.click()
    again = module()                        # new kernel, same folder
    again.quiz("m90.q2")
    v = again.views["m90.q2"]
    assert v.inputs.radio.value is True and "Туура!" in v.feedback.value


def test_changing_a_checked_answer_replaces_the_verdict_until_it_is_checked_again(module):
    s = module()
    s.quiz("m90.q1")
    s.views["m90.q1"].inputs.radio.value = "a"
    s.views["m90.q1"].check_btn.click()
    again = module()                        # the wrong answer and its feedback are restored
    again.quiz("m90.q1")
    v = again.views["m90.q1"]
    wrong = v.feedback.value
    assert v.inputs.radio.value == "a" and "Туура эмес." in wrong     # restoring is not a change
    v.inputs.radio.value = "b"              # the trainee clicks the right option
    assert "Туура" not in v.feedback.value and "Туура жооп" not in v.feedback.value
    assert "Жооп өзгөртүлдү" in v.feedback.value and "«Текшерүү»" in v.feedback.value
    v.inputs.radio.value = "a"              # back to the answer that was checked: its feedback
    assert v.feedback.value == wrong
    v.inputs.radio.value = "b"
    v.check_btn.click()
    assert "Туура!" in v.feedback.value
    v.retry_btn.click()                     # clearing the inputs is not a change either
    assert v.inputs.radio.value is None and v.feedback.value == ""
    v.inputs.radio.value = "a"              # nothing was checked: nothing to mark
    assert v.feedback.value == ""


def test_a_changed_checkbox_or_row_also_marks_the_feedback_as_old(module):
    s = module()
    s.quiz("m90.q3")
    v = s.views["m90.q3"]
    v.inputs.checks["a"].value = True
    v.check_btn.click()
    v.inputs.checks["b"].value = True
    assert "Белгиленбей" not in v.feedback.value and "Жооп өзгөртүлдү" in v.feedback.value
    v.inputs.checks["b"].value = False
    assert "Белгиленбей" in v.feedback.value


def test_corrupt_answer_file_warns_and_keeps_working(module, tmp_path):
    answers_path("m90", tmp_path).write_text("{broken", encoding="utf-8")
    s = module()
    assert "бузулган" in s.store.message
    s.quiz("m90.q1")
    s.views["m90.q1"].inputs.radio.value = "b"
    s.views["m90.q1"].check_btn.click()
    assert "Туура!" in s.views["m90.q1"].feedback.value
    assert len(list(tmp_path.glob("m90.answers.json.corrupt-*"))) == 1


def test_a_failed_save_is_reported_in_kyrgyz(module, monkeypatch):
    s = module()
    s.quiz("m90.q1")
    v = s.views["m90.q1"]

    def refuse(*a, **k):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr("tempfile.mkstemp", refuse)
    v.inputs.radio.value = "b"
    v.check_btn.click()
    assert "Туура!" in v.feedback.value and "Жооп сакталган жок" in v.feedback.value


def test_results_chart_is_redrawn_after_a_check(module):
    s = module()
    s.results()
    before = s.results_chart.value
    names, shares = s.topic_shares()
    assert shares and all(x == 0 for x in shares) and before.count("ctip-bar-row") == len(names)
    s.quiz("m90.q1")
    s.views["m90.q1"].inputs.radio.value = "b"
    s.views["m90.q1"].check_btn.click()
    names, shares = s.topic_shares()
    after = s.results_chart.value
    assert after != before and any(x > 0 for x in shares)
    for name, share in zip(names, shares, strict=True):     # one bar per topic, at its share
        assert html.escape(name) in after
        assert f"aria-valuenow='{round(100 * share)}'" in after


# --- graded exercise ---------------------------------------------------------------

@pytest.fixture
def exercise(fixture_course, tmp_path, monkeypatch):
    monkeypatch.setattr(sess, "display", lambda *a, **k: None)
    return lambda: sess.ExerciseSession("ex90", tmp_path)


def test_exercise_saves_every_change_without_a_verdict(exercise, tmp_path):
    e = exercise()
    for iid in ("q1", "q2", "q4", "q5"):
        e.item(iid)
    e.views["q1"].inputs.radio.value = "a"
    assert "Жооп сакталды" in e.views["q1"].status.value
    assert "Туура" not in e.views["q1"].status.value
    e.views["q2"].inputs.checks["c"].value = True
    e.views["q4"].inputs.drops["x2"].value = "means"        # unfinished sorting is kept too
    for n, step in enumerate(["s2", "s1", "s3"]):
        e.views["q5"].inputs.drops[n].value = step
    got = stored(tmp_path, "ex90")
    assert {k: v["value"] for k, v in got.items()} == {
        "q1": "a", "q2": ["c"], "q4": {"x2": "means"}, "q5": ["s2", "s1", "s3"]}
    assert all("fraction" not in v for v in got.values())   # no correctness stored for graded work
    again = exercise()
    again.item("q5")
    assert [d.value for d in again.views["q5"].inputs.drops.values()] == ["s2", "s1", "s3"]


def test_a_question_shows_its_case_text_above_the_prompt(module):
    s = module()
    q = next(q for q in s.bank.questions if getattr(q, "context", None))
    s.quiz(q.id)
    html = s.views[q.id].widget.children[0].value
    assert "ctip-context" in html and html.index(q.context) < html.index(q.prompt)


def test_other_fields_of_the_answer_file_survive_a_save(tmp_path):
    import json
    from ctip.engine.store import AnswerStore
    path = answers_path("ex01", tmp_path)
    path.write_text(json.dumps({"format": "ctip-answers", "version": 1, "answers": {},
                                "review": {"logs": [1, 2]}}), encoding="utf-8")
    AnswerStore("ex01", tmp_path).put("q1", "a")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["review"] == {"logs": [1, 2]} and data["answers"]["q1"]["value"] == "a"


def test_wrapped_data_lines_flow_as_one_sentence_lists_and_paragraphs_stay():
    # walk-through finding 15: case texts broke lines mid-sentence (the data's own wrapping)
    from ctip.engine.widgets import md_inline
    text = "Кыз жерди карап,\nунчукпай турат.\n\nЭкинчи **абзац**:\n- биринчи\n  улантуу\n2. экинчи"
    assert md_inline(text) == ("Кыз жерди карап, унчукпай турат.<br><br>"
                               "Экинчи <b>абзац</b>:<br>- биринчи улантуу<br>2. экинчи")
    assert md_inline("<b>x</b>") == "&lt;b&gt;x&lt;/b&gt;"
    case = loader.simulation("case01")
    scene = case.scenes[0].text
    assert scene.count("\n") >= 2                       # wrapped in the data ...
    assert "<br>" not in md_inline(scene)               # ... one paragraph on the page


def test_empty_dropdowns_show_the_placeholder_which_is_never_an_answer(module, exercise, tmp_path):
    s = module()
    for qid in ("m90.q4", "m90.q5"):                           # sort and order
        s.quiz(qid)
        drops = s.views[qid].inputs.drops.values()
        assert {(d.index, d.value, d.label) for d in drops} == {(0, None, "— тандаңыз —")}
    v = s.views["m90.q4"]
    d = v.inputs.drops["x1"]
    d.value = "act"
    assert d.label != "— тандаңыз —"
    v.inputs.reset()                                           # cleared: the placeholder again, not blank
    assert (d.index, d.value, d.label) == (0, None, "— тандаңыз —")
    d.value = "act"
    d.index = 0                                                # the trainee picks the placeholder back
    assert v.inputs.get() is None and v.inputs.partial() == {}
    v.check_btn.click()
    assert "Бардык саптарды толтуруңуз." in v.feedback.value
    assert read_answers(answers_path("m90", tmp_path)) == {}
    # graded exercise: choosing the placeholder again takes the row out of the stored answer
    e = exercise()
    e.item("q4")
    drops = e.views["q4"].inputs.drops
    drops["x2"].value = "means"
    drops["x1"].value = "act"
    drops["x1"].index = 0
    assert stored(tmp_path, "ex90")["q4"]["value"] == {"x2": "means"}
    assert drops["x1"].label == "— тандаңыз —"


def test_questions_share_layout_and_style_models(module):
    """Every widget model is built by the browser before a page is usable: questions share their
    Layout and Style models, so more questions add no layouts or styles, and a shared layout is
    never one a widget shows or hides."""
    from ipywidgets.widgets.widget import _instances

    from ctip.engine.widgets import FULL, lay

    def kinds(objs):
        return {type(w).__name__ for w in objs}
    qids = ("m90.q1", "m90.q2", "m90.q3", "m90.q4", "m90.q5")     # every kind of question
    s = module()
    for qid in qids:
        s.quiz(qid)
    before = set(_instances)
    again = module()
    for qid in qids:
        again.quiz(qid)
    new = [_instances[k] for k in set(_instances) - before]
    assert new and not kinds(new) & {"Layout", "ButtonStyle", "HTMLStyle", "CheckboxStyle", "DescriptionStyle"}, kinds(new)
    a, b = s.views["m90.q1"], s.views["m90.q2"]
    assert a.check_btn.layout is b.retry_btn.layout and a.check_btn.style is b.check_btn.style
    assert a.feedback.layout is FULL and a.feedback.style is b.feedback.style
    assert FULL.display is None and lay(width="auto").display is None


def test_a_case_closes_the_choice_buttons_of_the_scene_it_leaves(module):
    s = module()
    s.simulation("sim90")
    view = s.sims["sim90"]
    first = list(view.buttons.children)
    first[0].click()
    assert view.buttons.children and all(b.comm is None for b in first)
    assert all(b.comm is not None for b in view.buttons.children)


def test_displaying_a_question_does_not_spell_out_its_children_as_plain_text(module):
    """Each display sends a plain-text form with the widget; ipywidgets builds it from every
    child (0.3 s of module 1's kernel time) and then keeps 110 characters. Question boxes name
    only their kind and size, and still display as the same widget."""
    s = module()
    s.quiz("m90.q4")
    box = s.views["m90.q4"].widget
    bundle = box._repr_mimebundle_()
    assert bundle["text/plain"] == f"VBox({len(box.children)} children)"
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == box.model_id
    assert box.get_state()["_view_name"] == "VBoxView" and "ctip-q" in box._dom_classes


def test_question_parts_sit_directly_in_the_question_box_and_sort_rows_are_labelled_lists(module):
    """Every widget is a model the browser builds before the page is usable: a question's options
    sit directly in its box (no box of their own), and a sorting row is one drop-down labelled
    with the row's text (no row box and text widget)."""
    import ipywidgets as W
    s = module()
    for qid in ("m90.q3", "m90.q4", "m90.q5"):                    # multi, sort, order
        s.quiz(qid)
    multi, srt, order = (s.views[q] for q in ("m90.q3", "m90.q4", "m90.q5"))
    assert all(c in multi.widget.children for c in multi.inputs.checks.values())
    rows = list(srt.inputs.drops.values())
    assert srt.widget.children[1:1 + len(rows)] == tuple(rows)
    assert not any(isinstance(c, W.Box) for c in srt.widget.children)
    shown = {o.id: o.text for o in srt.item.options}
    for oid, d in srt.inputs.drops.items():
        assert d.description == f"{srt.inputs.letters[oid]}) {shown[oid]}" and "ctip-sort-row" in d._dom_classes
    assert order.widget.children[2:2 + len(order.inputs.drops)] == tuple(order.inputs.drops.values())
    # the rows still answer, score and save as before
    for oid, cat in srt.item.key.items():
        srt.inputs.drops[oid].value = cat
    srt.check_btn.click()
    assert "Туура!" in srt.feedback.value


def test_questions_built_before_the_page_opens_are_taken_over_with_the_answers_of_that_moment(module, tmp_path):
    """A pre-started module page builds its questions before the trainee opens it (the app's
    kernels start minutes earlier): the page then shows them with the answers the file holds
    when it is opened, and a new trainee's file takes the seed they were built with."""
    P = sess.PreparedModule("m90", tmp_path)
    assert not answers_path("m90", tmp_path).exists()          # nothing is written before the wait
    built = dict(P.views)
    assert set(built) == {"m90.q1", "m90.q2", "m90.q3", "m90.q4", "m90.q5", "m90.k1", "m90.c1/act", "m90.c1/purpose"}
    s = sess.ModuleSession("m90", tmp_path, prepared=P)
    assert json.loads(answers_path("m90", tmp_path).read_text(encoding="utf-8"))["seed"] == P.seed
    s.quiz("m90.q1")
    s.case("m90.c1")
    assert s.views["m90.q1"] is built["m90.q1"] and s.views["m90.c1/act"] is built["m90.c1/act"]
    plain = sess.ModuleSession("m90", tmp_path)                  # built the usual way, same file
    plain.quiz("m90.q1")
    assert plain.views["m90.q1"].inputs.letters == s.views["m90.q1"].inputs.letters
    assert plain.views["m90.q1"].widget.children[0].value == s.views["m90.q1"].widget.children[0].value
    # answered after the next kernel was started: the page it opens shows that answer
    P2 = sess.PreparedModule("m90", tmp_path)
    built2 = dict(P2.views)
    plain.views["m90.q1"].inputs.radio.value = "a"
    plain.views["m90.q1"].check_btn.click()
    again = sess.ModuleSession("m90", tmp_path, prepared=P2)
    again.quiz("m90.q1")
    v = again.views["m90.q1"]
    assert v is built2["m90.q1"] and v.inputs.radio.value == "a" and "Туура эмес." in v.feedback.value
    v.inputs.radio.value = "b"                                 # and saves to the trainee's file
    v.check_btn.click()
    assert stored(tmp_path)["m90.q1"]["value"] == "b"
    again.case("m90.c1")
    part = again.views["m90.c1/act"]
    part.inputs.radio.value = "a"
    part.check_btn.click()
    assert stored(tmp_path)["m90.c1/act"]["value"] == "a"


def test_questions_built_for_another_seed_are_not_used(module, tmp_path):
    """The file was started by another page meanwhile (another seed): the page builds its own
    questions in the order of the file's seed."""
    P = sess.PreparedModule("m90", tmp_path)
    built = dict(P.views)
    other = sess.ModuleSession("m90", tmp_path, seed=(P.seed + 1) % 2**62)    # starts the file
    s = sess.ModuleSession("m90", tmp_path, prepared=P)
    assert s.store.seed == other.store.seed != P.seed and P.views == {}
    s.quiz("m90.q3")
    other.quiz("m90.q3")
    assert s.views["m90.q3"] is not built["m90.q3"]
    assert s.views["m90.q3"].inputs.letters == other.views["m90.q3"].inputs.letters
    assert built["m90.q3"].widget.comm is None                 # the unused ones are closed


@pytest.mark.parametrize("mid, lang", [*((m, "ky") for m in loader.module_ids()), ("m08", "ru"), ("m08", "en")])
def test_a_module_page_uses_every_question_it_built_in_advance(mid, lang, tmp_path, monkeypatch):
    """The page's cells, run as the page runs them: every question shown is one built before the
    wait, and none is built twice (``module_questions`` numbers the questions as the page's cells
    ask for them; were the two to disagree, each page would silently build its questions again)."""
    import nbformat

    from ctip.delivery import notebooks
    from ctip.engine import widgets
    monkeypatch.setattr(sess, "display", lambda *a, **k: None)
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    nb = nbformat.from_dict(notebooks.module_notebook(mid, lang))
    cells = [c.source for c in nb.cells if c.cell_type == "code"]
    built, real_init = [], widgets.SelfCheck.__init__

    def counting_init(self, *a, **k):
        built.append(self)
        real_init(self, *a, **k)
    monkeypatch.setattr(widgets.SelfCheck, "__init__", counting_init)
    ns = {}
    exec(cells[0], ns)                                   # the parameters, then this test's folder
    ns.update(lang=lang, folder=str(tmp_path))
    for source in cells[1:]:
        exec(source, ns)
    prepared, S = ns["P"], ns["S"]
    shown = list(S.views.values())
    assert shown and len(built) == len(shown)            # built once, before the wait
    assert {id(v) for v in shown} == {id(v) for v in built}
    assert S.ready == {} and prepared.views == {}
