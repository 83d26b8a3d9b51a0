"""nbgrader feedback preprocessor.

* Tracebacks of hidden tests would quote keys: keep only the exception name and message (our
  grading helpers print key-free feedback instead).
* Whatever a trainee wrote is shown as text, never run as HTML or JavaScript on the feedback
  page: markdown cells a trainee could edit have their HTML escaped and script links disabled,
  raw cells become plain text, and rich outputs of cells that are not course grade cells keep
  only their plain-text form."""
from __future__ import annotations

import html
import re

from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor

SAFE_OUTPUT = {"text/plain", "image/png", "image/jpeg", "image/gif"}
SCRIPT_URL = re.compile(r"(?i)\b(javascript|vbscript|data)\s*:")


def escape_markdown(text: str) -> str:
    """Markdown stays markdown; raw HTML becomes visible text; script URLs are broken."""
    text = text.replace("&", "&amp;").replace("<", "&lt;")     # '>' stays: markdown quotes
    return SCRIPT_URL.sub(lambda m: m.group(1) + "-blocked:", text)


def _course_locked(cell) -> bool:
    nbg = cell.get("metadata", {}).get("nbgrader", {})
    return bool(nbg.get("locked")) and not nbg.get("solution")


class RedactHiddenTracebacks(NbGraderPreprocessor):
    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and utils.is_grade(cell):
            for out in cell.get("outputs", []):
                if out.get("output_type") == "error":
                    out["traceback"] = [f"{out.get('ename', '')}: {out.get('evalue', '')}"]
        elif cell.cell_type == "code":
            for out in cell.get("outputs", []):
                data = out.get("data")
                if isinstance(data, dict):
                    for mime in [m for m in data if m not in SAFE_OUTPUT]:
                        del data[mime]
        elif cell.cell_type == "markdown" and not _course_locked(cell):
            cell.source = escape_markdown(cell.source)
            cell.pop("attachments", None)
        elif cell.cell_type == "raw":
            cell.metadata.pop("raw_mimetype", None)
            cell.metadata.pop("format", None)
            cell.source = html.escape(cell.source, quote=False)
        return cell, resources


EscapeTraineeText = RedactHiddenTracebacks
