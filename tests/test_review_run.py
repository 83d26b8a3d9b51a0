"""papermill runs the review page and the start page for a trainee who studied modules 1-3
(fixture answer files written beside the notebooks, as a trainee's would be)."""
import json
from datetime import datetime, timedelta, timezone

import nbformat
import papermill as pm
import pytest

from ctip.delivery import notebooks
from ctip.review.items import catalogue
from ctip.review.state import FILENAME

pytestmark = pytest.mark.slow


def history(folder):
    """Modules 1-3 answered three days ago, some wrong: all 18 items are due (15 a session)."""
    when = (datetime.now(timezone.utc) - timedelta(days=3)).isoformat(timespec="seconds")
    items = catalogue()
    for mid in ("m01", "m02", "m03"):
        ids = [sid for sid, it in items.items() if it.module == mid][:6]
        answers = {sid: {"value": None, "time": when, "attempts": 1, "fraction": 0.0 if n % 3 == 0 else 1.0}
                   for n, sid in enumerate(ids)}
        (folder / f"{mid}.answers.json").write_text(json.dumps(
            {"format": "ctip-answers", "version": 1, "notebook": mid, "answers": answers}), encoding="utf-8")


def run(nb, folder, name):
    src = folder / name
    src.write_text(notebooks.dumps(nb), encoding="utf-8")
    out = folder / f"out-{name}"
    pm.execute_notebook(str(src), str(out), cwd=str(folder), progress_bar=False,
                        execution_timeout=120, kernel_name="python3")
    result = nbformat.read(out, as_version=4)
    outputs = [o for c in result.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    return outputs


def html_of(outputs):
    return "\n".join(o.get("data", {}).get("text/html", "") for o in outputs)


def test_review_page_runs_with_a_history(tmp_path):
    history(tmp_path)
    outputs = run(notebooks.review_notebook(), tmp_path, "kaitaloo.ipynb")
    text = html_of(outputs)
    assert "Бул жолу" in text and "1-модуль" in text and "3-модуль" in text
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    state = json.loads((tmp_path / FILENAME).read_text(encoding="utf-8"))
    assert len(state["logs"]) == 18 and len(state["cards"]) == 18      # the history was seeded
    # the module answer files are untouched
    assert all(len(json.loads((tmp_path / f"{m}.answers.json").read_text())["answers"]) == 6
               for m in ("m01", "m02", "m03"))


def test_start_page_shows_todays_review(tmp_path):
    history(tmp_path)
    text = html_of(run(notebooks.start_notebook(), tmp_path, "start.ipynb"))
    assert "Бүгүн кайталоого 15 суроо" in text and "kaitaloo.ipynb" in text


def test_review_page_without_history_writes_nothing(tmp_path):
    text = html_of(run(notebooks.review_notebook(), tmp_path, "kaitaloo.ipynb"))
    assert "Кайталоо модулдардын биринде" in text
    assert not list(tmp_path.glob("*.json"))
