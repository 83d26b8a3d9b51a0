"""Check one submission before grading and make it gradable, flagging every finding with what
was actually done. The originals are archived first, so a repair never loses anything.

The answer file is the graded record. A notebook whose course cells are intact goes to
nbgrader as it is (nbgrader restores edited read-only cells from the gradebook). A notebook
whose graded cells are damaged (deleted, renamed, duplicated, metadata or cell type edited,
not a notebook at all) is replaced by a clean copy of the released exercise that carries the
trainee's written answers over, so the submission is graded from its answer file against the
source and loses nothing the answer file holds."""
from __future__ import annotations

import codecs
import contextlib
import json
import logging
import re
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
MAX_DEPTH = 64                   # deeper JSON is not a notebook or answer file of this course
META_KEYS = ("grade", "solution", "locked", "points", "task")


TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)


class TooDeep(ValueError):
    pass


@dataclass
class Checked:
    notebook: bytes                     # what goes to submitted/<trainee>/<ex>/<ex>.ipynb
    answers: bytes | None               # what goes to <ex>.answers.json (None: no file)
    flags: list[tuple[str, dict]] = field(default_factory=list)
    broken: bool = False                # left out of item statistics


def decode_json(data: bytes):
    """(object, encoding note or None). UTF-8 with or without BOM, UTF-16 with BOM (or without,
    recognised by its zero bytes). Raises ValueError (or TooDeep) if it is not JSON."""
    note = None
    if data.startswith(codecs.BOM_UTF8):
        text, note = data[3:].decode("utf-8"), "UTF-8 BOM"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, note = data.decode("utf-16"), "UTF-16"
    elif len(data) >= 2 and data[0] == 0 and data[1] != 0:
        text, note = data.decode("utf-16-be"), "UTF-16"
    elif len(data) >= 2 and data[1] == 0 and data[0] != 0:
        text, note = data.decode("utf-16-le"), "UTF-16"
    else:
        text = data.decode("utf-8")
    text = text.removeprefix("\ufeff")
    depth = 0
    for m in TOKENS.finditer(text):     # refuse deep nesting before the parser recurses into it
        ch = m.group()
        if ch in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise TooDeep("nested too deep")
        elif ch in "]}":
            depth -= 1
    try:
        return json.loads(text), note
    except RecursionError as e:
        raise TooDeep("nested too deep") from e


def _clean_text(s: str) -> tuple[str, bool]:
    try:
        s.encode("utf-8")
        return s, False
    except UnicodeEncodeError:
        return s.encode("utf-8", "replace").decode("utf-8"), True


def clean(obj, depth: int = 0):
    """(copy with lone surrogates replaced by '?', whether anything was replaced)."""
    if depth > MAX_DEPTH:
        raise TooDeep("nested too deep")
    if isinstance(obj, str):
        return _clean_text(obj)
    if isinstance(obj, list):
        out, hit = [], False
        for v in obj:
            v2, h = clean(v, depth + 1)
            out.append(v2)
            hit |= h
        return out, hit
    if isinstance(obj, dict):
        out, hit = {}, False
        for k, v in obj.items():
            k2, h1 = _clean_text(k)
            v2, h2 = clean(v, depth + 1)
            out[k2] = v2
            hit |= h1 or h2
        return out, hit
    return obj, False


def _nbg(cell) -> dict:
    if not isinstance(cell, dict):
        return {}
    meta = cell.get("metadata")
    nbg = meta.get("nbgrader") if isinstance(meta, dict) else None
    return nbg if isinstance(nbg, dict) else {}


def _grade_id(cell):
    gid = _nbg(cell).get("grade_id")
    return gid if isinstance(gid, str) else (None if gid is None else repr(gid)[:40])


def _meta(cell) -> tuple:
    m = _nbg(cell)
    return tuple(m.get(k) for k in META_KEYS)


def _source(cell) -> str:
    src = cell.get("source", "") if isinstance(cell, dict) else ""
    if isinstance(src, list):
        src = "".join(s for s in src if isinstance(s, str))
    return src if isinstance(src, str) else ""


def _release_copy(release):
    return nbformat.from_dict(json.loads(nbformat.writes(release)))


