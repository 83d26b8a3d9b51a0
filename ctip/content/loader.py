"""Load and validate content files. Everything user-facing comes through here."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from .. import paths
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


def _model(cls, path: Path):
    try:
        return cls.model_validate(_read(path))
    except ContentError:
        raise
    except Exception as e:  # pydantic.ValidationError and our own ValueErrors
        raise ContentError(f"{path}: {e}") from e


def lang_dir(lang: str | None = None) -> Path:
    return paths.DATA / (lang or paths.language())


@lru_cache(maxsize=None)
def module(module_id: str, lang: str | None = None) -> Module:
    return _model(Module, lang_dir(lang) / "modules" / f"{module_id}.yaml")


@lru_cache(maxsize=None)
def bank(module_id: str, lang: str | None = None) -> Bank:
    b = _model(Bank, lang_dir(lang) / "banks" / f"{module_id}.yaml")
    return b.model_copy(update={"questions": [_resolve(q, lang) for q in b.questions]})


@lru_cache(maxsize=None)
def exercise(exercise_id: str, lang: str | None = None) -> Exercise:
    e = _model(Exercise, lang_dir(lang) / "exercises" / f"{exercise_id}.yaml")
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
    return _model(IndicatorCatalogue, lang_dir(lang) / "indicators.yaml")


@lru_cache(maxsize=None)
def simulation(case_id: str, lang: str | None = None) -> Simulation:
    return _model(Simulation, lang_dir(lang) / "cases" / f"{case_id}.yaml")


def simulation_ids(lang: str | None = None) -> list[str]:
    return sorted(p.stem for p in (lang_dir(lang) / "cases").glob("*.yaml") if "." not in p.stem)


def scoring_path(case_id: str, lang: str | None = None) -> Path | None:
    """Public scoring (practice cases) or instructor-only scoring (graded cases)."""
    for p in (lang_dir(lang) / "cases" / f"{case_id}.scoring.yaml",
              paths.SOLUTIONS / "cases" / f"{case_id}.scoring.yaml"):
        if p.exists():
            return p
    return None


def scoring(case_id: str, lang: str | None = None) -> SimScoring:
    p = scoring_path(case_id, lang)
    if p is None:
        raise ContentError(f"no scoring for case {case_id!r}")
    return _model(SimScoring, p)


def keys(exercise_id: str, solutions: Path | None = None) -> ExerciseKeys:
    """Graded keys: read from solutions/ only (instructor side)."""
    return _model(ExerciseKeys, (solutions or paths.SOLUTIONS) / f"{exercise_id}.keys.yaml")


@lru_cache(maxsize=None)
def dataset(dataset_id: str) -> Dataset:
    return _model(Dataset, paths.DATA / "datasets" / f"{dataset_id}.yaml")


@lru_cache(maxsize=None)
def ui_strings(lang: str | None = None, catalog: str = "ui") -> dict[str, str]:
    data = _read(lang_dir(lang) / f"{catalog}.yaml")
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise ContentError(f"{catalog}.yaml must map string keys to strings")
    return data


@lru_cache(maxsize=None)
def sources() -> dict:
    return _read(paths.DATA / "sources.yaml")["seeds"]


def module_ids(lang: str | None = None) -> list[str]:
    return sorted(p.stem for p in (lang_dir(lang) / "modules").glob("*.yaml"))


def exercise_ids(lang: str | None = None) -> list[str]:
    return sorted(p.stem for p in (lang_dir(lang) / "exercises").glob("*.yaml"))


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
    data = _read(lang_dir(lang) / "course.yaml")
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ContentError("course.yaml must map keys to strings")
    return data
