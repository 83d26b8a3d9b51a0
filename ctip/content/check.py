"""Check all content against its schemas and against the seeds.

    python -m ctip.content.check          # prints every problem, exits 1 if any

Used by the test suite and by content authors before they commit.
"""
from __future__ import annotations

import sys

from .. import paths
from . import loader, overlay, sources
from .loader import ContentError, iter_parts
from .models import (Case, CaseBlock, FigureBlock, InstructorBlock, QuizBlock, SimItem,
                     SimulationBlock, Text, TextBlock)


def _refs(where: str, refs, text: str | None) -> list[str]:
    out = [f"{where}: {p}" for r in refs for p in sources.problems(r)]
    if not out and text:
        out += [f"{where}: number {n} is not in the cited lines {', '.join(refs)}"
                for n in sources.missing_numbers(refs, text)]
    return out


def module_problems(mid: str, lang: str | None = None) -> list[str]:
    out: list[str] = []
    try:
        mod = loader.module(mid, lang)
        bank = loader.bank(mid, lang)
    except ContentError as e:
        return [str(e)]
    if mod.id != mid or bank.module != mid:
        out.append(f"{mid}: file name, module id and bank module must agree")
    entries = {q.id: q for q in bank.questions}
    if len(entries) != len(bank.questions):
        out.append(f"{mid}: duplicate question ids in bank")
    for qid, q in entries.items():
        if not qid.startswith(mid + "."):
            out.append(f"{qid}: question ids start with the module id ({mid}.)")
        if q.topic and q.topic not in mod.topics:
            out.append(f"{qid}: unknown topic {q.topic!r}")
        if isinstance(q, Case):
            out += _refs(qid, q.src, None)
        for p in iter_parts(q):
            out += _refs(f"{qid}/{p.id}" if p is not q else qid, p.src, p.explain)
    used: set[str] = set()
    for s in mod.sections:
        for b in s.blocks:
            where = f"{mid}/{s.id}"
            if isinstance(b, TextBlock):
                out += _refs(where, b.src, b.text)
            elif isinstance(b, InstructorBlock):
                out += _refs(where, b.src, b.instructor)
            elif isinstance(b, FigureBlock):
                out += _refs(where, b.src, None)
                from ..engine import plots
                if not plots.known(b.figure):
                    out.append(f"{where}: unknown figure {b.figure!r}")
            elif isinstance(b, QuizBlock):
                for qid in b.quiz:
                    if qid not in entries or isinstance(entries[qid], Case):
                        out.append(f"{where}: quiz {qid!r} is not a question of bank {mid}")
                    used.add(qid)
            elif isinstance(b, SimulationBlock):
                sp = loader.scoring_path(b.simulation, lang)
                if b.simulation not in loader.simulation_ids(lang):
                    out.append(f"{where}: unknown simulation {b.simulation!r}")
                elif sp is None or paths.SOLUTIONS in sp.parents:
                    out.append(f"{where}: practice case {b.simulation} needs public scoring in data/")
            elif isinstance(b, CaseBlock):
                if not isinstance(entries.get(b.case), Case):
                    out.append(f"{where}: case {b.case!r} is not a case of bank {mid}")
                used.add(b.case)
    for qid in sorted(set(entries) - used):
        out.append(f"{qid}: in the bank but not used in module {mid}")
    for kp in mod.key_points:
        out += _refs(f"{mid}/key point", kp.src, kp.text)
    for c in mod.coverage:
        out += _refs(f"{mid}/coverage {c.id}", c.src, None)
        out += [f"{mid}/coverage {c.id}: unknown question {q}" for q in c.questions if q not in entries]
    return out


