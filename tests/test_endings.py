"""Endings and debriefs true to the path: facts of a path, fact-conditioned sentences, the check
that walks every path, and the endings specific harmful paths of the course cases reach."""
import pytest

from ctip.content import loader
from ctip.content.models import SimScoring, Simulation
from ctip.engine.simulation import (all_paths, choice_facts, ending_problems, graph_problems, holds,
                                    path_facts, scene_text, walk)
from ctip.engine.simview import SimulationView
from ctip.engine.store import AnswerStore

SRC = ["004:842-844"]


def tiny(ending: dict, extra_facts: dict | None = None):
    """A two-decision case: register or not, then tell the suspect where the child is or not."""
    sim = Simulation.model_validate({
        "id": "tiny", "title": "t", "role": "any", "intro": "i", "start": "s1",
        "scenes": [
            {"id": "s1", "text": "Рапорт?", "choices": [{"id": "reg", "text": "a", "next": "s2"},
                                                         {"id": "noreg", "text": "b", "next": "s2"}]},
            {"id": "s2", "text": "Чоң энеси сурайт.", "choices": [{"id": "keep", "text": "a", "next": "end"},
                                                                  {"id": "tell", "text": "b", "next": "end"}]},
            {"id": "end", **ending}]})
    sc = SimScoring.model_validate({
        "case": "tiny", "src": SRC, "debrief": "d", "model_path": ["reg", "keep"],
        "steps": [{"id": "register", "label": "r", "points": 1, "src": SRC, "facts": ["registered"]},
                  {"id": "confidential", "label": "c", "points": 1, "src": SRC}],
        "harms": [{"id": "not-register", "label": "n", "penalty": 1, "src": SRC},
                  {"id": "disclose", "label": "d", "penalty": 1, "src": SRC, "facts": ["disclosed"]}],
        "choices": {"reg": {"step": "register", "feedback": "f", "src": SRC},
                    "noreg": {"harm": "not-register", "feedback": "f", "src": SRC},
                    "keep": {"step": "confidential", "feedback": "f", "src": SRC},
                    "tell": {"harm": "disclose", "feedback": "f", "src": SRC}},
        "facts": {"registered": "рапорт катталды", "disclosed": "жайы айтылды", **(extra_facts or {})}})
    return sim, sc


HONEST = {"text": "Кейс аяктады.", "parts": [
    {"when": ["registered"], "asserts": ["registered"], "text": "Окуя катталды."},
    {"when": ["not registered"], "asserts": ["not registered"], "text": "Окуя катталган жок."},
    {"when": ["not disclosed"], "asserts": ["not disclosed"], "text": "Баланын жайы эч кимге айтылган жок."},
    {"when": ["disclosed"], "asserts": ["disclosed"], "text": "Баланын жайы чоң энесине белгилүү болду."}]}


def test_facts_come_from_steps_harms_and_accumulate():
    sim, sc = tiny(HONEST)
    assert choice_facts(sc, "reg") == {"registered"} and choice_facts(sc, "noreg") == set()
    assert path_facts(sc, ["reg", "tell"]) == {"registered", "disclosed"}
    assert holds(["registered", "not disclosed"], {"registered"})
    assert not holds(["registered", "not disclosed"], {"registered", "disclosed"})


def test_an_honest_ending_passes_and_says_what_the_path_did():
    sim, sc = tiny(HONEST)
    assert ending_problems(sim, sc) == []
    assert [p for p in graph_problems(sim, sc) if "decision points" not in p] == []
    end = sim.scene("end")
    bad = scene_text(end, path_facts(sc, ["noreg", "tell"]))
    assert "Окуя катталган жок." in bad and "чоң энесине белгилүү" in bad
    assert "Окуя катталды." not in bad and "эч кимге айтылган жок" not in bad
    good = scene_text(end, path_facts(sc, ["reg", "keep"]))
    assert "Окуя катталды." in good and "эч кимге айтылган жок" in good
    assert scene_text(end, None) == "Кейс аяктады."      # no scoring (graded): only what always holds


def test_check_catches_a_deliberately_wrong_ending():
    wrong = {"text": "Окуя катталды, баланын жайы эч кимге айтылган жок.",
             "asserts": ["registered", "not disclosed"]}
    sim, sc = tiny(wrong)
    problems = ending_problems(sim, sc)
    assert problems and all("tiny/end" in p for p in problems)
    assert "'noreg'" in problems[0] or "'tell'" in problems[0]       # names a path that contradicts it
    assert any("tiny/end" in p for p in graph_problems(sim, sc))     # the graph check reports it too


def test_check_catches_a_conditioned_sentence_that_claims_more_than_its_condition():
    overclaim = {"text": "Кейс аяктады.", "parts": [
        {"when": ["registered"], "asserts": ["registered", "not disclosed"], "text": "Баары туура болду."}]}
    problems = ending_problems(*tiny(overclaim))
    assert len(problems) == 1 and "part 1" in problems[0] and "'reg', 'tell'" in problems[0]


def test_check_catches_unknown_and_never_set_facts_and_empty_texts():
    typo = {"text": "x", "parts": [{"when": ["not registred"], "asserts": [], "text": "y"}]}
    assert any("'registred' is not declared" in p for p in ending_problems(*tiny(typo)))
    assert any("'referred' is set by no choice" in p
               for p in ending_problems(*tiny(HONEST, {"referred": "багытталды"})))
    empty = {"parts": [{"when": ["registered"], "asserts": ["registered"], "text": "Катталды."}]}
    assert any("no text is shown" in p and "noreg" in p for p in ending_problems(*tiny(empty)))


