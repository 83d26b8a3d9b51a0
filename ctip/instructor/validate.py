"""Check one submission before grading and repair what would stop nbgrader, flagging every
finding with a reason. The originals are archived first, so a repair never loses anything."""
from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from pathlib import PurePath

import nbformat

from ..content import loader
from ..engine.scoring import InvalidAnswer, normalize
from ..engine.simulation import walk
from ..engine.store import FORMAT, MAX_BYTES
from .intake import Incoming

MAX_NOTEBOOK = 20_000_000
MAX_OUTPUT = 1_000_000


@dataclass
class Checked:
    notebook: bytes                     # what goes to submitted/<trainee>/<ex>/<ex>.ipynb
    answers: bytes | None               # what goes to <ex>.answers.json (None: no file)
    flags: list[tuple[str, dict]] = field(default_factory=list)


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _meta(cell) -> tuple:
    m = cell.get("metadata", {}).get("nbgrader", {})
    return tuple(m.get(k) for k in ("grade", "solution", "locked", "points", "task"))


def check_notebook(inc: Incoming, eid: str, release, source) -> tuple[bytes, list]:
    flags: list[tuple[str, dict]] = []
    nbs = {n: d for n, d in inc.files.items() if n.endswith(".ipynb") and ".ipynb_checkpoints" not in n}
    if not nbs:
        flags.append(("nb_missing", {}))
        return nbformat.writes(release).encode(), flags
    exact = [n for n in nbs if PurePath(n).name == f"{eid}.ipynb"]
    chosen = sorted(exact or nbs, key=lambda n: (n.count("/"), n))[0]
    if len(nbs) > 1:
        flags.append(("nb_several", {"used": chosen, "others": ", ".join(sorted(set(nbs) - {chosen}))}))
    data = nbs[chosen]
    if not data.strip():
        flags.append(("nb_empty", {}))
        return nbformat.writes(release).encode(), flags
    if len(data) > MAX_NOTEBOOK:
        flags.append(("nb_too_large", {"size": len(data)}))
        return nbformat.writes(release).encode(), flags
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        flags.append(("nb_not_json", {}))
        return nbformat.writes(release).encode(), flags
    try:
        with warnings.catch_warnings():        # e.g. duplicate cell ids: repaired below
            warnings.simplefilter("ignore")
            nb = nbformat.reads(json.dumps(raw), as_version=4)
            nbformat.validate(nb)
    except Exception:
        flags.append(("nb_not_nbformat", {}))
        return nbformat.writes(release).encode(), flags
    # structure against the source: nbgrader restores locked cells and missing graded cells,
    # but stops on duplicated grade ids, so those are removed here
    seen, kept, dups = set(), [], []
    for cell in nb.cells:
        gid = _grade_id(cell)
        if gid and gid in seen:
            dups.append(gid)
            continue
        if gid:
            seen.add(gid)
        kept.append(cell)
    nb.cells = kept
    if dups:
        flags.append(("cells_duplicated", {"ids": ", ".join(sorted(set(dups)))}))
    src_ids = [_grade_id(c) for c in source.cells if _grade_id(c)]
    sub_ids = [g for g in (_grade_id(c) for c in nb.cells) if g in src_ids]
    missing_graded = [g for g in src_ids if g not in sub_ids]
    if missing_graded:
        flags.append(("cells_deleted", {"ids": ", ".join(missing_graded)}))
    elif sub_ids != src_ids:
        flags.append(("cells_reordered", {}))
    rel = {_grade_id(c): c for c in release.cells if _grade_id(c)}
    edited = [g for g in sub_ids if rel[g].get("metadata", {}).get("nbgrader", {}).get("locked")
              and not rel[g]["metadata"]["nbgrader"].get("solution")
              and next(c for c in nb.cells if _grade_id(c) == g).source != rel[g].source]
    if edited:
        flags.append(("locked_edited", {"ids": ", ".join(edited)}))
    unknown = [g for g in (_grade_id(c) for c in nb.cells) if g and g not in src_ids]
    if unknown:
        flags.append(("cells_unknown", {"ids": ", ".join(unknown)}))
        for c in nb.cells:                 # nbgrader would stop on them: make them plain cells
            if _grade_id(c) in unknown:
                del c.metadata["nbgrader"]
    changed = [g for g in sub_ids if _meta(next(c for c in nb.cells if _grade_id(c) == g)) != _meta(rel[g])]
    if changed:
        flags.append(("metadata_edited", {"ids": ", ".join(changed)}))
    extra = [c for c in nb.cells if c.cell_type == "code" and not _grade_id(c) and c.source.strip()]
    if extra:
        flags.append(("extra_code", {"n": len(extra)}))
    if any(len(json.dumps(c.get("outputs", []))) > MAX_OUTPUT for c in nb.cells if c.cell_type == "code"):
        flags.append(("outputs_huge", {}))
        for c in nb.cells:
            if c.cell_type == "code":
                c.outputs = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return nbformat.writes(nb).encode(), flags


def check_answers(inc: Incoming, eid: str) -> tuple[bytes | None, list]:
    """Keep a usable answer file as it is; drop what cannot be graded, with a reason.
    The scores themselves are always recomputed from the values."""
    flags: list[tuple[str, dict]] = []
    fname = f"{eid}.answers.json"
    cands = [n for n in inc.files if PurePath(n).name == fname]
    if not cands:
        flags.append(("answers_missing", {"file": fname}))
        return None, flags
    data = inc.files[sorted(cands, key=lambda n: n.count("/"))[0]]
    if len(data) > MAX_BYTES:
        flags.append(("answers_too_large", {"size": len(data)}))
        return None, flags
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        flags.append(("answers_not_json", {}))
        return None, flags
    if not isinstance(obj, dict) or obj.get("format") != FORMAT or not isinstance(obj.get("answers"), dict):
        flags.append(("answers_bad_format", {}))
        return None, flags
    ex = loader.exercise(eid)
    items = {it.id: it for it in ex.items}
    answers = obj["answers"]
    unknown = sorted(k for k in answers if k not in items)
    if unknown:
        flags.append(("answers_unknown", {"ids": ", ".join(unknown[:10])}))
    wrong, tampered = [], False
    for k, entry in answers.items():
        if k not in items:
            continue
        if not isinstance(entry, dict) or "value" not in entry:
            wrong.append(k)
            continue
        tampered |= any(f in entry for f in ("fraction", "points", "score", "correct"))
        it = items[k]
        try:
            if it.kind == "simulation":
                if not isinstance(entry["value"], dict):
                    raise InvalidAnswer("no path")
                walk(loader.simulation(it.case), entry["value"].get("path"))
            elif it.kind != "text":
                normalize(it, entry["value"])
        except (InvalidAnswer, KeyError, StopIteration):
            wrong.append(k)
    if wrong:
        flags.append(("answers_wrong_type", {"ids": ", ".join(sorted(wrong))}))
    if tampered:
        flags.append(("answers_tampered", {}))
    return data, flags


def check(inc: Incoming, eid: str, release, source) -> Checked:
    if not inc.files:
        return Checked(nbformat.writes(release).encode(), None, [("no_files", {})])
    nb, f1 = check_notebook(inc, eid, release, source)
    ans, f2 = check_answers(inc, eid)
    return Checked(nb, ans, f1 + f2)

