"""The run report: summary, every flag with its reason (in the instructor's language), item
statistics with flags, and the analytics plots as PNGs next to it."""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np

from ..content import loader
from ..engine import plots
from ..i18n import t
from . import analytics
from .runner import RunResult, item_columns, load_state

MIN_TRAINEES = 5


def _ti(key, lang, **fmt):
    return t(key, lang, "instructor", **fmt)


def item_stats(result: RunResult, course_root: Path):
    from nbgrader.api import Gradebook

    from ..delivery.course import COURSE_ID
    # item statistics are for autograded items; free text is graded later, by hand
    cols = [c for c in item_columns(course_root, result.exercise) if c[0].endswith("_test")]
    with Gradebook(f"sqlite:///{course_root / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        nb = gb.find_notebook(result.exercise, result.exercise)
        maxp = {c.name: float(c.max_score) for c in nb.grade_cells}
    trainees, items, m = analytics.cohort_table(result.states, cols, maxp)
    return trainees, items, m, np.array([maxp[g] for g, _ in cols])


def module_means(course_root: Path) -> tuple[list[str], list[float]]:
    """Mean % per module over every exercise graded in this course (reports/*/state.json)."""
    per: dict[str, list[float]] = {}
    for state_file in sorted((course_root / "reports").glob("*/state.json")):
        eid = state_file.parent.name
        try:
            mid = loader.exercise(eid).module
        except Exception:
            continue
        for st in load_state(state_file).values():
            if st.status == "graded" and st.max_score:
                per.setdefault(mid, []).append(100 * st.total / st.max_score)
    names = sorted(per)
    return names, [float(np.mean(per[n])) for n in names]


STALE_MARK = "<!-- ctip-grade: stale -->"


def flag_text(code: str, params: dict, lang: str | None) -> str:
    """One flag in the instructor's language (a flag whose text is unknown still shows)."""
    params = dict(params) if isinstance(params, dict) else {}
    if "stage" in params:
        params["stage"] = _ti(f"stage.{params['stage']}", lang)
    if "kind" in params:
        params["kind"] = _ti(f"reason.{params['kind']}", lang)
    try:
        return _ti(f"flag.{code}", lang, **params)
    except Exception:
        return f"{code} {params}"


def mark_stale(report_dir: Path, lang: str | None = None) -> None:
    """Until this run rewrites it, the old report says it is out of date."""
    md = report_dir / "report.md"
    try:
        text = md.read_text(encoding="utf-8")
    except OSError:
        return
    if not text.startswith(STALE_MARK):
        banner = _ti("report_stale", lang, time=datetime.now().strftime("%Y-%m-%d %H:%M"))
        md.write_text(f"{STALE_MARK}\n> **{banner}**\n\n{text}", encoding="utf-8")
    js = report_dir / "report.json"
    try:
        data = json.loads(js.read_text(encoding="utf-8"))
        data["stale"] = True
        js.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    except (OSError, ValueError, TypeError):
        pass


def write_safely(result: RunResult, course_root: Path, lang: str | None = None) -> Path:
    """The report is always rewritten: if the full one cannot be made, a short one says why
    (and the grades CSV, written before, stands)."""
    try:
        return write(result, course_root, lang)
    except KeyboardInterrupt:
        raise
    except Exception as e:
        lines = str(e).strip().splitlines()
        why = (lines[-1] if lines else type(e).__name__)[:200]
        out = result.report_dir / "report.md"
        out.write_text(f"# {_ti('report_title', lang, exercise=result.exercise)}\n\n"
                       f"> **{_ti('report_failed', lang, error=why)}**\n\n"
                       + _ti("report_csv", lang, path=result.csv_path.name) + "\n", encoding="utf-8")
        return out


def write(result: RunResult, course_root: Path, lang: str | None = None) -> Path:
    out = result.report_dir
    eid = result.exercise
    lines = [f"# {_ti('report_title', lang, exercise=eid)}", ""]
    flagged = [s for s in result.states.values() if s.flags]
    lines.append(_ti("report_summary", lang, total=len(result.states), graded=len(result.graded),
                     flagged=len(flagged), skipped=len(result.skipped), failed=len(result.failed)))
    lines += ["", _ti("report_csv", lang, path=result.csv_path.name), "", f"## {_ti('report_flags', lang)}", ""]
    if not flagged:
        lines.append(_ti("report_none", lang))
    for st in sorted(flagged, key=lambda s: s.trainee):
        reasons = "; ".join(flag_text(code, params, lang) for code, params in st.flags)
        lines.append(f"- **{st.trainee}** ({st.total:g} / {st.max_score:g}): {reasons}")
    notices = getattr(result, "notices", [])
    if notices:
        lines += ["", f"## {_ti('report_notices', lang)}", ""]
        lines += [f"- {flag_text(code, params, lang)}" for code, params in notices]
    older = {s.trainee: s.older for s in result.states.values() if s.older}
    if older:
        lines += ["", f"## {_ti('report_older', lang)}", ""]
        for tid in sorted(older):
            lines.append(f"- **{tid}**: " + "; ".join(f"{when} → `{where}`" for when, where in older[tid]))
    summary = {"exercise": eid, "graded": result.graded, "skipped": result.skipped, "failed": result.failed,
               "flags": {s.trainee: s.flags for s in flagged}, "notices": notices,
               "older_attempts": older, "items": {}, "stale": False}
    trainees, items, m, weights = item_stats(result, course_root)
    left_out = sorted(k for k, s in result.states.items() if s.broken)
    summary["left_out_of_item_statistics"] = left_out
    lines += ["", f"## {_ti('report_items', lang)}", ""]
    if left_out:
        lines += [_ti("report_left_out", lang, n=len(left_out), ids=", ".join(left_out)), ""]
    figures = {}
    if len(trainees) >= MIN_TRAINEES and m.size:
        p = analytics.difficulty(m)
        r = analytics.discrimination(m, weights)
        d = analytics.upper_lower(m, weights)
        flags = analytics.item_flags(p, r)
        lines += ["| item | p | r | D | |", "|---|---|---|---|---|"]
        for j, item in enumerate(items):
            why = "; ".join(_ti(f"item_{f}", lang, p=p[j], r=r[j]) for f in flags[j])
            rj = "" if np.isnan(r[j]) else f"{r[j]:+.2f}"
            lines.append(f"| {item} | {p[j]:.2f} | {rj} | {d[j]:+.2f} | {why} |")
            summary["items"][item] = {"p": round(float(p[j]), 4),
                                      "r": None if np.isnan(r[j]) else round(float(r[j]), 4),
                                      "D": round(float(d[j]), 4), "flags": flags[j]}
        totals = [100 * result.states[k].total / result.states[k].max_score for k in trainees
                  if result.states[k].max_score]
        figures["scores.png"] = analytics.plot_scores(totals, _ti("plot_scores", lang), _ti("plot_scores_x", lang),
                                                      _ti("plot_scores_y", lang))
        figures["items.png"] = analytics.plot_items(items, p, r, flags, _ti("plot_items", lang),
                                                    _ti("plot_items_x", lang), _ti("plot_items_y", lang))
        figures["distractors.png"] = analytics.plot_distractors(distractors(course_root, eid, trainees),
                                                                _ti("plot_distractors", lang))
    else:
        lines.append(_ti("report_no_items", lang))
    names, means = module_means(course_root)
    if names:
        figures["modules.png"] = analytics.plot_modules(names, means, _ti("plot_modules", lang),
                                                        _ti("plot_modules_y", lang))
    if figures:
        lines += ["", f"## {_ti('report_plots', lang)}", ""]
    for name, fig in figures.items():
        (out / name).write_bytes(plots.png(fig))
        lines.append(f"![{name}]({name})")
    (out / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "report.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    return out / "report.md"


def distractors(course_root: Path, eid: str, trainees: list[str]):
    """Option counts of every choice item, with its key (instructor side: reads solutions/)."""
    ex = loader.exercise(eid)
    keys = loader.keys(eid, course_root / "solutions") if (course_root / "solutions" / f"{eid}.keys.yaml").exists() \
        else loader.keys(eid)
    out = {}
    for it in ex.items:
        if it.kind not in ("single", "multi", "truefalse", "checklist"):
            continue
        options = ["true", "false"] if it.kind == "truefalse" else it.option_ids
        key = keys.items[it.id].key
        key_set = {str(key).lower()} if it.kind == "truefalse" else set(key if isinstance(key, list) else [key])
        values = analytics.chosen_values(course_root, eid, trainees, it.id)
        out[it.id] = (analytics.distractor_counts(values, options), key_set)
    return out
