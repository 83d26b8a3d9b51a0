"""Make submissions the way a trainee's folder looks (notebook + answer file). Used to
check a course end to end: model answers must score full marks, an empty one zero."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from ..content import loader
from ..engine.store import FORMAT


def answer_file(exercise_id: str, answers: dict) -> dict:
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return {"format": FORMAT, "version": 1, "notebook": exercise_id,
            "answers": {k: {"value": v, "time": now, "attempts": 1} for k, v in answers.items()}}


def model_answers(exercise_id: str, solutions: Path | None = None) -> dict:
    """The keys as answers, and the model path of graded cases (instructor side: reads solutions/)."""
    keys = loader.keys(exercise_id, solutions)
    out = {iid: k.key for iid, k in keys.items.items() if k.key is not None}
    for it in loader.exercise(exercise_id).items:
        if it.kind == "simulation":
            out[it.id] = {"path": list(loader.scoring(it.case).model_path), "trainee": "model"}
    return out


def submit(course_root: Path, student: str, exercise_id: str, answers: dict | None,
           release: Path, free_text: dict | None = None) -> Path:
    """Place a submission under submitted/<student>/<exercise>/ as nbgrader expects it."""
    import nbformat
    dest = course_root / "submitted" / student / exercise_id
    dest.mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(release, as_version=4)
    for cell in nb.cells:
        gid = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if free_text and gid.endswith("_answer") and gid[:-7] in free_text:
            cell.source = free_text[gid[:-7]]
    nbformat.write(nb, dest / f"{exercise_id}.ipynb")
    if answers is not None:
        (dest / f"{exercise_id}.answers.json").write_text(
            json.dumps(answer_file(exercise_id, answers), ensure_ascii=False), encoding="utf-8")
    (dest / "timestamp.txt").write_text(datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
    return dest
