"""Synthetic submissions: a realistic cohort for the demo and the benchmark, and a corpus of
broken or hostile submissions (one function per kind) for the robustness tests.

Knowledge follows a simple item-response model: trainee ability theta ~ N(0, 1), item
difficulty b in [-1.5, 1.5], P(right) = 1 / (1 + exp(-1.7 (theta - b))). Wrong answers prefer a
plausible distractor, so the analytics have something to find."""
from __future__ import annotations

import json
import math
import os
import random
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat

from ..content import loader
from ..delivery.submissions import answer_file, model_answers
from . import intake

TEXTS = [
    "Бул адамдарды сатуу: азгыруу, алдоо жана эмгек эксплуатациясы максаты бар.",
    "Үч элементтин баары бар деп ойлойм, бирок каражатты дагы текшерүү керек.",
    "Жабырлануучуга жардам берип, билдирүүнү каттоо жана мыйзамдуу өкүлдү чакыруу керек.",
    "Белгилер бар, андыктан андан ары текшерүү жүргүзүлөт.",
]


def answers_for(eid: str, theta: float, rng: random.Random, solutions: Path | None = None) -> dict:
    ex, keys = loader.exercise(eid), loader.keys(eid, solutions)
    out = {}
    for j, it in enumerate(ex.items):
        if it.kind == "text":
            continue
        b = -1.5 + 3.0 * ((j * 7919) % 11) / 10
        p = 1 / (1 + math.exp(-1.7 * (theta - b)))
        key = keys.items[it.id].key
        if it.kind == "single":
            wrong = [o for o in it.option_ids if o != key]
            out[it.id] = key if rng.random() < p else (wrong[0] if rng.random() < 0.6 else rng.choice(wrong))
        elif it.kind == "truefalse":
            out[it.id] = key if rng.random() < p else (not key)
        elif it.kind in ("multi", "checklist"):
            out[it.id] = [o for o in it.option_ids if (o in key and rng.random() < p)
                          or (o not in key and rng.random() < (1 - p) * 0.4)]
        elif it.kind == "sort":
            cats = [c.id for c in it.categories]
            out[it.id] = {o: c if rng.random() < p else rng.choice(cats) for o, c in key.items()}
        elif it.kind == "order":
            order = list(key)
            for _ in range(sum(rng.random() > p for _ in order)):
                i = rng.randrange(len(order) - 1)
                order[i], order[i + 1] = order[i + 1], order[i]
            out[it.id] = order
        elif it.kind == "simulation":
            sim, sc = loader.simulation(it.case), loader.scoring(it.case)
            scene, path, model = sim.scene(sim.start), [], list(sc.model_path)
            while scene.choices:
                ids = [c.id for c in scene.choices]
                nxt = model[len(path)] if len(path) < len(model) and model[len(path)] in ids else None
                cid = nxt if nxt and rng.random() < p else rng.choice(ids)
                path.append(cid)
                scene = sim.scene(sim.choice(cid).next)
            out[it.id] = {"path": path, "trainee": "synthetic"}
    return out


