"""The trainee's review state: ``review.state.json`` beside the module answer files.

    {"format": "ctip-review", "version": 1,
     "logs": [{"item": "m01.q03", "time": "2026-11-22T10:00:00+00:00", "fraction": 1.0,
               "rating": 3, "source": "module"}, ...],
     "cards": {"m01.q03": {<fsrs Card.to_dict()>}, ...}}

The logs are the history (every answer is one review); the cards are what FSRS computes from
them, replayed in time order, so the two can never disagree. Answers already stored in the
module answer files (``mNN.answers.json``) seed the history: each stored answer, with its time
and fraction, is a review with ``source: "module"``; answers given later in a module are added
the same way the next time the state is opened.

Writes are atomic (temporary file + rename) and merge with what is on disk, so two open
notebooks never drop each other's reviews. A damaged file is moved aside at once (never
overwritten), the trainee is told so in their language, and the history is rebuilt from the
module answer files.
"""
from __future__ import annotations

import os
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from fsrs import Card, Rating, Scheduler

from ..engine.scoring import InvalidAnswer, score
from ..engine.store import MISSING, StoreError, answers_path, read_answers, read_json, write_json
from ..i18n import t
from .items import catalogue

FORMAT = "ctip-review"
FILENAME = "review.state.json"
MAX_BYTES = 20_000_000

Clock = Callable[[], datetime]

# Reviews happen in sessions a day or more apart, so there are no same-day learning steps:
# a wrong answer brings the item back the next day, a right one after the FSRS interval.
# No fuzz: the schedule is reproducible (tests, and a trainee comparing with a colleague).
SCHEDULER = Scheduler(desired_retention=0.9, learning_steps=(), relearning_steps=(),
                      maximum_interval=365, enable_fuzzing=False)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc)


def rating(fraction: float) -> Rating:
    """correct -> Good, partly correct -> Hard, wrong -> Again."""
    if fraction >= 1.0 - 1e-9:
        return Rating.Good
    if fraction > 0:
        return Rating.Hard
    return Rating.Again


def card_id(item_id: str) -> int:
    return zlib.crc32(item_id.encode("utf-8"))


def _parse_time(value) -> datetime | None:
    try:
        return as_utc(datetime.fromisoformat(str(value)))
    except (TypeError, ValueError):
        return None


def _valid_log(entry) -> bool:
    return (isinstance(entry, dict) and isinstance(entry.get("item"), str)
            and _parse_time(entry.get("time")) is not None
            and isinstance(entry.get("fraction"), (int, float)) and 0 <= entry["fraction"] <= 1)


def _key(log: dict) -> tuple:
    return log["item"], log["time"], log.get("source", "review")


class StateError(Exception):
    pass


def read_state(path: Path) -> list[dict]:
    """The logs of a state file (strict); [] if there is none."""
    data = read_json(path, MAX_BYTES, StateError)
    if data is MISSING:
        return []
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("logs"), list):
        raise StateError("not a review state file of this course")
    bad = [i for i, e in enumerate(data["logs"]) if not _valid_log(e)]
    if bad:
        raise StateError(f"malformed log entries: {bad[:5]}")
    return data["logs"]


