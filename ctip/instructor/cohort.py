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
from pathlib import Path
from typing import Callable

import nbformat

from ..content import loader
from ..delivery.submissions import answer_file

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
# Each kind writes one trainee folder under `root` and returns the folder's name as bytes.

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


def corpus_kinds(eid: str, release: Path, solutions: Path | None = None) -> dict[str, Callable[[Path], None]]:
    bad = wrong_answers(eid, solutions)
    first_test = next(c for c in _nb(release).cells if _gid(c).endswith("_test"))

    kinds: dict[str, Callable[[Path], object]] = {
        "control_wrong_answers": lambda f: _save(f, eid, _nb(release), bad),
        "nested_folder": lambda f: _save(f / eid, eid, _nb(release), bad),
        "deleted_graded_cell": lambda f: _save(f, eid, _drop(_nb(release), lambda c: _gid(c).endswith("_test")), bad),
        "deleted_widget_cell": lambda f: _save(f, eid, _drop(_nb(release), lambda c: _gid(c).endswith("_widget")), bad),
        "duplicated_graded_cell": lambda f: _save(f, eid, _dup(_nb(release), first_test), bad),
        "reordered_cells": lambda f: _save(f, eid, _reorder(_nb(release)), bad),
        "edited_locked_cell": lambda f: _save(f, eid, _edit(_nb(release), "_prompt", "Мен бул суроону өзгөрттүм."), bad),
        "edited_hidden_test_cell": lambda f: _save(f, eid, _edit(_nb(release), "_test", "99.0"), bad),
        "added_grade_cell": lambda f: _save(f, eid, _add_grade(_nb(release)), bad),
        "changed_points": lambda f: _save(f, eid, _points(_nb(release)), bad),
        "notebook_not_json": lambda f: _save(f, eid, raw_nb=b'{"cells": [ broken', answers=bad),
        "notebook_not_nbformat": lambda f: _save(f, eid, raw_nb=b'{"hello": "world"}', answers=bad),
        "notebook_empty_file": lambda f: _save(f, eid, raw_nb=b"", answers=bad),
        "notebook_missing": lambda f: _save(f, eid, None, bad),
        "answers_missing": lambda f: _save(f, eid, _nb(release), None),
        "answers_not_json": lambda f: _save(f, eid, _nb(release), raw_answers=b"{answers: oops"),
        "answers_wrong_format": lambda f: _save(f, eid, _nb(release), raw_answers=b'["q01", "b"]'),
        "answers_wrong_types": lambda f: _save(f, eid, _nb(release), {i: ([v] if isinstance(v, str) else "x")
                                                                         for i, v in bad.items()}),
        "answers_unknown_ids": lambda f: _save(f, eid, _nb(release), {**bad, "q999": "a", "../../x": "b"}),
        "answers_huge": lambda f: _save(f, eid, _nb(release), raw_answers=json.dumps(
            {**answer_file(eid, bad), "pad": "x" * 6_000_000}).encode()),
        "answers_tampered_scores": lambda f: _save(f, eid, _nb(release), raw_answers=json.dumps(_tamper(eid, bad)).encode()),
        "answers_not_utf8": lambda f: _save(f, eid, _nb(release), raw_answers=b'{"format": "\xff\xfe"}'),
        "code_infinite_loop": lambda f: _save(f, eid, _extra_code(_nb(release), "while True:\n    pass"), bad),
        "code_huge_output": lambda f: _save(f, eid, _extra_code(_nb(release), "print('x' * 5_000_000)", [
            nbformat.v4.new_output("stream", name="stdout", text="x" * 5_000_000)]), bad),
        "code_deletes_files": lambda f: _save(f, eid, _extra_code(
            _nb(release), "import shutil, os\nshutil.rmtree(os.path.abspath('../..'), ignore_errors=True)"), bad),
        "code_reads_keys": lambda f: _save(f, eid, _extra_code(
            _nb(release), f"print(open('../../../solutions/{eid}.keys.yaml').read())"), bad),
        "code_changes_grade": lambda f: _save(f, eid, _extra_code(
            _nb(release), "import ctip.grading as g\ng.item_result = lambda *a, **k: (99.0, 'ok')\n"
                          "g.grade_item = lambda *a, **k: 99.0"), bad),
        "code_writes_gradebook": lambda f: _save(f, eid, _extra_code(
            _nb(release), "import sqlite3\nsqlite3.connect('../../../gradebook.db').execute('delete from grade')"), bad),
        "several_notebooks": lambda f: (_save(f, eid, _nb(release), bad),
                                        nbformat.write(_nb(release), str(f / "Untitled.ipynb")),
                                        nbformat.write(_nb(release), str(f / f"{eid} (1).ipynb"))),
        "only_checkpoint_copy": lambda f: (_save(f / ".ipynb_checkpoints", eid, _nb(release), None),
                                           _save(f, eid, None, bad)),
        "empty_folder": lambda f: f.mkdir(parents=True, exist_ok=True),
        "answers_symlink": lambda f: (_save(f, eid, _nb(release), None),
                                      os.symlink("/etc/hostname", f / f"{eid}.answers.json")),
    }
    return kinds


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
    kinds = corpus_kinds(eid, release, solutions)
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
