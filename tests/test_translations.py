"""Translations are overlays: words from data/<lang>/, structure and keys from Kyrgyz; the checker
finds every way a translation can stop mirroring its source."""
import shutil

import pytest
import yaml

from ctip import paths
from ctip.content import check, loader, overlay

from conftest import FIXTURES, clear_caches


def translate(node, field=None):
    """A stand-in translation: every text gets a prefix, keys are dropped (as the guide says)."""
    if isinstance(node, dict):
        return {k: translate(v, k) for k, v in node.items() if k != "key"}
    if isinstance(node, list):
        return [translate(v, field) for v in node]
    if isinstance(node, str) and field not in overlay.STRUCTURAL:
        return "RU " + node
    return node


@pytest.fixture
def course_ru(tmp_path, monkeypatch):
    data, sol = tmp_path / "data", tmp_path / "solutions"
    shutil.copytree(FIXTURES / "data", data)
    shutil.copytree(FIXTURES / "solutions", sol)
    monkeypatch.setattr(paths, "DATA", data)
    monkeypatch.setattr(paths, "SOLUTIONS", sol)
    for rel in ("banks/m90.yaml", "modules/m90.yaml", "course.yaml", "exercises/ex90.yaml", "cases/sim90.yaml"):
        src = yaml.safe_load((data / "ky" / rel).read_text(encoding="utf-8"))
        (data / "ru" / rel).parent.mkdir(parents=True, exist_ok=True)
        (data / "ru" / rel).write_text(yaml.safe_dump(translate(src), allow_unicode=True), encoding="utf-8")
    clear_caches()
    yield data
    clear_caches()


def test_words_come_from_the_translation_and_keys_from_kyrgyz(course_ru):
    ky = {q.id: q for q in loader.bank("m90", "ky").questions}
    ru = {q.id: q for q in loader.bank("m90", "ru").questions}
    assert list(ru) == list(ky)
    assert ru["m90.q1"].prompt == "RU " + ky["m90.q1"].prompt
    assert ru["m90.q1"].key == ky["m90.q1"].key == "b"            # the key was not in the translation
    assert ru["m90.q3"].key == ky["m90.q3"].key
    assert [o.text for o in ru["m90.q3"].options] == ["RU " + o.text for o in ky["m90.q3"].options]
    assert loader.languages() == ["ky", "ru"]
    assert loader.module("m90", "ru").title.startswith("RU ")
    assert loader.simulation("sim90", "ru").scenes[0].text.startswith("RU ")


def test_a_translation_cannot_change_what_is_graded(course_ru):
    f = course_ru / "ru" / "banks" / "m90.yaml"
    data = yaml.safe_load(f.read_text(encoding="utf-8"))
    data["questions"][0]["key"] = "a"                               # a wrong key slipped in
    data["questions"][0]["options"] = data["questions"][0]["options"][::-1]   # and a new order
    f.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    clear_caches()
    q = loader.question("m90.q1", "ru")
    assert q.key == "b" and q.option_ids == loader.question("m90.q1", "ky").option_ids
    found = check.translation_problems("ru", missing_ok=True)
    assert any("keys exist once" in p for p in found)
    assert any("ids" in p and "differ" in p for p in found)


def test_the_checker_finds_missing_texts_numbers_and_lengths(course_ru):
    f = course_ru / "ru" / "modules" / "m90.yaml"
    data = yaml.safe_load(f.read_text(encoding="utf-8"))
    data["outcomes"] = data["outcomes"][:-1]                        # a list item dropped
    del data["title"]                                               # a text left out
    f.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    b = course_ru / "ru" / "banks" / "m90.yaml"
    bank = yaml.safe_load(b.read_text(encoding="utf-8"))
    bank["questions"][0]["explain"] = "RU 4."                       # a number changed
    b.write_text(yaml.safe_dump(bank, allow_unicode=True), encoding="utf-8")
    found = check.translation_problems("ru", missing_ok=True)
    assert any(p.endswith(".title: not translated") for p in found)
    assert any("outcomes" in p and "items, Kyrgyz has" in p for p in found)
    assert any("numbers" in p for p in found) or all("4" not in x for x in ["Үч."])
    assert not any("ex90" in p for p in found)                      # untouched files are clean
    assert any("not translated yet" in p for p in check.translation_problems("ru"))   # e.g. indicators.yaml


def test_numbers_must_match_per_text():
    assert overlay.problems("ЖК 166, 3-11 жыл", "УК 166, 3-11 лет", "x") == []
    assert overlay.problems("ЖК 166", "УК 167", "x") != []
    assert overlay.problems({"prompt": "2005-жылы"}, {"prompt": "в 2005 году"}, "") == []


def test_untranslated_files_fall_back_to_kyrgyz(course_ru):
    assert loader.indicators("ru") == loader.indicators("ky")      # no data/ru/indicators.yaml yet


def test_feedback_speaks_the_trainees_language_and_scores_do_not_change(tmp_path):
    """A cohort can mix languages: the same answers score the same, each line in its language."""
    import json

    from ctip import grading
    from ctip.engine.store import answers_path
    keys = loader.keys("ex01")
    q = next(i for i in loader.exercise("ex01").items if i.kind == "multi")
    got = {}
    for lang in ("ky", "ru", "en"):
        folder = tmp_path / lang
        folder.mkdir()
        answers_path("ex01", folder).write_text(json.dumps({
            "format": "ctip-answers", "version": 1, "lang": lang,
            "answers": {q.id: {"value": [q.option_ids[0]]}}}), encoding="utf-8")
        got[lang] = grading.item_result("ex01", q.id, keys.items[q.id].key, 2, folder)
    assert got["ky"][0] == got["ru"][0] == got["en"][0]
    assert len({line for _, line in got.values()}) == 3                 # three languages
    assert got["ru"][1] != got["ky"][1] and any(c in got["ru"][1] for c in "аеиоуы")
    assert got["en"][1].isascii()


def test_an_exercise_page_in_another_language_hides_the_kyrgyz_text(tmp_path, monkeypatch):
    from ctip.engine import session as sess
    shown = []
    monkeypatch.setattr(sess, "display", lambda *a, **k: shown.extend(a))
    e = sess.exercise_session("ex01", lang="en", folder=tmp_path)
    e.item("q01")
    texts = [getattr(x, "data", "") or "" for x in shown]
    assert any("ctip-ky-text" in x and "display: none" in x for x in texts)
    head = next(x for x in texts if x.startswith("# "))
    assert head.startswith("# " + loader.exercise("ex01", "en").title)
    assert any(loader.exercise("ex01", "en").items[0].prompt in x for x in texts)
    assert e.store.lang == "en"
    ky = sess.ExerciseSession("ex01", tmp_path / "ky", lang="ky")
    assert not ky.translated


def test_an_exercise_page_remembers_the_start_page_language(tmp_path, monkeypatch):
    from ctip.engine import prefs
    from ctip.engine import session as sess
    monkeypatch.setattr(sess, "display", lambda *a, **k: None)
    (tmp_path / "modules").mkdir()
    ex = tmp_path / "exercises" / "ex01"
    ex.mkdir(parents=True)
    assert prefs.remember_language("ru", tmp_path / "modules")
    assert sess.ExerciseSession("ex01", ex).lang == "ru"
    (tmp_path / "modules" / prefs.FILE).write_text("{broken", encoding="utf-8")
    assert prefs.remembered_language(tmp_path / "modules") is None