class ReviewState:
    """Review history and FSRS cards of one trainee (one folder)."""

    def __init__(self, folder: Path | str | None = None, clock: Clock = utcnow, lang: str | None = None):
        self.folder = Path(folder or os.getcwd())
        self.path = self.folder / FILENAME
        self.clock = clock
        self.lang = lang
        self.message: str | None = None
        self.writable = True
        self.logs: list[dict] = []
        try:
            self.logs = list(read_state(self.path))
        except StateError:
            try:
                backup = self._move_aside()
                self.message = t("review_state_corrupt", lang=lang, file=FILENAME, backup=backup.name)
            except OSError as e:
                self.writable = False
                self.message = t("review_state_unreadable", lang=lang, file=FILENAME, error=e.strerror or e)
        except OSError as e:
            self.writable = False
            self.message = t("review_state_unreadable", lang=lang, file=FILENAME, error=e.strerror or e)
        added = self.sync_answers()
        self._cards: dict[str, Card] | None = None
        if added and self.writable:
            try:
                self.save()
            except OSError:
                pass   # read-only folder: the reviews still work for this session

    # -- time ---------------------------------------------------------------------------
    def now(self) -> datetime:
        return as_utc(self.clock())

    # -- history ------------------------------------------------------------------------
    def sync_answers(self) -> int:
        """Add every module answer not yet in the history (each is a review at its time)."""
        items = catalogue(self.lang)
        known = {_key(log) for log in self.logs}
        added = 0
        for mid in sorted({it.module for it in items.values()}):
            try:
                answers = read_answers(answers_path(mid, self.folder))
            except (StoreError, OSError):
                continue          # the module page tells the trainee about its own file
            for sid, entry in answers.items():
                item = items.get(sid)
                when = _parse_time(entry.get("time"))
                if item is None or when is None:
                    continue
                frac = entry.get("fraction")
                if not isinstance(frac, (int, float)) or not 0 <= frac <= 1:
                    try:
                        frac = score(item.question, item.question.key, entry["value"]).fraction
                    except (InvalidAnswer, KeyError, TypeError):
                        continue
                log = {"item": sid, "time": when.isoformat(timespec="seconds"), "fraction": round(float(frac), 4),
                       "rating": int(rating(frac)), "source": "module"}
                if _key(log) not in known:
                    known.add(_key(log))
                    self.logs.append(log)
                    added += 1
        self.logs.sort(key=lambda log: (_parse_time(log["time"]), log["item"]))
        return added

    def record(self, item_id: str, fraction: float, when: datetime | None = None,
               duration_ms: int | None = None) -> dict:
        """Log one review (an answer on the review page) and save the state."""
        when = as_utc(when or self.now())
        log = {"item": item_id, "time": when.isoformat(timespec="seconds"),
               "fraction": round(float(fraction), 4), "rating": int(rating(fraction)), "source": "review"}
        if duration_ms is not None:
            log["duration_ms"] = int(duration_ms)
        latest = self.logs and _parse_time(self.logs[-1]["time"]) <= when
        self.logs.append(log)
        if latest and self._cards is not None:      # the usual case: update one card
            self._cards[item_id] = self._review(self._cards.get(item_id), log)
        else:
            self.logs.sort(key=lambda entry: (_parse_time(entry["time"]), entry["item"]))
            self._cards = None
        self.save()
        return log

    def logs_of(self, item_id: str) -> list[dict]:
        return [log for log in self.logs if log["item"] == item_id]

    # -- FSRS -----------------------------------------------------------------------------
    @property
    def cards(self) -> dict[str, Card]:
        """Item id -> FSRS card, replayed from the logs in time order."""
        if self._cards is None:
            cards: dict[str, Card] = {}
            for log in self.logs:
                cards[log["item"]] = self._review(cards.get(log["item"]), log)
            self._cards = cards
        return self._cards

    @staticmethod
    def _review(card: Card | None, log: dict) -> Card:
        when = _parse_time(log["time"])
        card = card or Card(card_id=card_id(log["item"]), due=when)
        if card.last_review is not None and when < card.last_review:
            when = card.last_review        # never let a clock step back break the replay
        card, _ = SCHEDULER.review_card(card, rating(log["fraction"]), review_datetime=when)
        return card

    def retrievability(self, item_id: str, when: datetime | None = None) -> float | None:
        card = self.cards.get(item_id)
        if card is None:
            return None
        return float(SCHEDULER.get_card_retrievability(card, as_utc(when or self.now())))

    def interval_days(self, item_id: str) -> float | None:
        """Days from the last review to the next due date (None for a new item)."""
        card = self.cards.get(item_id)
        if card is None or card.last_review is None:
            return None
        return (card.due - card.last_review) / timedelta(days=1)

    def started_modules(self) -> list[str]:
        return sorted({log["item"].split(".", 1)[0] for log in self.logs})

    # -- file -----------------------------------------------------------------------------
    _written: tuple | None = None       # (mtime, size) of the file as this object last wrote it

    def _move_aside(self) -> Path:
        stamp = self.now().strftime("%Y%m%d-%H%M%S")
        backup = self.path.with_name(f"{FILENAME}.corrupt-{stamp}")
        n = 1
        while backup.exists():
            backup = self.path.with_name(f"{FILENAME}.corrupt-{stamp}-{n}")
            n += 1
        os.replace(self.path, backup)
        return backup

    def _signature(self) -> tuple | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size, st.st_ino

    def save(self) -> None:
        if not self.writable:
            raise StateError(self.message or "review state is not writable")
        # merge with what another open notebook may have written meanwhile
        ondisk = []
        if self._signature() != self._written:
            try:
                ondisk = read_state(self.path)
            except StateError:
                self._move_aside()      # damaged meanwhile: keep it, never overwrite it
            except OSError:
                pass
        known = {_key(log) for log in self.logs}
        extra = [log for log in ondisk if _key(log) not in known]
        if extra:
            self.logs.extend(extra)
            self.logs.sort(key=lambda entry: (_parse_time(entry["time"]), entry["item"]))
            self._cards = None
        data = {"format": FORMAT, "version": 1, "logs": self.logs,
                "cards": {sid: c.to_dict() for sid, c in sorted(self.cards.items())}}
        write_json(self.path, data, compact=True)
        self._written = self._signature()
