"""Where the course's folders are. One place, so notebooks, tests and builds agree."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("CTIP_DATA", ROOT / "data"))
MODULES = ROOT / "modules"
EXERCISES = ROOT / "exercises"      # nbgrader release folder (trainee copies)
SOLUTIONS = Path(os.environ.get("CTIP_SOLUTIONS", ROOT / "solutions"))   # nbgrader source (keys)
DOCS = ROOT / "docs"


def seeds_dir() -> Path | None:
    """The folder with the seed texts, if this checkout has it beside it."""
    env = os.environ.get("CTIP_SEEDS")
    candidates = [Path(env)] if env else [ROOT.parent / "shared" / "seeds"]
    for c in candidates:
        if c.is_dir():
            return c
    return None


def language() -> str:
    """Language of the content and UI: a data choice (``data/<lang>/``), default Kyrgyz."""
    return os.environ.get("CTIP_LANG", "ky")