def rebuild(release, cells) -> tuple[object, list[str], dict[str, int]]:
    """A clean copy of the release whose written-answer cells carry the trainee's text from
    `cells` (raw cell dicts); (notebook, ids carried over, ids with several copies -> count)."""
    nb = _release_copy(release)
    texts: dict[str, list[str]] = {}
    for c in cells if isinstance(cells, list) else []:
        gid = _grade_id(c)
        if gid and _nbg(c).get("solution"):
            texts.setdefault(gid, []).append(_source(c))
    kept, several = [], {}
    for c in nb.cells:
        gid = _grade_id(c)
        if gid in texts and _nbg(c).get("solution"):
            c.source = combine(texts[gid]) if len(texts[gid]) > 1 else texts[gid][0]
            kept.append(gid)
            if len(texts[gid]) > 1:
                several[gid] = len(texts[gid])
    return nb, kept, several


def combine(copies: list[str]) -> str:
    """Every copy of a duplicated written answer, marked, for the instructor to choose."""
    return "\n\n".join(f"**[{i}/{len(copies)}]**\n\n{text}" for i, text in enumerate(copies, 1))


@contextlib.contextmanager
def _silent():
    """nbformat logs invalid notebooks itself; here they are flagged instead."""
    from traitlets.log import get_logger
    logger = get_logger()
    drop = logging.Filter()
    drop.filter = lambda record: False
    logger.addFilter(drop)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.removeFilter(drop)


def _writes(nb) -> bytes:
    with _silent():
        return nbformat.writes(nb).encode("utf-8")


def _fallback(release, flags, raw_cells=None, code="nb_rebuilt") -> tuple[bytes, list, bool]:
    nb, kept, several = rebuild(release, raw_cells)
    flags.append((code, {"kept": ", ".join(kept) or "—"}))
    if several:
        flags.append(("answer_cells_duplicated", {"ids": ", ".join(f"{k} ×{n}" for k, n in several.items())}))
    return _writes(nb), flags, True


def check_notebook(inc: Incoming, eid: str, release, source) -> tuple[bytes, list, bool]:
    """(notebook bytes to grade, flags, whether the notebook was replaced by a clean copy)."""
    flags: list[tuple[str, dict]] = []
    nbs = {n: d for n, d in inc.files.items() if n.endswith(".ipynb") and ".ipynb_checkpoints" not in n}
    if not nbs:
        flags.append(("nb_missing", {}))
        return _writes(_release_copy(release)), flags, True
    exact = [n for n in nbs if PurePath(n).name == f"{eid}.ipynb"]
    chosen = sorted(exact or nbs, key=lambda n: (n.count("/"), n))[0]
    if len(nbs) > 1:
        flags.append(("nb_several", {"used": chosen, "others": ", ".join(sorted(set(nbs) - {chosen}))}))
    data = nbs[chosen]
    if not data.strip():
        flags.append(("nb_empty", {}))
        return _writes(_release_copy(release)), flags, True
    if len(data) > MAX_NOTEBOOK:
        flags.append(("nb_too_large", {"size": len(data)}))
        return _writes(_release_copy(release)), flags, True
    try:
        raw, note = decode_json(data)
    except TooDeep:
        flags.append(("nb_too_deep", {"max": MAX_DEPTH}))
        return _writes(_release_copy(release)), flags, True
    except (UnicodeDecodeError, ValueError):
        flags.append(("nb_not_json", {}))
        return _writes(_release_copy(release)), flags, True
    if note:
        flags.append(("nb_encoding", {"encoding": note}))
    try:
        raw, repaired = clean(raw)
    except TooDeep:
        flags.append(("nb_too_deep", {"max": MAX_DEPTH}))
        return _writes(_release_copy(release)), flags, True
    if repaired:
        flags.append(("nb_bad_characters", {}))
    cells = raw.get("cells") if isinstance(raw, dict) else None
    try:
        with _silent():                        # e.g. duplicate cell ids: nbgrader renumbers them
            nb = nbformat.reads(json.dumps(raw), as_version=4)
            nbformat.validate(nb)
        if not all(isinstance(c.get("metadata"), dict) for c in nb.cells):
            raise ValueError("cell metadata is not an object")
    except Exception:
        flags.append(("nb_not_nbformat", {}))
        return _fallback(release, flags, cells)
    # graded structure against the release: every course cell once, unchanged metadata
    rel = {_grade_id(c): c for c in release.cells if _grade_id(c)}
    sub_ids = [g for g in (_grade_id(c) for c in nb.cells) if g]
    seen, dups = set(), []
    for g in sub_ids:
        if g in seen and g not in dups:
            dups.append(g)
        seen.add(g)
    missing = [g for g in rel if g not in seen]
    unknown = [g for g in sub_ids if g not in rel]
    by_id = {}
    for c in nb.cells:
        by_id.setdefault(_grade_id(c), c)
    changed = [g for g in rel if g in by_id and (_meta(by_id[g]) != _meta(rel[g])
                                                  or by_id[g].cell_type != rel[g].cell_type)]
    if missing or unknown or dups or changed:
        if missing:
            flags.append(("cells_deleted", {"ids": ", ".join(missing)}))
        if unknown:
            flags.append(("cells_unknown", {"ids": ", ".join(unknown)}))
        if dups:
            flags.append(("cells_duplicated", {"ids": ", ".join(dups)}))
        if changed:
            flags.append(("metadata_edited", {"ids": ", ".join(changed)}))
        return _fallback(release, flags, [dict(c) for c in nb.cells])
    # intact: nbgrader grades it as it is
    if [g for g in sub_ids] != [g for g in rel]:
        flags.append(("cells_reordered", {}))
    edited = [g for g, c in rel.items() if _nbg(c).get("locked") and not _nbg(c).get("solution")
              and by_id[g].source != c.source]
    if edited:
        flags.append(("locked_edited", {"ids": ", ".join(edited)}))
    extra = [c for c in nb.cells if c.cell_type == "code" and not _grade_id(c) and c.source.strip()]
    if extra:
        flags.append(("extra_code", {"n": len(extra)}))
    if any(len(json.dumps(c.get("outputs", []))) > MAX_OUTPUT for c in nb.cells if c.cell_type == "code"):
        flags.append(("outputs_huge", {}))
        for c in nb.cells:
            if c.cell_type == "code":
                c.outputs = []
    return _writes(nb), flags, False


