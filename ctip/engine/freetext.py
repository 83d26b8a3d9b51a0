"""Free-text answers as a widget: a multi-line box saved to the answer file while the trainee types.

Typing sends the box's value to the kernel on every change; saving waits until the trainee pauses
(``DEBOUNCE`` seconds), then writes the answer file atomically (AnswerStore) and shows
"Сакталды HH:MM". The text is stored under the item id, as a string; before grading it is placed
into nbgrader's manually graded answer cell (ctip.delivery.freetext), so the instructor reads and
grades it in formgrader. Nothing here shows a rubric or model answer (they live in solutions/).
"""
from __future__ import annotations

import asyncio
import threading
from datetime import datetime

import ipywidgets as W

from ..i18n import translator
from .store import AnswerStore, StoreError
from .widgets import esc

DEBOUNCE = 0.8          # seconds of quiet before the text is written
MAX_CHARS = 20_000      # a longer text is cut (the answer file has a size limit)


def _local_hhmm(iso: str | None) -> str | None:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%H:%M")
    except (TypeError, ValueError):
        return None


class FreeText:
    """The answer box of one free-text item in a graded exercise."""

    def __init__(self, item, store: AnswerStore, debounce: float = DEBOUNCE):
        self.t = translator(getattr(store, "lang", None))
        self.item, self.store, self.debounce = item, store, debounce
        saved = store.get(item.id)
        self.box = W.Textarea(value=saved if isinstance(saved, str) else "", placeholder=self.t("text_placeholder"),
                              continuous_update=True, rows=8, layout=W.Layout(width="100%"))
        self.box.add_class("ctip-freetext")
        self.status = W.HTML(layout=W.Layout(width="100%"))
        hint = W.HTML(f"<i>{esc(self.t('text_hint'))}</i>", layout=W.Layout(width="100%"))
        self.widget = W.VBox([hint, self.box, self.status], layout=W.Layout(width="100%"))
        self.widget.add_class("ctip-q")
        entry = store.entry(item.id)
        when = _local_hhmm(entry.get("time")) if entry else None
        if when and isinstance(saved, str) and saved.strip():
            self.status.value = f"<span class='ctip-fb-ok'>{esc(self.t('text_saved', time=when))}</span>"
        self._timer = None
        self._lock = threading.Lock()
        self.box.observe(self._changed, names="value")

    # -- saving ---------------------------------------------------------------------------
    def _changed(self, change) -> None:
        self.status.value = f"<span class='ctip-fb-part'>{esc(self.t('text_saving'))}</span>"
        if self.debounce <= 0:
            self.flush()
            return
        self._schedule()

    def _schedule(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            try:
                loop = asyncio.get_running_loop()      # the kernel's loop: the save runs between messages
                self._timer = loop.call_later(self.debounce, self.flush)
            except RuntimeError:                        # no running loop (plain Python): a thread timer
                self._timer = threading.Timer(self.debounce, self.flush)
                self._timer.daemon = True
                self._timer.start()

    @property
    def pending(self) -> bool:
        return self.box.value != (self.store.get(self.item.id) or "")

    def flush(self) -> str | None:
        """Write the text now if it differs from the stored one; returns the time saved (HH:MM)."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        text = self.box.value[:MAX_CHARS]
        if text == (self.store.get(self.item.id) or "") and self.store.entry(self.item.id) is not None:
            if text.strip():
                when = _local_hhmm(self.store.entry(self.item.id).get("time"))
                self.status.value = f"<span class='ctip-fb-ok'>{esc(self.t('text_saved', time=when))}</span>"
            return None
        try:
            when = self.store.put(self.item.id, text)
        except (StoreError, OSError) as e:
            self.status.value = f"<b class='ctip-fb-bad'>{esc(self.t('not_saved', error=e))}</b>"
            return None
        self.status.value = f"<span class='ctip-fb-ok'>{esc(self.t('text_saved', time=when))}</span>"
        return when


def answered(item, value) -> bool:
    """Whether a stored value counts as an answer (for hand-in and progress)."""
    if value is None:
        return False
    if item.kind == "text":
        return isinstance(value, str) and bool(value.strip())
    if item.kind == "sort":
        return isinstance(value, dict) and len(value) == len(getattr(item, "options", []))
    if isinstance(value, (list, dict, str)) and not value:
        return False
    return True
