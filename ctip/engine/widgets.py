"""ipywidgets views of questions. No Output widgets: feedback goes into HTML widgets, so a
headless run (papermill, nbgrader) never waits on an Output-widget write (nbclient#312)."""
from __future__ import annotations

import contextlib
import html as htmllib
import re
from typing import Callable

import ipywidgets as W

from ..content.sources import labels as src_labels
from ..i18n import translator
from .scoring import InvalidAnswer, Result, score
from .shuffle import display_order
from .store import AnswerStore, StoreError

LETTERS = "АБВГДЕЖЗИЙКЛМНОП"

# -- shared layout and style models -----------------------------------------------------------
# An ipywidget gets a Layout and a Style model of its own unless it is given one: module 1 drew
# 1408 models (559 now), most of the difference identical layouts and styles, and the browser builds every model
# before the page is usable. So the widgets here share them. A shared Layout is never changed
# for one widget: widgets that are shown and hidden (the hand-in confirmation, a case's chart)
# keep a Layout of their own.
_SHARED: dict = {}


def shared(cls, **traits):
    """One instance of a Layout or Style class per set of traits (created again if closed)."""
    key = (cls, tuple(sorted(traits.items())))
    obj = _SHARED.get(key)
    if obj is None or obj.comm is None:
        obj = _SHARED[key] = cls(**traits)
    return obj


def lay(**traits) -> W.Layout:
    return shared(W.Layout, **traits)


def style(widget_cls, **traits):
    """The shared style of a widget class (the class its ``style`` trait holds)."""
    return shared(widget_cls.class_traits()["style"].klass, **traits)


FULL = lay(width="100%")


def html(value: str = "", layout: W.Layout | None = None) -> W.HTML:
    return W.HTML(value, layout=layout or lay(), style=style(W.HTML))


def button(description: str, button_style: str = "", layout: W.Layout | None = None, **kw) -> W.Button:
    return W.Button(description=description, button_style=button_style, layout=layout or lay(width="auto"),
                    style=style(W.Button), **kw)


class _ShortText:
    """A box whose plain-text form names only its class and how many children it holds.

    Every display of a widget also sends a plain-text form, which ipywidgets builds from the
    whole tree of children and then cuts to 110 characters: for module 1's questions that was
    about 0.2 s of the page's 1 s in its kernel, for text nobody reads (the app shows the widget)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({len(self.children)} children)"


class VBox(_ShortText, W.VBox):
    pass


class HBox(_ShortText, W.HBox):
    pass


def vbox(children=(), layout: W.Layout | None = None) -> W.VBox:
    return VBox(list(children), layout=layout or FULL)


def hbox(children=(), layout: W.Layout | None = None) -> W.HBox:
    return HBox(list(children), layout=layout or lay())


STYLE = """<style>
.ctip-q .widget-radio-box label, .ctip-q .widget-checkbox label, .ctip-q .widget-label-basic span
  {white-space: normal !important; height: auto !important; line-height: 1.45; overflow: visible !important}
.ctip-q .widget-radio-box label {margin-bottom: 6px; display: flex !important; align-items: flex-start;
  gap: 6px}
