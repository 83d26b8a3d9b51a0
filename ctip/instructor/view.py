"""What the instructors' analytics notebook shows: the same numbers and plots as the run
report, drawn from the state ctip-grade left in <course>/reports/<exercise>/."""
from __future__ import annotations

from pathlib import Path

from IPython.display import Image, Markdown, display

from ..engine import plots
from ..i18n import t
from . import analytics, report
from .runner import RunResult, load_state


def show(course: str | Path, exercise: str, lang: str | None = None) -> None:
    course = Path(course).resolve()
    states = load_state(course / "reports" / exercise / "state.json")
    if not states:
        display(Markdown(f"`{course}/reports/{exercise}/state.json`: " + t("report_none", lang, "instructor")
                         + "  \n`ctip-grade run " + exercise + "` / `ctip-grade demo`"))
        return
    result = RunResult(exercise, states, [k for k, s in states.items() if s.status == "graded"], [],
                       [k for k, s in states.items() if s.status == "failed"], course / "reports" / exercise,
                       course / "reports" / exercise / f"{exercise}-grades.csv")
    trainees, items, m, weights = report.item_stats(result, course)
    if len(trainees) < report.MIN_TRAINEES:
        display(Markdown(t("report_no_items", lang, "instructor")))
        return
    p, r = analytics.difficulty(m), analytics.discrimination(m, weights)
    d, flags = analytics.upper_lower(m, weights), analytics.item_flags(p, r)
    rows = ["| item | p | r | D | |", "|---|---|---|---|---|"] + [
        f"| {it} | {p[j]:.2f} | {'' if r[j] != r[j] else f'{r[j]:+.2f}'} | {d[j]:+.2f} | {', '.join(flags[j])} |"
        for j, it in enumerate(items)]
    display(Markdown(f"### {t('report_items', lang, 'instructor')}\n\n" + "\n".join(rows)))
    totals = [100 * states[k].total / states[k].max_score for k in trainees if states[k].max_score]
    figs = [analytics.plot_scores(totals, t("plot_scores", lang, "instructor"), t("plot_scores_x", lang, "instructor"),
                                  t("plot_scores_y", lang, "instructor")),
            analytics.plot_items(items, p, r, flags, t("plot_items", lang, "instructor"),
                                 t("plot_items_x", lang, "instructor"), t("plot_items_y", lang, "instructor")),
            analytics.plot_distractors(report.distractors(course, exercise, trainees),
                                       t("plot_distractors", lang, "instructor"))]
    names, means = report.module_means(course)
    if names:
        figs.append(analytics.plot_modules(names, means, t("plot_modules", lang, "instructor"),
                                           t("plot_modules_y", lang, "instructor")))
    for fig in figs:
        display(Image(data=plots.png(fig)))