def write_submission(folder: Path, eid: str, release: Path, answers: dict | None, text: str | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(release, as_version=4)
    for cell in nb.cells:
        if text and cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("solution"):
            cell.source = text
    nbformat.write(nb, str(folder / f"{eid}.ipynb"))
    if answers is not None:
        (folder / f"{eid}.answers.json").write_text(
            json.dumps(answer_file(eid, answers), ensure_ascii=False), encoding="utf-8")


def wrong_answers(eid: str, solutions: Path | None = None) -> dict:
    """Every autograded item answered wrongly but validly (honest score 0), the base of the
    tampering kinds: tampering must never lift it."""
    ex, keys = loader.exercise(eid), loader.keys(eid, solutions)
    out = {}
    for it in ex.items:
        key = keys.items[it.id].key
        if it.kind == "single":
            out[it.id] = next(o for o in it.option_ids if o != key)
        elif it.kind == "truefalse":
            out[it.id] = not key
        elif it.kind in ("multi", "checklist"):
            out[it.id] = [o for o in it.option_ids if o not in key][:1] or []
        elif it.kind == "sort":
            cats = [c.id for c in it.categories]
            out[it.id] = {o: next(c for c in cats if c != k) for o, k in key.items()}
        elif it.kind == "order":
            out[it.id] = list(reversed(key))
    return out


# --- the adversarial corpus -------------------------------------------------------------
# Each kind writes one trainee's submission under `f` (a folder; some kinds write a zip
# `f.zip`, a link, or LMS-named files beside it) and says what an honest grader must do with
# it: a flag it must raise, the honest score ("full": every autograded item right; "zero";
# "lost:q1,q4": full minus those items; None: no claim) and the trainee ids it creates.

@dataclass
class Kind:
    make: Callable[[Path], object]
    flag: str | None = None
    honest: str | None = None
    ids: tuple[str, ...] | None = None      # default: the folder name


def _nb(release: Path):
    return nbformat.read(release, as_version=4)


def _save(folder: Path, eid: str, nb=None, answers=None, raw_nb: bytes | None = None,
          raw_answers: bytes | None = None):
    folder.mkdir(parents=True, exist_ok=True)
    if raw_nb is not None:
        (folder / f"{eid}.ipynb").write_bytes(raw_nb)
    elif nb is not None:
        nbformat.write(nb, str(folder / f"{eid}.ipynb"))
    if raw_answers is not None:
        (folder / f"{eid}.answers.json").write_bytes(raw_answers)
    elif answers is not None:
        (folder / f"{eid}.answers.json").write_text(json.dumps(answer_file(eid, answers), ensure_ascii=False))


def _gid(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id", "")


def _extra_code(nb, source: str, outputs=None):
    cell = nbformat.v4.new_code_cell(source)
    cell.outputs = outputs or []
    nb.cells.insert(2, cell)
    return nb


def _nb_bytes(nb) -> bytes:
    return nbformat.writes(nb).encode("utf-8")


def _answers_bytes(eid, answers, **extra) -> bytes:
    return json.dumps({**answer_file(eid, answers), **extra}, ensure_ascii=False).encode("utf-8")


def _zip(path: Path, members: list[tuple[str, bytes]], date=(2026, 11, 20, 10, 0, 0)) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=date)
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return path


def zip_legacy_names(path: Path, members: list[tuple[bytes, str, bytes]]) -> Path:
    """A zip whose folder names are raw bytes in a legacy code page (cp866, cp1251) without the
    UTF-8 flag, as Windows' own zip tool writes them: members are (folder bytes, rest, data)."""
    holders = {}
    for raw, _, _ in members:
        holders.setdefault(raw, chr(ord("A") + len(holders)) * len(raw))
    _zip(path, [(f"{holders[raw]}/{rest}", data) for raw, rest, data in members])
    buf = path.read_bytes()
    for raw, holder in holders.items():
        buf = buf.replace(holder.encode() + b"/", raw + b"/")
    path.write_bytes(buf)
    return path


def _central_entry(buf: bytes, member: str) -> int:
    at = buf.find(b"PK\x01\x02")
    while at != -1:
        n = int.from_bytes(buf[at + 28:at + 30], "little")
        if buf[at + 46:at + 46 + n] == member.encode():
            return at
        at = buf.find(b"PK\x01\x02", at + 4)
    raise KeyError(member)


def patch_zip(path: Path, member: str, how: str) -> None:
    """Damage one member of a zip: 'crc' (a wrong stored CRC) or 'encrypted' (the flag set)."""
    buf = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        local = z.getinfo(member).header_offset
    central = _central_entry(bytes(buf), member)
    if how == "crc":
        for off in (local + 14, central + 16):
            buf[off] ^= 0xFF
    else:
        for off in (local + 6, central + 8):
            buf[off] |= 0x01
    path.write_bytes(bytes(buf))


def _first(eid, kind):
    return next((it for it in loader.exercise(eid).items if it.kind == kind), None)


def corpus(eid: str, release: Path, solutions: Path | None = None) -> dict[str, Kind]:
    """Every kind of broken, hostile or merely unusual submission we know of."""
    bad = wrong_answers(eid, solutions)
    good = model_answers(eid, solutions)
    first_test = next(c for c in _nb(release).cells if _gid(c).endswith("_test"))
    t1 = _gid(first_test)
    single, sort, multi = _first(eid, "single"), _first(eid, "sort"), _first(eid, "multi")
    text_cell = next((_gid(c) for c in _nb(release).cells if c.metadata.get("nbgrader", {}).get("solution")), None)
    ok = lambda f, nb=None: _save(f, eid, nb if nb is not None else _nb(release), good)  # noqa: E731
    nbb = lambda: _nb_bytes(_nb(release))  # noqa: E731
    ansb = lambda a=None, **kw: _answers_bytes(eid, good if a is None else a, **kw)  # noqa: E731
    lms_ts = "2026-11-20-10-00-00"

    k: dict[str, Kind] = {
        # --- the original corpus (tampering on wrong answers must never pay) -------------
        "control_wrong_answers": Kind(lambda f: _save(f, eid, _nb(release), bad), None, "zero"),
        "nested_folder": Kind(lambda f: _save(f / eid, eid, _nb(release), good), None, "full"),
        "deleted_graded_cell": Kind(lambda f: ok(f, _drop(_nb(release), lambda c: _gid(c).endswith("_test"))),
                                    "cells_deleted", "full"),
        "deleted_widget_cell": Kind(lambda f: ok(f, _drop(_nb(release), lambda c: _gid(c).endswith("_widget"))),
                                    "cells_deleted", "full"),
        "duplicated_graded_cell": Kind(lambda f: ok(f, _dup(_nb(release), first_test)), "cells_duplicated", "full"),
        "reordered_cells": Kind(lambda f: ok(f, _reorder(_nb(release))), "cells_reordered", "full"),
        "edited_locked_cell": Kind(lambda f: ok(f, _edit(_nb(release), "_prompt", "Мен бул суроону өзгөрттүм.")),
                                   "locked_edited", "full"),
        "edited_hidden_test_cell": Kind(lambda f: _save(f, eid, _edit(_nb(release), "_test", "99.0"), bad),
                                        "locked_edited", "zero"),
        "added_grade_cell": Kind(lambda f: _save(f, eid, _add_grade(_nb(release)), bad), "cells_unknown", "zero"),
        "changed_points": Kind(lambda f: _save(f, eid, _points(_nb(release)), bad), "metadata_edited", "zero"),
        "notebook_not_json": Kind(lambda f: _save(f, eid, raw_nb=b'{"cells": [ broken', answers=good),
                                  "nb_not_json", "full"),
        "notebook_not_nbformat": Kind(lambda f: _save(f, eid, raw_nb=b'{"hello": "world"}', answers=good),
                                      "nb_not_nbformat", "full"),
        "notebook_empty_file": Kind(lambda f: _save(f, eid, raw_nb=b"", answers=good), "nb_empty", "full"),
        "notebook_missing": Kind(lambda f: _save(f, eid, None, good), "nb_missing", "full"),
        "answers_missing": Kind(lambda f: _save(f, eid, _nb(release), None), "answers_missing", "zero"),
        "answers_not_json": Kind(lambda f: _save(f, eid, _nb(release), raw_answers=b"{answers: oops"),
                                 "answers_not_json", "zero"),
        "answers_wrong_format": Kind(lambda f: _save(f, eid, _nb(release), raw_answers=b'["q01", "b"]'),
                                     "answers_bad_format", "zero"),
        "answers_wrong_types": Kind(lambda f: _save(f, eid, _nb(release), {i: ([v] if isinstance(v, str) else "x")
                                                                           for i, v in bad.items()}),
                                    "answers_wrong_type", "zero"),
        "answers_unknown_ids": Kind(lambda f: _save(f, eid, _nb(release), {**bad, "q999": "a", "../../x": "b"}),
                                    "answers_unknown", "zero"),
        "answers_huge": Kind(lambda f: _save(f, eid, _nb(release), raw_answers=json.dumps(
            {**answer_file(eid, bad), "pad": "x" * 6_000_000}).encode()), "answers_too_large", "zero"),
        "answers_tampered_scores": Kind(lambda f: _save(f, eid, _nb(release), raw_answers=json.dumps(
            _tamper(eid, bad)).encode()), "answers_tampered", "zero"),
        "answers_not_utf8": Kind(lambda f: _save(f, eid, _nb(release), raw_answers=b'{"format": "\xff\xfe"}'),
                                 "answers_not_json", "zero"),
        "code_infinite_loop": Kind(lambda f: _save(f, eid, _extra_code(_nb(release), "while True:\n    pass"), bad),
                                   "extra_code", "zero"),
        "code_huge_output": Kind(lambda f: _save(f, eid, _extra_code(_nb(release), "print('x' * 5_000_000)", [
            nbformat.v4.new_output("stream", name="stdout", text="x" * 5_000_000)]), bad), "outputs_huge", "zero"),
        "code_deletes_files": Kind(lambda f: _save(f, eid, _extra_code(
            _nb(release), "import shutil, os\nshutil.rmtree(os.path.abspath('../..'), ignore_errors=True)"), bad),
            "extra_code", "zero"),
        "code_reads_keys": Kind(lambda f: _save(f, eid, _extra_code(
            _nb(release), f"print(open('../../../solutions/{eid}.keys.yaml').read())"), bad), "extra_code", "zero"),
        "code_changes_grade": Kind(lambda f: _save(f, eid, _extra_code(
            _nb(release), "import ctip.grading as g\ng.item_result = lambda *a, **k: (99.0, 'ok')\n"
                          "g.grade_item = lambda *a, **k: 99.0"), bad), "extra_code", "zero"),
        "code_writes_gradebook": Kind(lambda f: _save(f, eid, _extra_code(
            _nb(release), "import sqlite3\nsqlite3.connect('../../../gradebook.db').execute('delete from grade')"), bad),
            "extra_code", "zero"),
        "several_notebooks": Kind(lambda f: (_save(f, eid, _nb(release), good),
                                             nbformat.write(_nb(release), str(f / "Untitled.ipynb")),
                                             nbformat.write(_nb(release), str(f / f"{eid} (1).ipynb"))),
                                  "nb_several", "full"),
        "only_checkpoint_copy": Kind(lambda f: (_save(f / ".ipynb_checkpoints", eid, _nb(release), None),
                                                _save(f, eid, None, good)), "nb_missing", "full"),
        "empty_folder": Kind(lambda f: f.mkdir(parents=True, exist_ok=True), "no_files", "zero"),
        "answers_symlink": Kind(lambda f: (_save(f, eid, _nb(release), None),
                                           os.symlink("/etc/hostname", f / f"{eid}.answers.json")),
                                "file_link", "zero"),

        # --- values that used to stop the whole batch ------------------------------------
        "answers_lone_surrogate": Kind(lambda f: _save(f, eid, _nb(release), raw_answers=ansb().replace(
            json.dumps(good[single.id]).encode(), b'"\\ud800"', 1)), "answers_bad_characters", f"lost:{single.id}"),
        "answers_deep_value": Kind(lambda f: _save(f, eid, _nb(release), raw_answers=ansb().replace(
            json.dumps(good[single.id]).encode(), b"[" * 100_000 + b"]" * 100_000, 1)), "answers_too_deep", "zero"),
        "answers_object_for_choice": Kind(lambda f: _save(f, eid, _nb(release), {**good, single.id: {"a": 1}}),
                                          "answers_wrong_type", f"lost:{single.id}"),
        "answers_nested_list_for_choice": Kind(lambda f: _save(f, eid, _nb(release), {**good, single.id: [["a"]]}),
                                               "answers_wrong_type", f"lost:{single.id}"),
        "answers_null_value": Kind(lambda f: _save(f, eid, _nb(release), {**good, single.id: None}),
                                   "answers_wrong_type", f"lost:{single.id}"),
        "answers_bool_for_single": Kind(lambda f: _save(f, eid, _nb(release), {**good, single.id: True}),
                                        "answers_wrong_type", f"lost:{single.id}"),
        "answers_nan_value": Kind(lambda f: _save(f, eid, _nb(release), raw_answers=ansb().replace(
            json.dumps(good[single.id]).encode(), b"NaN", 1)), "answers_wrong_type", f"lost:{single.id}"),
        "answers_entry_not_object": Kind(lambda f: _save(f, eid, _nb(release), raw_answers=json.dumps(
            {**answer_file(eid, good), "answers": {**answer_file(eid, good)["answers"], single.id: "b"}}).encode()),
            "answers_wrong_type", "zero"),
        "answers_key_surrogate": Kind(lambda f: _save(f, eid, _nb(release), raw_answers=ansb().replace(
            b'"answers": {', b'"answers": {"\\udc80": {"value": 1}, ', 1)), "answers_bad_characters", "full"),
        "answers_empty": Kind(lambda f: _save(f, eid, _nb(release), {}), None, "zero"),
        "answers_extra_fields": Kind(lambda f: _save(f, eid, _nb(release), raw_answers=ansb(note="hi", version=99)),
                                     None, "full"),
        "answers_pretty_crlf": Kind(lambda f: _save(f, eid, _nb(release), raw_answers=json.dumps(
            answer_file(eid, good), ensure_ascii=False, indent=2).replace("\n", "\r\n").encode()), None, "full"),
        "answers_bom": Kind(lambda f: _save(f, eid, _nb(release), raw_answers=b"\xef\xbb\xbf" + ansb()),
                            "answers_encoding", "full"),
        "answers_utf16": Kind(lambda f: _save(f, eid, _nb(release), raw_answers=ansb().decode().encode("utf-16")),
                              "answers_encoding", "full"),
        "answers_utf16_no_bom": Kind(lambda f: _save(f, eid, _nb(release),
                                                     raw_answers=ansb().decode().encode("utf-16-le")),
                                     "answers_encoding", "full"),
        "answers_renamed_file": Kind(lambda f: (_save(f, eid, _nb(release)),
                                                (f / f"{eid}.answers (1).json").write_bytes(ansb())),
                                     "answers_missing", "zero"),
        "answers_in_subfolder": Kind(lambda f: (_save(f, eid, _nb(release)), _save(f / "answers", eid, None, good)),
                                     None, "full"),
        "notebook_deep": Kind(lambda f: _save(f, eid, raw_nb=nbb().replace(
            b'"metadata": {', b'"metadata": {"deep": ' + b"[" * 100_000 + b"]" * 100_000 + b", ", 1), answers=good),
            "nb_too_deep", "full"),
        "notebook_lone_surrogate": Kind(lambda f: _save(f, eid, raw_nb=nbb().replace(
            b'"cell_type": "markdown",', b'"cell_type": "markdown", "x": "\\udc00",', 1), answers=good),
            "nb_bad_characters", "full"),
        "notebook_metadata_not_object": Kind(lambda f: _save(f, eid, raw_nb=_raw_cells(
            release, lambda c: c.__setitem__("metadata", [])), answers=good), "nb_not_nbformat", "full"),
        "notebook_grade_id_list": Kind(lambda f: _save(f, eid, raw_nb=_raw_cells(
            release, lambda c: c["metadata"].get("nbgrader", {}).__setitem__("grade_id", [c["metadata"]["nbgrader"]
                                                                                  ["grade_id"]])
            if c["metadata"].get("nbgrader", {}).get("grade_id") == t1 else None), answers=good),
            "cells_unknown", "full"),
        "notebook_cells_not_list": Kind(lambda f: _save(f, eid, raw_nb=json.dumps(
            {**json.loads(nbb()), "cells": {}}).encode(), answers=good), "nb_not_nbformat", "full"),
        "notebook_cell_not_object": Kind(lambda f: _save(f, eid, raw_nb=json.dumps(
            {**json.loads(nbb()), "cells": [1, "x", None]}).encode(), answers=good), "nb_not_nbformat", "full"),
        "notebook_source_not_string": Kind(lambda f: _save(f, eid, raw_nb=_raw_cells(
            release, lambda c: c.__setitem__("source", 5)), answers=good), "nb_not_nbformat", "full"),
        "notebook_trailing_garbage": Kind(lambda f: _save(f, eid, raw_nb=nbb() + b"\n}}garbage", answers=good),
                                          "nb_not_json", "full"),
        "notebook_bom": Kind(lambda f: _save(f, eid, raw_nb=b"\xef\xbb\xbf" + nbb(), answers=good),
                             "nb_encoding", "full"),
        "notebook_utf16": Kind(lambda f: _save(f, eid, raw_nb=nbb().decode().encode("utf-16"), answers=good),
                               "nb_encoding", "full"),
        "notebook_crlf": Kind(lambda f: _save(f, eid, raw_nb=nbb().replace(b"\n", b"\r\n"), answers=good),
                              None, "full"),
        "notebook_no_cell_ids": Kind(lambda f: _save(f, eid, raw_nb=_no_ids(release), answers=good), None, "full"),
        "notebook_duplicate_cell_ids": Kind(lambda f: _save(f, eid, raw_nb=_raw_cells(
            release, lambda c: c.__setitem__("id", "same-id")), answers=good), None, "full"),
        "notebook_renamed": Kind(lambda f: (_save(f, eid, None, good),
                                            nbformat.write(_nb(release), str(f / f"{eid} (1).ipynb"))), None, "full"),
        "notebook_symlink": Kind(lambda f: (_save(f, eid, None, good), os.symlink("/etc/hostname", f / f"{eid}.ipynb")),
                                 "file_link", "full"),

        # --- damaged grade cells: graded from the answer file, nothing lost ---------------
        "renamed_grade_id": Kind(lambda f: ok(f, _set_meta(_nb(release), t1, grade_id=f"{t1}_v2")), "cells_unknown",
                                 "full"),
        "edited_grade_metadata": Kind(lambda f: ok(f, _set_meta(_nb(release), t1, grade=False)), "metadata_edited",
                                      "full"),
        "changed_cell_type": Kind(lambda f: ok(f, _retype(_nb(release), t1)), "metadata_edited", "full"),
        "points_raised_right_answers": Kind(lambda f: ok(f, _points(_nb(release))), "metadata_edited", "full"),
        "all_course_cells_deleted": Kind(lambda f: ok(f, _drop(_nb(release), lambda c: bool(_gid(c)))),
                                         "cells_deleted", "full"),

        # --- trainee text reaching the feedback page ---------------------------------------
        "html_in_new_markdown": Kind(lambda f: ok(f, _add_md(_nb(release), "<script>alert('xss-md')</script>\n"
                                                  "<img src=x onerror=alert('xss-img')>\n[link](javascript:alert('xss-js'))")),
                                     None, "full"),
        "html_raw_cell": Kind(lambda f: ok(f, _add_raw(_nb(release), "<script>alert('xss-raw')</script>")), None, "full"),
        "html_code_output": Kind(lambda f: ok(f, _extra_code(_nb(release), "display(HTML())", [nbformat.v4.new_output(
            "display_data", data={"text/html": "<script>alert('xss-out')</script>", "text/plain": "x"})])),
            "extra_code", "full"),

        # --- OS junk, links, zips and how they are packed -------------------------------
        "os_junk": Kind(lambda f: (ok(f), (f / ".DS_Store").write_bytes(b"\0\0\0\1Bud1"),
                                   (f / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0"),
                                   _save(f / "__MACOSX", eid, raw_nb=b"\0\5\26\7", raw_answers=b"\0"),
                                   (f / f"._{eid}.ipynb").write_bytes(b"\0\5\26\7")), None, "full"),
        "only_os_junk": Kind(lambda f: (f.mkdir(parents=True, exist_ok=True), (f / ".DS_Store").write_bytes(b"x"),
                                        (f / "Thumbs.db").write_bytes(b"x")), "no_files", "zero"),
        "deeply_nested_folders": Kind(lambda f: _save(f / "a" / "b" / "c", eid, _nb(release), good), None, "full"),
        "folder_is_link": Kind(lambda f: (_save(f.parent.parent / "elsewhere" / f.name, eid, _nb(release), good),
                                          os.symlink(f.parent.parent / "elsewhere" / f.name, f)), "folder_link", "full"),
        "trainee_zip": Kind(lambda f: _zip(f.with_name(f.name + ".zip"), [(f"{eid}.ipynb", nbb()),
                                                                         (f"{eid}.answers.json", ansb())]),
                            None, "full"),
        "trainee_zip_top_folder": Kind(lambda f: _zip(f.with_name(f.name + ".zip"), [
            (f"{f.name}/{eid}.ipynb", nbb()), (f"{f.name}/{eid}.answers.json", ansb())]), None, "full"),
        "trainee_zip_backslashes": Kind(lambda f: _zip(f.with_name(f.name + ".zip"), [
            (f"{eid}\\{eid}.ipynb", nbb()), (f"{eid}\\{eid}.answers.json", ansb())]), None, "full"),
        "trainee_zip_macosx": Kind(lambda f: _zip(f.with_name(f.name + ".zip"), [
            (f"{eid}.ipynb", nbb()), (f"{eid}.answers.json", ansb()), (f"__MACOSX/._{eid}.ipynb", b"\0\5"),
            (".DS_Store", b"x")]), None, "full"),
        "zip_in_folder": Kind(lambda f: _zip(f / "submission.zip", [(f"{eid}.ipynb", nbb()),
                                                                    (f"{eid}.answers.json", ansb())]),
                              "zip_unpacked", "full"),
        "zip_path_traversal": Kind(lambda f: _zip(f.with_name(f.name + ".zip"), [
            (f"{eid}.ipynb", nbb()), (f"{eid}.answers.json", ansb()), ("../../../../../../evil.txt", b"pwned"),
            ("/tmp/evil-abs.txt", b"pwned")]), "zip_unsafe_path", "full"),
        "zip_bad_crc": Kind(lambda f: (_zip(f.with_name(f.name + ".zip"), [(f"{eid}.ipynb", nbb()),
                                                                          (f"{eid}.answers.json", ansb())]),
                                       patch_zip(f.with_name(f.name + ".zip"), f"{eid}.ipynb", "crc")),
                            "zip_damaged", "full"),
        "zip_encrypted_member": Kind(lambda f: (_zip(f.with_name(f.name + ".zip"), [(f"{eid}.ipynb", nbb()),
                                                                                   (f"{eid}.answers.json", ansb())]),
                                                patch_zip(f.with_name(f.name + ".zip"), f"{eid}.ipynb", "encrypted")),
                                     "zip_encrypted", "full"),
        "zip_zero_dos_date": Kind(lambda f: _zip(f.with_name(f.name + ".zip"), [
            (f"{eid}.ipynb", nbb()), (f"{eid}.answers.json", ansb())], date=(1980, 0, 0, 0, 0, 0)), None, "full"),
        "zip_not_a_zip": Kind(lambda f: (f.parent.mkdir(parents=True, exist_ok=True),
                                         f.with_name(f.name + ".zip").write_bytes(b"this is not a zip file")),
                              "zip_unreadable", "zero"),
        "zip_empty": Kind(lambda f: _zip(f.with_name(f.name + ".zip"), []), "no_files", "zero"),
        "zip_bomb_member": Kind(lambda f: _zip(f.with_name(f.name + ".zip"), [
            (f"{eid}.ipynb", nbb()), (f"{eid}.answers.json", ansb()), ("bomb.bin", b"\0" * (intake.MAX_FILE + 1))]),
            "file_too_large", "full"),
        "zip_bomb_total": Kind(lambda f: _zip(f.with_name(f.name + ".zip"), [
            (f"{eid}.ipynb", nbb()), (f"{eid}.answers.json", ansb())] + [
            (f"pad{i}.bin", b"\0" * (intake.MAX_FILE - 1)) for i in range(intake.MAX_TOTAL // intake.MAX_FILE + 2)]),
            "zip_too_big", "full"),
        "zip_too_many_members": Kind(lambda f: _zip(f.with_name(f.name + ".zip"), [
            (f"{eid}.ipynb", nbb()), (f"{eid}.answers.json", ansb())] + [
            (f"many/{i}.txt", b"x") for i in range(intake.MAX_MEMBERS + 1)]), "zip_too_many", "full"),

        # --- identity: names, LMS ids, attempts --------------------------------------------
        "unicode_name": Kind(lambda f: ok(f.with_name("Айбек Асанов")), "name_renamed", "full", ("Айбек_Асанов",)),
        "case_twins": Kind(lambda f: (ok(f.with_name("Nurlan")), _save(f.with_name("nurlan"), eid, _nb(release), bad)),
                           None, None, ("Nurlan", "nurlan-2")),
        "nfd_twins": Kind(lambda f: (ok(f.with_name(unicodedata.normalize("NFC", "Гүлй"))),
                                     _save(f.with_name(unicodedata.normalize("NFD", "Гүлй")), eid, _nb(release), bad)),
                          None, None, ("Гүлй", "Гүлй-2")),
        "lms_underscore_ids": Kind(lambda f: (
            _lms(f.parent, "Exercise 1", "ali_k", lms_ts, eid, nbb(), ansb()),
            _lms(f.parent, "Exercise 1", "bob_k", lms_ts, eid, nbb(), ansb(bad))), None, None, ("ali_k", "bob_k")),
        "lms_attempts_out_of_order": Kind(lambda f: (
            _lms(f.parent, "Exercise 1", "cholpon", "2026-11-9-10-00-00", eid, nbb(), ansb(bad)),
            _lms(f.parent, "Exercise 1", "cholpon", "2026-11-10-10-00-00", eid, nbb(), ansb())),
            "attempts", "full", ("cholpon",)),
        "lms_info_names_user": Kind(lambda f: (
            _lms(f.parent, "Ex_1", "dana_m", lms_ts, eid, nbb(), ansb(), info=True)), None, "full", ("dana_m",)),
    }
    if sort is not None:
        cat = next(iter(good[sort.id].values()))
        k["answers_unhashable_value"] = Kind(lambda f: _save(f, eid, _nb(release), {
            **good, sort.id: {o: [cat] for o in good[sort.id]}}), "answers_wrong_type", f"lost:{sort.id}")
    if multi is not None:
        k["answers_multi_duplicates"] = Kind(lambda f: _save(f, eid, _nb(release), {
            **good, multi.id: list(good[multi.id]) * 2}), None, "full")
    if text_cell is not None:
        k["duplicated_answer_cells"] = Kind(lambda f: ok(f, _dup_answer(_nb(release), text_cell)),
                                            "answer_cells_duplicated", "full")
        k["html_in_answer_cell"] = Kind(lambda f: ok(f, _set_source(_nb(release), text_cell,
                                                                    "<script>alert('xss-answer')</script> Жооп.")),
                                        None, "full")
    return k


def corpus_kinds(eid: str, release: Path, solutions: Path | None = None) -> dict[str, Callable[[Path], None]]:
    return {name: kind.make for name, kind in corpus(eid, release, solutions).items()}


def _raw_cells(release: Path, change) -> bytes:
    raw = json.loads(_nb_bytes(_nb(release)))
    for c in raw["cells"]:
        change(c)
    return json.dumps(raw, ensure_ascii=False).encode()


def _no_ids(release: Path) -> bytes:
    raw = json.loads(_nb_bytes(_nb(release)))
    raw["nbformat_minor"] = 4
    for c in raw["cells"]:
        c.pop("id", None)
    return json.dumps(raw, ensure_ascii=False).encode()


def _set_meta(nb, gid, **meta):
    for c in nb.cells:
        if _gid(c) == gid:
            c.metadata["nbgrader"].update(meta)
    return nb


def _retype(nb, gid):
    for i, c in enumerate(nb.cells):
        if _gid(c) == gid:
            md = nbformat.v4.new_markdown_cell(c.source)
            md.metadata = c.metadata
            nb.cells[i] = md
    return nb


def _add_md(nb, text):
    nb.cells.insert(3, nbformat.v4.new_markdown_cell(text))
    return nb


def _add_raw(nb, text):
    cell = nbformat.v4.new_raw_cell(text)
    cell.metadata["raw_mimetype"] = "text/html"
    nb.cells.insert(3, cell)
    return nb


def _set_source(nb, gid, text):
    for c in nb.cells:
        if _gid(c) == gid:
            c.source = text
    return nb


def _dup_answer(nb, gid):
    """A draft answer cell, then the final one pasted after it (both with the grade id)."""
    for i, c in enumerate(nb.cells):
        if _gid(c) == gid:
            draft = nbformat.from_dict(json.loads(json.dumps(c)))
            draft["id"] = "draft-cell"
            draft.source = "Долбоор: кийин бүтүрөм."
            c.source = "Акыркы жооп: белгилер бар, андыктан текшерүү керек."
            nb.cells.insert(i, draft)
            break
    return nb


def _lms(folder: Path, assignment: str, user: str, ts: str, eid: str, nb: bytes, answers: bytes, info=False):
    folder.mkdir(parents=True, exist_ok=True)
    base = f"{assignment}_{user}_attempt_{ts}"
    (folder / f"{base}_{eid}.ipynb").write_bytes(nb)
    (folder / f"{base}_{eid}.answers.json").write_bytes(answers)
    if info:
        (folder / f"{base}.txt").write_text(f"Name: Test Trainee ({user})\nAssignment: {assignment}\n")


NAMES = {  # folder names that are themselves hostile
    "name_not_utf8": b"trainee-\xff\xfe",
    "name_shell_chars": "trainee; rm -rf ~ $(x)".encode(),
    "name_dots": b"..trainee..",
}


def _drop(nb, pred):
    nb.cells = [c for c in nb.cells if not pred(c)][:]
    return nb


def _dup(nb, cell):
    copy = nbformat.from_dict(dict(cell))
    copy["id"] = "copied-cell"           # JupyterLab gives a pasted cell a new id
    nb.cells.append(copy)
    return nb


def _reorder(nb):
    nb.cells = nb.cells[:2] + list(reversed(nb.cells[2:]))
    return nb


def _edit(nb, suffix, text):
    for c in nb.cells:
        if _gid(c).endswith(suffix):
            c.source = text
            break
    return nb


def _add_grade(nb):
    cell = nbformat.v4.new_code_cell("100.0")
    cell.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "points": 100,
                                 "grade_id": "bonus_test", "schema_version": 3}
    nb.cells.append(cell)
    return nb


def _points(nb):
    for c in nb.cells:
        if _gid(c).endswith("_test"):
            c.metadata["nbgrader"]["points"] = 100
    return nb


def _tamper(eid, answers):
    data = answer_file(eid, answers)
    for entry in data["answers"].values():
        entry.update({"fraction": 1.0, "points": 99, "correct": True})
    return data


def make_cohort(eid: str, release: Path, out: Path, n: int = 60, seed: int = 7, bad_share: float = 0.1,
                solutions: Path | None = None) -> tuple[int, int]:
    """n synthetic trainees (a realistic spread of knowledge), some with broken submissions."""
    rng = random.Random(seed)
    heavy = {"zip_bomb_member", "zip_bomb_total", "zip_too_many_members", "folder_is_link"}
    kinds = {n: k.make for n, k in corpus(eid, release, solutions).items() if k.ids is None and n not in heavy}
    bad_kinds = [k for k in kinds if k != "control_wrong_answers"]
    n_bad = 0
    for i in range(n):
        folder = out / f"trainee{i + 1:03d}"
        if rng.random() < bad_share:
            kinds[bad_kinds[n_bad % len(bad_kinds)]](folder)
            n_bad += 1
            continue
        theta = rng.gauss(0, 1)
        write_submission(folder, eid, release, answers_for(eid, theta, rng, solutions), rng.choice(TEXTS))
    return n, n_bad
