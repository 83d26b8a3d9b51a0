"""A test-wise trainee with no knowledge of the subject must not beat chance on the graded exercises.

The simulated trainee learns surface cues on the public self-check banks (where a key stands by
length rank among the options, how often true is right, how many options a multi-select key
has and whether they are the long ones, whether ordering keys follow or reverse the listing, how
sort rows fall into blocks), then answers every autograded item of exercises 1-8 with those cues
alone, as each of many trainees would see them (options in that trainee's order). Chance is the
expected score of answering at random. The figures are printed (pytest -s shows them).
"""
from __future__ import annotations

import random
from collections import Counter
from statistics import mean

import pytest

from ctip.content import loader
from ctip.content.loader import iter_parts
from ctip.engine.scoring import score
from ctip.engine.shuffle import display_order

TRAINEES = 40
MARGIN = 0.10


def _rank(item, oid, order) -> int:
    """Length rank of an option among the item's options (0 = longest); ties by display order."""
    texts = {o.id: len(o.text) for o in item.options}
    ranked = sorted(order, key=lambda o: (-texts[o], order.index(o)))
    return ranked.index(oid)


class Cues:
    """What can be learned from the banks without knowing the subject."""

    def __init__(self, seed: int, lang: str | None = None):
        self.rank = Counter()            # (n options, rank) of single-choice keys
        self.tf = Counter()
        self.multi_share: list[float] = []
        self.multi_long = Counter()      # key option is among the longer half: yes/no
        self.order_keep: list[float] = []
        self.sort_blocks: list[float] = []
        for mid in loader.module_ids():
            for q in loader.bank(mid, lang).questions:
                for p in iter_parts(q):
                    self.learn(p, display_order(p, seed, p.id))

    def learn(self, item, shown):
        kind = "multi" if item.kind == "checklist" else item.kind
        if kind == "single":
            self.rank[_rank(item, item.key, shown)] += 1
        elif kind == "truefalse":
            self.tf[item.key] += 1
        elif kind == "multi":
            self.multi_share.append(len(item.key) / len(shown))
            half = len(shown) / 2
            for o in shown:
                self.multi_long[(_rank(item, o, shown) < half, o in item.key)] += 1
        elif kind == "order":
            self.order_keep.append(score(item, item.key, shown).fraction)
        elif kind == "sort":
            self.sort_blocks.append(score(item, item.key, blocks(item, shown)).fraction)

    def answer(self, item, shown):
        kind = "multi" if item.kind == "checklist" else item.kind
        if kind == "single":
            best = max(range(len(shown)), key=lambda r: (self.rank[r], -r))
            by_rank = sorted(shown, key=lambda o: _rank(item, o, shown))
            return by_rank[min(best, len(shown) - 1)]
        if kind == "truefalse":
            return self.tf[True] >= self.tf[False]
        if kind == "multi":
            k = max(1, round(mean(self.multi_share) * len(shown)))
            long_right = self.multi_long[(True, True)] / max(1, sum(v for (lg, _), v in self.multi_long.items() if lg))
            short_right = self.multi_long[(False, True)] / max(1, sum(v for (lg, _), v in self.multi_long.items()
                                                                       if not lg))
            by_len = sorted(shown, key=lambda o: _rank(item, o, shown))
            return (by_len if long_right >= short_right else by_len[::-1])[:k]
        if kind == "order":
            return list(shown) if mean(self.order_keep or [0.5]) >= 0.5 else list(reversed(shown))
        if kind == "sort":
            return blocks(item, shown)
        raise ValueError(kind)


def blocks(item, shown):
    """Rows in the order shown, cut into one block per category, categories in their order."""
    cats = [c.id for c in item.categories]
    size = len(shown) / len(cats)
    return {o: cats[min(int(i / size), len(cats) - 1)] for i, o in enumerate(shown)}


def random_answer(item, shown, rng):
    kind = "multi" if item.kind == "checklist" else item.kind
    if kind == "single":
        return rng.choice(shown)
    if kind == "truefalse":
        return rng.random() < 0.5
    if kind == "multi":
        return [o for o in shown if rng.random() < 0.5]
    if kind == "order":
        return rng.sample(shown, len(shown))
    return {o: rng.choice(item.categories).id for o in shown}


def graded_items(lang=None):
    out = []
    for eid in loader.exercise_ids():
        keys = loader.keys(eid)
        for it in loader.exercise(eid, lang).items:
            if it.kind in ("text", "simulation"):
                continue
            out.append((it.model_copy(update={"key": keys.items[it.id].key}), it.points or 1))
    return out


@pytest.mark.parametrize("lang", loader.languages())
def test_a_test_wise_trainee_does_not_beat_chance(lang):
    """In every edition: a translation can bring length cues back."""
    items = graded_items(lang)
    total = sum(p for _, p in items)
    wise, chance = [], []
    rng = random.Random(0)
    for trainee in range(TRAINEES):
        seed = 1000 + trainee
        cues = Cues(seed, lang)
        got = rnd = 0.0
        for item, points in items:
            shown = display_order(item.model_copy(update={"key": None}), seed, item.id)  # no key on the trainee's side
            got += points * score(item, item.key, cues.answer(item, shown)).fraction
            rnd += points * mean(score(item, item.key, random_answer(item, shown, rng)).fraction for _ in range(20))
        wise.append(got / total)
        chance.append(rnd / total)
    w, c = mean(wise), mean(chance)
    print(f"\n[{lang}] test-wise trainee: {w:.1%} of autograded points; chance: {c:.1%}; "
          f"difference {100 * (w - c):+.1f} percentage points over {len(items)} items and {TRAINEES} trainees")
    assert w - c <= MARGIN, f"surface cues earn {w:.1%} where chance is {c:.1%}"


def test_the_simulated_trainee_does_exploit_cues_when_they_are_there():
    """The test above can fail: on a bank whose keys are the longest options it wins easily."""
    from ctip.content.models import Single
    item = Single(kind="single", id="x", prompt="?", options=[
        {"id": "a", "text": "long and detailed right answer"}, {"id": "b", "text": "short"},
        {"id": "c", "text": "brief"}, {"id": "d", "text": "tiny"}], key="a")
    cues = Cues.__new__(Cues)
    cues.rank = Counter({0: 10})
    assert cues.answer(item, ["b", "c", "a", "d"]) == "a"