def exercise_problems(eid: str, lang: str | None = None, solutions=None) -> list[str]:
    try:
        ex = loader.exercise(eid, lang)
        keys = loader.keys(eid, solutions)
    except ContentError as e:
        return [str(e)]
    out: list[str] = []
    if ex.id != eid or keys.exercise != eid:
        out.append(f"{eid}: file name, exercise id and keys exercise must agree")
    items = {it.id: it for it in ex.items}
    if set(items) != set(keys.items):
        out.append(f"{eid}: keys cover {sorted(keys.items)}, items are {sorted(items)}")
    for iid, it in items.items():
        k = keys.items.get(iid)
        if k is None:
            continue
        out += _refs(f"{eid}/{iid}", k.src, None)
        if isinstance(it, SimItem):
            sp = loader.scoring_path(it.case, lang)
            if sp is None or paths.SOLUTIONS not in sp.parents:
                out.append(f"{eid}/{iid}: graded case {it.case} needs its scoring in solutions/cases/ only")
            if k.key is not None:
                out.append(f"{eid}/{iid}: a graded case has no key (its scoring file grades it)")
        elif isinstance(it, Text):
            if k.key is not None or not k.rubric:
                out.append(f"{eid}/{iid}: free-text items need a rubric and no key")
            elif abs(sum(r.points for r in k.rubric) - it.points) > 1e-9:
                out.append(f"{eid}/{iid}: rubric points do not add up to {it.points}")
        else:
            try:
                it.check_key(k.key)
            except (ValueError, TypeError, AttributeError) as e:
                out.append(f"{eid}/{iid}: bad key: {e}")
    return out


def dataset_problems(did: str) -> list[str]:
    try:
        ds = loader.dataset(did)
    except ContentError as e:
        return [str(e)]
    out = _refs(did, ds.src, None)
    for s in ds.series:
        for p in s.points:
            value = f"{p.y:g}"
            out += _refs(f"{did}/{s.label}/{p.x}", [p.src], None)
            cited = sources.cited_text([p.src])
            if cited is not None and value.replace(".", ",") not in cited and value not in cited:
                out.append(f"{did}/{s.label}/{p.x}: value {value} is not in {p.src}")
    return out


def simulation_problems(cid: str, lang: str | None = None) -> list[str]:
    from ..engine.simulation import graph_problems
    try:
        sim = loader.simulation(cid, lang)
        sc = loader.scoring(cid, lang)
    except ContentError as e:
        return [str(e)]
    public = loader.base_dir() / "cases" / f"{cid}.scoring.yaml"
    private = paths.SOLUTIONS / "cases" / f"{cid}.scoring.yaml"
    out = [f"{cid}: scoring both in data/ and solutions/ (a graded case must not be public)"] \
        if public.exists() and private.exists() else []
    out += graph_problems(sim, sc)
    out += _refs(f"{cid}/scoring", sc.src, sc.debrief)
    for s in sc.steps:
        out += _refs(f"{cid}/step {s.id}", s.src, s.label)
    for h in sc.harms:
        out += _refs(f"{cid}/harm {h.id}", h.src, h.label)
    for c, tag in sc.choices.items():
        out += _refs(f"{cid}/{c}", tag.src, tag.feedback)
    return out


def indicator_problems(lang: str | None = None) -> list[str]:
    try:
        cat = loader.indicators(lang)
    except ContentError as e:
        return [str(e)]
    ids = [i.id for i in cat.indicators]
    out = [f"indicators: duplicate id {i}" for i in sorted({i for i in ids if ids.count(i) > 1})]
    for i in cat.indicators:
        out += _refs(f"indicator {i.id}", i.src, i.text)
    for role, step in cat.next_steps.items():
        out += _refs(f"next step {role}", step.src, step.text)
    return out


def ui_problems(lang: str | None = None) -> list[str]:
    """Every string catalog a language has must define the same keys as Kyrgyz."""
    out = []
    for catalog in ("ui", "instructor"):
        if not (loader.lang_dir(lang) / f"{catalog}.yaml").exists() and lang not in (None, "ky"):
            continue
        try:
            base = set(loader.ui_strings("ky", catalog))
            have = set(loader.ui_strings(lang, catalog))
        except ContentError as e:
            out.append(str(e))
            continue
        out += [f"{catalog}.yaml ({lang}): missing key {k}" for k in sorted(base - have)]
    return out


def all_problems(lang: str | None = None) -> list[str]:
    out = ui_problems(lang)
    for mid in loader.module_ids(lang):
        out += module_problems(mid, lang)
    for eid in loader.exercise_ids(lang):
        out += exercise_problems(eid, lang)
    for did in loader.dataset_ids():
        out += dataset_problems(did)
    if (loader.base_dir() / "indicators.yaml").exists():
        out += indicator_problems(lang)
    for cid in loader.simulation_ids(lang):
        out += simulation_problems(cid, lang)
    from . import cues, glossary
    out += glossary.problems(lang) + copied_runs(lang)
    out += cues.problems(lang)         # a translation must not bring length cues back
    if (lang or paths.language()) == overlay.BASE:
        return out
    return out + translation_problems(lang)


