"""Handing in an exercise from its page: "Тапшыруу" lists unanswered items, asks to confirm, then
hands in.

- When the course has an nbgrader exchange (a JupyterHub course), ``EXCHANGE_SUBMIT`` is the hook
  that submits through it; it is None here (no exchange on a trainee's own computer), so:
- a zip ``exNN-<name>-<date>.zip`` is made (``<name>/exNN.ipynb`` with the free text placed in its
  answer cells, and ``<name>/exNN.answers.json`` as it is), saved beside the exercise and offered
  for download. It is the form ``ctip-grade run exNN --from <zip>`` accepts (one folder per trainee).

The page then says "тапшырылды" with date and time; ``<exNN>.handin.json`` records it with a digest
of the answer file, so changing an answer afterwards shows the exercise as in progress again (a new
attempt is handed in the same way).
"""
from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import unicodedata
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import ipywidgets as W

from ..i18n import translator
from .freetext import answered
from .store import write_json
from .widgets import esc

# hook: fn(folder, exercise_id, trainee_name) -> bool (True: handed in through the exchange);
# a session may carry its own as ``session.exchange_submit`` (ctip/notebook.py sets it on a hub)
EXCHANGE_SUBMIT: Callable[[Path, str, str], bool] | None = None
ZIP_MAX_DATA_URI = 20_000_000


def slug(name: str) -> str:
    """Letters of any script, digits, '-' and '_' (the rule ctip-grade uses for trainee ids)."""
    text = unicodedata.normalize("NFKC", name)
    text = re.sub(r"[^\w-]+", "_", text, flags=re.UNICODE).strip("._-")
    return text[:64]


def file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def record_path(eid: str, folder: Path) -> Path:
    return Path(folder) / f"{eid}.handin.json"


