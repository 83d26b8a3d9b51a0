"""Scoring rules, as pure functions shared by self-check widgets and nbgrader hidden tests.

The documented partial-credit rules (also in docs/authoring.md and the exercise intro):

* single, truefalse: all or nothing.
* multi: each correct option chosen earns 1/k of the points (k = number of correct options);
  each wrong option chosen takes 1/k away; never below 0. Full points only for the exact set.
* sort: each option put into its right category earns 1/n (n = number of options).
* order: the share of pairs of steps that stand in the right relative order
  (a fully reversed list earns 0, a list with two neighbours swapped loses one pair).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

from ..i18n import t


class InvalidAnswer(ValueError):
    """A stored or submitted answer that does not fit the question (wrong type or ids)."""


@dataclass(frozen=True)
class Result:
    fraction: float                 # 0.0 .. 1.0
    summary: str = ""               # localized one-line detail (no key revealed)
    missed: list[str] = field(default_factory=list)   # option ids (for self-check feedback)
    extra: list[str] = field(default_factory=list)

    @property
    def correct(self) -> bool:
        return self.fraction >= 1.0 - 1e-9

    def points(self, max_points: float) -> float:
        return round(max_points * self.fraction, 2)


def normalize(item, response):
    """Check a response against the item's shape; return it in canonical form."""
    ids = item.option_ids
    kind = "multi" if item.kind == "checklist" else item.kind
    if kind == "single":
        if not isinstance(response, str) or response not in ids:
            raise InvalidAnswer(f"expected one of {ids}, got {response!r}")
        return response
    if kind == "truefalse":
        if not isinstance(response, bool):
            raise InvalidAnswer(f"expected true or false, got {response!r}")
        return response
    if kind == "multi":
        if not isinstance(response, list) or not all(isinstance(r, str) for r in response):
            raise InvalidAnswer(f"expected a list of option ids, got {type(response).__name__}")
        unknown = set(response) - set(ids)
        if unknown:
            raise InvalidAnswer(f"unknown options {sorted(unknown)}")
        return sorted(set(response), key=ids.index)
    if kind == "sort":
        cats = {c.id for c in item.categories}
        if not isinstance(response, dict):
            raise InvalidAnswer(f"expected a mapping option -> category, got {type(response).__name__}")
        bad = {k: v for k, v in response.items() if k not in ids or v not in cats}
        if bad:
            raise InvalidAnswer(f"unknown options or categories {sorted(bad)}")
        return dict(response)
    if kind == "order":
        if not isinstance(response, list) or sorted(map(str, response)) != sorted(ids) \
                or not all(isinstance(r, str) for r in response):
            raise InvalidAnswer("expected every step exactly once")
        return list(response)
    raise InvalidAnswer(f"kind {kind!r} is not scored automatically")


def score(item, key, response, lang: str | None = None) -> Result:
    """Score a response (raises InvalidAnswer for a malformed one); the summary is in ``lang``."""
    response = normalize(item, response)
    kind = "multi" if item.kind == "checklist" else item.kind
    if kind in ("single", "truefalse"):
        return Result(1.0 if response == key else 0.0)
    if kind == "multi":
        chosen, right = set(response), set(key)
        hits, wrong = len(chosen & right), len(chosen - right)
        frac = max(0.0, (hits - wrong) / len(right))
        return Result(frac, t("grade_multi", lang, right=hits, total=len(right), wrong=wrong),
                      missed=[o for o in item.option_ids if o in right - chosen],
                      extra=[o for o in item.option_ids if o in chosen - right])
    if kind == "sort":
        hits = sum(1 for o, c in key.items() if response.get(o) == c)
        wrong = [o for o in item.option_ids if o in response and response[o] != key[o]]
        missing = [o for o in item.option_ids if o not in response]
        return Result(hits / len(key), t("grade_sort", lang, right=hits, total=len(key)),
                      missed=missing, extra=wrong)
    if kind == "order":
        pos = {o: i for i, o in enumerate(response)}
        pairs = list(combinations(key, 2))
        good = sum(1 for a, b in pairs if pos[a] < pos[b])
        return Result(good / len(pairs), t("grade_order", lang, right=good, total=len(pairs)))
    raise InvalidAnswer(f"kind {kind!r} is not scored automatically")
