"""Review logs handed in with exercises, and cohort retention per topic for instructors.

A trainee's exercise answer file may carry an optional top-level field ``review`` (graders and
``ctip-grade`` ignore it when scoring; the validator keeps the file as it is):

    {"format": "ctip-answers", ..., "answers": {...},
     "review": {"format": "ctip-review-log", "version": 1,
                "logs": [{"item": "m01.q03", "time": "...", "fraction": 1.0, "rating": 3,
                          "source": "review"}, ...]}}

``attach`` writes it (atomically, leaving the answers untouched); ``cohort_retention`` reads it
from many trainees' files and gives, per module and topic, how often an item answered before
was recalled when it came back a day or more later.
"""
from __future__ import annotations

import json
import os
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Iterable, Mapping

from ..engine.store import FORMAT as ANSWERS_FORMAT
from ..engine.store import MAX_BYTES, StoreError, read_answers, write_json
from .items import catalogue, topic_label
from .state import ReviewState, _parse_time, _valid_log

LOG_FORMAT = "ctip-review-log"
FIELD = "review"
MIN_GAP = timedelta(hours=20)   # a review a day or more after the previous answer tests recall


def payload(state: ReviewState) -> dict:
    """The ``review`` field for an exercise answer file: the trainee's whole history."""
    keep = ("item", "time", "fraction", "rating", "source")
    return {"format": LOG_FORMAT, "version": 1,
            "logs": [{k: log[k] for k in keep if k in log} for log in state.logs]}


def attach(answer_file: Path | str, state: ReviewState) -> None:
    """Add (or replace) the ``review`` field of an exercise answer file; answers stay as they are.
    Refuses a file that is not a valid answer file, so a damaged one is never overwritten."""
    path = Path(answer_file)
    read_answers(path)            # raises StoreError for anything that is not an answer file
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else \
        {"format": ANSWERS_FORMAT, "version": 1, "notebook": path.name.split(".")[0], "answers": {}}
    data[FIELD] = payload(state)
    write_json(path, data)


def attach_for_exercise(exercise: str, exercise_folder: Path | str | None = None,
                        modules_folder: Path | str | None = None) -> bool:
    """Put the trainee's review history into ``<exercise>.answers.json`` (the course layout has
    ``modules/`` two levels above ``exercises/exNN/``). Call it when the exercise notebook
    opens, before any answer is saved, so no other writer is active. False if there is no
    history to hand in or the answer file is damaged (it is then left as it is)."""
    folder = Path(exercise_folder or os.getcwd())
    modules = Path(modules_folder) if modules_folder else folder.parent.parent / "modules"
    if not modules.is_dir():
        return False
    state = ReviewState(modules)
    if not state.logs:
        return False
    try:
        attach(folder / f"{exercise}.answers.json", state)
    except (StoreError, OSError):
        return False
    return True