def read_record(eid: str, folder: Path) -> dict | None:
    try:
        data = json.loads(record_path(eid, folder).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else None
    except (OSError, ValueError):
        return None


_write_json = write_json


def unanswered(exercise, store) -> list[int]:
    """Numbers (1-based, as on the page) of the items without a usable answer."""
    return [n for n, it in enumerate(exercise.items, 1) if not answered(it, store.get(it.id))]


def build_zip(eid: str, folder: Path, name: str, when: datetime | None = None) -> tuple[str, bytes]:
    """(file name, zip bytes) of a hand-in: the exercise notebook (free text placed) and answer file."""
    from ..delivery.freetext import fill_submission
    when = when or datetime.now().astimezone()
    who = slug(name)
    if not who:
        raise ValueError("empty name")
    nb = (folder / f"{eid}.ipynb").read_bytes()
    answers_file = folder / f"{eid}.answers.json"
    answers = answers_file.read_bytes() if answers_file.exists() else None
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{who}/{eid}.ipynb", fill_submission(nb, answers, eid))
        if answers is not None:
            z.writestr(f"{who}/{eid}.answers.json", answers)
    return f"{eid}-{who}-{when:%Y-%m-%d}.zip", buf.getvalue()


class HandIn:
    """The hand-in panel at the end of an exercise page."""

    def __init__(self, session):
        self.t = getattr(session, "t", None) or translator(None)
        self.session = session
        self.eid = session.exercise.id
        self.folder = session.store.path.parent
        record = read_record(self.eid, self.folder) or {}
        self.name = W.Text(value=record.get("name", ""), placeholder=self.t("handin_name_placeholder"),
                           layout=W.Layout(width="100%"))
        self.button = W.Button(description=self.t("handin"), button_style="primary", layout=W.Layout(width="auto"))
        self.confirm = W.Button(description=self.t("handin_confirm"), button_style="warning",
                                layout=W.Layout(width="auto"))
        self.cancel = W.Button(description=self.t("handin_cancel"), layout=W.Layout(width="auto"))
        self.confirm_box = W.HBox([self.confirm, self.cancel], layout=W.Layout(display="none", flex_flow="row wrap"))
        self.message = W.HTML(layout=W.Layout(width="100%"))
        self.result = W.HTML(layout=W.Layout(width="100%"))
        self.button.on_click(lambda _: self.ask())
        self.confirm.on_click(lambda _: self.hand_in())
        self.cancel.on_click(lambda _: self.close())
        label = W.HTML(f"<b>{esc(self.t('handin_name'))}</b>", layout=W.Layout(width="100%"))
        self.widget = W.VBox([label, self.name, self.button, self.message, self.confirm_box, self.result],
                             layout=W.Layout(width="100%"))
        self.widget.add_class("ctip-q")
        self.widget.add_class("ctip-handin")
        self.show_state()

    def _flush(self) -> None:
        for view in self.session.views.values():
            if hasattr(view, "flush"):
                view.flush()

    def show_state(self) -> None:
        record = read_record(self.eid, self.folder)
        if not record:
            return
        when = _local(record.get("time"))
        if record.get("digest") == file_digest(self.session.store.path):
            self.result.value = f"<b class='ctip-fb-ok'>{esc(self.t('handin_done', time=when))}</b>"
        else:
            self.result.value = f"<span class='ctip-fb-part'>{esc(self.t('handin_changed', time=when))}</span>"

    def ask(self) -> None:
        self._flush()
        if not slug(self.name.value):
            self.message.value = f"<b class='ctip-fb-bad'>{esc(self.t('handin_need_name'))}</b>"
            return
        missing = unanswered(self.session.exercise, self.session.store)
        if missing:
            text = self.t("handin_missing", items=", ".join(str(n) for n in missing), n=len(missing))
            self.message.value = f"<b class='ctip-fb-part'>{esc(text)}</b><br>{esc(self.t('handin_ask_anyway'))}"
        else:
            self.message.value = f"<span class='ctip-fb-ok'>{esc(self.t('handin_all'))}</span><br>{esc(self.t('handin_ask'))}"
        self.confirm_box.layout.display = "flex"

    def close(self) -> None:
        self.confirm_box.layout.display = "none"
        self.message.value = ""

    def hand_in(self) -> None:
        self._flush()
        self.confirm_box.layout.display = "none"
        name = self.name.value.strip()
        now = datetime.now(timezone.utc)
        try:
            submit = getattr(self.session, "exchange_submit", None) or EXCHANGE_SUBMIT
            via_exchange = bool(submit and submit(self.folder, self.eid, name))
            fname, data = build_zip(self.eid, self.folder, name, now.astimezone())
            (self.folder / fname).write_bytes(data)
            record = {"name": name, "time": now.isoformat(timespec="seconds"), "zip": fname,
                      "exchange": via_exchange, "digest": file_digest(self.session.store.path)}
            _write_json(record_path(self.eid, self.folder), record)
        except (OSError, ValueError) as e:
            self.message.value = f"<b class='ctip-fb-bad'>{esc(self.t('handin_failed', error=e))}</b>"
            return
        self.message.value = ""
        link = ""
        if len(data) < ZIP_MAX_DATA_URI:
            href = "data:application/zip;base64," + base64.b64encode(data).decode("ascii")
            link = (f"<br><a class='ctip-continue ctip-download' download='{esc(fname)}' href='{href}'>"
                    f"{esc(self.t('handin_download', file=fname))}</a><br>{esc(self.t('handin_give'))}")
        self.result.value = (f"<b class='ctip-fb-ok'>{esc(self.t('handin_done', time=_local(record['time'])))}</b>"
                             f"{link}")


def _local(iso: str | None) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%d.%m.%Y %H:%M")
    except (TypeError, ValueError):
        return "—"


def show_handin(session) -> None:
    """Display the hand-in panel (kept as ``session.handin``; nothing is returned, so the page
    shows no object text under it)."""
    from IPython.display import display
    session.handin = HandIn(session)
    display(session.handin.widget)
