"""The nbgrader course: configuration (used by nbgrader_config.py and by our own tools) and
the release step that turns solutions/<ex>/ into exercises/<ex>/."""
from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path

from .. import paths
from ..i18n import t

COURSE_ID = "ctip-kg"
FREE_TEXT = "ctip.delivery.freetext.PlaceFreeText"
# nbgrader 0.9's default Autograde.autograde_preprocessors
STOCK_AUTOGRADE = [
    "nbgrader.preprocessors.Execute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]


def configure(c, root: Path | str) -> None:
    """Fill an nbgrader traitlets Config for a course rooted at ``root``."""
    c.CourseDirectory.root = str(root)
    c.CourseDirectory.course_id = COURSE_ID
    c.CourseDirectory.source_directory = "solutions"     # instructor notebooks with keys
    c.CourseDirectory.release_directory = "exercises"    # trainee copies
    c.CourseDirectory.db_url = f"sqlite:///{Path(root) / 'gradebook.db'}"
    exchange = Path(root) / "exchange"                   # release/collect stay inside the course
    try:
        exchange.mkdir(exist_ok=True)
    except OSError:
        pass
    c.Exchange.root = str(exchange)
    c.ClearSolutions.code_stub = {"python": "pass"}
    c.ClearSolutions.text_stub = t("text_stub_app")
    c.Execute.timeout = 60
    # free text typed in the app lives in the answer file: put it into the manually graded answer
    # cell before grading, so formgrader shows it (ctip.delivery.freetext)
    c.Autograde.autograde_preprocessors = [FREE_TEXT, *STOCK_AUTOGRADE]
    # feedback must not reveal hidden tests (keys, rubrics), not even in tracebacks
    c.GenerateFeedback.preprocessors = [
        "nbgrader.preprocessors.GetGrades",
        "nbgrader.preprocessors.ClearHiddenTests",
        "ctip.delivery.localize.LocalizeFeedback",     # course texts in the trainee's language
        "ctip.delivery.feedback.RedactHiddenTracebacks",
        "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    ]


@contextlib.contextmanager
def env_bin_on_path():
    """nbgrader calls `alembic` by name: the environment's bin/ must be on PATH."""
    old = os.environ.get("PATH", "")
    os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + old
    try:
        yield
    finally:
        os.environ["PATH"] = old


def api(root: Path | str):
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config
    cfg = Config()
    configure(cfg, root)
    api = NbGraderAPI(coursedir=CourseDirectory(config=cfg), config=cfg)
    api.log.setLevel(logging.ERROR)
    return api


def release_notebook(eid: str, solutions: Path | None = None) -> str:
    """Run nbgrader generate_assignment on solutions/<eid> in a scratch course; return the
    released notebook's text. The repo's own gradebook is not touched."""
    solutions = solutions or paths.SOLUTIONS
    with tempfile.TemporaryDirectory() as tmp, env_bin_on_path():
        shutil.copytree(solutions / eid, Path(tmp) / "solutions" / eid,
                        ignore=shutil.ignore_patterns("*.answers.json*", ".ipynb_checkpoints"))
        res = api(tmp).generate_assignment(eid, force=True)
        if not res.get("success"):
            raise RuntimeError(f"nbgrader could not release {eid}: {res.get('error') or res.get('log')}")
        return (Path(tmp) / "exercises" / eid / f"{eid}.ipynb").read_text(encoding="utf-8")


FAST_AUTOGRADE = [
    FREE_TEXT,                                     # free text from the answer file (see configure)
    "ctip.delivery.fastgrade.ScoreFromAnswers",    # instead of nbgrader's Execute (no kernel)
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]


def fast_api(root: Path | str):
    """An NbGraderAPI whose autograde scores answer files in-process (see fastgrade)."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    from traitlets.config import Config
    cfg = Config()
    configure(cfg, root)
    cfg.Autograde.autograde_preprocessors = FAST_AUTOGRADE
    a = NbGraderAPI(coursedir=CourseDirectory(config=cfg), config=cfg)
    a.log.setLevel(logging.ERROR)
    return a