def translation_files(lang: str):
    """(Kyrgyz source, its translation) for every content file a language mirrors."""
    base = loader.base_dir()
    for f in sorted(base.rglob("*.yaml")):
        rel = f.relative_to(base)
        if rel.name in ("ui.yaml", "instructor.yaml", "glossary.yaml"):
            continue            # flat catalogs (ui_problems) and the per-language glossary
        yield f, loader.translation_path(f, lang)
    for f in [paths.DATA / "sources.yaml"] + sorted((paths.DATA / "datasets").glob("*.yaml")):
        yield f, loader.translation_path(f, lang)
    for f in sorted(paths.SOLUTIONS.glob("*.keys.yaml")) + sorted((paths.SOLUTIONS / "cases").glob("*.yaml")):
        yield f, loader.translation_path(f, lang)


def translation_problems(lang: str, missing_ok: bool = False) -> list[str]:
    """A translation mirrors its Kyrgyz source: same ids, keys only in Kyrgyz, same list
    lengths, every text translated with the same numbers (ctip/content/overlay.py)."""
    import yaml
    out = []
    for base, tr in translation_files(lang):
        rel = tr.relative_to(paths.ROOT) if paths.ROOT in tr.parents else tr
        if not tr.exists():
            if not missing_ok:
                out.append(f"{rel}: not translated yet")
            continue
        try:
            b, t = (yaml.safe_load(p.read_text(encoding="utf-8")) for p in (base, tr))
        except yaml.YAMLError as e:
            out.append(f"{rel}: not valid YAML: {e}")
            continue
        out += [f"{rel}: {p}" for p in overlay.problems(b, t, "")]
    return out


def main() -> int:
    from . import cues
    print("surface cues in the keys (limits: longest <= 35%, len 0.85-1.15, pos4 <= 40%, leading <= 33%, "
          "no grouped sort rows)")
    for lang in loader.languages():
        print(f"[{lang}]")
        print(cues.report(lang))
    probs = []
    for lang in loader.languages():
        found = all_problems(lang)
        print(f"{lang}: {len(found)} problem(s)")
        probs += [f"[{lang}] {p}" for p in found]
    for p in probs:
        print(p)
    seeds = "checked against the seeds" if paths.seeds_dir() else "seeds not found: ranges only"
    print(f"{len(probs)} problem(s); {seeds}")
    return 1 if probs else 0



# --- own sentences -------------------------------------------------------------------

RUN = 8   # this many consecutive words shared with a seed count as a copied sentence


def _words(text: str) -> list[str]:
    import re
    text = re.sub(r"-\s*\n\s*", "", text)             # words hyphenated across seed lines
    return re.findall(r"[^\W\d_]+", text.lower())


def _seed_runs() -> set[tuple[str, ...]] | None:
    folder = paths.seeds_dir()
    if folder is None:
        return None
    runs: set[tuple[str, ...]] = set()
    for info in loader.sources().values():
        w = _words((folder / info["file"]).read_text(encoding="utf-8"))
        runs.update(tuple(w[i:i + RUN]) for i in range(len(w) - RUN + 1))
    return runs


def _strings(obj):
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _strings(v)


def copied_runs(lang: str | None = None) -> list[str]:
    """Places where content repeats RUN or more consecutive words of a seed."""
    runs = _seed_runs()
    if runs is None:
        return []
    import yaml
    out = []
    files = sorted((loader.lang_dir(lang)).rglob("*.yaml")) + sorted(paths.SOLUTIONS.rglob("*.yaml"))
    for f in files:
        for text in _strings(yaml.safe_load(f.read_text(encoding="utf-8"))):
            import re
            w = _words(re.sub(r"«[^»]{0,200}»", " ", text))   # quoted titles of laws may be exact
            for i in range(len(w) - RUN + 1):
                if tuple(w[i:i + RUN]) in runs:
                    out.append(f"{f.relative_to(paths.ROOT)}: copied from a seed: \"{' '.join(w[i:i + RUN])}\"")
                    break
    return out


if __name__ == "__main__":
    sys.exit(main())