def check_answers(inc: Incoming, eid: str) -> tuple[bytes | None, list, bool]:
    """(answer file to grade or None, flags, whether it is broken). A usable file is kept as
    it is (re-encoded as plain UTF-8 if it came as UTF-16 or with a BOM); the scores are
    always recomputed from the values."""
    flags: list[tuple[str, dict]] = []
    fname = f"{eid}.answers.json"
    cands = [n for n in inc.files if PurePath(n).name == fname]
    if not cands:
        flags.append(("answers_missing", {"file": fname}))
        return None, flags, True
    data = inc.files[sorted(cands, key=lambda n: (n.count("/"), n))[0]]
    if len(data) > MAX_BYTES:
        flags.append(("answers_too_large", {"size": len(data)}))
        return None, flags, True
    try:
        obj, note = decode_json(data)
    except TooDeep:
        flags.append(("answers_too_deep", {"max": MAX_DEPTH}))
        return None, flags, True
    except (UnicodeDecodeError, ValueError):
        flags.append(("answers_not_json", {}))
        return None, flags, True
    try:
        obj, repaired = clean(obj)
    except TooDeep:
        flags.append(("answers_too_deep", {"max": MAX_DEPTH}))
        return None, flags, True
    if note:
        flags.append(("answers_encoding", {"encoding": note}))
    if repaired:
        flags.append(("answers_bad_characters", {}))
    if note or repaired:
        data = json.dumps(obj, ensure_ascii=False).encode("utf-8")
    if not isinstance(obj, dict) or obj.get("format") != FORMAT or not isinstance(obj.get("answers"), dict):
        flags.append(("answers_bad_format", {}))
        return None, flags, True
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
        except Exception:             # any value the scorer cannot take scores 0 for that item
            wrong.append(k)
    if wrong:
        flags.append(("answers_wrong_type", {"ids": ", ".join(sorted(wrong))}))
    if tampered:
        flags.append(("answers_tampered", {}))
    return data, flags, bool(wrong)


def check(inc: Incoming, eid: str, release, source) -> Checked:
    if not inc.files:
        return Checked(_writes(_release_copy(release)), None, [("no_files", {})], broken=True)
    nb, f1, _replaced = check_notebook(inc, eid, release, source)
    ans, f2, broken = check_answers(inc, eid)
    return Checked(nb, ans, f1 + f2, broken=broken)
