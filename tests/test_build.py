"""Generated files are in sync with data/, committed notebooks are clean, and nothing a
trainee receives (exercises/, modules/, data/, the installed package) holds a graded key."""
import subprocess
import sys
import zipfile

import nbformat
import pytest

from ctip import paths
from ctip.content import loader
from ctip.delivery import build

NOTEBOOKS = sorted(p for d in (paths.MODULES, paths.EXERCISES, paths.SOLUTIONS) for p in d.rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts)


@pytest.mark.slow
def test_generated_files_are_in_sync():
    files = build.generate()
    assert [str(p.relative_to(paths.ROOT)) for p in build.stale(files)] == [], "run ./run build"
    assert build.orphans(files) == []


def test_every_module_and_exercise_has_a_notebook():
    names = {p.relative_to(paths.ROOT).as_posix() for p in NOTEBOOKS}
    assert "modules/00_bashtalyshy.ipynb" in names
    for mid in loader.module_ids():
        assert f"modules/{mid}.ipynb" in names
    for eid in loader.exercise_ids():
        assert {f"solutions/{eid}/{eid}.ipynb", f"exercises/{eid}/{eid}.ipynb"} <= names


@pytest.mark.parametrize("nb_path", NOTEBOOKS, ids=lambda p: p.relative_to(paths.ROOT).as_posix())
def test_notebook_hygiene(nb_path):
    nb = nbformat.read(nb_path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "no outputs in git"
            assert cell.metadata.get("jupyter", {}).get("source_hidden"), "trainees never see code"


MARKERS = ["BEGIN HIDDEN TESTS", "END HIDDEN TESTS", "BEGIN SOLUTION", "grade_item("]


def secrets():
    """Every rubric line and model answer of the course (they exist only under solutions/)."""
    out = []
    for eid in loader.exercise_ids():
        for k in loader.keys(eid).items.values():
            out += [r.text for r in k.rubric]
            if k.model_answer:
                out.append(k.model_answer.strip()[:80])
    return out


def files_under(*folders):
    for folder in folders:
        for p in folder.rglob("*"):
            if p.is_file() and "__pycache__" not in p.parts:
                yield p, p.read_text(encoding="utf-8", errors="ignore")


def test_no_key_reaches_what_trainees_receive():
    assert len(secrets()) > 20, "the scan must have something to look for"
    trainee = list(files_under(paths.EXERCISES, paths.MODULES, paths.DATA, paths.ROOT / "ctip"))
    leaks = [(p.relative_to(paths.ROOT).as_posix(), s[:40]) for p, text in trainee
             for s in secrets() if s in text]
    leaks += [(p.relative_to(paths.ROOT).as_posix(), m) for p, text in files_under(paths.EXERCISES)
              for m in MARKERS if m in text]
    assert leaks == []


def test_release_keeps_every_graded_cell_locked():
    for eid in loader.exercise_ids():
        src = nbformat.read(paths.SOLUTIONS / eid / f"{eid}.ipynb", as_version=4)
        rel = nbformat.read(paths.EXERCISES / eid / f"{eid}.ipynb", as_version=4)
        ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in src.cells]
        assert ids == [c.metadata.get("nbgrader", {}).get("grade_id") for c in rel.cells]
        for c in rel.cells:
            nbg = c.metadata.get("nbgrader", {})
            if c.cell_type == "code":
                assert nbg.get("locked") and not nbg.get("solution"), "trainees edit no code"


def test_installed_package_holds_no_course_keys(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "-w", str(tmp_path), str(paths.ROOT)], check=True)
    wheel = next(tmp_path.glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert all(n.startswith(("ctip/", "ctip_course-")) for n in names), names
    # no course data (the app's page template is code, not content); the scan below covers all text
    assert not [n for n in names if n.endswith((".yaml", ".ipynb", ".json")) and not n.startswith("ctip/app/template/")]
    text = "".join(zipfile.ZipFile(wheel).read(n).decode("utf-8", "ignore") for n in names)
    assert [s for s in secrets() if s in text] == []


def test_no_trainee_data_is_tracked():
    tracked = subprocess.run(["git", "ls-files"], cwd=paths.ROOT, capture_output=True, text=True).stdout.split()
    bad = [f for f in tracked if f.endswith((".answers.json", ".db", ".sqlite", ".csv"))
           or f.split("/")[0] in ("submitted", "autograded", "feedback", "exchange")]
    assert bad == []
