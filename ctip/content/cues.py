"""Surface cues in the answer keys: what a test-wise trainee could exploit without knowing anything.

Computed per self-check bank (data) and per graded exercise (keys from solutions/), over the
file order of the options (the order trainees see is shuffled per trainee on top of this):

* ``longest``   share of single-choice items whose key is (one of) the longest options   (max 35 %)
* ``len_ratio`` mean key length / mean distractor length over single-choice items        (0.85-1.15)
* ``rank``      largest share of single-choice items (3+ options) whose key holds one length
                rank among the options (longest, second longest, …)                      (max 40 %)
* ``position``  largest share of 4-option single-choice items whose key stands at one file
                position (a, b, c or d)                                                   (max 40 %)
* ``leading``   share of multi-select and checklist items whose key is the leading block
                of the options (a, b, c …)                                                (max 1/3)
* ``grouped``   sort items whose rows are grouped by category in file order               (none)
* ``ordinal``   graded ordering items whose step ids spell the key (s1, s2, s3 …)         (none:
                the ids ship with the trainee's copy, the key must not)
* ``ids``       graded single, multi and sort items whose option ids do not follow the file
                order (a, b, c … / x1, x2 …), so that an id tells no more than a position  (none)

    python -m ctip.content.cues      # prints the table; the content checker fails above the limits
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import loader
from .loader import iter_parts

LIMITS = {"longest": 0.35, "len_ratio": (0.85, 1.15), "rank": 0.40, "position": 0.40, "leading": 1 / 3}


@dataclass
class Figures:
    name: str
    singles: int = 0
    longest: int = 0
    key_len: list[int] = field(default_factory=list)
    other_len: list[int] = field(default_factory=list)
    ranked: int = 0
    ranks: list[int] = field(default_factory=lambda: [0] * 8)
    four: int = 0
    four_pos: list[int] = field(default_factory=lambda: [0, 0, 0, 0])
    multis: int = 0
    leading: int = 0
    sorts: int = 0
    grouped: list[str] = field(default_factory=list)
    ordinal: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)

    # -- the figures ----------------------------------------------------------------------
    @property
    def longest_share(self) -> float:
        return self.longest / self.singles if self.singles else 0.0

    @property
    def len_ratio(self) -> float:
        if not self.key_len or not self.other_len:
            return 1.0
        return (sum(self.key_len) / len(self.key_len)) / (sum(self.other_len) / len(self.other_len))

    @property
    def rank_share(self) -> float:
        return max(self.ranks) / self.ranked if self.ranked else 0.0

    @property
    def position_share(self) -> float:
        return max(self.four_pos) / self.four if self.four else 0.0

    @property
    def leading_share(self) -> float:
        return self.leading / self.multis if self.multis else 0.0

    def problems(self) -> list[str]:
        out = []
        if self.longest_share > LIMITS["longest"] + 1e-9:
            out.append(f"{self.name}: key is the longest option in {self.longest}/{self.singles} "
                       f"single-choice items ({self.longest_share:.0%} > 35%)")
        lo, hi = LIMITS["len_ratio"]
        if self.singles and not lo - 1e-9 <= self.len_ratio <= hi + 1e-9:
            out.append(f"{self.name}: mean key length is {self.len_ratio:.2f}x the distractors' (0.85-1.15)")
        if self.rank_share > LIMITS["rank"] + 1e-9:
            r = self.ranks.index(max(self.ranks))
            out.append(f"{self.name}: key is the length rank {r + 1} option (1 = longest) in "
                       f"{max(self.ranks)}/{self.ranked} single-choice items ({self.rank_share:.0%} > 40%)")
        if self.position_share > LIMITS["position"] + 1e-9:
            pos = "abcd"[self.four_pos.index(max(self.four_pos))]
            out.append(f"{self.name}: key at file position {pos} in {max(self.four_pos)}/{self.four} "
                       f"4-option items ({self.position_share:.0%} > 40%)")
        if self.leading_share > LIMITS["leading"] + 1e-9:
            out.append(f"{self.name}: multi-select key is the leading block in {self.leading}/{self.multis} "
                       f"items ({self.leading_share:.0%} > 33%)")
        out += [f"{self.name}/{i}: sort rows are grouped by category in file order" for i in self.grouped]
        out += [f"{self.name}/{i}: step ids give away the order of the key (name steps by content)"
                for i in self.ordinal]
        out += [f"{self.name}/{i}: option ids must follow the file order (a, b, c … or x1, x2 …)"
                for i in self.ids]
        return out

    def row(self) -> str:
        return (f"{self.name:<6} single {self.singles:>3}  longest {self.longest_share:>4.0%}  "
                f"len {self.len_ratio:>4.2f}  rank {self.rank_share:>4.0%}  pos4 {self.position_share:>4.0%} (n={self.four:>2})  "
                f"multi {self.multis:>3}  leading {self.leading_share:>4.0%}  sort {self.sorts:>2} "
                f"grouped {len(self.grouped)}")


def is_grouped(rows: list[str], key: dict) -> bool:
    """True when every category's rows stand together (a block per category) in this order."""
    cats = [key[r] for r in rows]
    runs = 1 + sum(1 for a, b in zip(cats, cats[1:], strict=False) if a != b)
    return len(rows) >= 4 and runs == len(set(cats))


