"""ctip-grade on a mixed-language cohort (issue #12, item 3): three trainees of ex01 hand in the
app's zip, one working in Kyrgyz, one in Russian, one in English; one run grades them all.

Scores depend on the answers (option ids) only, never on the language; each feedback page is in
its trainee's language, question text and feedback lines alike, and shows no key or rubric in
any language; each trainee's free text reaches the manually graded cell; the run report is in
the instructor's language."""
from __future__ import annotations

import html
import json
import re
import shutil

import nbformat
import pytest

from ctip import paths
from ctip.content import loader
from ctip.delivery.course import env_bin_on_path, fast_api
from ctip.engine import handin
from ctip.engine.scoring import score
from ctip.engine.store import AnswerStore
from ctip.grading import item_result
from ctip.i18n import t
from ctip.instructor import cli, runner

pytestmark = pytest.mark.slow
EID = "ex01"
TEXTS = {
    "ky": "Бул адамдарды сатуу: Нурлан азгырып, алдап ташып барган, максаты мажбурлап иштетүү.",
    "ru": "Это торговля людьми: Нурлан завербовал Санжара обманом, цель – принудительный труд.",
    "en": "This is trafficking: Nurlan recruited Sanjar by deception for forced labour.",
}
TRAINEES = {"aibek": "ky", "olga": "ru", "john": "en"}


def keys():
    return {iid: k.key for iid, k in loader.keys(EID).items.items()}


def answers_of(lang: str) -> dict:
    """Partly right, partly wrong: the same option ids for ky and ru; en gets one more item wrong."""
    k, ex = keys(), loader.exercise(EID)
    out = {it.id: k[it.id] for it in ex.items if it.kind != "text"}
    items = {it.id: it for it in ex.items}
    wrong_single = next(o for o in items["q01"].option_ids if o != k["q01"])
    out["q01"] = wrong_single                                        # single: wrong
    out["q02"] = not k["q02"]                                        # true/false: wrong
    extra = next(o for o in items["q04"].option_ids if o not in k["q04"])
    out["q04"] = [k["q04"][0], extra]                                # multi: one right, one wrong
    order = list(k["q09"])
    order[0], order[1] = order[1], order[0]                          # order: one pair swapped
    out["q09"] = order
    if lang == "en":
        out["q05"] = next(o for o in items["q05"].option_ids if o != k["q05"])
    return out


def expected(answers: dict) -> dict[str, float]:
    """Points per item by the scoring functions (language-free: option ids against keys)."""
    k = keys()
    return {it.id: score(it, k[it.id], answers[it.id]).points(it.points)
            for it in loader.exercise(EID).items if it.kind != "text"}


def trainee_folder(base, name, lang, release):
    """A trainee's exercise folder as the app leaves it: the released page and an answer file
    written in their language (ids as values), then the hand-in zip the app makes from it."""
    folder = base / name
    folder.mkdir(parents=True)
    shutil.copy(release, folder / f"{EID}.ipynb")
    store = AnswerStore(EID, folder, lang=lang)
    for iid, value in answers_of(lang).items():
        store.put(iid, value)
    store.put("q13", TEXTS[lang])
    return folder


def page_text(path) -> str:
    """A feedback page as a reader sees it: tags dropped, entities decoded, spaces collapsed."""
    s = path.read_text(encoding="utf-8")
    s = re.sub(r"(?s)<(style|script)\b.*?</\1>", " ", s[s.find("<body"):])
    return norm(html.unescape(re.sub(r"<[^>]+>", " ", s)))


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("**", "")).strip()


def secrets() -> list[str]:
    """What must never reach a trainee, in every language: hidden-test code, keys as the
    solution notebook spells them, rubric lines, model answers and their headings."""
    out = ["BEGIN HIDDEN TESTS", "grade_item(", "key=", "BEGIN SOLUTION"]
    for lang in loader.languages():
        k = loader.course(lang)
        out += [k["rubric_head"], k["model_answer_head"]]
        for item in loader.keys(EID, lang=lang).items.values():
            out += [norm(r.text)[:60] for r in item.rubric]
            if item.model_answer:
                out += [norm(line)[:60] for line in item.model_answer.splitlines() if len(line) > 30]
    return out


