"""Helpers called by nbgrader hidden tests in solutions/ notebooks.

Keys are passed in by the hidden test (they live only in solutions/), never stored here.
A hidden test cell ends with ``grade_item(...)``; nbgrader reads the number it returns as
the cell's partial credit. The printed line is the trainee's per-item feedback: it says
how many points and why in general terms, never what the right answer was.
Nothing here writes to stderr: nbgrader gives 0 points to a cell that does.
"""
from __future__ import annotations

import warnings
from pathlib import Path

from .content import loader
from .content.models import SimScoring
from .engine.scoring import InvalidAnswer, score
from .engine.simulation import score_path
from .engine.store import StoreError, answers_path, read_file
from .i18n import translator


def load_answers(exercise_id: str, folder: Path | str | None = None) -> tuple[dict, str | None]:
    """(answers, problem): read-only, never moves or rewrites a submitted file."""
    data, problem = load_file(exercise_id, folder)
    return data.get("answers", {}), problem


def load_file(exercise_id: str, folder: Path | str | None = None) -> tuple[dict, str | None]:
    try:
        return read_file(answers_path(exercise_id, folder)), None
    except (StoreError, OSError) as e:
        return {}, str(e)


def trainee_language(data: dict) -> str | None:
    """The language the trainee worked in (kept in the answer file): feedback speaks it."""
    lang = data.get("lang")
    return lang if isinstance(lang, str) and lang in loader.languages() else None


def grade_item(exercise_id: str, item_id: str, key, points: float,
               folder: Path | str | None = None) -> float:
    got, line = item_result(exercise_id, item_id, key, points, folder)
    print(line)
    return got


def grade_simulation(exercise_id: str, item_id: str, scoring: dict, points: float,
                     folder: Path | str | None = None) -> float:
    """Score the recorded path of a graded case; the scoring comes from solutions/ via the
    hidden test. The feedback line gives counts, not which steps were expected."""
    got, line = simulation_result(exercise_id, item_id, scoring, points, folder)
    print(line)
    return got


def _graded(exercise_id: str, item_id: str, points: float, folder, scorer) -> tuple[float, str]:
    """Shared frame of every grading call: find the item, read the answer file read-only, and
    turn any problem into 0 points with a reason the trainee can read."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data, problem = load_file(exercise_id, folder)
        lang = trainee_language(data)
        t = translator(lang)
        ex = loader.exercise(exercise_id, lang)
        number = [it.id for it in ex.items].index(item_id) + 1
        item = ex.items[number - 1]
        label, mx = t("case_part", n=number), f"{points:g}"
        answers = data.get("answers", {})
        if problem:
            return 0.0, t("grade_invalid", item=label, max=mx, why=problem)
        entry = answers.get(item_id)
        if entry is None:
            return 0.0, t("grade_missing", item=label, max=mx)
        try:
            fraction, detail = scorer(item, entry.get("value"), lang)
        except InvalidAnswer as e:
            return 0.0, t("grade_invalid", item=label, max=mx, why=e)
        got = min(round(points * fraction, 2), float(points))
        line = t("grade_item", item=label, got=f"{got:g}", max=mx)
        return got, f"{line} {detail}" if detail else line


def item_result(exercise_id: str, item_id: str, key, points: float,
                folder: Path | str | None = None) -> tuple[float, str]:
    """(points, feedback line) for one stored answer: what grade_item prints and returns."""
    def scorer(item, value, lang):
        res = score(item, key, value, lang)
        return res.fraction, f"({res.summary})" if res.summary and not res.correct else ""
    return _graded(exercise_id, item_id, points, folder, scorer)


def simulation_result(exercise_id: str, item_id: str, scoring: dict, points: float,
                      folder: Path | str | None = None) -> tuple[float, str]:
    sc = SimScoring.model_validate(scoring)

    def scorer(item, value, lang):
        t = translator(lang)
        if not isinstance(value, dict):
            raise InvalidAnswer("expected a recorded path")
        res = score_path(loader.simulation(item.case), sc, value.get("path"))
        return res.fraction, t("grade_sim", done=len(res.done), total=len(sc.steps), harms=len(res.harms),
                               order=len(res.misordered), finished=t("tf_true") if res.finished else t("tf_false"))
    return _graded(exercise_id, item_id, points, folder, scorer)