def add(fig: Figures, item, key, label: str | None = None) -> None:
    kind = "multi" if item.kind == "checklist" else item.kind
    ids = item.option_ids
    if key is None:
        return
    if kind == "single":
        texts = {o.id: len(o.text) for o in item.options}
        fig.singles += 1
        if texts[key] >= max(texts.values()):
            fig.longest += 1
        fig.key_len.append(texts[key])
        fig.other_len += [n for o, n in texts.items() if o != key]
        if len(ids) >= 3:
            fig.ranked += 1
            fig.ranks[min(sum(1 for o, n in texts.items() if n > texts[key]), 7)] += 1
        if len(ids) == 4:
            fig.four += 1
            fig.four_pos[ids.index(key)] += 1
    elif kind == "multi":
        fig.multis += 1
        if sorted(key, key=ids.index) == ids[:len(key)]:
            fig.leading += 1
    elif kind == "sort":
        fig.sorts += 1
        if is_grouped(ids, key):
            fig.grouped.append(label or item.id)


def bank_figures(mid: str, lang: str | None = None) -> Figures:
    fig = Figures(mid)
    for q in loader.bank(mid, lang).questions:
        for p in iter_parts(q):
            add(fig, p, p.key, f"{q.id}/{p.id}" if p is not q else q.id)
    return fig


def spells_key(ids: list[str], key: list[str]) -> bool:
    """True when sorting the ids (naturally: s2 before s10) gives the key order."""
    import re

    def natural(s):
        return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", s)]
    return len(ids) >= 3 and sorted(ids, key=natural) == list(key)


def file_order_ids(item) -> list[str]:
    n = len(item.option_ids)
    return [f"x{i + 1}" for i in range(n)] if item.kind == "sort" else [chr(ord("a") + i) for i in range(n)]


def exercise_figures(eid: str, lang: str | None = None, solutions=None) -> Figures:
    fig = Figures(eid)
    keys = loader.keys(eid, solutions)
    for it in loader.exercise(eid, lang).items:
        k = keys.items.get(it.id)
        if k is not None and it.kind not in ("text", "simulation"):
            add(fig, it, k.key, it.id)
            if it.kind == "order" and isinstance(k.key, list) and spells_key(it.option_ids, k.key):
                fig.ordinal.append(it.id)
            if it.kind in ("single", "multi", "sort") and it.option_ids != file_order_ids(it):
                fig.ids.append(it.id)
    return fig


def all_figures(lang: str | None = None) -> list[Figures]:
    return [bank_figures(m, lang) for m in loader.module_ids(lang)] + \
           [exercise_figures(e, lang) for e in loader.exercise_ids(lang)]


def problems(lang: str | None = None) -> list[str]:
    return [p for f in all_figures(lang) for p in f.problems()]


def report(lang: str | None = None) -> str:
    return "\n".join(f.row() for f in all_figures(lang))


if __name__ == "__main__":
    import sys
    print(report())
    probs = problems()
    print("\n".join(probs))
    print(f"{len(probs)} cue problem(s)")
    sys.exit(1 if probs else 0)
