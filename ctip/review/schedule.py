"""What a review session asks and the figures around it (pure functions of a ReviewState).

A session draws from every module the trainee has started (at least one answer stored):
first the items due by the end of today (most overdue first, modules interleaved), up to
``MAX_ITEMS``; if fewer than ``MIN_ITEMS`` are due, new items of those modules (never answered)
fill it up, taken in turn from each module in bank order (at most ``MIN_ITEMS`` a day, counting
the items already reviewed today). Items that are neither due nor new are not asked: FSRS says
it is too early.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from .items import catalogue, module_title
from .state import ReviewState, as_utc

MIN_ITEMS, MAX_ITEMS = 10, 15


def end_of_day(now: datetime) -> datetime:
    """The end of the trainee's local day containing ``now`` (as UTC)."""
    local = now.astimezone()
    nxt = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=local.tzinfo)
    return as_utc(nxt)


def _interleave(groups: dict[str, list[str]]) -> list[str]:
    out, queues = [], [list(v) for _, v in sorted(groups.items())]
    while any(queues):
        for q in queues:
            if q:
                out.append(q.pop(0))
    return out


def due_items(state: ReviewState, now: datetime | None = None) -> list[str]:
    """Known items whose FSRS due date falls before the end of today, most overdue first."""
    now = as_utc(now or state.now())
    limit = end_of_day(now)
    items = catalogue(state.lang)
    due = [(c.due, sid) for sid, c in state.cards.items() if sid in items and c.due < limit]
    return [sid for _, sid in sorted(due)]


def new_items(state: ReviewState) -> list[str]:
    """Never-answered items of the started modules, in turn from each module."""
    started = set(state.started_modules())
    seen = set(state.cards)
    groups: dict[str, list[str]] = {}
    for sid, it in catalogue(state.lang).items():
        if it.module in started and sid not in seen:
            groups.setdefault(it.module, []).append(sid)
    return _interleave(groups)


def plan(state: ReviewState, now: datetime | None = None,
         min_items: int = MIN_ITEMS, max_items: int = MAX_ITEMS) -> list[str]:
    """The item ids of a session now: due ones first, then new ones; no id twice."""
    items = catalogue(state.lang)
    due = due_items(state, now)[:max_items]
    # interleave modules among the chosen due items, keeping the most overdue of each first
    groups: dict[str, list[str]] = {}
    for sid in due:
        groups.setdefault(items[sid].module, []).append(sid)
    chosen = _interleave(groups)
    # new items fill a session up to min_items once a day: items already reviewed on this
    # page today count against it, so finishing a session leaves nothing for today
    quota = min_items - len(chosen) - len(reviewed_today(state, now))
    if quota > 0:
        chosen += new_items(state)[:quota]
    return chosen


def reviewed_today(state: ReviewState, now: datetime | None = None) -> set[str]:
    """Items answered on the review page today (local day)."""
    today = as_utc(now or state.now()).astimezone().date()
    return {log["item"] for log in state.logs if log.get("source") == "review"
            and datetime.fromisoformat(log["time"]).astimezone().date() == today}


def today_count(state: ReviewState, now: datetime | None = None) -> int:
    """N of "бүгүн кайталоого N суроо"."""
    return len(plan(state, now))


@dataclass(frozen=True)
class ModuleRetention:
    module: str
    number: int
    title: str
    items: int                 # reviewable items in the module
    seen: int                  # items answered at least once
    due: int                   # of those, due by the end of today
    retention: float | None    # mean FSRS recall probability of the seen items now (0..1)


def retention_by_module(state: ReviewState, now: datetime | None = None) -> list[ModuleRetention]:
    """Per started module: how much of it FSRS expects the trainee to recall now."""
    now = as_utc(now or state.now())
    limit = end_of_day(now)
    items = catalogue(state.lang)
    out = []
    for mid in state.started_modules():
        ids = [sid for sid, it in items.items() if it.module == mid]
        if not ids:
            continue
        seen = [sid for sid in ids if sid in state.cards]
        rs = [state.retrievability(sid, now) for sid in seen]
        number, title = module_title(mid, state.lang)
        out.append(ModuleRetention(mid, number, title, len(ids), len(seen),
                                   sum(1 for sid in seen if state.cards[sid].due < limit),
                                   sum(rs) / len(rs) if rs else None))
    return out


def reviews_per_day(state: ReviewState, days: int = 30, now: datetime | None = None) -> list[tuple[date, int]]:
    """Answers logged per local day over the last ``days`` days (today last)."""
    today = as_utc(now or state.now()).astimezone().date()
    counts = Counter(datetime.fromisoformat(log["time"]).astimezone().date() for log in state.logs)
    return [(today - timedelta(days=d), counts.get(today - timedelta(days=d), 0)) for d in range(days - 1, -1, -1)]


def forecast(state: ReviewState, days: int = 30, now: datetime | None = None) -> list[tuple[date, int]]:
    """Items falling due on each of the next ``days`` local days (overdue ones count today)."""
    now = as_utc(now or state.now())
    today = now.astimezone().date()
    items = catalogue(state.lang)
    counts: Counter = Counter()
    for sid, card in state.cards.items():
        if sid in items:
            counts[max(today, card.due.astimezone().date())] += 1
    return [(today + timedelta(days=d), counts.get(today + timedelta(days=d), 0)) for d in range(days)]
