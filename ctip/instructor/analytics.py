"""Item and cohort statistics, computed by plain functions (tested on hand-checked tables);
the plots are drawn from their results.

* difficulty p: the mean share of an item's points earned (for 0/1 items, the share correct);
* discrimination r: the corrected item-total correlation (point-biserial for 0/1 items): the
  correlation of the item's share with the total of the *other* items;
* upper-lower D: p in the top 27 % of trainees (by total) minus p in the bottom 27 %;
* flags: too easy (p > 0.90), too hard (p < 0.20), negative discrimination (r < 0).
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

EASY, HARD = 0.90, 0.20


def difficulty(matrix: np.ndarray) -> np.ndarray:
    """matrix: trainees x items, each cell the share (0..1) of the item's points earned."""
    return matrix.mean(axis=0)


def discrimination(matrix: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Corrected item-total correlation per item (nan where an item or rest score is constant)."""
    weights = np.ones(matrix.shape[1]) if weights is None else np.asarray(weights, float)
    points = matrix * weights
    total = points.sum(axis=1)
    out = np.full(matrix.shape[1], np.nan)
    for j in range(matrix.shape[1]):
        rest = total - points[:, j]
        x = matrix[:, j]
        if x.std() == 0 or rest.std() == 0:
            continue
        out[j] = float(np.corrcoef(x, rest)[0, 1])
    return out


def upper_lower(matrix: np.ndarray, weights: np.ndarray | None = None, share: float = 0.27) -> np.ndarray:
    weights = np.ones(matrix.shape[1]) if weights is None else np.asarray(weights, float)
    total = (matrix * weights).sum(axis=1)
    n = max(1, int(math.floor(len(total) * share + 0.5)))
    order = np.argsort(total, kind="stable")
    low, high = matrix[order[:n]], matrix[order[-n:]]
    return high.mean(axis=0) - low.mean(axis=0)


def item_flags(p: np.ndarray, r: np.ndarray) -> list[list[str]]:
    out = []
    for pj, rj in zip(p, r, strict=True):
        f = []
        if pj > EASY:
            f.append("easy")
        if pj < HARD:
            f.append("hard")
        if not np.isnan(rj) and rj < 0:
            f.append("negative")
        out.append(f)
    return out


def distractor_counts(values: list, options: list[str]) -> dict[str, int]:
    """How often each option was chosen (a multi-select answer counts once per option)."""
    counts = {o: 0 for o in options}
    for v in values:
        for o in (v if isinstance(v, list) else [v]):
            key = str(o).lower() if isinstance(o, bool) else o
            if isinstance(key, str) and key in counts:      # values of the wrong shape are not counted
                counts[key] += 1
    return counts


# --- gathering from a graded course -----------------------------------------------------

def cohort_table(states: dict, columns: list[tuple[str, str]], max_points: dict[str, float]):
    """(trainee ids, item ids, share matrix) of the graded trainees whose submission is not
    broken (no usable answer file, answers of the wrong shape, grading failed): those would
    count as wrong answers and distort the item statistics."""
    graded = sorted(k for k, s in states.items() if s.status == "graded" and not getattr(s, "broken", False))
    items = [item for _, item in columns]
    m = np.array([[states[k].scores.get(g, 0.0) / max_points[g] if max_points[g] else 0.0
                   for g, _ in columns] for k in graded], dtype=float).reshape(len(graded), len(columns))
    return graded, items, m


def chosen_values(course_root: Path, eid: str, trainees: list[str], item_id: str) -> list:
    out = []
    for tr in trainees:
        p = course_root / "autograded" / tr / eid / f"{eid}.answers.json"
        try:
            entry = json.loads(p.read_text(encoding="utf-8"))["answers"].get(item_id)
        except (OSError, ValueError, AttributeError, KeyError, TypeError):
            continue
        if isinstance(entry, dict) and "value" in entry:
            out.append(entry["value"])
    return out


# --- plots ----------------------------------------------------------------------------

def plot_scores(percent: list[float], title: str, xlabel: str, ylabel: str):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
    ax.hist(percent, bins=np.linspace(0, 100, 11), color="#1f6f8b", edgecolor="white")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return fig


def plot_items(items: list[str], p, r, flags, title: str, xlabel: str, ylabel: str):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    r_plot = np.nan_to_num(np.asarray(r, float))
    colors = ["#bc4749" if f else "#1f6f8b" for f in flags]
    ax.scatter(p, r_plot, c=colors)
    for name, x, y in zip(items, p, r_plot, strict=True):
        ax.annotate(name, (x, y), textcoords="offset points", xytext=(4, 3), fontsize=8)
    ax.axvspan(0, HARD, color="#f3d9d9", alpha=0.5)
    ax.axvspan(EASY, 1.0, color="#f3d9d9", alpha=0.5)
    ax.axhline(0, color="#555", lw=0.8)
    ax.set_xlim(0, 1.02)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return fig


def plot_distractors(per_item: dict[str, tuple[dict[str, int], set]], title: str):
    import matplotlib.pyplot as plt
    n = max(1, len(per_item))
    cols = min(4, n)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.4 * rows), layout="constrained", squeeze=False)
    for ax in axes.flat[n:]:
        ax.axis("off")
    for ax, (item, (counts, key)) in zip(axes.flat, per_item.items(), strict=False):
        labels = [f"{o}★" if o in key else o for o in counts]
        ax.bar(labels, list(counts.values()), color=["#6a994e" if o in key else "#e07a1f" for o in counts])
        ax.set_title(item, fontsize=9)
        ax.tick_params(labelsize=8)
    fig.suptitle(title)
    return fig


def plot_modules(names: list[str], means: list[float], title: str, ylabel: str):
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7, 3.6), layout="constrained")
    ax.bar(names, means, color="#577590")
    ax.set_ylim(0, 100)
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    return fig


def plot_retention(labels: list[str], retention: list[float], reviews: list[int], title: str, xlabel: str):
    """Cohort retention per topic (review logs handed in with an exercise): one bar per topic,
    its share recalled (%) and, at the bar's end, the number of recall reviews behind it."""
    import matplotlib.pyplot as plt
    n = max(1, len(labels))
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.42 * n), layout="constrained")
    pct = [100 * r for r in retention]
    ax.barh(range(len(labels)), pct, color="#6a994e")
    for y, (x, k) in enumerate(zip(pct, reviews, strict=True)):
        ax.annotate(f"{x:.0f} % · n={k}", (x, y), textcoords="offset points", xytext=(4, -3), fontsize=8)
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 115)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    return fig
