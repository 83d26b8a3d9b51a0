"""Source references: the trainee-facing label and the maintainer's check against the seeds."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from .. import paths
from .loader import sources
from .models import parse_src


def part(seed: str, line: int, lang: str | None = None) -> str | None:
    """The chapter/section label (data/sources.yaml `parts`) of a line of a seed."""
    found = None
    for p in sources(lang)[seed].get("parts", []):
        if line >= p["from"]:
            found = p["label"]
    return found


def _where(seed: str, start: int, end: int | None = None, lang: str | None = None) -> str:
    info = sources(lang)[seed]
    first = part(seed, start, lang)
    last = part(seed, end, lang) if end is not None else first
    if first and last and last != first:
        return f"{info['short']}, {first} … {last}"
    return f"{info['short']}, {first}" if first else info["short"]


def label(ref: str, lang: str | None = None) -> str:
    """'004:189-198' -> 'Колдонмо, 1-бөлүм, 1.1, «Таасир этүү каражаттары»' (trainee-facing)."""
    return labels([ref], lang)


def labels(refs, lang: str | None = None) -> str:
    """What a trainee sees: document, chapter and section, without seed line numbers; several
    references to the same place are named once ('Колдонмо, 2-бөлүм; Колдонмо, 5-бөлүм')."""
    out: list[str] = []
    for ref in refs:
        seed, start, end = parse_src(ref)
        where = _where(seed, start, end, lang)
        if where not in out:
            out.append(where)
    return "; ".join(out)


def maintainer_labels(refs, lang: str | None = None) -> str:
    """Instructor and maintainer views keep the line ranges, grouped by place:
    'Колдонмо, 2-бөлүм (004: 554–559, 580–585)'."""
    groups: dict[tuple[str, str], list[str]] = {}
    for ref in refs:
        seed, start, end = parse_src(ref)
        groups.setdefault((seed, _where(seed, start, end, lang)), []).append(f"{start}–{end}")
    return "; ".join(f"{where} ({seed}: {', '.join(spans)})" for (seed, where), spans in groups.items())


@lru_cache(maxsize=None)
def seed_lines(seed: str, folder: Path | None = None) -> list[str] | None:
    """The seed's lines, or None where the seed folder is not beside this checkout."""
    folder = folder or paths.seeds_dir()
    if folder is None:
        return None
    path = folder / sources()[seed]["file"]
    return path.read_text(encoding="utf-8").splitlines()


def problems(ref: str) -> list[str]:
    """Why a reference does not hold: unknown seed, or a range outside the file."""
    try:
        seed, start, end = parse_src(ref)
    except ValueError as e:
        return [str(e)]
    info = sources().get(seed)
    if info is None:
        return [f"{ref}: unknown seed {seed}"]
    if not 1 <= start <= end:
        return [f"{ref}: empty or reversed range"]
    if end > info["lines"]:
        return [f"{ref}: past the end of the seed ({info['lines']} lines)"]
    if end - start > 150:
        return [f"{ref}: range too wide (> 150 lines); cite the exact lines"]
    lines = seed_lines(seed)
    if lines is not None and len(lines) != info["lines"]:
        return [f"seed {seed} has {len(lines)} lines, sources.yaml says {info['lines']}"]
    return []


def cited_text(refs) -> str | None:
    """The cited lines joined, or None where the seeds are not available."""
    out = []
    for ref in refs:
        seed, start, end = parse_src(ref)
        lines = seed_lines(seed)
        if lines is None:
            return None
        out.extend(lines[start - 1:end])
    return "\n".join(out)


def missing_numbers(refs, text: str) -> list[str]:
    """Numbers in a taught text that none of its cited lines contains (a figure that
    does not come from the cited source is a defect)."""
    cited = cited_text(refs)
    if cited is None:
        return []
    have = set(re.findall(r"\d+", cited.replace("\u00ad", "")))
    return [n for n in numbers(text) if n not in have]


def numbers(text: str) -> list[str]:
    """Numbers of two or more digits in a text (years, article and order numbers, ages)."""
    return sorted(set(re.findall(r"\d{2,}", text)))