def _answer_data(source: Path | str | bytes | dict):
    """A trainee's answer file as parsed JSON (any type), or None when it cannot be read: too
    large, not UTF-8 (a BOM is allowed), not JSON, nested too deep. Never raises."""
    if isinstance(source, dict):
        return source
    try:
        raw = source if isinstance(source, bytes) else Path(source).read_bytes()
        if len(raw) > MAX_BYTES:
            return None
        return json.loads(raw.decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return None


def handed_in_logs(source: Path | str | bytes | dict) -> list[dict]:
    """The valid review logs in one trainee's answer file ([] if none or unreadable).
    Never raises on a trainee's file: a bad field only means no logs."""
    data = _answer_data(source)
    field = data.get(FIELD) if isinstance(data, dict) else None
    if not isinstance(field, dict) or field.get("format") != LOG_FORMAT or not isinstance(field.get("logs"), list):
        return []
    return [log for log in field["logs"] if _valid_log(log)]


def check_handed_in(source: Path | str | bytes | dict) -> tuple[list[dict], str | None, dict]:
    """(logs, problem, details) of one trainee's answer file, for ``ctip-grade``.

    problem is None when the file carries no ``review`` field (it is optional) or a sound one;
    ``"review_log_bad"`` when the field is there but is not a review log of this course;
    ``"review_log_entries"`` when some of its entries are unreadable (details: bad, total).
    A damaged log is handed back empty: half a history would distort the figures.
    An answer file that cannot be read at all is the answer file's problem (the validator
    flags it), not the review log's: no logs, no problem. Never raises."""
    data = _answer_data(source)
    if not isinstance(data, dict) or FIELD not in data:
        return [], None, {}
    field = data[FIELD]
    if not isinstance(field, dict) or field.get("format") != LOG_FORMAT or not isinstance(field.get("logs"), list):
        return [], "review_log_bad", {}
    bad = sum(1 for log in field["logs"] if not _valid_log(log))
    if bad:
        return [], "review_log_entries", {"bad": bad, "total": len(field["logs"])}
    return list(field["logs"]), None, {}


@dataclass(frozen=True)
class TopicRetention:
    module: str
    topic: str
    label: str          # the topic's name in the course language
    trainees: int       # trainees with at least one recall review in this topic
    reviews: int        # recall reviews: answers a day or more after the previous one
    recalled: int       # of those, fully correct
    mean_fraction: float
    mean_gap_days: float

    @property
    def retention(self) -> float:
        return self.recalled / self.reviews if self.reviews else 0.0


def recall_reviews(logs: Iterable[dict]) -> list[tuple[str, float, float]]:
    """(item, fraction, days since the previous answer) of every answer that came a day or
    more after the previous answer to the same item."""
    by_item: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    for log in logs:
        by_item[log["item"]].append((_parse_time(log["time"]), float(log["fraction"])))
    out = []
    for item, seq in by_item.items():
        seq.sort()
        for (t0, _), (t1, frac) in pairwise(seq):
            if t1 - t0 >= MIN_GAP:
                out.append((item, frac, (t1 - t0) / timedelta(days=1)))
    return out


def cohort_retention(files: Mapping[str, Path | str | bytes | dict] | Iterable[Path | str],
                     lang: str | None = None) -> list[TopicRetention]:
    """Cohort retention per (module, topic) from the review logs in trainees' answer files.

    ``files``: {trainee id: answer file (path, bytes or parsed dict)} or a list of paths (one
    per trainee). Items unknown to this course version are skipped."""
    if not isinstance(files, Mapping):
        files = {str(p): p for p in files}
    items = catalogue(lang)
    acc: dict[tuple[str, str], dict] = defaultdict(lambda: {"who": set(), "n": 0, "ok": 0, "frac": 0.0, "gap": 0.0})
    for trainee, src in files.items():
        for item, frac, gap in recall_reviews(handed_in_logs(src)):
            it = items.get(item)
            if it is None:
                continue
            a = acc[(it.module, it.topic)]
            a["who"].add(trainee)
            a["n"] += 1
            a["ok"] += frac >= 1 - 1e-9
            a["frac"] += frac
            a["gap"] += gap
    return [TopicRetention(mid, topic, topic_label(mid, topic, lang), len(a["who"]), a["n"], int(a["ok"]),
                           a["frac"] / a["n"], a["gap"] / a["n"])
            for (mid, topic), a in sorted(acc.items())]


def cohort_from_folder(folder: Path | str, exercise: str, lang: str | None = None) -> list[TopicRetention]:
    """The same from an nbgrader ``submitted/<trainee>/<exercise>/<exercise>.answers.json`` tree."""
    files = {p.parent.parent.name: p for p in sorted(Path(folder).glob(f"*/{exercise}/{exercise}.answers.json"))}
    return cohort_retention(files, lang)


__all__ = ["payload", "attach", "attach_for_exercise", "handed_in_logs", "check_handed_in", "cohort_retention", "cohort_from_folder",
           "recall_reviews", "TopicRetention", "StoreError"]
