"""The review page ("Кайталоо"), the start-page summary and the trainee's review plot.

The page reuses the module's ``SelfCheck`` widget, so a review looks and gives feedback exactly
like the module (right answer, explanation, source). Each item is shown with its options in a
new order. The first answer to an item in a session is its review (logged for FSRS); pressing
Check again after a retry shows feedback but does not count twice.
"""
from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path

import ipywidgets as W
from IPython.display import HTML, display

from ..engine import plots
from ..engine.store import AnswerStore, StoreError
from ..engine.widgets import STYLE, SelfCheck, esc, hbox, lay, md_inline, vbox
from ..i18n import t
from . import schedule
from .items import catalogue, module_title, shuffled
from .state import Clock, ReviewState, StateError, as_utc, utcnow

PAGE = "kaitaloo.ipynb"


def _note(text: str) -> W.HTML:
    return W.HTML(f"<div class='ctip-note'>{esc(text)}</div>")


def _day(when: datetime) -> str:
    return as_utc(when).astimezone().strftime("%d.%m.%Y")


class _ReviewAnswers(AnswerStore):
    """What SelfCheck saves to: a review log in the state instead of the module answer file.
    Nothing is shown as answered before (a review starts empty)."""

    def __init__(self, page: "ReviewPage"):
        super().__init__("review", page.state.folder, create=False)
        self.page = page
        self.answers = {}
        self.message = None

    def get(self, qid: str):
        return None

    def entry(self, qid: str):
        return None

    def put(self, qid: str, value, fraction: float | None = None) -> str:
        try:
            self.page.answered(qid, 0.0 if fraction is None else fraction)
        except (StateError, OSError) as e:
            raise StoreError(str(e)) from e
        return as_utc(self.page.state.now()).astimezone().strftime("%H:%M")


class ReviewPage:
    """One review session: the plan is fixed when the page opens."""

    def __init__(self, folder: Path | str | None = None, clock: Clock = utcnow, seed: int | None = None,
                 lang: str | None = None):
        self.state = ReviewState(folder, clock=clock, lang=lang)
        self.lang = lang
        self.items = catalogue(lang)
        due = set(schedule.due_items(self.state))
        self.ids = schedule.plan(self.state)
        self.kind = {sid: ("due" if sid in due else "new") for sid in self.ids}
        self.rng = random.Random(seed)
        self.store = _ReviewAnswers(self)
        self.views: dict[str, SelfCheck] = {}
        self.notes: dict[str, W.HTML] = {}
        self.opened: dict[str, datetime] = {}
        self.done: dict[str, float] = {}
        self.progress = W.HTML()
        self.summary = W.HTML()
        self.plot_imgs: list[W.Image] = []

    # -- answering ----------------------------------------------------------------------
    def answered(self, sid: str, fraction: float) -> None:
        """Called (through SelfCheck) when an item is checked."""
        if sid in self.done:
            self.notes[sid].value = f"<i>{esc(t('review_retry_note', lang=self.lang))}</i>"
            return
        now = self.state.now()
        started = self.opened.get(sid)
        ms = int((now - started).total_seconds() * 1000) if started else None
        self.state.record(sid, fraction, when=now, duration_ms=ms if ms is not None and ms >= 0 else None)
        self.done[sid] = fraction
        card = self.state.cards[sid]
        self.notes[sid].value = f"<i>{esc(t('review_next', lang=self.lang, date=_day(card.due)))}</i>"
        self.refresh()

    def refresh(self) -> None:
        self.progress.value = f"<b>{esc(t('review_progress', lang=self.lang, done=len(self.done), total=len(self.ids)))}</b>"
        if len(self.done) == len(self.ids) and self.ids:
            self.summary.value = self._summary_html()
        if self.plot_imgs:
            for img, fig in zip(self.plot_imgs, review_plots(self.state), strict=True):
                img.value = plots.png(fig)

    def _summary_html(self) -> str:
        right = sum(1 for f in self.done.values() if f >= 1 - 1e-9)
        nxt = schedule.forecast(self.state, days=2)
        return (f"<div class='ctip-q'><b>{esc(t('review_done', lang=self.lang, right=right, total=len(self.done)))}</b>"
                f"<br>{esc(t('review_tomorrow', lang=self.lang, n=nxt[1][1] if len(nxt) > 1 else 0))}</div>")

    # -- what the notebook cells call -----------------------------------------------------
    def widget_for(self, n: int, sid: str) -> W.Widget:
        item = self.items[sid]
        q = shuffled(item.question, self.rng)
        label = t("module_label", lang=self.lang, n=module_title(item.module, self.lang)[0])
        tag = t("review_due" if self.kind[sid] == "due" else "review_new", lang=self.lang)
        head = [W.HTML(f"<span class='ctip-src'>{esc(label)} · {esc(tag)}</span>")]
        if (item.case and item.case.content_note) or getattr(item.question, "content_note", False):
            head.append(_note(t("content_note", lang=self.lang)))
        if item.case is not None:
            head.append(W.HTML(f"<div class='ctip-q'><b>{esc(item.case.title)}</b><br>{md_inline(item.case.text)}</div>"))
        if getattr(item.question, "context", None):
            head.append(W.HTML(f"<div class='ctip-q'>{md_inline(item.question.context)}</div>"))
        view = SelfCheck(q, self.store, sid, on_scored=None, number=f"{n}.")
        self.views[sid] = view
        self.notes[sid] = W.HTML()
        self.opened[sid] = self.state.now()
        return vbox(head + [view.widget, self.notes[sid]])

    def header(self) -> None:
        display(HTML(STYLE))
        if self.state.message:
            display(_note(self.state.message))

    def show(self) -> None:
        """The session: intro line, the items, progress and the closing summary."""
        if not self.state.started_modules():
            display(HTML(f"<p>{esc(t('review_none_started', lang=self.lang))}</p>"))
            return
        if not self.ids:
            nxt = min((c.due for sid, c in self.state.cards.items() if sid in self.items), default=None)
            text = t("review_nothing_due", lang=self.lang, date=_day(nxt)) if nxt else \
                t("review_all_done", lang=self.lang)
            display(HTML(f"<p>{esc(text)}</p>"))
            return
        due = sum(1 for k in self.kind.values() if k == "due")
        mods = sorted({self.items[sid].module for sid in self.ids})
        names = ", ".join(t("module_label", lang=self.lang, n=module_title(m, self.lang)[0]) for m in mods)
        display(HTML(f"<p><b>{esc(t('review_session_head', lang=self.lang, n=len(self.ids), due=due, new=len(self.ids) - due, modules=names))}</b></p>"))
        boxes = [self.widget_for(n, sid) for n, sid in enumerate(self.ids, 1)]
        self.refresh()
        display(vbox(boxes + [self.progress, self.summary]))

    def plot(self) -> None:
        """Reviews per day and the forecast of due items; redrawn after every answer."""
        # two images side by side that wrap one under the other on a phone (one wide image of
        # both panels shrank to unreadable at 390 px)
        self.plot_imgs = [W.Image(value=plots.png(fig), format="png",
                                  layout=W.Layout(flex="1 1 300px", max_width="560px", min_width="0"))
                          for fig in review_plots(self.state)]
        display(hbox(self.plot_imgs, layout=lay(width="100%", flex_flow="row wrap")))
        display(HTML(retention_html(self.state)))


