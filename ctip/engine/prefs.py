"""The trainee's remembered choices (today: the language), in ``ctip-settings.json`` beside the
course pages (the folder of the start page). Read and written only where a page passes the
folder explicitly; a damaged file is ignored (the default language is used) and replaced on the
next choice."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from ..content import loader

FILE = "ctip-settings.json"


def remembered_language(folder: Path | str) -> str | None:
    try:
        data = json.loads((Path(folder) / FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    lang = data.get("lang") if isinstance(data, dict) else None
    return lang if lang in loader.languages() else None


def remember_language(lang: str, folder: Path | str) -> bool:
    """Keep the choice (atomic write); False if the folder is not writable."""
    if lang not in loader.languages():
        raise ValueError(f"unknown language {lang!r}")
    folder = Path(folder)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{FILE}.", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"lang": lang}, fh)
        os.replace(tmp, folder / FILE)
        return True
    except OSError:
        return False


def exercise_language(folder: Path | str, stored: str | None) -> str | None:
    """An exercise page's language: the one its answer file was started in, else the choice
    remembered on the start page (course layout: modules/ two levels above exercises/exNN/)."""
    if stored in loader.languages():
        return stored
    return remembered_language(Path(folder).resolve().parent.parent / "modules")
