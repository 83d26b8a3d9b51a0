"""The trainee's answer file: JSON beside the notebook, written atomically.

nbgrader re-executes a submission from scratch, so widget clicks are never seen by it; what is
graded is this file (it travels with the submission). Layout:

    {"format": "ctip-answers", "version": 1, "notebook": "ex01", "seed": 1234567,
     "answers": {"q01": {"value": "b", "time": "2026-11-22T10:00:00+00:00", "attempts": 1,
                         "fraction": 1.0}}}

``seed`` is the trainee's own random number, drawn when the notebook is first opened and kept
with the answers: it fixes the order in which this trainee sees the options of every item
(see shuffle.py), so the order survives reopening and kernel restarts and differs between
trainees. Answers are option ids whatever the order.

``fraction`` is stored for self-check questions only (their keys are public); graded exercises
store the value alone. Nothing is ever silently thrown away: a corrupt file is moved aside
with a timestamp before a fresh one is started, and the trainee is told so in their language.
"""
from __future__ import annotations

import json
import os
import secrets
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from ..i18n import t

FORMAT = "ctip-answers"
MAX_BYTES = 5_000_000   # a larger file is not an answer file; refuse to parse it


def answers_path(notebook: str, folder: Path | str | None = None) -> Path:
    return Path(folder or os.getcwd()) / f"{notebook}.answers.json"


class StoreError(Exception):
    pass


def write_json(path: Path, data, compact: bool = False) -> None:
    """Write JSON atomically (temporary file in the same folder, fsync, rename): a reader sees the
    old file or the new one, never half of one; nothing is left behind on failure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            if compact:
                fh.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")))
            else:
                json.dump(data, fh, ensure_ascii=False, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def read_answers(path: Path) -> dict:
    """Parse an answer file strictly; raise StoreError with the reason if it is not one."""
    return read_file(path).get("answers", {})


MISSING = object()     # read_json's answer for a file that does not exist


def read_json(path: Path, max_bytes: int, error: type[Exception], missing=MISSING):
    """A JSON file of at most max_bytes (``missing`` when there is none); raise ``error`` with the
    reason when it is too large or not JSON in UTF-8."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return missing
    if size > max_bytes:
        raise error(f"file is too large ({size} bytes)")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise error(f"not valid JSON ({e.__class__.__name__})") from e


def read_file(path: Path) -> dict:
    """The whole answer file ({} when there is none); raise StoreError if it is not one."""
    data = read_json(path, MAX_BYTES, StoreError, missing=MISSING)
    if data is MISSING:
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT \
            or not isinstance(data.get("answers"), dict):
        raise StoreError("not an answer file of this course")
    bad = [k for k, v in data["answers"].items() if not isinstance(v, dict) or "value" not in v]
    if bad:
        raise StoreError(f"malformed entries: {bad[:5]}")
    return data


def valid_seed(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2 ** 63


class AnswerStore:
    """Answers of one notebook. ``message`` holds a localized warning for the trainee, if any."""

    def __init__(self, notebook: str, folder: Path | str | None = None, seed: int | None = None,
                 lang: str | None = None, create: bool = True, new_seed: int | None = None):
        """``seed`` fixes this trainee's option order; by default the one in the file, else a new
        random one, written at once so that the order stays the same when the page is reopened.
        ``lang`` is the language the trainee works in (messages; kept in the file, so grading
        feedback comes back in it). ``create=False`` only reads (e.g. the start page's progress).
        ``new_seed``: the seed a file without one gets (a page built before it was opened drew
        its options in that order), instead of a new random one."""
        self.notebook = notebook
        self.lang = lang
        self.path = answers_path(notebook, folder)
        self.message: str | None = None
        self.writable = True
        self.answers: dict = {}
        self._damaged: Path | None = None
        data: dict = {}
        try:
            data = read_file(self.path)
            self.answers = data.get("answers", {})
        except StoreError:
            # keep the damaged file where it is (a grader may read it); it is moved aside
            # only when a new answer is saved, so nothing is ever overwritten
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            self._damaged = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
            self.message = t("store_corrupt", lang, file=self.path.name, backup=self._damaged.name)
        except OSError as e:
            self.writable = False
            self.message = t("store_unreadable", lang, file=self.path.name, error=e.strerror or e)
        # other top-level fields (e.g. the review history handed in with an exercise) are kept
        self.extra = {k: v for k, v in data.items()
                      if k not in ("format", "version", "notebook", "seed", "lang", "answers")}
        self.lang = lang or (data.get("lang") if isinstance(data.get("lang"), str) else None)
        stored = data.get("seed")
        self.seed: int = (seed if valid_seed(seed) else stored if valid_seed(stored)
                          else new_seed if valid_seed(new_seed) else secrets.randbits(62))
        # written at once when the file has no seed yet: no file, or one started by someone else
        # (e.g. the review history handed in with an exercise), so reopening keeps the order
        if create and self.writable and self._damaged is None and not valid_seed(stored):
            try:
                self._write()
            except OSError:     # a read-only folder: the order still holds for this session
                pass

    def get(self, qid: str):
        entry = self.answers.get(qid)
        return None if entry is None else entry.get("value")

    def entry(self, qid: str) -> dict | None:
        return self.answers.get(qid)

    def put(self, qid: str, value, fraction: float | None = None) -> str:
        """Record an answer and write the file; returns the time saved (HH:MM)."""
        if not self.writable:
            raise StoreError(self.message or "answer file is not writable")
        if self._damaged is not None:
            os.replace(self.path, self._damaged)
            self._damaged = None
        now = datetime.now(timezone.utc)
        old = self.answers.get(qid) or {}
        entry = {"value": value, "time": now.isoformat(timespec="seconds"),
                 "attempts": int(old.get("attempts", 0)) + 1}
        if fraction is not None:
            entry["fraction"] = round(float(fraction), 4)
        self.answers[qid] = entry
        self._write()
        return now.astimezone().strftime("%H:%M")

    def _write(self) -> None:
        data = {**getattr(self, "extra", {}), "format": FORMAT, "version": 1, "notebook": self.notebook,
                "seed": self.seed, **({"lang": self.lang} if self.lang else {}), "answers": self.answers}
        write_json(self.path, data)
