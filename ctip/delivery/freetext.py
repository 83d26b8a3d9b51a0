"""Put the trainee's free text (typed in the app, kept in the answer file) into nbgrader's manually
graded answer cell, so the instructor reads and grades it in formgrader.

Two routes use it:

- ``PlaceFreeText``: an nbgrader preprocessor, first in ``Autograde.autograde_preprocessors`` of the
  course configuration (stock ``nbgrader autograde`` through nbgrader_config.py) and of
  ``course.fast_api`` (``ctip-grade``). It runs on the autograded copy, after nbgrader has put the
  answer file beside it, and before SaveAutoGrades, so nbgrader sees an answered cell.
- ``fill_submission(notebook_bytes, answers_bytes, eid)``: the same on a submitted notebook's
  bytes (for tools that prepare submissions, and for the hand-in zip).

The answer cell is the markdown cell whose nbgrader ``grade_id`` is ``<item>_answer``. If the
trainee also typed into that cell (e.g. in JupyterLab), nothing is lost: their cell text follows
the text from the answer file under a separator. Rubrics are never touched or shown here.
"""
from __future__ import annotations

import json

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor

from ..content import loader
from ..engine.store import StoreError, answers_path, read_answers
from ..i18n import t

SEPARATOR = "\n\n---\n\n"


def texts(eid: str, answers: dict) -> dict[str, str]:
    """{item id: text} of the free-text items answered in an answer file's ``answers``."""
    ids = {it.id for it in loader.exercise(eid).items if it.kind == "text"}
    out = {}
    for iid in ids:
        entry = answers.get(iid)
        value = entry.get("value") if isinstance(entry, dict) else None
        if isinstance(value, str) and value.strip():
            out[iid] = value.strip()
    return out


def _stub_like(source: str) -> bool:
    """True for an untouched answer cell (nbgrader's text stub, in any of our languages, or empty)."""
    s = source.strip()
    return not s or s in {t("text_stub"), t("text_stub_app"), t("text_stub", "en"), t("text_stub_app", "en")}


def fill(nb, eid: str, answers: dict) -> list[str]:
    """Place the texts into the notebook's answer cells (in place); returns the item ids placed."""
    found = texts(eid, answers)
    placed = []
    for cell in nb.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
        if not gid.endswith("_answer") or gid[: -len("_answer")] not in found:
            continue
        text = found[gid[: -len("_answer")]]
        old = cell.source
        if _stub_like(old) or old.strip() == text or old.startswith(text + SEPARATOR):
            cell.source = text if not old.startswith(text + SEPARATOR) else old
        else:
            cell.source = text + SEPARATOR + old.strip()
        placed.append(gid[: -len("_answer")])
    return placed


def fill_submission(notebook: bytes, answers: bytes | None, eid: str) -> bytes:
    """The notebook's bytes with the free text from the answer file's bytes placed (unchanged if
    either cannot be read: validation reports those problems, this never raises on them)."""
    if not answers:
        return notebook
    try:
        data = json.loads(answers.decode("utf-8"))
        nb = nbformat.reads(notebook.decode("utf-8"), as_version=4)
    except (UnicodeDecodeError, ValueError, nbformat.reader.NotJSONError):
        return notebook
    if not isinstance(data, dict) or not isinstance(data.get("answers"), dict):
        return notebook
    if not fill(nb, eid, data["answers"]):
        return notebook
    return nbformat.writes(nb).encode("utf-8")


class PlaceFreeText(NbGraderPreprocessor):
    """Autograde step: free text from ``<notebook>.answers.json`` into the manual answer cells."""

    def preprocess(self, nb, resources):
        meta = resources.get("metadata", {})
        folder, name = meta.get("path") or ".", meta.get("name")
        eid = resources.get("nbgrader", {}).get("assignment") or name
        if not name:
            return nb, resources
        try:
            answers = read_answers(answers_path(name, folder))
        except (StoreError, OSError):       # unreadable answer file: validation reports it
            return nb, resources
        try:
            loader.exercise(eid)
        except Exception:                   # not one of this course's exercises
            return nb, resources
        fill(nb, eid, answers)
        return nb, resources
