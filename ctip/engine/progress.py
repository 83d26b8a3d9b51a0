"""The trainee's progress across the course, read from the answer files (nothing else is kept).

Per module: parts answered / total, score, last visit (a module page records its visit in
``<module>.visits.json`` beside its answer file). Per exercise: not started / in progress /
handed in (ctip.engine.handin writes ``<exercise>.handin.json``; changing an answer afterwards
makes it "in progress" again). The start page shows this as a table with a "continue where you
stopped" link to the page used last.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ..content import loader
from ..i18n import translator
from .store import write_json
from .widgets import esc


def visits_path(notebook: str, folder: Path | str | None = None) -> Path:
    return Path(folder or os.getcwd()) / f"{notebook}.visits.json"


def visited(notebook: str, folder: Path | str | None = None) -> None:
    """Record that a page was opened now (atomic; a failure never stops the page)."""
    path = visits_path(notebook, folder)
    try:
        write_json(path, {"last": datetime.now(timezone.utc).isoformat(timespec="seconds")})
    except OSError:
        pass


def _read_time(path: Path, key: str) -> datetime | None:
    try:
        return datetime.fromisoformat(json.loads(path.read_text(encoding="utf-8"))[key])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _answers_time(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
    except OSError:
        return None


def _latest(*times):
    found = [x for x in times if x is not None]
    return max(found) if found else None


@dataclass
class ModuleProgress:
    id: str
    number: int
    title: str
    answered: int
    total: int
    got: float
    last: datetime | None


@dataclass
class ExerciseProgress:
    id: str
    title: str
    state: str                    # not_started | in_progress | handed_in
    answered: int
    total: int
    handed_in: datetime | None
    last: datetime | None


def module_progress(mid: str, folder: Path | str | None = None, lang: str | None = None) -> ModuleProgress:
    from .session import ModuleSession
    folder = Path(folder or os.getcwd())
    s = ModuleSession(mid, folder, lang=lang, create=False)
    got, _, answered, total = s.score()
    last = _latest(_read_time(visits_path(mid, folder), "last"), _answers_time(s.store.path))
    return ModuleProgress(mid, s.module.number, s.module.title, answered, total, got, last)


def exercise_progress(eid: str, folder: Path | str, lang: str | None = None) -> ExerciseProgress:
    from .freetext import answered
    from .handin import read_record
    from .store import AnswerStore
    folder = Path(folder)
    ex = loader.exercise(eid, lang)
    store = AnswerStore(eid, folder, create=False)      # reading progress starts no answer file
    done = sum(1 for it in ex.items if answered(it, store.get(it.id)))
    record = read_record(eid, folder)
    current = record is not None and record.get("digest") == _digest(store.path)
    handed = _read_time(folder / f"{eid}.handin.json", "time") if record else None
    if current:
        state = "handed_in"
    elif store.answers:
        state = "in_progress"
    else:
        state = "not_started"
    return ExerciseProgress(eid, ex.title, state, done, len(ex.items), handed if current else None,
                            _latest(_answers_time(store.path), handed))


def course_progress(modules_folder: Path | str | None = None, exercises_folder: Path | str | None = None,
                    lang: str | None = None) -> tuple[list[ModuleProgress], list[ExerciseProgress]]:
    """Every module's and every exercise's progress (answer files in ``modules_folder``, default
    the current folder, and in ``exercises_folder``/<exercise>, default ../exercises)."""
    modules_folder = Path(modules_folder or os.getcwd()).resolve()
    exercises_folder = Path(exercises_folder or modules_folder.parent / "exercises")
    return ([module_progress(mid, modules_folder, lang) for mid in loader.module_ids()],
            [exercise_progress(eid, exercises_folder / eid, lang) for eid in loader.exercise_ids()])


def last_used(mods: list[ModuleProgress], exs: list[ExerciseProgress]) -> ModuleProgress | ExerciseProgress | None:
    """The module or exercise the trainee used last: where "continue where you stopped" leads."""
    used = [p for p in [*mods, *exs] if p.last is not None]
    return max(used, key=lambda p: p.last) if used else None


def page_href(p: ModuleProgress | ExerciseProgress, modules: str = ".", exercises: str = "../exercises") -> str:
    """The address of a module's or an exercise's page, given where the modules' folder and the
    exercises' folder are (default: as seen from the start page, which is in the modules' folder)."""
    if isinstance(p, ModuleProgress):
        return f"{modules}/{p.id}.ipynb" if modules != "." else f"{p.id}.ipynb"
    return f"{exercises}/{p.id}/{p.id}.ipynb"


def _digest(path: Path) -> str | None:
    from .handin import file_digest
    return file_digest(path)


def _a(href: str, cls: str = "") -> str:
    """An opening <a> tag to a course page (relative to the start page); data-ctip-href lets the
    app follow it as a page link (ctip/app/app.js)."""
    c = f" class='{cls}'" if cls else ""
    return f"<a{c} href='{esc(href)}' data-ctip-href='{esc(href)}'>"


def _when(d: datetime | None) -> str:
    return d.astimezone().strftime("%d.%m.%Y %H:%M") if d else "—"


def progress_html(modules_folder: Path | str | None = None, exercises_folder: Path | str | None = None,
                  lang: str | None = None, exercises_href: str = "../exercises") -> str:
    """The start page's progress table (links relative to the start page in modules/)."""
    t = translator(lang)
    mods, exs = course_progress(modules_folder, exercises_folder, lang)
    rows = [f"<tr><th>{esc(t('progress_module'))}</th><th>{esc(t('progress_answered'))}</th>"
            f"<th>{esc(t('progress_score'))}</th><th>{esc(t('progress_last'))}</th></tr>"]
    for m in mods:
        rows.append(f"<tr><td>{_a(page_href(m))}{esc(t('module_label', n=m.number))}. {esc(m.title)}</a></td>"
                    f"<td>{m.answered} / {m.total}</td><td>{m.got:g} / {m.total}</td><td>{_when(m.last)}</td></tr>")
    for e in exs:
        state = t(f"progress_{e.state}")
        if e.state == "handed_in":
            state = t("handin_done", time=_when(e.handed_in))
        rows.append(f"<tr><td>{_a(page_href(e, exercises=exercises_href))}{esc(e.title)}</a></td>"
                    f"<td>{e.answered} / {e.total}</td><td>{esc(state)}</td><td>{_when(e.last)}</td></tr>")
    last = last_used(mods, exs)
    if last is not None:
        title = f"{t('module_label', n=last.number)}. {last.title}" if isinstance(last, ModuleProgress) else last.title
        cont = (f"{_a(page_href(last, exercises=exercises_href), 'ctip-continue')}"
                f"{esc(t('progress_continue', title=title))}</a>")
    else:
        first = mods[0] if mods else None
        cont = (f"{_a(page_href(first), 'ctip-continue')}{esc(t('progress_begin'))}</a>"
                if first else "")
    return (f"<div class='ctip-progress'><h2>{esc(t('progress_title'))}</h2>{cont}"
            f"<table>{''.join(rows)}</table></div>")


def show_progress(modules_folder: Path | str | None = None, lang: str | None = None,
                  exercises_href: str = "../exercises") -> None:
    """``modules_folder``: where the answer files are (a page in another language lives in a
    subfolder and passes ".."); ``exercises_href``: the exercises' folder as seen from the page."""
    from IPython.display import HTML, display
    from .widgets import STYLE
    display(HTML(STYLE + progress_html(modules_folder, lang=lang, exercises_href=exercises_href)))
