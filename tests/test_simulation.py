"""Branching cases: graph checks, the scoring rule on model / harmful / every path, variants,
and a simulated trainee clicking through the widget."""
import json

import pytest

from ctip.content import check, loader
from ctip.engine import session as sess
from ctip.engine.scoring import InvalidAnswer
from ctip.engine.simulation import all_paths, graph_problems, score_path, variant
from ctip.engine.simview import SimulationView
from ctip.engine.store import AnswerStore, answers_path

MODEL = ["c1a", "c2a", "c3a", "c4a", "c5a", "c6a"]


@pytest.fixture
def sim(fixture_course):
    return loader.simulation("sim90"), loader.scoring("sim90")


def test_model_path_scores_full_marks(sim):
    res = score_path(*sim, MODEL)
    assert (res.points, res.max_points, res.finished, res.harms) == (10, 10, True, [])
    assert res.cumulative == [2, 3, 5, 6, 8, 10]


def test_harmful_path_is_penalised_and_floored_at_zero(sim):
    res = score_path(*sim, ["c1b", "c2a", "c3b", "c4a", "c5b", "c6a"])
    assert res.done == ["identity", "traces", "refer"] and res.harms == ["skip", "no-rep", "blame"]
    assert res.points == 0                       # 4 step points - 6 penalty, floored
    assert set(res.missed) == {"verify", "interview", "report"}


def test_detour_without_harm_scores_the_steps_reached(sim):
    res = score_path(*sim, ["c1a", "c2b", "c3ba", "c4b", "c5a", "c6b"])
    assert res.points == 6 and res.finished and res.missed == ["identity", "traces", "refer"]


def test_order_violations_cost_points(sim):
    s, sc = sim
    reversed_order = sc.model_copy(update={"order": [("report", "verify")]})
    assert score_path(s, reversed_order, MODEL).points == 9
    assert score_path(s, reversed_order, MODEL).misordered == [("report", "verify")]


def test_every_path_is_complete_and_scored_within_bounds(sim):
    paths = all_paths(sim[0])
    assert len(paths) == 64
    for p in paths:
        res = score_path(*sim, p)
        assert res.finished and 0 <= res.points <= res.max_points


@pytest.mark.parametrize("path", [["zzz"], ["c2a"], ["c1a", "c1b"], "c1a", [1]])
def test_paths_off_the_graph_are_rejected(sim, path):
    with pytest.raises(InvalidAnswer):
        score_path(*sim, path)


def test_graph_checks_find_broken_cases(sim):
    s, sc = sim
    assert graph_problems(s, sc) == []
    scenes = list(s.scenes)
    loop = scenes[5].model_copy(update={"choices": [c.model_copy(update={"next": "s1"}) if c.id == "c6b" else c
                                                    for c in scenes[6].choices]})
    cyclic = s.model_copy(update={"scenes": scenes[:6] + [loop.model_copy(update={"id": "s6"})] + scenes[7:]})
    assert any("cycle" in p for p in graph_problems(cyclic, sc))
    orphan = s.model_copy(update={"scenes": scenes + [scenes[-1].model_copy(update={"id": "lost"})]})
    assert any("unreachable" in p for p in graph_problems(orphan, sc))
    dangling = s.model_copy(update={"scenes": [scenes[0].model_copy(update={"choices": [
        scenes[0].choices[0].model_copy(update={"next": "nowhere"})]})] + scenes[1:]})
    assert any("does not exist" in p for p in graph_problems(dangling, sc))
    weak_model = sc.model_copy(update={"model_path": ["c1a", "c2b", "c3ba", "c4a", "c5a", "c6a"]})
    assert any("model path scores" in p for p in graph_problems(s, weak_model))
    unscored = sc.model_copy(update={"choices": {k: v for k, v in sc.choices.items() if k != "c4b"}})
    assert any("c4b has no scoring" in p for p in graph_problems(s, unscored))


def test_course_cases_pass_the_graph_checks():
    for cid in loader.simulation_ids():
        assert check.simulation_problems(cid) == [], cid


