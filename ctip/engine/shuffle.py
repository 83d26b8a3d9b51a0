"""The order in which one trainee sees the options of a choice-type item.

Drawn from the trainee's seed (kept in their answer file) and the item's storage id, so it is
stable across reopen and kernel restart, and differs between trainees. Only the display changes:
answers stay option ids, so scoring and grading do not depend on it.

Ordering items: when the key is known (self-check), the listing never stands in the key order
or close to it, nor in the reverse order: the share of pairs in key order lies in
[BAND_LOW, BAND_HIGH]. The band is symmetric, so "reverse what you see" earns exactly as little
as "keep what you see". Graded items carry no key on the trainee's side (keys never reach
trainees, and a rule relative to the key would leak it), so their listing is a uniform shuffle
that never equals the shipped file order.
Sorting items: rows never stand grouped by category when the key is known.
"""
from __future__ import annotations

import random
from itertools import combinations

BAND_LOW, BAND_HIGH = 0.2, 0.8
SHUFFLED = ("single", "multi", "checklist", "sort", "order")


def pair_agreement(order: list[str], key: list[str]) -> float:
    """Share of pairs of ``key`` that stand in the same relative order in ``order``."""
    pos = {o: i for i, o in enumerate(order)}
    pairs = list(combinations(key, 2))
    return sum(1 for a, b in pairs if pos[a] < pos[b]) / len(pairs) if pairs else 1.0


def _acceptable(kind: str, ids: list[str], shown: list[str], key) -> bool:
    if kind == "order" and len(ids) >= 3:
        if isinstance(key, list) and sorted(key) == sorted(ids):
            return BAND_LOW - 1e-9 <= pair_agreement(shown, key) <= BAND_HIGH + 1e-9
        return shown != ids
    if kind == "sort" and isinstance(key, dict) and len(set(key.values())) > 1:
        from ..content.cues import is_grouped
        return not is_grouped(shown, key)
    return True


def display_order(item, seed: int | None, salt: str) -> list[str]:
    """Option ids of ``item`` in the order this trainee sees them (file order without a seed)."""
    ids = list(item.option_ids)
    if seed is None or item.kind not in SHUFFLED or len(ids) < 2:
        return ids
    rng = random.Random(f"{seed}\x00{salt}")
    key = getattr(item, "key", None)
    shown = ids[:]
    for _ in range(200):            # a few tries always suffice; the cap only guards odd data
        rng.shuffle(shown)
        if _acceptable(item.kind, ids, shown, key):
            return shown
    return shown
