"""matplotlib figures. A module names a figure by id: a built-in drawing below, or a
dataset in data/datasets/ drawn as the chart its file asks for.

Figures are matplotlib's own Figure objects, not pyplot's: no global figure list to close, no
backend to set up, and matplotlib is imported only when a page draws something (importing
pyplot cost about a second of every page's load, though most pages draw nothing)."""
from __future__ import annotations

import io
import sys
from typing import Callable

from ..content import loader
from ..i18n import translator

COLORS = ["#1f6f8b", "#e07a1f", "#6a994e", "#9c4f96", "#bc4749", "#577590"]


def figure(**kw):
    """A new matplotlib Figure (constrained layout), matplotlib imported on first use."""
    from matplotlib.figure import Figure
    return Figure(layout="constrained", **kw)


def subplots(*grid: int, figsize: tuple[float, float], **kw):
    fig = figure(figsize=figsize)
    return fig, fig.subplots(*grid, **kw)


def three_elements(lang: str | None = None) -> str:
    """Act + means + purpose -> trafficking; for a child, act + purpose suffice.

    An HTML diagram, not a picture: real text (read aloud by screen readers, sharp at any size),
    two panels side by side that stack on a phone, and no matplotlib on module 1's page (drawing
    it as a PNG took about 1.4 s of every page load). On a phone the boxes stand one under the
    other (widgets.STYLE)."""
    t = translator(lang)

    def panel(title: str, boxes: list[str], result: str) -> str:
        cells = "".join(
            f"<div class='ctip-diagram-box' style='flex:1 1 0;min-width:0;background:{COLORS[i]};color:#fff;"
            f"padding:10px 4px;border-radius:4px;text-align:center;line-height:1.35;overflow-wrap:anywhere'>"
            f"{_lines(text)}</div>"
            for i, text in enumerate(boxes))
        plus = "<div style='text-align:center;font-size:22px;line-height:1.2;color:#333' aria-hidden='true'>&darr;</div>"
        return (f"<div class='ctip-diagram-panel' style='flex:1 1 300px;min-width:0;max-width:560px'>"
                f"<div style='font-weight:bold;text-align:center;margin-bottom:6px'>{_lines(title)}</div>"
                f"<div class='ctip-diagram-row' style='display:flex;gap:6px'>{cells}</div>{plus}"
                f"<div style='background:#333;color:#fff;padding:10px;border-radius:4px;text-align:center;"
                f"font-weight:bold'>{_lines(result)}</div></div>")

    return ("<div class='ctip-diagram' role='figure' style='display:flex;flex-wrap:wrap;gap:24px;margin:10px 0'>"
            + panel(t("fig.adults"), [t("fig.act"), t("fig.means"), t("fig.purpose")], t("fig.tip"))
            + panel(t("fig.children"), [t("fig.act"), t("fig.purpose")], t("fig.child_tip"))
            + "</div>")


def _lines(text: str) -> str:
    import html
    return "<br>".join(html.escape(x) for x in text.split("\n"))


def dataset_chart(dataset_id: str, lang: str | None = None):
    ds = loader.dataset(dataset_id, lang)
    fig, ax = subplots(figsize=(9, 4.8))
    xs = list(dict.fromkeys(p.x for s in ds.series for p in s.points))
    width = 0.8 / len(ds.series)
    for i, s in enumerate(ds.series):
        values = {p.x: p.y for p in s.points}
        pos = [j for j, x in enumerate(xs) if x in values]
        ys = [values[xs[j]] for j in pos]
        if ds.chart == "line":
            ax.plot([xs[j] for j in pos], ys, marker="o", label=s.label, color=COLORS[i % 6])
        elif ds.chart == "barh":
            ax.barh([j + i * width for j in pos], ys, height=width, label=s.label, color=COLORS[i % 6])
        else:
            ax.bar([j + i * width for j in pos], ys, width=width, label=s.label, color=COLORS[i % 6])
    if ds.chart == "bar":
        ax.set_xticks([j + width * (len(ds.series) - 1) / 2 for j in range(len(xs))], xs,
                      rotation=20, ha="right")
    elif ds.chart == "barh":
        ax.set_yticks([j + width * (len(ds.series) - 1) / 2 for j in range(len(xs))], xs)
        ax.invert_yaxis()
    ax.set_title(f"{ds.title} ({ds.year})")
    ax.set_xlabel(ds.x_label)
    ax.set_ylabel(ds.y_label or ds.unit)
    if len(ds.series) > 1:
        ax.legend()
    return fig


# built-in diagrams, drawn as HTML; any other figure name is a dataset drawn by matplotlib
DIAGRAMS: dict[str, Callable[[str | None], str]] = {"three_elements": three_elements}


def known(name: str) -> bool:
    return name in DIAGRAMS or name in loader.dataset_ids()


def draw(name: str, lang: str | None = None):
    """A dataset's chart (a matplotlib Figure)."""
    return dataset_chart(name, lang)


def figure_output(name: str, lang: str | None = None):
    """What a page displays for a figure: an HTML diagram or a PNG of a dataset's chart."""
    from IPython.display import HTML, Image
    if name in DIAGRAMS:
        return HTML(DIAGRAMS[name](lang))
    return Image(data=png(draw(name, lang)))


def png(fig) -> bytes:
    """PNG bytes of a figure (for an ipywidgets.Image). A figure made through pyplot (the
    instructors' analytics) is closed, or the notebook would show it a second time."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close(fig)
    return buf.getvalue()


def path_chart(mine: list[float], model: list[float], max_points: float, lang: str | None = None):
    """Points after each decision: the trainee's path against the model path."""
    t = translator(lang)
    fig, ax = subplots(figsize=(7, 3.2))
    ax.plot(range(1, len(model) + 1), model, marker="o", color=COLORS[2], label=t("sim_model_path"))
    ax.plot(range(1, len(mine) + 1), mine, marker="s", color=COLORS[0], label=t("sim_your_path"))
    ax.set_ylim(0, max_points * 1.08 if max_points else 1)
    ax.set_xlabel(t("sim_decision"))
    ax.set_ylabel(t("points_word"))
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    return fig
