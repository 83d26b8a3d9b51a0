"""Translations as overlays on the Kyrgyz content.

A translated file (``data/ru/banks/m01.yaml``) mirrors its Kyrgyz source. Only the words are
taken from it: every id, kind, key, source reference, number and the order of every list come
from Kyrgyz, so keys exist once and a translation cannot change what is graded. Lists of objects
are matched by ``id`` (else by position); a text missing from a translation falls back to Kyrgyz,
and ``problems`` reports it together with every other difference (see docs/authoring.md).
"""
from __future__ import annotations

import re

BASE = "ky"

# fields whose values are identifiers, references or numbers, never words
STRUCTURAL = frozenset({
    "id", "kind", "key", "src", "topic", "points", "role", "style", "next", "figure", "case",
    "indicators", "step", "harm", "penalty", "start", "module", "exercise", "number", "minutes",
    "audience", "results", "quiz", "simulation", "chart", "order", "order_penalty", "model_path",
    "synthetic", "content_note", "group", "questions", "abbr", "in_src", "spelled_out_in_manual",
    "expansion_src", "y", "facts", "sets", "when", "unless", "asserts", "requires",
    "not", "all", "any", "seed", "format", "version", "notebook", "lang",
})


def _structural(name: str | None, value) -> bool:
    """Identifiers, references and numbers; a list of objects (e.g. a bank's questions) is
    walked whatever its name."""
    return name in STRUCTURAL and not (isinstance(value, list) and value
                                       and all(isinstance(v, dict) for v in value))


def _is_text_field(name: str | None, value) -> bool:
    if name in STRUCTURAL:
        return False
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def merge(base, tr, field: str | None = None):
    """Kyrgyz structure with the translation's words."""
    if _structural(field, base):
        return base
    if isinstance(base, dict):
        tr = tr if isinstance(tr, dict) else {}
        return {k: merge(v, tr.get(k), k) for k, v in base.items()}
    if isinstance(base, list):
        if _is_text_field(field, base):
            return list(tr) if isinstance(tr, list) and len(tr) == len(base) \
                and all(isinstance(v, str) for v in tr) else base
        tr = tr if isinstance(tr, list) else []
        if base and all(isinstance(b, dict) and "id" in b for b in base):
            by_id = {t.get("id"): t for t in tr if isinstance(t, dict)}
            return [merge(b, by_id.get(b["id"])) for b in base]
        return [merge(b, tr[i] if i < len(tr) else None, None if isinstance(b, dict) else field)
                for i, b in enumerate(base)]
    if isinstance(base, str) and _is_text_field(field, base):
        return tr if isinstance(tr, str) and tr.strip() else base
    return base


NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


def numbers(text: str) -> list[str]:
    """The numbers of a text, as written with digits (decimal comma = point)."""
    return sorted(n.replace(",", ".") for n in NUMBER.findall(text))


def problems(base, tr, where: str, field: str | None = None) -> list[str]:
    """Everything that keeps a translation from mirroring its Kyrgyz source."""
    out: list[str] = []
    if _structural(field, base):
        return [] if base == tr else [f"{where}: {tr!r} differs from Kyrgyz {base!r} (not a text: keep it as it is)"]
    if isinstance(base, dict):
        if not isinstance(tr, dict):
            return [f"{where}: missing (expected a mapping)"]
        for k, v in base.items():
            if k == "key" and k in tr:
                out.append(f"{where}.key: keys exist once, in Kyrgyz; remove it from the translation")
            elif k not in tr:
                if _has_text(k, v):
                    out.append(f"{where}.{k}: not translated")
            else:
                out += problems(v, tr[k], f"{where}.{k}", k)
        out += [f"{where}.{k}: not in the Kyrgyz source" for k in tr if k not in base]
        return out
    if isinstance(base, list):
        if not isinstance(tr, list):
            return [f"{where}: missing (expected a list)"]
        if len(tr) != len(base):
            return [f"{where}: {len(tr)} items, Kyrgyz has {len(base)}"]
        if base and all(isinstance(b, dict) and "id" in b for b in base):
            ids, tids = [b["id"] for b in base], [t.get("id") if isinstance(t, dict) else None for t in tr]
            if ids != tids:
                return [f"{where}: ids {tids} differ from Kyrgyz {ids} (same ids, same order)"]
        for i, (b, t) in enumerate(zip(base, tr, strict=True)):
            label = f"{where}[{b['id']}]" if isinstance(b, dict) and "id" in b else f"{where}[{i}]"
            out += problems(b, t, label, None if isinstance(b, dict) else field)
        return out
    if isinstance(base, str) and _is_text_field(field, base):
        if not isinstance(tr, str) or not tr.strip():
            return [f"{where}: not translated"]
        if numbers(base) != numbers(tr):
            return [f"{where}: numbers {numbers(tr)} differ from Kyrgyz {numbers(base)}"]
        return []
    if base != tr:
        return [f"{where}: {tr!r} differs from Kyrgyz {base!r} (not a text: keep it as it is)"]
    return []


def _has_text(name, value) -> bool:
    if _structural(name, value):
        return False
    if isinstance(value, dict):
        return any(_has_text(k, v) for k, v in value.items())
    if isinstance(value, list) and not _is_text_field(name, value):
        return any(_has_text(name, v) for v in value)
    return _is_text_field(name, value) and bool(value)
