"""Load and validate content files. Everything user-facing comes through here."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from .. import paths
from . import overlay
from .models import (Bank, Case, Checklist, Dataset, Exercise, ExerciseKeys, IndicatorCatalogue, Module,
                     Option, SimScoring, Simulation)


class ContentError(Exception):
    """A content file is missing or does not match its schema."""


def _read(path: Path):
    try:
        with open(path, encoding="utf-8") as fh:
            # libyaml's safe loader when present: same result as safe_load, about 6x faster
            return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except FileNotFoundError as e:
        raise ContentError(f"missing content file: {path}") from e
    except yaml.YAMLError as e:
        raise ContentError(f"{path}: not valid YAML: {e}") from e


def _model(cls, path: Path, lang: str | None = None, base: Path | None = None):
    """Validate a content file. For a translation, ``path`` is the translated file and ``base``
    its Kyrgyz source: the structure comes from Kyrgyz, the words from the translation."""
    try:
        return cls.model_validate(_translated(path, lang, base))
    except ContentError:
        raise
    except Exception as e:  # pydantic.ValidationError and our own ValueErrors
        raise ContentError(f"{path}: {e}") from e


def _translated(path: Path, lang: str | None, base: Path | None):
    if base is None:
        return _read(path)
    if _lang(lang) == overlay.BASE or path == base:
        return _read(base)
    if not path.exists():           # not translated yet: the Kyrgyz text
        return _read(base)
    return overlay.merge(_read(base), _read(path))


def _lang(lang: str | None) -> str:
    return lang or paths.language()


def lang_dir(lang: str | None = None) -> Path:
    return paths.DATA / _lang(lang)


def base_dir() -> Path:
    return paths.DATA / overlay.BASE


def _content(rel: str, lang: str | None, cls):
    return _model(cls, lang_dir(lang) / rel, lang, base_dir() / rel)


@lru_cache(maxsize=None)
def module(module_id: str, lang: str | None = None) -> Module:
    return _content(f"modules/{module_id}.yaml", lang, Module)


@lru_cache(maxsize=None)
def bank(module_id: str, lang: str | None = None) -> Bank:
    b = _content(f"banks/{module_id}.yaml", lang, Bank)
    return b.model_copy(update={"questions": [_resolve(q, lang) for q in b.questions]})


@lru_cache(maxsize=None)
def exercise(exercise_id: str, lang: str | None = None) -> Exercise:
    e = _content(f"exercises/{exercise_id}.yaml", lang, Exercise)
    return e.model_copy(update={"items": [_resolve(it, lang) for it in e.items]})


def _resolve(item, lang):
    """Give checklist items (also inside cases) their options from the indicator catalogue."""
    if isinstance(item, Case):
        return item.model_copy(update={"parts": [_resolve(p, lang) for p in item.parts]})
    if not isinstance(item, Checklist):
        return item
    cat = {i.id: i for i in indicators(lang).indicators}
    unknown = [i for i in item.indicators if i not in cat]
    if unknown:
        raise ContentError(f"{item.id}: unknown indicators {unknown}")
    return item.model_copy(update={"options": [Option(id=i, text=cat[i].text) for i in item.indicators]})


@lru_cache(maxsize=None)
def indicators(lang: str | None = None) -> IndicatorCatalogue:
    return _content("indicators.yaml", lang, IndicatorCatalogue)


@lru_cache(maxsize=None)
def simulation(case_id: str, lang: str | None = None) -> Simulation:
    return _content(f"cases/{case_id}.yaml", lang, Simulation)


def simulation_ids(lang: str | None = None) -> list[str]:
    return sorted(p.stem for p in (base_dir() / "cases").glob("*.yaml") if "." not in p.stem)


def scoring_path(case_id: str, lang: str | None = None) -> Path | None:
    """Public scoring (practice cases) or instructor-only scoring (graded cases): the Kyrgyz
    source, which holds the structure (a translation lives beside it, see translation_path)."""
    for p in (base_dir() / "cases" / f"{case_id}.scoring.yaml",
              paths.SOLUTIONS / "cases" / f"{case_id}.scoring.yaml"):
        if p.exists():
            return p
    return None


def translation_path(base: Path, lang: str | None) -> Path:
    """Where the translation of a Kyrgyz content file lives (data/<lang>/… or solutions/<lang>/…)."""
    lang = _lang(lang)
    if lang == overlay.BASE:
        return base
    for root, tr in ((base_dir(), lang_dir(lang)), (paths.DATA, lang_dir(lang)), (paths.SOLUTIONS, paths.SOLUTIONS / lang)):
        try:
            return tr / base.relative_to(root)
        except ValueError:
            continue
    raise ValueError(f"{base} is not course content")


def scoring(case_id: str, lang: str | None = None) -> SimScoring:
    p = scoring_path(case_id, lang)
    if p is None:
        raise ContentError(f"no scoring for case {case_id!r}")
    return _model(SimScoring, translation_path(p, lang), lang, p)


def keys(exercise_id: str, solutions: Path | None = None, lang: str | None = None) -> ExerciseKeys:
    """Graded keys: read from solutions/ only (instructor side). Keys and points are Kyrgyz-side;
    a language adds only the words of model answers and rubrics (solutions/<lang>/)."""
    folder = solutions or paths.SOLUTIONS
    base = folder / f"{exercise_id}.keys.yaml"
    tr = base if _lang(lang) == overlay.BASE else folder / _lang(lang) / base.name
    return _model(ExerciseKeys, tr, lang, base)


@lru_cache(maxsize=None)
def dataset(dataset_id: str, lang: str | None = None) -> Dataset:
    """A dataset: numbers shared by all languages (data/datasets/), titles and labels translated
    in data/<lang>/datasets/."""
    base = paths.DATA / "datasets" / f"{dataset_id}.yaml"
    return _model(Dataset, lang_dir(lang) / "datasets" / base.name, lang, base)


@lru_cache(maxsize=None)
def ui_strings(lang: str | None = None, catalog: str = "ui") -> dict[str, str]:
    data = _read(lang_dir(lang) / f"{catalog}.yaml")
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise ContentError(f"{catalog}.yaml must map string keys to strings")
    return data


@lru_cache(maxsize=None)
def sources(lang: str | None = None) -> dict:
    """The seeds and their chapter/section labels (labels translated in data/<lang>/sources.yaml)."""
    base = paths.DATA / "sources.yaml"
    return _translated(lang_dir(lang) / "sources.yaml", lang, base)["seeds"]


def module_ids(lang: str | None = None) -> list[str]:
    """Modules of the course (the same in every language: the Kyrgyz files define them)."""
    return sorted(p.stem for p in (base_dir() / "modules").glob("*.yaml"))


def exercise_ids(lang: str | None = None) -> list[str]:
    return sorted(p.stem for p in (base_dir() / "exercises").glob("*.yaml"))


def languages() -> list[str]:
    """Languages the course has: Kyrgyz first, then every data/<lang>/ with a course.yaml."""
    others = sorted(p.parent.name for p in paths.DATA.glob("*/course.yaml") if p.parent.name != overlay.BASE)
    return [overlay.BASE] + others


def dataset_ids() -> list[str]:
    return sorted(p.stem for p in (paths.DATA / "datasets").glob("*.yaml"))


def question(qid: str, lang: str | None = None):
    """Find a self-check question or case by id ("m01.q03" lives in bank m01)."""
    b = bank(qid.split(".")[0], lang)
    for q in b.questions:
        if q.id == qid:
            return q
    raise ContentError(f"no question {qid!r} in bank {b.module}")


def iter_parts(entry):
    """The answerable parts of a bank entry: the case parts, or the question itself."""
    return list(entry.parts) if isinstance(entry, Case) else [entry]


@lru_cache(maxsize=None)
def course(lang: str | None = None) -> dict[str, str]:
    """Course-level texts (start page, fixed parts of exercise notebooks)."""
    data = _translated(lang_dir(lang) / "course.yaml", lang, base_dir() / "course.yaml")
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ContentError("course.yaml must map keys to strings")
    return data
