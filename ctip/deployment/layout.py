"""Where an academy hub keeps things, and who may read what.

    <root>/                     0755 root        (default /srv/ctip; CTIP_HUB_ROOT)
      hub/                      0700 root        JupyterHub state: database, cookie secret, proxy token
      course/                   2770 ctip-grader:ctip-instructors
                                                 the instructors' nbgrader course: solutions/ (keys),
                                                 gradebook.db, submitted/, autograded/, feedback/,
                                                 reports/; trainees cannot enter it at all
      exchange/                 1777 root        nbgrader's exchange root (world-writable as nbgrader
                                                 documents, plus the sticky bit so nobody can rename
                                                 the course folder)
        <course>/               2775 ctip-grader:ctip-instructors
          outbound/             2775             released exercises (everyone reads)
          inbound/              3773             submissions: trainees may write, not list; sticky
          feedback/             2771             released feedback (files named by a secret hash)
    /home/<trainee>/            0700 <trainee>   own copy of the course pages, answers, exercises

Instructors' servers run with umask 007 and nbgrader's ``groupshared`` so several instructors
share the course; trainees' servers run with umask 077.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..delivery.course import COURSE_ID

GRADER = "ctip-grader"                  # owns the course; the formgrader service runs as it
INSTRUCTORS_GID = "ctip-instructors"    # Unix group of instructors (hub group "instructors")
TRAINEES_GID = "ctip-trainees"          # Unix group of trainees and self-study users
HUB_GROUPS = ("instructors", "trainees", "self-study")
USERNAME_PATTERN = r"^[a-z][a-z0-9_-]{1,30}$"     # a valid Unix name, no uppercase
START_PAGE = "modules/00_bashtalyshy.ipynb"


@dataclass(frozen=True)
class Layout:
    root: Path
    course_id: str = COURSE_ID

    @property
    def hub(self) -> Path:
        return self.root / "hub"

    @property
    def course(self) -> Path:
        return self.root / "course"

    @property
    def exchange(self) -> Path:
        return self.root / "exchange"

    @property
    def config(self) -> Path:
        return self.root / "config"

    def exchange_course(self) -> Path:
        return self.exchange / self.course_id


def from_env() -> Layout:
    return Layout(Path(os.environ.get("CTIP_HUB_ROOT", "/srv/ctip")),
                  os.environ.get("CTIP_COURSE_ID", COURSE_ID))


# (path relative to the layout, mode) of every folder the hub needs, in creation order
def folders(lay: Layout) -> list[tuple[Path, int, str | None, str | None]]:
    """(path, mode, owner, group)."""
    ex = lay.exchange_course()
    return [
        (lay.root, 0o755, "root", "root"),
        (lay.hub, 0o700, "root", "root"),
        (lay.config, 0o755, "root", "root"),
        (lay.course, 0o2770, GRADER, INSTRUCTORS_GID),
        (lay.exchange, 0o1777, "root", "root"),
        (ex, 0o2775, GRADER, INSTRUCTORS_GID),
        (ex / "outbound", 0o2775, GRADER, INSTRUCTORS_GID),
        (ex / "inbound", 0o3773, GRADER, INSTRUCTORS_GID),
        (ex / "feedback", 0o2771, GRADER, INSTRUCTORS_GID),
    ]


def closed_to_others(path: Path) -> Path | None:
    """The first folder on the way to ``path`` (or ``path`` itself) that other accounts cannot
    enter or read, or None. Every trainee's server imports ctip and reads the course from the
    checkout the hub runs from, so a checkout under a private folder (``mktemp -d`` makes 0700
    ones, a home folder is often 0700) fails at the first spawn with "No module named 'ctip'"."""
    path = Path(path).resolve()
    for p in [*reversed(path.parents), path]:
        mode = p.stat().st_mode
        if not mode & 0o001 or (p == path and not mode & 0o004):
            return p
    for f in (path / "ctip" / "__init__.py", path / "data"):
        if f.exists() and not f.stat().st_mode & 0o004:
            return f
    return None


def require_open_to_others(path: Path) -> None:
    """Stop with a clear message when the hub's trainees could not read the code at ``path``."""
    closed = closed_to_others(path)
    if closed is not None:
        raise SystemExit(
            f"The hub runs the course from {path}, but other accounts cannot read {closed} "
            f"(mode {closed.stat().st_mode & 0o7777:04o}), so no trainee's server could start. "
            f"Put the checkout where every account can read it (e.g. /srv/ctip-src or /opt), "
            f"or allow it: chmod o+rx {closed}")