@pytest.fixture
def course(tmp_path):
    root = cli.make_demo_course(tmp_path / "course", EID)
    with env_bin_on_path():
        runner.ensure_assignment(fast_api(root), root, EID)
    return root


def test_one_run_grades_a_mixed_language_cohort(course, tmp_path):
    release = course / "exercises" / EID / f"{EID}.ipynb"
    released_before = release.read_bytes()
    source_before = (course / "solutions" / EID / f"{EID}.ipynb").read_bytes()
    inbox = tmp_path / "returned"
    inbox.mkdir()
    folders = {}
    for name, lang in TRAINEES.items():
        folders[name] = trainee_folder(tmp_path / "trainees", name, lang, release)
        _, data = handin.build_zip(EID, folders[name], name)
        (inbox / f"{name}.zip").write_bytes(data)

    # ONE run for the whole cohort, the instructor reading English
    assert cli.main(["--lang", "en", "run", EID, "--course", str(course), "--from", str(inbox)]) == 0
    state = runner.load_state(course / "reports" / EID / "state.json")
    assert set(state) == set(TRAINEES) and all(s.status == "graded" for s in state.values())

    # scores: what the scoring functions give for the answers, whatever the language
    for name, lang in TRAINEES.items():
        want = expected(answers_of(lang))
        got = {g.rsplit("_", 1)[0]: v for g, v in state[name].scores.items() if g.endswith("_test")}
        assert got == pytest.approx(want), name
        assert state[name].total == pytest.approx(sum(want.values())), name   # free text: not graded yet
    assert state["aibek"].total == state["olga"].total > state["john"].total
    assert 0 < state["john"].total < state["john"].max_score

    leaks = secrets()
    ky = loader.exercise(EID, "ky")
    for name, lang in TRAINEES.items():
        page = page_text(course / "feedback" / name / EID / f"{EID}.html")
        ex = loader.exercise(EID, lang)
        # the exercise's texts in the trainee's language (data/<lang>/exercises/ex01.yaml)
        assert norm(ex.title) in page, (name, ex.title)
        for it in ex.items:
            assert norm(it.prompt) in page, (name, it.id)
            if it.context:
                assert norm(it.context) in page, (name, it.id)
        assert norm(loader.course(lang)["partial_credit"])[:80] in page, name
        # feedback lines in the trainee's language: one per autograded item, as grading wrote it
        for it in ex.items:
            if it.kind != "text":
                _, line = item_result(EID, it.id, keys()[it.id], it.points, folders[name])
                assert norm(line) in page, (name, line)
        wrong = score(ex.items[3], keys()["q04"], answers_of(lang)["q04"], lang).summary
        assert wrong and norm(wrong) in page, name                    # the multi's summary
        assert t("case_part", lang, n=1) + ":" in page
        # no Kyrgyz question text on a Russian or English page
        if lang != "ky":
            assert ex.title != ky.title
            for it in ky.items:
                assert norm(it.prompt) not in page, (name, it.id)
                if it.context:
                    assert norm(it.context) not in page, (name, it.id)
            assert norm(ky.intro.splitlines()[0]) not in page, name
            assert t("case_part", "ky", n=1) + ":" not in page, name
            assert t("hidden_cell", "ky") not in page, name
        # the Kyrgyz page's wrapper is not shown as text
        assert 'class="ctip-ky-text"' not in page, name
        # nothing secret, in any language
        for secret in leaks:
            assert secret not in page, (name, secret)
        # their own free text is in the manually graded cell of their autograded notebook
        graded = nbformat.read(course / "autograded" / name / EID / f"{EID}.ipynb", as_version=4)
        cell = next(c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q13_answer")
        assert TEXTS[lang] in cell.source, name
        assert TEXTS[lang] in page, name
        for other in set(TEXTS) - {lang}:
            assert TEXTS[other] not in cell.source, name
        # the autograded notebook (formgrader's view) keeps the gradebook's Kyrgyz source
        assert any(norm(ky.items[0].prompt) in norm(c.source) for c in graded.cells if c.cell_type == "markdown")
        answers = json.loads((course / "submitted" / name / EID / f"{EID}.answers.json").read_text(encoding="utf-8"))
        assert answers["lang"] == lang

    # the released notebook and the gradebook's source are unchanged
    assert release.read_bytes() == released_before
    assert (course / "solutions" / EID / f"{EID}.ipynb").read_bytes() == source_before

    # the report is in the instructor's language: English, then Russian (nothing is regraded)
    report = (course / "reports" / EID / "report.md").read_text(encoding="utf-8")
    assert report.startswith(f"# Grading report: {EID}")
    assert "## Flags (what happened and what to do)" in report and "## Item quality" in report
    assert "Баалоо отчету" not in report and "Отчет об оценке" not in report
    assert cli.main(["--lang", "ru", "run", EID, "--course", str(course), "--from", str(inbox)]) == 0
    report = (course / "reports" / EID / "report.md").read_text(encoding="utf-8")
    assert report.startswith(f"# Отчет об оценке: {EID}")
    assert "## Отметки (что произошло и что делать)" in report and "## Качество вопросов" in report
    assert "Grading report" not in report
    assert runner.load_state(course / "reports" / EID / "state.json")["olga"].total == state["olga"].total


@pytest.mark.parametrize("eid", loader.exercise_ids())
def test_every_course_cell_of_every_exercise_is_translated(eid):
    """The localization step recognises every course cell of every released exercise (figures and
    graded cases included), so no Kyrgyz text is left on a Russian or English page; a missing or
    unknown lang gives the Kyrgyz texts (as the feedback lines do)."""
    from ctip.delivery import localize
    release = nbformat.read(paths.EXERCISES / eid / f"{eid}.ipynb", as_version=4)
    ky = loader.exercise(eid, "ky")
    for lang in ("ru", "en", "ky", "xx"):
        nb = localize.localize(nbformat.from_dict(json.loads(json.dumps(release))), eid, lang)
        ex = loader.exercise(eid, lang if lang != "xx" else "ky")
        page = norm("\n".join(c.source for c in nb.cells))
        assert all(norm(it.prompt) in page for it in ex.items), lang
        assert norm(ex.title) in page and "ctip-ky-text" not in page, lang
        if lang in ("ru", "en"):
            assert not any(norm(it.prompt) in page or (it.context and norm(it.context) in page) for it in ky.items)
            kept = [c.source[:60] for c in nb.cells if c.cell_type == "markdown"
                    and any(c.source == old.source for old in release.cells)]
            assert kept == [], (lang, kept)
            assert t("hidden_cell", "ky") not in page and loader.course("ky")["test_comment"] not in page


def test_stock_nbgrader_feedback_is_in_the_trainees_language_too(course):
    """The localization is part of the course's nbgrader configuration: stock autograde and
    generate_feedback (formgrader's button, the hub's route) give a Russian trainee the Russian page."""
    from ctip.delivery import course as nbcourse
    from ctip.delivery.submissions import submit
    release = course / "exercises" / EID / f"{EID}.ipynb"
    dest = submit(course, "olga", EID, answers_of("ru"), release, {"q13": TEXTS["ru"]})
    answer_file = dest / f"{EID}.answers.json"
    data = json.loads(answer_file.read_text(encoding="utf-8"))
    answer_file.write_text(json.dumps({**data, "lang": "ru"}, ensure_ascii=False), encoding="utf-8")
    api = nbcourse.api(course)
    with env_bin_on_path():
        assert api.autograde(EID, "olga", force=True)["success"]
        assert api.generate_feedback(EID, "olga")["success"]
    page = page_text(course / "feedback" / "olga" / EID / f"{EID}.html")
    ru, ky = loader.exercise(EID, "ru"), loader.exercise(EID, "ky")
    assert norm(ru.title) in page and norm(ky.title) not in page
    for it_ru, it_ky in zip(ru.items, ky.items, strict=True):
        assert norm(it_ru.prompt) in page and norm(it_ky.prompt) not in page, it_ru.id
    assert TEXTS["ru"] in page
    for secret in secrets():
        assert secret not in page, secret