def test_variants_are_deterministic_per_trainee_and_differ_between_trainees(sim):
    s = sim[0]
    a, a2 = variant(s, "aibek"), variant(s, "aibek")
    assert a == a2
    others = [variant(s, f"t{i}") for i in range(20)]
    assert len({(tuple(v.values.items()), tuple(v.orders["s1"])) for v in others}) > 1
    assert all(sorted(v.orders["s3"]) == ["c3a", "c3b"] for v in others)
    assert "{name}" not in a.fill(s.intro) and a.values["name"] in a.fill(s.intro)


def click(view, cid):
    button = {c: b for c, b in zip(view.variant.orders[view.current().id], view.buttons.children, strict=True)}[cid]
    button.click()


@pytest.mark.parametrize("trainee", ["aibek", "nurzat", "gulnara"])
def test_same_choices_same_score_for_every_variant(sim, tmp_path, monkeypatch, trainee):
    monkeypatch.setenv("CTIP_TRAINEE", trainee)
    view = SimulationView(sim[0], AnswerStore("m90", tmp_path), "sim:sim90", scoring=sim[1])
    for cid in ["c1a", "c2b", "c3ba", "c4b", "c5a", "c6b"]:
        click(view, cid)
    assert view.result().points == 6
    assert "Кейстин жыйынтыгы: 6 / 10" in view.debrief.value


def test_trainee_walks_a_practice_case(module, tmp_path):
    s = module()
    s.simulation("sim90")
    view = s.sims["sim90"]
    click(view, "c1a")
    click(view, "c2a")
    click(view, "c3b")                     # harmful: interview without the legal representative
    assert "Түшүндүрмө." in view.transcript.value and "ctip-fb-bad" in view.transcript.value
    for cid in ["c4a", "c5a", "c6a"]:
        click(view, cid)
    assert view.buttons.children == ()
    debrief = view.debrief.value
    assert "Кейстин жыйынтыгы: 5 / 10" in debrief        # 8 step points - 3
    assert "Жабырлануучуга зыян келтирген аракеттер" in debrief and "no-rep" in debrief
    assert "Аткарылбай калган кадамдар" in debrief and "interview" in debrief
    assert view.chart.value[:4] == b"\x89PNG"
    saved = json.loads(answers_path("m90", tmp_path).read_text(encoding="utf-8"))["answers"]["sim:sim90"]
    assert saved["value"]["path"] == ["c1a", "c2a", "c3b", "c4a", "c5a", "c6a"]
    again = module()                                     # reopened: same path, same variant
    again.simulation("sim90")
    assert again.sims["sim90"].path == saved["value"]["path"]
    assert again.sims["sim90"].variant == view.variant
    again.sims["sim90"].restart_btn.click()          # asks first (the path would be lost)
    again.sims["sim90"].restart_btn.click()          # confirmed: starts again
    assert again.sims["sim90"].path == [] and len(again.sims["sim90"].buttons.children) == 2


def test_graded_case_records_the_path_without_feedback(fixture_course, tmp_path, monkeypatch):
    monkeypatch.setattr(sess, "display", lambda *a, **k: None)
    e = sess.ExerciseSession("ex90", tmp_path)
    e.item("q8")
    view = e.views["q8"]
    for cid in MODEL:
        click(view, cid)
    assert "Түшүндүрмө" not in view.transcript.value
    assert "Кейс аяктады" in view.debrief.value and "10" not in view.debrief.value
    saved = json.loads(answers_path("ex90", tmp_path).read_text(encoding="utf-8"))["answers"]["q8"]
    assert saved["value"]["path"] == MODEL


def test_checklist_feedback_says_indicators_are_not_proof(module):
    s = module()
    s.quiz("m90.k1")
    v = s.views["m90.k1"]
    v.inputs.checks["i-docs"].value = True
    v.inputs.checks["i-happy"].value = True
    v.check_btn.click()
    fb = v.feedback.value
    L = v.inputs.letters
    assert f"Белгиленбей калган туура жооп: {L['i-locked']}) Эркин чыга албайт" in fb
    assert f"Ашыкча белгиленген: {L['i-happy']}) Айлыгын өзү алат" in fb
    assert "далили эмес" in fb and "Сиздин кийинки кадамыңыз:</b> Билдирүүнү текшерүү." in fb


