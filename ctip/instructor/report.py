"""The run report: summary, every flag with its reason (in the instructor's language), item
statistics with flags, and the analytics plots as PNGs next to it."""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from ..content import loader
from ..engine import plots
from ..i18n import t
from . import analytics
from .runner import RunResult, item_columns, load_state, reason

MIN_TRAINEES = 5
RETENTION_CSV, RETENTION_PNG = "review-retention.csv", "review-retention.png"


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
    review = cohort_review(result, course_root, lang)
    result.retention = review                 # ctip-grade prints its short per-topic lines
    extra = {k: [list(v)] for k, v in review.damaged.items()}
    flags_of = {k: list(s.flags) + extra.get(k, []) for k, s in result.states.items()}
    flagged = [s for k, s in result.states.items() if flags_of[k]]
    lines.append(_ti("report_summary", lang, total=len(result.states), graded=len(result.graded),
                     flagged=len(flagged), skipped=len(result.skipped), failed=len(result.failed)))
    lines += ["", _ti("report_csv", lang, path=result.csv_path.name), "", f"## {_ti('report_flags', lang)}", ""]
    if not flagged:
        lines.append(_ti("report_none", lang))
    for st in sorted(flagged, key=lambda s: s.trainee):
        reasons = "; ".join(flag_text(code, params, lang) for code, params in flags_of[st.trainee])
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
               "flags": {s.trainee: flags_of.get(s.trainee, s.flags) for s in flagged}, "notices": notices,
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
    lines += retention_section(out, review, lang)
    summary["review_retention"] = review.summary()
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


# --- cohort retention from the review logs handed in with the exercise --------------------

@dataclass
class CohortReview:
    rows: list = field(default_factory=list)         # ctip.review.cohort.TopicRetention, per topic
    trainees: list = field(default_factory=list)     # graded trainees whose answer file carried a sound log
    damaged: dict = field(default_factory=dict)      # trainee -> [flag code, params]: log left out
    error: str | None = None                         # the whole aggregation failed (report says why)

    def summary(self) -> dict:
        return {"trainees": self.trainees, "left_out": sorted(self.damaged), "error": self.error,
                "topics": [{"module": r.module, "topic": r.topic, "label": r.label, "trainees": r.trainees,
                            "reviews": r.reviews, "recalled": r.recalled, "retention": round(r.retention, 4),
                            "mean_fraction": round(r.mean_fraction, 4), "mean_gap_days": round(r.mean_gap_days, 2)}
                           for r in self.rows]}


def cohort_review(result: RunResult, course_root: Path, lang: str | None = None) -> CohortReview:
    """The review logs in the graded submissions of the exercise (the optional ``review`` field
    of submitted/<trainee>/<ex>/<ex>.answers.json), aggregated per topic. A damaged log is
    flagged and left out as a whole; it never stops the run and never changes a grade."""
    from ..review import cohort as review_cohort
    eid = result.exercise
    out = CohortReview()
    logs_of: dict[str, dict] = {}
    for tid in sorted(result.states):
        if result.states[tid].status != "graded":
            continue
        try:          # one trainee's file never stops the others
            logs, problem, details = review_cohort.check_handed_in(
                course_root / "submitted" / tid / eid / f"{eid}.answers.json")
        except Exception as e:
            logs, problem, details = [], "review_log_failed", reason(e)
        if problem:
            out.damaged[tid] = [problem, details]
        elif logs:
            logs_of[tid] = {review_cohort.FIELD: {"format": review_cohort.LOG_FORMAT, "logs": logs}}
    out.trainees = sorted(logs_of)
    if logs_of:
        try:
            out.rows = review_cohort.cohort_retention(logs_of, lang)
        except Exception as e:
            out.error = reason(e)["error"]
    return out


def write_retention_csv(path: Path, rows) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["module", "topic", "topic_label", "trainees", "reviews", "recalled", "retention",
                    "mean_fraction", "mean_gap_days"])
        for r in rows:
            w.writerow([r.module, r.topic, r.label, r.trainees, r.reviews, r.recalled, f"{r.retention:.4f}",
                        f"{r.mean_fraction:.4f}", f"{r.mean_gap_days:.2f}"])
    tmp.replace(path)
    return path


def retention_section(out: Path, review: CohortReview, lang: str | None = None) -> list[str]:
    """The report's retention section; writes the CSV and the plot (and removes those of an
    earlier run when this one has no figures, so nothing stale is left beside the report)."""
    for name in (RETENTION_CSV, RETENTION_PNG):
        (out / name).unlink(missing_ok=True)
    lines = ["", f"## {_ti('report_retention', lang)}", ""]
    if review.damaged:
        lines += [_ti("report_retention_left_out", lang, n=len(review.damaged), ids=", ".join(sorted(review.damaged))), ""]
    if review.error:
        lines.append(_ti("report_retention_failed", lang, error=review.error))
    elif not review.trainees:
        lines.append(_ti("report_retention_none", lang))
    elif not review.rows:
        lines.append(_ti("report_retention_no_recall", lang, n=len(review.trainees)))
    else:
        write_retention_csv(out / RETENTION_CSV, review.rows)
        labels = [f"{r.module} · {r.label}" for r in review.rows]
        fig = analytics.plot_retention(labels, [r.retention for r in review.rows], [r.reviews for r in review.rows],
                                       _ti("plot_retention", lang), _ti("plot_retention_x", lang))
        (out / RETENTION_PNG).write_bytes(plots.png(fig))
        lines += [_ti("report_retention_intro", lang, n=len(review.trainees)), "",
                  _ti("report_retention_csv", lang, path=RETENTION_CSV), "",
                  "| " + _ti("report_retention_columns", lang) + " |", "|---|---|---|---|---|---|"]
        for r in review.rows:
            lines.append(f"| {r.module} | {r.label} | {r.trainees} | {r.recalled} / {r.reviews} | "
                         f"{100 * r.retention:.0f} % | {r.mean_gap_days:.1f} |")
        lines += ["", f"![{RETENTION_PNG}]({RETENTION_PNG})"]
    return lines


def retention_console(review: CohortReview | None, lang: str | None = None) -> list[str]:
    """The short per-topic lines ctip-grade prints; nothing when no submission carried a log
    (the field is optional, and most runs will not have one)."""
    if review is None:
        return []
    lines = []
    if review.rows:
        lines.append(_ti("console_retention", lang, n=len(review.trainees)))
        lines += ["  " + _ti("console_retention_line", lang, module=r.module, label=r.label,
                             pct=f"{100 * r.retention:.0f} %", recalled=r.recalled, reviews=r.reviews,
                             trainees=r.trainees) for r in review.rows]
    elif review.trainees or review.error:
        lines.append(_ti("console_retention_empty", lang, n=len(review.trainees)))
    if review.damaged:
        lines.append(_ti("console_retention_left_out", lang, n=len(review.damaged)))
    return lines
