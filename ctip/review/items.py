"""The reviewable items: every auto-scored self-check part of every module's bank.

An item id is the id the module's answer file stores it under: ``m01.q03`` for a question,
``m01.c02/act`` for a part of a case. Ids are the same in every language, so a trainee's
history carries across languages.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

from ..content import loader
from ..content.models import Case


@dataclass(frozen=True)
class Item:
    id: str            # storage id (as in mNN.answers.json)
    module: str        # "m01"
    topic: str         # topic id ("other" if the bank gives none)
    question: object   # the question model (a case part for case items)
    case: Case | None = None   # the case a part belongs to (its text is shown above the part)


def module_of(item_id: str) -> str:
    return item_id.split(".", 1)[0]


@lru_cache(maxsize=None)
def _catalogue(lang: str | None, data_key: str) -> dict[str, Item]:
    out: dict[str, Item] = {}
    for mid in loader.module_ids(lang):
        try:
            bank = loader.bank(mid, lang)
        except loader.ContentError:
            continue
        for q in bank.questions:
            for p in loader.iter_parts(q):
                if isinstance(q, Case):
                    sid, case = f"{q.id}/{p.id}", q
                else:
                    sid, case = q.id, None
                topic = p.topic or getattr(q, "topic", None) or "other"
                out[sid] = Item(sid, mid, topic, p, case)
    return out


def catalogue(lang: str | None = None) -> dict[str, Item]:
    """Item id -> Item, in bank order (modules in order)."""
    from .. import paths
    return _catalogue(lang, str(paths.DATA))


def module_title(mid: str, lang: str | None = None) -> tuple[int, str]:
    m = loader.module(mid, lang)
    return m.number, m.title


def topic_label(mid: str, topic: str, lang: str | None = None) -> str:
    try:
        return loader.module(mid, lang).topics.get(topic, topic)
    except loader.ContentError:
        return topic


def shuffled(question, rng: random.Random):
    """A copy of a question with its options in a new order (the key refers to ids, so
    scoring and feedback stay right; letters follow the new order)."""
    opts = list(getattr(question, "options", []) or [])
    if len(opts) < 2:
        return question
    order = list(range(len(opts)))
    for _ in range(5):      # avoid showing the same order again when there is another one
        rng.shuffle(order)
        if order != sorted(order):
            break
    update = {"options": [opts[i] for i in order]}
    if question.kind == "checklist":
        update["indicators"] = [opts[i].id for i in order]
    return question.model_copy(update=update)
