"""Course content: schemas, ids, keys, source references against the seeds, own sentences,
and the size each module and exercise must have."""
import pytest
import yaml

from ctip import paths
from ctip.content import check, loader, sources
from ctip.content.loader import iter_parts
from ctip.content.models import Case, Text

MODULES = loader.module_ids()
EXERCISES = loader.exercise_ids()


def test_the_course_has_content():
    assert "m01" in MODULES and "ex01" in EXERCISES


def test_all_content_is_valid():
    """Schemas, unique ids, keys that fit their questions, every bank entry used, every source
    reference inside its seed, every number in a text present in the lines it cites, no
    sentence copied from a seed (the last two only where the seeds are available)."""
    assert check.all_problems() == []


def test_source_references_are_checked_against_the_seeds():
    if paths.seeds_dir() is None:
        pytest.skip("../shared/seeds is not beside this checkout")
    assert sources.problems("004:1-5") == []
    assert sources.problems("004:1340-1400") != []                       # past the end
    assert sources.missing_numbers(["004:47-57"], "2005-жылы 1899") == ["1899"]
    assert check.copied_runs() == []


def test_every_seed_file_matches_the_registry():
    if paths.seeds_dir() is None:
        pytest.skip("../shared/seeds is not beside this checkout")
    for seed, info in loader.sources().items():
        assert len(sources.seed_lines(seed)) == info["lines"], seed


def simulations(m):
    return [b.simulation for s in m.sections for b in s.blocks if getattr(b, "simulation", None)]


@pytest.mark.parametrize("mid", MODULES)
def test_module_shape(mid):
    m, bank = loader.module(mid), loader.bank(mid)
    parts = [p for q in bank.questions for p in iter_parts(q)]
    singles = [q for q in bank.questions if not isinstance(q, Case)]
    practice = len(simulations(m)) >= 3          # a practice module is built around cases
    assert len(singles) >= (6 if practice else 20), "self-check questions"
    assert len({q.kind for q in singles}) >= 3, "several kinds of questions"
    assert m.outcomes and m.key_points
    blocks = [b for s in m.sections for b in s.blocks]
    assert sum(1 for b in blocks if getattr(b, "results", False)) == 1
    assert all(p.src and p.explain for p in parts)


def test_module_one_has_analyser_figure_and_worked_case():
    m, bank = loader.module("m01"), loader.bank("m01")
    blocks = [b for s in m.sections for b in s.blocks]
    cases = [q for q in bank.questions if isinstance(q, Case)]
    assert any(getattr(b, "figure", None) == "three_elements" for b in blocks)
    assert any(getattr(b, "style", None) == "case" for b in blocks)
    analysers = [c for c in cases if {p.id for p in c.parts} == {"act", "means", "purpose"}]
    assert analysers and all(c.synthetic for c in cases)


@pytest.mark.parametrize("eid", EXERCISES)
def test_exercise_shape(eid):
    ex = loader.exercise(eid)
    auto = [it for it in ex.items if not isinstance(it, Text)]
    manual = [it for it in ex.items if isinstance(it, Text)]
    cases = [it for it in ex.items if it.kind == "simulation"]
    assert (len(auto) >= 10 or len(cases) >= 2) and len(manual) >= 1
    if not cases:
        assert any(it.kind == "multi" for it in auto), "a multi-select item with partial credit"
    if eid in ("ex02", "ex03", "ex04"):
        assert any(it.kind == "order" for it in auto), "a step-ordering item"
    assert ex.module in MODULES


def test_cases_and_checklists_are_used():
    """Six or more branching cases, practised in modules or graded; checklists in modules 3-4
    and in at least two graded exercise items."""
    practised = {c for mid in MODULES for c in simulations(loader.module(mid))}
    graded = {it.case for eid in EXERCISES for it in loader.exercise(eid).items if it.kind == "simulation"}
    assert len(set(loader.simulation_ids())) >= 6 and set(loader.simulation_ids()) == practised | graded
    assert not practised & graded, "a graded case must not be practised with public scoring"
    for mid in ("m03", "m04"):
        assert any(q.kind == "checklist" for q in loader.bank(mid).questions)
    graded_checklists = [it for eid in EXERCISES for it in loader.exercise(eid).items if it.kind == "checklist"]
    assert len(graded_checklists) >= 2


def test_exercise_data_never_carries_keys():
    for f in (paths.DATA).rglob("*.yaml"):
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
        if "exercises" in f.parts:
            for it in data["items"]:
                assert not {"key", "explain", "rubric", "model_answer"} & set(it), f"{f}: {it['id']}"


def test_keys_live_only_in_solutions():
    found = [p for p in paths.ROOT.rglob("*.keys.yaml") if ".venv" not in p.parts]
    homes = (paths.SOLUTIONS, paths.ROOT / "tests" / "fixtures" / "solutions")
    assert found and all(p.parent in homes or p.parent.parent in homes for p in found)
    for p in found:             # translations (solutions/<lang>/) hold words only, never a key
        if p.parent.parent in homes:
            items = (yaml.safe_load(p.read_text(encoding="utf-8")) or {}).get("items", {})
            assert not any("key" in v for v in items.values()), p


def test_translations_keep_structure():
    """Another language is a data change: any data/<lang>/ must mirror Kyrgyz ids and keys."""
    for lang_dir in paths.DATA.iterdir():
        if not lang_dir.is_dir() or lang_dir.name in ("ky", "datasets"):
            continue
        lang = lang_dir.name
        assert check.ui_problems(lang) == []
        if not (lang_dir / "banks").is_dir():
            continue
        for mid in loader.module_ids(lang):
            ky, other = loader.bank(mid, "ky"), loader.bank(mid, lang)
            assert [(q.id, getattr(q, "key", None)) for q in ky.questions] == \
                   [(q.id, getattr(q, "key", None)) for q in other.questions]


@pytest.mark.parametrize("lang", ["ky", "ru", "en"])
def test_three_elements_diagram_is_text_in_the_page_language(lang):
    """Module 1's diagram is HTML: every label in the page's language, the adult panel with three
    elements and the child panel with two, and no matplotlib needed to draw it."""
    import html
    import subprocess
    import sys

    from ctip.engine import plots
    from ctip.i18n import t
    out = plots.figure_output("three_elements", lang).data
    panels = out.split("ctip-diagram-panel")[1:]
    assert len(panels) == 2
    for key in ("fig.adults", "fig.act", "fig.means", "fig.purpose", "fig.tip"):
        assert html.escape(t(key, lang=lang)).split("\n")[0] in panels[0]
    for key in ("fig.children", "fig.act", "fig.purpose", "fig.child_tip"):
        assert html.escape(t(key, lang=lang)).split("\n")[0] in panels[1]
    assert html.escape(t("fig.means", lang=lang)).split("\n")[0] not in panels[1]
    code = ("import sys; from ctip.engine import plots; plots.figure_output('three_elements', 'ky'); "
            "print('matplotlib' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"
