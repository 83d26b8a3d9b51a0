"""Per-trainee option order: drawn from the seed in the answer file, stable on reopen, different
between trainees, far from the key for ordering items, and irrelevant to scores."""
import json
from statistics import mean

import pytest

from ctip import grading
from ctip.content import loader
from ctip.content.cues import is_grouped
from ctip.engine import session as sess
from ctip.engine.shuffle import BAND_HIGH, BAND_LOW, display_order, pair_agreement
from ctip.engine.store import AnswerStore, answers_path

SEEDS = range(300)


def bank_item(qid):
    return next(q for q in loader.bank("m90").questions if q.id == qid)


def test_order_depends_on_seed_and_item_and_keeps_every_option(fixture_course):
    q = bank_item("m90.q3")
    orders = {tuple(display_order(q, s, q.id)) for s in SEEDS}
    assert all(sorted(o) == sorted(q.option_ids) for o in orders)
    assert len(orders) == 24                                     # every order of 4 options occurs
    assert display_order(q, 5, q.id) == display_order(q, 5, q.id)
    assert display_order(q, None, q.id) == q.option_ids          # no seed: file order
    firsts = [display_order(q, s, q.id)[0] for s in SEEDS]       # no option is favoured
    assert max(firsts.count(o) for o in q.option_ids) < 0.4 * len(firsts)


def test_ordering_items_never_start_near_the_key_or_its_reverse(fixture_course):
    q = bank_item("m90.q5")
    shares = [pair_agreement(display_order(q, s, q.id), q.key) for s in SEEDS]
    assert all(BAND_LOW <= a <= BAND_HIGH for a in shares)
    assert abs(mean(shares) - 0.5) < 0.05                        # "keep it" and "reverse it" earn alike


def test_graded_ordering_never_shows_the_shipped_order(fixture_course):
    it = next(i for i in loader.exercise("ex90").items if i.id == "q5")
    assert it.key is None                                        # no key on the trainee's side
    assert all(display_order(it, s, it.id) != it.option_ids for s in SEEDS)


def test_sort_rows_are_never_grouped_by_category_when_the_key_is_known(fixture_course):
    q = bank_item("m90.q4")
    assert not any(is_grouped(display_order(q, s, q.id), q.key) for s in SEEDS)


def test_reopen_keeps_the_order_and_another_trainee_sees_another(module, fixture_course, tmp_path,
                                                                  monkeypatch):
    first = module()
    first.quiz("m90.q3")
    letters = first.views["m90.q3"].inputs.letters
    again = module()                                             # reopened / kernel restarted
    again.quiz("m90.q3")
    assert again.views["m90.q3"].inputs.letters == letters
    assert again.store.seed == json.loads(answers_path("m90", tmp_path).read_text(encoding="utf-8"))["seed"]
    monkeypatch.setattr(sess, "display", lambda *a, **k: None)
    others = set()
    for n in range(8):
        s = sess.ModuleSession("m90", tmp_path / f"trainee{n}")
        s.quiz("m90.q3")
        others.add(tuple(sorted(s.views["m90.q3"].inputs.letters.items())))
    assert len(others) > 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_stored_answers_are_ids_and_grades_do_not_depend_on_the_order(fixture_course, tmp_path,
                                                                      monkeypatch, seed):
    monkeypatch.setattr(sess, "display", lambda *a, **k: None)
    folder = tmp_path / str(seed)
    e = sess.ExerciseSession("ex90", folder, seed=seed)
    for iid in ("q1", "q2", "q5"):
        e.item(iid)
    e.views["q1"].inputs.radio.value = "a"
    e.views["q2"].inputs.checks["c"].value = True
    for n, step in enumerate(["s1", "s2", "s3"]):
        e.views["q5"].inputs.drops[n].value = step
    data = json.loads(answers_path("ex90", folder).read_text(encoding="utf-8"))
    assert data["seed"] == seed
    assert {k: v["value"] for k, v in data["answers"].items()} == {"q1": "a", "q2": ["c"], "q5": ["s1", "s2", "s3"]}
    keys = loader.keys("ex90")
    got = [grading.item_result("ex90", iid, keys.items[iid].key, 2, folder)[0] for iid in ("q1", "q2", "q5")]
    no_seed = tmp_path / "plain"
    no_seed.mkdir()
    del data["seed"]
    answers_path("ex90", no_seed).write_text(json.dumps(data), encoding="utf-8")
    assert got == [grading.item_result("ex90", iid, keys.items[iid].key, 2, no_seed)[0]
                   for iid in ("q1", "q2", "q5")]


def test_letters_in_feedback_are_the_ones_this_trainee_saw(module):
    s = module()
    s.quiz("m90.q1")
    v = s.views["m90.q1"]
    shown = [label for label, _ in v.inputs.radio.options]      # what the trainee reads, top to bottom
    v.inputs.radio.value = "a"
    v.check_btn.click()
    right = next(label for label, value in zip(shown, v.inputs.radio.options, strict=True) if value[1] == "b")
    assert right.startswith(v.inputs.letters["b"] + ")")
    assert f"Туура жооп: {right}" in v.feedback.value
    assert [label[0] for label in shown] == list("АБВГДЕ"[:len(shown)])   # letters run in display order


def test_a_seedless_store_gets_one_and_keeps_it(tmp_path):
    s = AnswerStore("m01", tmp_path)
    assert isinstance(s.seed, int) and AnswerStore("m01", tmp_path).seed == s.seed