@pytest.mark.parametrize("cid", loader.simulation_ids())
def test_every_path_of_every_case_shows_only_true_sentences(cid):
    """Path by path (independently of the check's state walk): every sentence a trainee sees
    on the way, in practice or graded mode, asserts only facts that hold on that path."""
    sim, sc = loader.simulation(cid), loader.scoring(cid)
    assert ending_problems(sim, sc) == []
    paths = all_paths(sim)
    assert paths
    for path in paths:
        for n, sid in enumerate(walk(sim, path)):
            facts = path_facts(sc, path[:n])
            scene = sim.scene(sid)
            assert holds(scene.asserts, facts), (cid, path, sid)
            for part in scene.parts:
                if holds(part.when, facts):
                    assert holds(part.asserts, facts), (cid, path, sid, part.text)
            assert scene_text(scene, facts).strip() and scene_text(scene, None).strip()


def ending(cid, path, graded=False):
    sim, sc = loader.simulation(cid), loader.scoring(cid)
    scene = sim.scene(walk(sim, path)[-1])
    assert scene.is_end
    return scene_text(scene, None if graded else path_facts(sc, path))


def test_case04_not_registered_gets_an_honest_ending():
    text = ending("case04", ["s1a", "s2a", "s3a", "s4a", "s5a", "s6a", "s8b", "s7a", "s9a"])
    assert "Окуя катталган жок" in text and "КБРге катталып" not in text
    model = ending("case04", loader.scoring("case04").model_path)
    assert "КБРге катталып" in model and "психолог катышканда" in model and "катталган жок" not in model


def test_case04_disclosed_location_is_not_called_safe_and_secret():
    text = ending("case04", ["s1a", "s2a", "s3a", "s4a", "s5a", "s6a", "s8a", "s7c", "s9a"])
    assert "чоң энеси билип калды" in text and "дареги жашырын калды" not in text
    assert "бөтөн адамдарга айтылган жок" not in text


def test_case05_shared_without_consent_gets_an_honest_ending():
    text = ending("case05", ["p1a", "p2a", "p3a", "p4a", "p5c", "p6a", "p7a"])
    assert "макулдугусуз башкаларга берилди" in text and "макулдугу менен гана берилди" not in text
    assert "сизге ишенип" not in text
    text = ending("case05", ["p1a", "p2a", "p3a", "p4b", "p5a", "p6b", "p7a"])
    assert "катталган жок" in text and "ал кайда түнөрүн билип алышты" in text


def test_case06_disclose_path_is_not_told_that_confidentiality_was_kept():
    path = ["s1a", "s2a", "s3a", "s4a", "s5a", "s6a", "s7b", "s8a"]
    for graded in (False, True):
        text = ending("case06", path, graded)
        assert "купуялуулугу сакталды" not in text and "туура баа берилди" not in text
        assert "тергөөчүгө" in text


def test_case01_no_doctor_is_not_told_the_doctor_saw_her():
    sim, sc = loader.simulation("case01"), loader.scoring("case01")
    path = ["c01", "c23", "c24", "c06", "c10", "c15", "c20", "c27"]
    assert walk(sim, path)[-1] == "s9"
    text = scene_text(sim.scene("s9"), path_facts(sc, path))
    assert "дарыгердин кароосунан өттү" not in text and "дарыгер көргөн жок" in text


def test_model_paths_put_urgent_care_and_the_scene_before_any_interview():
    sc = loader.scoring("case01")
    steps = [sc.choices[c].step for c in sc.model_path]
    assert steps.index("risk") < steps.index("identity") < steps.index("interview")
    assert steps.index("traces") < steps.index("interview") < steps.index("signs")
    sc4 = loader.scoring("case04")
    steps4 = [sc4.choices[c].step for c in sc4.model_path]
    assert steps4.index("register") < steps4.index("protect")


@pytest.mark.parametrize("cid, path, verdict", [
    ("case04", ["s1a", "s2a", "s3a", "s4a", "s5a", "s6a", "s8b", "s7a", "s9a"], "sim_verdict_harm"),
    ("case04", ["s1a", "s2a", "s3a", "s4a", "s5a", "s6a", "s8a", "s7a", "s9b"], "sim_verdict_missed"),
    ("case05", ["p1a", "p2a", "p3a", "p4a", "p5a", "p6a", "p7a"], "sim_verdict_full"),
])
def test_debrief_verdict_follows_the_path(tmp_path, monkeypatch, cid, path, verdict):
    from ctip.i18n import t
    monkeypatch.setenv("CTIP_TRAINEE", "aibek")
    store = AnswerStore("m99", tmp_path)
    store.put(f"sim:{cid}", {"path": path, "trainee": "aibek"})
    view = SimulationView(loader.simulation(cid), store, f"sim:{cid}", scoring=loader.scoring(cid))
    assert t(verdict) in view.debrief.value
    others = {"sim_verdict_harm", "sim_verdict_missed", "sim_verdict_full"} - {verdict}
    assert not any(t(o) in view.debrief.value for o in others)
    assert view.scene_html.value and "{" not in view.scene_html.value