.ctip-q .widget-radio-box input {flex: none; order: -1; margin: 4px 0 0 0}
.ctip-q .widget-radio-box {width: 100%}
.ctip-q select {max-width: 100%}
.ctip-q {border-left: 4px solid #1f6f8b; padding: 8px 12px; margin: 6px 0; background: #f7fafc}
.ctip-q.ctip-q-flow {flex-flow: row wrap !important; align-items: flex-start}
.ctip-q.ctip-q-flow > :not(.widget-button) {flex: 0 0 100% !important; max-width: 100%}
.ctip-fb-ok {color: #1e6b30} .ctip-fb-bad {color: #a12a2a} .ctip-fb-part {color: #9a5b00}
.ctip-fb-stale {color: #555}
.ctip-note {background: #fff4e5; border-left: 4px solid #e07a1f; padding: 6px 10px}
.ctip-src {color: #555; font-size: 90%}
.ctip-results {max-width: 760px; margin: 8px 0} .ctip-results h4 {margin: 4px 0 8px 0}
.ctip-bar-row {display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 3fr) 3.5em; gap: 8px;
  align-items: center; margin: 4px 0; line-height: 1.3}
.ctip-bar-track {background: #e8eef2; height: 14px; border-radius: 3px; overflow: hidden}
.ctip-bar-fill {background: #1f6f8b; height: 100%}
.ctip-bar-value {text-align: right; font-variant-numeric: tabular-nums}
.ctip-context {background: #fff; border: 1px solid #d6e2ea; padding: 6px 10px; margin: 4px 0 8px 0}
@media (max-width: 480px) {.ctip-diagram-row {flex-direction: column !important}}
.ctip-q .ctip-sort-row {flex-wrap: wrap; column-gap: 8px}
.ctip-q .ctip-sort-row > label {flex: 1 1 55%; min-width: 0; max-width: none !important; white-space: normal !important;
  height: auto !important; line-height: 1.45; text-align: left !important; overflow: visible !important}
.ctip-q .ctip-sort-row > select {flex: 1 1 38%; min-width: 0; width: auto !important}
@media (max-width: 640px) {.ctip-q .ctip-sort-row > label, .ctip-q .ctip-sort-row > select {flex-basis: 100%}}
.ctip-q .ctip-choice {white-space: normal; height: auto; text-align: left; padding: 6px 10px;
  line-height: 1.4; margin: 3px 0}
</style>"""


def esc(text: str) -> str:
    return htmllib.escape(str(text))


LIST_LINE = re.compile(r"^(?:[-•*]|\d+[.)])\s")


def md_inline(text: str) -> str:
    """Minimal markdown for prompts and case texts: escape, **bold**, paragraphs (blank lines) and
    list lines ("- ", "1. ") on lines of their own; other line breaks are the data's wrapping and
    join into one flowing sentence, so text never breaks mid-sentence on a narrow or wide screen."""
    paragraphs = []
    for para in re.split(r"\n\s*\n", str(text).strip()):
        lines: list[str] = []
        for line in (x.strip() for x in para.splitlines()):
            if not line:
                continue
            if lines and not LIST_LINE.match(line):
                lines[-1] += " " + line
            else:
                lines.append(line)
        paragraphs.append("<br>".join(esc(x) for x in lines))
    out = "<br><br>".join(p for p in paragraphs if p)
    parts = out.split("**")
    return "".join(p if i % 2 == 0 else f"<b>{p}</b>" for i, p in enumerate(parts))


def bar_chart(title: str, labels: list[str], shares: list[float], axis: str = "") -> str:
    """A horizontal bar chart as HTML (0-100 % per row): drawn at once, sharp at any width,
    readable by screen readers; used for the trainee's own results, which change at every click."""
    rows = []
    for label, share in zip(labels, shares, strict=True):
        pct = max(0, min(100, round(100 * share)))
        rows.append(f"<div class='ctip-bar-row'><span>{esc(label)}</span>"
                    f"<span class='ctip-bar-track' role='meter' aria-valuemin='0' aria-valuemax='100' "
                    f"aria-valuenow='{pct}' aria-label='{esc(label)}'>"
                    f"<span class='ctip-bar-fill' style='display:block;width:{pct}%'></span></span>"
                    f"<span class='ctip-bar-value'>{pct}%</span></div>")
    caption = f"<div class='ctip-src'>{esc(axis)}</div>" if axis else ""
    head = f"<h4>{esc(title)}</h4>" if title else ""
    return f"<div class='ctip-results'>{head}{''.join(rows)}{caption}</div>"


def letter(i: int) -> str:
    return LETTERS[i] if i < len(LETTERS) else str(i + 1)


def choice_dropdown(placeholder: str, options: list, **kw) -> W.Dropdown:
    """A Dropdown whose empty state shows ``placeholder`` instead of a blank box.

    The placeholder is the first option with the value None, so choosing it (or clearing the
    value in code) leaves the question unanswered: nothing is stored or graded for it. ipywidgets
    turns value=None into index=None (a blank select); the observer puts the placeholder back."""
    kw.setdefault("style", style(W.Dropdown))
    d = W.Dropdown(options=[(placeholder, None)] + list(options), index=0, **kw)

    def keep_placeholder(change):
        if change["new"] is None:
            change["owner"].index = 0
    d.observe(keep_placeholder, names="index")
    return d


class Inputs:
    """The input widgets of one question kind, with get/set/reset of the response.

    ``order`` is the trainee's display order of the option ids (shuffle.display_order); letters
    follow it, so feedback names options by the letters this trainee saw."""

    def __init__(self, item, order: list[str] | None = None, lang: str | None = None):
        self.item, self.t = item, translator(lang)
        self.kind = "multi" if item.kind == "checklist" else item.kind
        by_id = {o.id: o for o in getattr(item, "options", [])}
        opts = [by_id[o] for o in order] if order and sorted(order) == sorted(by_id) else list(by_id.values())
        self.letters = {o.id: letter(i) for i, o in enumerate(opts)}
        self.texts = {o.id: o.text for o in opts}
        if self.kind == "single":
            self.radio = W.RadioButtons(options=[(f"{letter(i)}) {o.text}", o.id) for i, o in enumerate(opts)],
                                        value=None, layout=FULL, style=style(W.RadioButtons))
            self.controls = [self.radio]
        elif self.kind == "truefalse":
            self.radio = W.RadioButtons(options=[(self.t("tf_true"), True), (self.t("tf_false"), False)],
                                        value=None, layout=FULL, style=style(W.RadioButtons))
            self.controls = [self.radio]
        elif self.kind == "multi":
            self.checks = {o.id: W.Checkbox(value=False, description=f"{letter(i)}) {o.text}",
                                            indent=False, layout=FULL, style=style(W.Checkbox))
                           for i, o in enumerate(opts)}
            self.controls = list(self.checks.values())
        elif self.kind == "sort":
            # one drop-down per row, labelled with the row's text (no row box and text widget:
            # module 1 draws 52 models fewer); the label wraps, on a phone above the list
            cats = [(c.text, c.id) for c in item.categories]
            self.drops = {o.id: choice_dropdown(self.t("not_chosen"), cats, description=f"{letter(i)}) {o.text}",
                                                style=style(W.Dropdown, description_width="initial"), layout=FULL)
                          for i, o in enumerate(opts)}
            self.controls = list(self.drops.values())
            for d in self.controls:
                d.add_class("ctip-sort-row")
        elif self.kind == "order":
            listing = "".join(f"<div><b>{letter(i)})</b> {esc(o.text)}</div>" for i, o in enumerate(opts))
            steps = [(f"{letter(i)}) {o.text}", o.id) for i, o in enumerate(opts)]
            self.drops = {n: choice_dropdown(self.t("not_chosen"), steps, description=self.t("order_position", n=n + 1),
                                             style=style(W.Dropdown, description_width="90px"), layout=FULL)
                          for n in range(len(opts))}
            self.controls = list(self.drops.values())
        else:
            raise ValueError(f"no widget for kind {self.kind!r}")
        # what the question box shows, directly (no box of their own: one widget model less)
        self.parts = ([html(listing)] if self.kind == "order" else []) + self.controls

    def hint(self) -> str:
        if self.item.kind == "checklist":
            return "checklist_hint"
        return {"single": "choose_one", "truefalse": "choose_tf", "multi": "choose_many",
                "sort": "sort_hint", "order": "order_hint"}[self.kind]

    def get(self):
        """The response, or None while it is incomplete."""
        if self.kind in ("single", "truefalse"):
            return self.radio.value
        if self.kind == "multi":
            return [o for o, c in self.checks.items() if c.value]
        if self.kind == "sort":
            chosen = {o: d.value for o, d in self.drops.items() if d.value is not None}
            return chosen if len(chosen) == len(self.drops) else None
        values = [d.value for d in self.drops.values()]
        return values if None not in values and len(set(values)) == len(values) else None

    def partial(self):
        """What is filled in so far (for saving unfinished work in exercises)."""
        if self.kind == "sort":
            return {o: d.value for o, d in self.drops.items() if d.value is not None}
        return self.get()

    def problem(self) -> str | None:
        if self.kind == "order":
            values = [d.value for d in self.drops.values() if d.value is not None]
            if len(values) != len(set(values)):
                return self.t("order_duplicate")
        if self.get() is None:
            return self.t("need_all") if self.kind in ("sort", "order") else self.t("need_answer")
        return None

    def set(self, value) -> None:
        try:
            if self.kind in ("single", "truefalse"):
                self.radio.value = value
            elif self.kind == "multi":
                for o, c in self.checks.items():
                    c.value = o in (value or [])
            elif self.kind == "sort":
                for o, d in self.drops.items():
                    d.value = (value or {}).get(o)
            elif self.kind == "order":
                for n, d in self.drops.items():
                    d.value = value[n] if value and n < len(value) else None
        except Exception:  # a stored value that no longer fits the question: start empty
            self.reset()

    def reset(self) -> None:
        if self.kind in ("single", "truefalse"):
            self.radio.value = None
        elif self.kind == "multi":
            for c in self.checks.values():
                c.value = False
        else:
            for d in self.drops.values():
                d.value = None

    def observe(self, fn: Callable) -> None:
        for c in self.controls:
            c.observe(lambda change: fn(), names="value")

    def describe(self, value) -> str:
        """A response in words (for feedback)."""
        if self.kind == "truefalse":
            return self.t("tf_true") if value else self.t("tf_false")
        if self.kind == "single":
            return f"{self.letters[value]}) {esc(self.texts[value])}"
        if self.kind == "multi":
            return "; ".join(f"{self.letters[o]}) {esc(self.texts[o])}"
                             for o in sorted(value, key=self.letters.get)) or "—"
        if self.kind == "order":
            return " → ".join(self.letters[o] for o in value)
        cats = {c.id: c.text for c in self.item.categories}
        return "; ".join(f"{self.letters[o]} → {esc(cats[value[o]])}"
                         for o in sorted(value, key=self.letters.get))


def feedback_html(inputs: Inputs, key, result: Result, explain: str | None, src, value=None) -> str:
    """Self-check feedback: verdict, what was missed, the explanation and the source."""
    t = inputs.t                  # in the language of this trainee
    if result.correct:
        head = f"<b class='ctip-fb-ok'>{esc(t('correct'))}</b>"
    elif result.fraction > 0:
        head = f"<b class='ctip-fb-part'>{esc(t('partial', got=f'{result.fraction:.0%}', max='100%'))}</b>"
    else:
        head = f"<b class='ctip-fb-bad'>{esc(t('incorrect'))}</b>"
    lines = [head]
    if not result.correct:
        if inputs.kind == "multi":
            if result.missed:
                lines.append(f"{esc(t('missed'))}: " + inputs.describe(result.missed))
            if result.extra:
                lines.append(f"{esc(t('overread'))}: " + inputs.describe(result.extra))
        elif inputs.kind == "truefalse":       # "your answer: …; right answer: …", never "Wrong. Right: Wrong"
            lines.append(f"{esc(t('your_answer'))}: «{inputs.describe(not key)}»; "
                         f"{esc(t('right_answer').lower())}: «{inputs.describe(key)}»")
        else:
            if inputs.kind == "sort" and isinstance(value, dict):   # which rows were placed wrongly
                wrong = [inputs.letters[o] for o in key if value.get(o) != key[o]]
                lines.append(f"{esc(t('sort_wrong_rows'))}: " + ", ".join(wrong))
            lines.append(f"{esc(t('right_answer'))}: " + inputs.describe(key))
    if explain:
        lines.append(f"<i>{esc(t('explain'))}:</i> {md_inline(explain)}")
    if inputs.item.kind == "checklist":
        from ..content.loader import indicators
        step = indicators(t.lang).next_steps[inputs.item.role]
        lines.append(f"<b>{esc(t('indicators_not_proof'))}</b>")
        lines.append(f"<b>{esc(t('next_step'))}:</b> {md_inline(step.text)} "
                     f"<span class='ctip-src'>({esc(src_labels(step.src, t.lang))})</span>")
    if src:
        lines.append(f"<span class='ctip-src'>{esc(t('source'))}: {esc(src_labels(src, t.lang))}</span>")
    return "<br>".join(lines)


class SelfCheck:
    """A self-check question: answer, press Check, read feedback; retry any time."""

    def __init__(self, item, store: AnswerStore, qid: str, on_scored: Callable | None = None,
                 number: str | None = None):
        self.item, self.store, self.qid, self.on_scored, self.number = item, store, qid, on_scored, number
        self.inputs = Inputs(item, display_order(item, store.seed, qid), getattr(store, "lang", None))
        self.t = self.inputs.t
        self.feedback = html(layout=FULL)
        self.check_btn = button(self.t("check"), "primary")
        self.retry_btn = button(self.t("retry"))
        self.check_btn.on_click(lambda _: self.check())
        self.retry_btn.on_click(lambda _: self.retry())
        title = f"<b>{esc(number)}</b> " if number else ""
        context = f"<div class='ctip-context'>{md_inline(item.context)}</div>" if item.context else ""
        prompt = html(f"<div>{title}{context}{md_inline(item.prompt)}<br><i>{esc(self.t(self.inputs.hint()))}</i></div>",
                      layout=FULL)
        # the two buttons stand side by side without a row box of their own (one widget model less
        # per question): the box flows as a wrapping row, every other part takes a whole line
        self.widget = vbox([prompt, *self.inputs.parts, self.check_btn, self.retry_btn, self.feedback])
        self.widget.add_class("ctip-q")
        self.widget.add_class("ctip-q-flow")
        # the feedback belongs to one answer: once the trainee changes it, the verdict gives way
        # to a note until Check is pressed (a restored "wrong, the right answer is Г" next to a
        # freshly clicked Г contradicted itself); going back to the checked answer shows it again
        self.checked: tuple | None = None          # (answer, its feedback) on display
        self._quiet = False
        self.restore()
        self.inputs.observe(self.changed)

    def restore(self) -> None:
        """Show the answer kept in the store, with its feedback (a page built before the trainee
        opened it calls this again once the store is read)."""
        saved = self.store.get(self.qid)
        if saved is not None:
            with self.quiet():
                self.inputs.set(saved)
            self.show(saved)

    @contextlib.contextmanager
    def quiet(self):
        """Programmatic changes of the inputs (restore, retry) that are not the trainee's."""
        self._quiet = True
        try:
            yield
        finally:
            self._quiet = False

    def changed(self) -> None:
        if self._quiet or self.checked is None:
            return
        answer, shown = self.checked
        if self.inputs.get() == answer:
            self.feedback.value = shown
        else:
            note = self.t("answer_changed", check=self.t("check"))
            self.feedback.value = f"<i class='ctip-fb-stale'>{esc(note)}</i>"

    def result(self, value) -> Result:
        return score(self.item, self.item.key, value, self.t.lang)

    def show(self, value) -> Result | None:
        try:
            res = self.result(value)
        except InvalidAnswer:
            self.inputs.reset()
            return None
        self.feedback.value = feedback_html(self.inputs, self.item.key, res, self.item.explain, self.item.src, value)
        self.checked = (value, self.feedback.value)
        return res

    def check(self) -> Result | None:
        problem = self.inputs.problem()
        if problem:
            self.checked = None
            self.feedback.value = f"<b class='ctip-fb-bad'>{esc(problem)}</b>"
            return None
        value = self.inputs.get()
        res = self.show(value)
        try:
            self.store.put(self.qid, value, res.fraction)
        except (StoreError, OSError) as e:
            self.feedback.value += f"<br><b class='ctip-fb-bad'>{esc(self.t('not_saved', error=e))}</b>"
            self.checked = (value, self.feedback.value)
        if self.on_scored:
            self.on_scored()
        return res

    def retry(self) -> None:
        self.checked = None
        with self.quiet():
            self.inputs.reset()
        self.feedback.value = ""


class GradedItem:
    """A graded exercise item: no verdict, every change is saved to the answer file at once."""

    def __init__(self, item, store: AnswerStore):
        # the prompt stands in the markdown cell above, so it also shows in feedback HTML
        self.item, self.store = item, store
        self.inputs = Inputs(item, display_order(item, store.seed, item.id), getattr(store, "lang", None))
        self.t = self.inputs.t
        self.status = html(layout=FULL)
        prompt = html(f"<i>{esc(self.t(self.inputs.hint()))}</i>", layout=FULL)
        self.widget = vbox([prompt, *self.inputs.parts, self.status])
        self.widget.add_class("ctip-q")
        saved = store.get(item.id)
        if saved is not None:
            self.inputs.set(saved)
            self.status.value = esc(self.t("answered"))
        self.inputs.observe(self.save)

    def save(self) -> None:
        value = self.inputs.partial()
        if value is None:
            problem = self.inputs.problem()
            self.status.value = f"<span class='ctip-fb-part'>{esc(problem)}</span>" if problem else ""
            return
        try:
            when = self.store.put(self.item.id, value)
            self.status.value = f"<span class='ctip-fb-ok'>{esc(self.t('saved', time=when))}</span>"
        except (StoreError, OSError) as e:
            self.status.value = f"<b class='ctip-fb-bad'>{esc(self.t('not_saved', error=e))}</b>"