@pytest.mark.parametrize("cid", loader.simulation_ids())
def test_course_case_paths(cid):
    """Random walks through each course case end in an ending with a score in bounds, and the
    harms the case teaches can actually be taken."""
    import random
    sim, sc = loader.simulation(cid), loader.scoring(cid)
    rng = random.Random(cid)
    harms_seen = set()
    for _ in range(200):
        scene, path = sim.scene(sim.start), []
        while scene.choices:
            c = rng.choice(scene.choices)
            path.append(c.id)
            scene = sim.scene(c.next)
        res = score_path(sim, sc, path)
        assert res.finished and 0 <= res.points <= res.max_points
        harms_seen |= set(res.harms)
    assert harms_seen, "a case must let trainees make (and learn from) harmful choices"
    assert score_path(sim, sc, sc.model_path).points == score_path(sim, sc, sc.model_path).max_points


def test_option_order_follows_the_answer_store_seed(sim, tmp_path, monkeypatch):
    """The order of choices is the answer file's: stable for that file whoever opens it, and
    another trainee's file (another seed) shows another order."""
    store = AnswerStore("m90", tmp_path / "a", seed=424242)
    first = SimulationView(sim[0], store, "sim:sim90", scoring=sim[1])
    assert first.variant == variant(sim[0], 424242)
    monkeypatch.setenv("JUPYTERHUB_USER", "nurzat")        # the login does not matter
    again = SimulationView(sim[0], AnswerStore("m90", tmp_path / "a"), "sim:sim90", scoring=sim[1])
    assert again.variant == first.variant
    orders = {tuple(variant(sim[0], s).orders["s1"]) + tuple(variant(sim[0], s).orders["s2"]) for s in range(30)}
    assert len(orders) > 1


def test_a_choice_can_be_several_harms(sim):
    s, sc = sim
    both = sc.model_copy(update={"choices": {**sc.choices, "c1b": sc.choices["c1b"].model_copy(
        update={"harm": ["skip", "blame"]})}})
    res = score_path(s, both, ["c1b", "c2a", "c3a", "c4a", "c5a", "c6a"])
    assert res.harms == ["skip", "blame"]
    assert res.points == score_path(s, sc, ["c1b", "c2a", "c3a", "c4a", "c5a", "c6a"]).points - \
        {h.id: h.penalty for h in sc.harms}["blame"]
    assert graph_problems(s, both) == []
    typo = sc.model_copy(update={"choices": {**sc.choices, "c1b": sc.choices["c1b"].model_copy(
        update={"harm": ["skip", "nope"]})}})
    assert any("unknown harm 'nope'" in p for p in graph_problems(s, typo))


@pytest.mark.parametrize("cid", loader.simulation_ids())
def test_cases_do_not_reward_picking_options_by_length(cid):
    """A test-wise trainee who always clicks the longest (or the shortest) option must not pass a
    case, and the model choice is the longest option in at most a third of its scenes."""
    sim, sc = loader.simulation(cid), loader.scoring(cid)
    for pick in (max, min):
        scene, path = sim.scene(sim.start), []
        while scene.choices:
            c = pick(scene.choices, key=lambda ch: len(ch.text))
            path.append(c.id)
            scene = sim.scene(c.next)
        res = score_path(sim, sc, path)
        print(f"{cid}: {pick.__name__}-option path scores {res.points}/{res.max_points}")
        assert res.fraction <= 0.5, pick.__name__
    model_scenes = [s for s in sim.scenes if any(c.id in sc.model_path for c in s.choices)]
    longest = sum(max(s.choices, key=lambda ch: len(ch.text)).id in sc.model_path for s in model_scenes)
    assert longest <= len(model_scenes) / 3
