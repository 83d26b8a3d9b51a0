"""The trainee's side of nbgrader's exchange, run in the trainee's own kernel (as their Unix user).

The hub's spawner sets ``CTIP_EXCHANGE_ROOT`` (and ``CTIP_COURSE_ID``) for trainees; without it
(a laptop, ``./run lab``) ``exchange_available()`` is False and the app keeps its offline hand-in.
Every step is nbgrader's own exchange class (nbgrader.exchange.default), so permissions, the
submission secret and feedback lookup are exactly nbgrader's.

The app's "Тапшыруу" button makes one call::

    from ctip.deployment.exchange import hand_in
    receipt = hand_in("ex01", folder)      # folder: where ex01.ipynb and ex01.answers.json are
    receipt.ok, receipt.timestamp, receipt.error

Fetched exercises go to ``~/exercises/<id>/`` (``CTIP_ASSIGNMENT_DIR`` overrides), feedback to
``~/exercises/<id>/feedback/<timestamp>/<id>.html``.
"""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..delivery.course import COURSE_ID


class ExchangeUnavailable(RuntimeError):
    pass


def _root() -> Path | None:
    r = os.environ.get("CTIP_EXCHANGE_ROOT")
    return Path(r) if r else None


def course_id() -> str:
    return os.environ.get("CTIP_COURSE_ID", COURSE_ID)


def assignment_dir() -> Path:
    return Path(os.environ.get("CTIP_ASSIGNMENT_DIR") or Path.home() / "exercises")


def exchange_available() -> bool:
    """True when this server belongs to a hub course whose exchange can be reached."""
    root = _root()
    if root is None:
        return False
    out = root / course_id() / "outbound"
    inbound = root / course_id() / "inbound"
    return out.is_dir() and os.access(out, os.R_OK | os.X_OK) and os.access(inbound, os.W_OK | os.X_OK)


def _config(adir: Path):
    from traitlets.config import Config
    c = Config()
    c.Exchange.root = str(_root())
    c.Exchange.assignment_dir = str(adir)
    c.Exchange.path_includes_course = False
    c.CourseDirectory.course_id = course_id()
    c.CourseDirectory.root = str(adir)
    return c


def _run(cls_name: str, eid: str, adir: Path, **traits):
    if not exchange_available():
        raise ExchangeUnavailable("no nbgrader exchange for this course on this server")
    from nbgrader.auth import Authenticator
    from nbgrader.coursedir import CourseDirectory
    from nbgrader.exchange import default as ex
    cfg = _config(adir)
    cd = CourseDirectory(config=cfg)
    cd.assignment_id = eid
    obj = getattr(ex, cls_name)(coursedir=cd, authenticator=Authenticator(config=cfg), config=cfg, **traits)
    obj.log.setLevel(logging.ERROR)
    obj.start()
    return obj


def fetch(exercise_id: str) -> Path:
    """Copy the released exercise to ~/exercises/<id>/ (files already there are kept: only missing
    ones are added back). Returns the folder."""
    adir = assignment_dir()
    adir.mkdir(parents=True, exist_ok=True)
    _run("ExchangeFetchAssignment", exercise_id, adir, replace_missing_files=True)
    return adir / exercise_id


def submit(exercise_id: str, folder: Path | str) -> str:
    """Hand in ``folder`` (the notebook and its answer file) as this trainee's submission of
    ``exercise_id``; returns nbgrader's timestamp of the submission."""
    folder = Path(folder)
    if not (folder / f"{exercise_id}.ipynb").is_file():
        raise FileNotFoundError(f"{folder / (exercise_id + '.ipynb')} is missing")
    if folder.name == exercise_id:
        obj = _run("ExchangeSubmit", exercise_id, folder.parent)
    else:   # nbgrader submits <assignment_dir>/<id>: give it a folder of that name
        with tempfile.TemporaryDirectory(prefix="ctip-submit-") as tmp:
            shutil.copytree(folder, Path(tmp) / exercise_id,
                            ignore=shutil.ignore_patterns(".ipynb_checkpoints", "feedback"))
            obj = _run("ExchangeSubmit", exercise_id, Path(tmp))
    _close(Path(obj.inbound_path) / obj.assignment_filename)
    return obj.timestamp


def _close(sub: Path) -> None:
    """nbgrader leaves a submission world-readable (0644 files, a 0777 folder) and relies on
    its unguessable name. Here it is closed to everyone but the instructors' group, which owns
    the inbound folder (set-group-id), so collect still reads it and other trainees get nothing
    even with the exact name. Files nbgrader wrote after copying (timestamp, secret) were made
    when the folder had lost its set-group-id bit (copytree copies the source folder's mode), so
    they are re-made in the inbound folder, where they get the instructors' group, and moved back."""
    inbound = sub.parent
    gid = inbound.stat().st_gid
    for d, _dirs, files in os.walk(sub):
        for f in files:
            path = Path(d) / f
            if path.stat().st_gid != gid:
                fd, tmp = tempfile.mkstemp(prefix=".ctip-", dir=inbound)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(path.read_bytes())
                os.replace(tmp, path)
            os.chmod(path, 0o640)
        os.chmod(d, 0o750)
    os.chmod(sub, 0o770)       # instructors may still delete it, as nbgrader intends


def feedback(exercise_id: str) -> list[Path]:
    """Fetch feedback released for this trainee's submissions of ``exercise_id``; returns the
    paths of the feedback HTML files, oldest submission first."""
    adir = assignment_dir()
    adir.mkdir(parents=True, exist_ok=True)
    obj = _run("ExchangeFetchFeedback", exercise_id, adir)
    out = []
    for _nb, timestamp, _src in obj.feedback_files:
        out.extend(sorted((Path(obj.dest_path) / timestamp).glob("*.html")))
    return sorted(set(out), key=lambda p: (p.parent.name, p.name))


@dataclass
class Receipt:
    ok: bool
    timestamp: str | None = None
    error: str | None = None


def hand_in(exercise_id: str, folder: Path | str) -> Receipt:
    """What the "Тапшыруу" button calls: submit through the exchange when there is one.
    Never raises; ``error`` says why nothing was handed in (no exchange, missing file, ...)."""
    try:
        return Receipt(True, submit(exercise_id, folder))
    except Exception as e:       # the button shows the reason; the trainee's work stays
        return Receipt(False, None, f"{type(e).__name__}: {e}")
