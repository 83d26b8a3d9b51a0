"""matplotlib figures. A module names a figure by id: a built-in drawing below, or a
dataset in data/datasets/ drawn as the chart its file asks for."""
from __future__ import annotations

import io
from typing import Callable

import matplotlib.pyplot as plt

from ..content import loader
from ..i18n import translator

COLORS = ["#1f6f8b", "#e07a1f", "#6a994e", "#9c4f96", "#bc4749", "#577590"]


def three_elements(lang: str | None = None):
    """Act + means + purpose -> trafficking; for a child, act + purpose suffice."""
    t = translator(lang)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    panels = [
        (axes[0], t("fig.adults"), [t("fig.act"), t("fig.means"), t("fig.purpose")], t("fig.tip")),
        (axes[1], t("fig.children"), [t("fig.act"), t("fig.purpose")], t("fig.child_tip")),
    ]
    for ax, title, boxes, result in panels:
        ax.set_xlim(0, 10)
        ax.set_ylim(0, 10)
        ax.axis("off")
        ax.set_title(title, fontsize=12, fontweight="bold")
        n = len(boxes)
        for i, text in enumerate(boxes):
            x = 0.4 + i * (9.2 / n)
            w = 9.2 / n - 0.4
            ax.add_patch(plt.Rectangle((x, 6), w, 2.6, color=COLORS[i], alpha=0.9))
            ax.text(x + w / 2, 7.3, text, ha="center", va="center", color="white",
                    fontsize=10, wrap=True)
            ax.annotate("", xy=(5, 3.3), xytext=(x + w / 2, 6),
                        arrowprops=dict(arrowstyle="->", color="#333"))
        ax.add_patch(plt.Rectangle((1.5, 1), 7, 2.3, color="#333"))
        ax.text(5, 2.15, result, ha="center", va="center", color="white", fontsize=11)
    return fig


def dataset_chart(dataset_id: str, lang: str | None = None):
    ds = loader.dataset(dataset_id, lang)
    fig, ax = plt.subplots(figsize=(9, 4.8), layout="constrained")
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


BUILTIN: dict[str, Callable] = {"three_elements": three_elements}


def known(name: str) -> bool:
    return name in BUILTIN or name in loader.dataset_ids()


def draw(name: str, lang: str | None = None):
    return BUILTIN[name](lang) if name in BUILTIN else dataset_chart(name, lang)


close = plt.close


def png(fig) -> bytes:
    """PNG bytes of a figure (for an ipywidgets.Image), and close it."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def path_chart(mine: list[float], model: list[float], max_points: float, lang: str | None = None):
    """Points after each decision: the trainee's path against the model path."""
    t = translator(lang)
    fig, ax = plt.subplots(figsize=(7, 3.2), layout="constrained")
    ax.plot(range(1, len(model) + 1), model, marker="o", color=COLORS[2], label=t("sim_model_path"))
    ax.plot(range(1, len(mine) + 1), mine, marker="s", color=COLORS[0], label=t("sim_your_path"))
    ax.set_ylim(0, max_points * 1.08 if max_points else 1)
    ax.set_xlabel(t("sim_decision"))
    ax.set_ylabel(t("points_word"))
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    return fig