def review_session(folder: Path | str | None = None, clock: Clock = utcnow, seed: int | None = None,
                   lang: str | None = None) -> ReviewPage:
    """What the review notebook's first hidden cell calls."""
    page = ReviewPage(folder, clock=clock, seed=seed, lang=lang)
    page.header()
    page.show()
    return page


# -- the trainee's plot -------------------------------------------------------------------
def review_plots(state: ReviewState, days: int = 30, now: datetime | None = None):
    """Two figures: answers given per day (last ``days`` days) and items falling due per day
    (next ``days`` days)."""
    from matplotlib.dates import DateFormatter
    past = schedule.reviews_per_day(state, days, now)
    future = schedule.forecast(state, days, now)
    figs = []
    for series, title, color in ((past, "review_plot_past", plots.COLORS[0]),
                                 (future, "review_plot_future", plots.COLORS[1])):
        fig, ax = plots.subplots(figsize=(5.6, 3.6))
        ax.bar([d for d, _ in series], [n for _, n in series], color=color)
        ax.set_title(t(title, lang=state.lang), fontsize=11)
        ax.set_ylabel(t("review_plot_y", lang=state.lang))
        ax.set_ylim(0, max([n for _, n in series] + [1]) * 1.1)    # counts: never below 0
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.tick_params(axis="x", labelrotation=45, labelsize=8)
        ax.grid(axis="y", alpha=0.3)
        ax.xaxis.set_major_formatter(DateFormatter("%d.%m"))   # no month names (language)
        figs.append(fig)
    return figs


# -- the start page ------------------------------------------------------------------------
def start_figures(folder: Path | str | None = None, clock: Clock = utcnow, lang: str | None = None) -> dict:
    """The figures the start page shows: {"today": N, "modules": [ModuleRetention, ...]}."""
    state = ReviewState(folder, clock=clock, lang=lang)
    return {"today": schedule.today_count(state), "modules": schedule.retention_by_module(state),
            "message": state.message}


def retention_html(state: ReviewState) -> str:
    rows = schedule.retention_by_module(state)
    if not rows:
        return ""
    lines = []
    for r in rows:
        pct = "—" if r.retention is None else f"{100 * r.retention:.0f} %"
        lines.append(f"<li>{esc(t('review_module_line', lang=state.lang, n=r.number, title=r.title, pct=pct, seen=r.seen, items=r.items, due=r.due))}</li>")
    return (f"<p><b>{esc(t('review_retention_head', lang=state.lang))}</b></p><ul>{''.join(lines)}</ul>"
            f"<p class='ctip-src'>{esc(t('review_retention_note', lang=state.lang))}</p>")


def start_summary(folder: Path | str | None = None, clock: Clock = utcnow, link: str = PAGE,
                  lang: str | None = None) -> None:
    """The start page's review line ("бүгүн кайталоого N суроо", with a link) and the
    per-module retention estimate."""
    state = ReviewState(folder, clock=clock, lang=lang)
    parts = [STYLE]
    if state.message:
        parts.append(f"<div class='ctip-note'>{esc(state.message)}</div>")
    if not state.started_modules():
        parts.append(f"<p>{esc(t('review_none_started', lang=lang))}</p>")
    else:
        n = schedule.today_count(state)
        parts.append(f"<p><b>{esc(t('review_today', lang=lang, n=n))}</b> → <a href='{esc(link)}'>{esc(t('review_open', lang=lang))}</a></p>")
        parts.append(retention_html(state))
    display(HTML("".join(parts)))
