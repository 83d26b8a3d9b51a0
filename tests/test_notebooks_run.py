"""papermill executes every notebook (modules, exercises, solutions) with a per-cell timeout,
in a scratch copy of its folder so no answer file appears in the repo (and none in solutions/)."""
import shutil

import nbformat
import papermill as pm
import pytest

from ctip import paths

pytestmark = pytest.mark.slow
NOTEBOOKS = sorted(p for d in (paths.MODULES, paths.EXERCISES, paths.SOLUTIONS) for p in d.rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts)


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.relative_to(paths.ROOT).as_posix())
def test_notebook_runs(nb_path, tmp_path):
    work = tmp_path / nb_path.parent.name
    shutil.copytree(nb_path.parent, work, ignore=shutil.ignore_patterns("*.answers.json*"))
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(work / nb_path.name), str(out), cwd=str(work), progress_bar=False,
                        execution_timeout=120, kernel_name="python3")
    nb = nbformat.read(out, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    src = nbformat.read(nb_path, as_version=4)
    if any("S.figure(" in c.source or "E.figure(" in c.source for c in src.cells):
        assert any("image/png" in o.get("data", {}) for o in outputs), "figures are drawn"
    assert not list(work.glob("*.answers.json")), "running a notebook writes no answers"
