"""What a notebook's hidden code cells call: one session per module or exercise notebook."""
from __future__ import annotations

from pathlib import Path

import ipywidgets as W
from IPython.display import HTML, Markdown, display

from ..content import loader
from ..content.loader import iter_parts
from ..content.models import Case, CaseBlock, QuizBlock
from ..i18n import translator
from . import pages, plots, prefs
from .scoring import InvalidAnswer, score
from .simview import SimulationView
from .store import AnswerStore
from .widgets import FULL, STYLE, GradedItem, SelfCheck, bar_chart, esc, html, md_inline, vbox


def _note(text: str) -> W.HTML:
    return html(f"<div class='ctip-note'>{esc(text)}</div>")


def module_questions(module):
    """(storage id, question, number) of a module page's self-check questions in page order, as
    the page's cells ask for them: quizzes numbered 1., 2., …; case parts by their case."""
    n = 0
    for s in module.sections:
        for b in s.blocks:
            if isinstance(b, QuizBlock):
                for qid in b.quiz:
                    n += 1
                    yield qid, qid, f"{n}."
            elif isinstance(b, CaseBlock):
                yield b.case, None, None


def case_parts(case: Case, t):
    """(storage id, part, number) of a case's parts, as its page shows them."""
    for n, part in enumerate(case.parts, 1):
        yield f"{case.id}/{part.id}", part, t("case_part", n=n)


class PreparedModule:
    """A module page's questions, built before the trainee opens the page.

    Building some 500 widgets is most of a module page's work in its kernel. The app starts page
    kernels in advance and each page waits for the trainee (``wait_for_trainee``) before it reads
    their answers; the widgets are built before that wait, with no answers in them, in the
    option order of the trainee's seed as the answer file holds it (or of a new seed, which the
    file takes when the page starts it). ``ModuleSession`` then takes them over, and puts in the
    answers as the file holds them when the page is opened; if the file's seed or language is not
    the one they were built with (the file was started or replaced meanwhile), it builds its own.
    Outside the app there is no wait and this only does the same work a little earlier."""

    def __init__(self, module_id: str, folder: Path | str | None = None, seed: int | None = None,
                 lang: str | None = None):
        self.module_id, self.lang = module_id, lang
        blank = AnswerStore(module_id, folder, seed=seed, lang=lang, create=False)
        blank.answers, blank.writable = {}, False          # never shows or saves an answer
        self.seed, self.store_lang = blank.seed, blank.lang
        module = loader.module(module_id, lang)
        entries = {q.id: q for q in loader.bank(module_id, lang).questions}
        t = translator(lang)
        self.views: dict[str, SelfCheck] = {}
        for sid, qid, number in module_questions(module):
            if qid is not None:
                self.views[sid] = SelfCheck(entries[qid], blank, sid, number=number)
            elif isinstance(entries.get(sid), Case):
                for key, part, number in case_parts(entries[sid], t):
                    self.views[key] = SelfCheck(part, blank, key, number=number)

    def fits(self, module_id: str, store: AnswerStore, lang: str | None) -> bool:
        return (module_id, lang, store.seed, store.lang) == (self.module_id, self.lang, self.seed, self.store_lang)

    def hand_over(self, store: AnswerStore) -> dict[str, SelfCheck]:
        """The views, now saving to ``store`` and showing its answers."""
        views, self.views = self.views, {}
        for view in views.values():
            view.store = store
            view.restore()
        return views

    def discard(self) -> None:
        for view in self.views.values():
            close_tree(view.widget)
        self.views = {}


def close_tree(widget) -> None:
    """Close a widget and the widgets it holds (not the layouts and styles: they are shared)."""
    for child in getattr(widget, "children", ()):
        close_tree(child)
    widget.close()


class ModuleSession:
    """Self-check questions of a module, the running score and the results chart."""

    def __init__(self, module_id: str, folder: Path | str | None = None, seed: int | None = None,
                 lang: str | None = None, create: bool = True, prepared: PreparedModule | None = None):
        """``seed`` fixes the trainee's option order (default: the one kept in the answer file);
        ``lang`` is the language of the page (default: the course's, Kyrgyz); ``create=False``
        reads the answers without starting an answer file; ``prepared``: the page's questions
        built before the trainee opened it (taken over if they fit the answer file)."""
        self.lang, self.t = lang, translator(lang)
        self.module = loader.module(module_id, lang)
        self.bank = loader.bank(module_id, lang)
        self.entries = {q.id: q for q in self.bank.questions}
        self.store = AnswerStore(module_id, folder, seed=seed, lang=lang, create=create,
                                 new_seed=prepared.seed if prepared else None)
        self.ready: dict[str, SelfCheck] = {}
        if prepared is not None:
            if prepared.fits(module_id, self.store, lang):
                self.ready = prepared.hand_over(self.store)
            else:
                prepared.discard()
        self.views: dict[str, SelfCheck] = {}
        self.score_bars: list[W.HTML] = []
        self.results_chart: W.HTML | None = None
        self.sims: dict[str, SimulationView] = {}
        self.counter = 0

    # -- answerable parts: (storage id, item, topic) ------------------------------------
    def parts(self):
        for q in self.bank.questions:
            for p in iter_parts(q):
                sid = f"{q.id}/{p.id}" if isinstance(q, Case) else q.id
                yield sid, p, p.topic or getattr(q, "topic", None)

    def score(self) -> tuple[float, int, int, int]:
        """(points earned, points possible, parts answered, parts) from the stored answers."""
        got, answered, total = 0.0, 0, 0
        for sid, item, _ in self.parts():
            total += 1
            value = self.store.get(sid)
            if value is None:
                continue
            try:
                got += score(item, item.key, value).fraction
                answered += 1
            except InvalidAnswer:
                pass
        return round(got, 2), total, answered, total

    def topic_shares(self) -> tuple[list[str], list[float]]:
        earned: dict[str, float] = {}
        count: dict[str, int] = {}
        for sid, item, topic in self.parts():
            topic = topic or "other"
            count[topic] = count.get(topic, 0) + 1
            value = self.store.get(sid)
            if value is None:
                continue
            try:
                earned[topic] = earned.get(topic, 0.0) + score(item, item.key, value).fraction
            except InvalidAnswer:
                pass
        names = [k for k in self.module.topics if k in count] + sorted(set(count) - set(self.module.topics))
        return ([f"{self.module.topics.get(k, k)} ({count[k]})" for k in names],
                [earned.get(k, 0.0) / count[k] for k in names])

    def _score_text(self) -> str:
        got, mx, answered, total = self.score()
        return f"<b>{esc(self.t('score', got=f'{got:g}', max=mx, answered=answered, total=total))}</b>"

    def refresh(self) -> None:
        text = self._score_text()
        for bar in self.score_bars:
            bar.value = text
        if self.results_chart is not None:
            self.results_chart.value = self._results_html()

    # -- what the notebook cells call ---------------------------------------------------
    def header(self) -> None:
        display(HTML(STYLE))
        if self.store.message:
            display(_note(self.store.message))
        self.score_bar()

    def score_bar(self) -> None:
        bar = html(self._score_text())
        self.score_bars.append(bar)
        display(bar)

    def quiz(self, qid: str) -> None:
        item = self.entries[qid]
        self.counter += 1
        view = self._view(item, qid, f"{self.counter}.", self.refresh)
        self.views[qid] = view
        # the note and the question in one box; without a note, the question alone (one model
        # fewer per question for the browser to build)
        display(vbox([_note(self.t("content_note")), view.widget]) if item.content_note else view.widget)

    def _view(self, item, sid: str, number: str, on_scored) -> SelfCheck:
        """The question's view: the one built before the page was opened, if it is the same
        question under the same number, else a new one."""
        view = self.ready.pop(sid, None)
        if view is not None and view.item is item and view.number == number:
            view.on_scored = on_scored
            return view
        if view is not None:
            close_tree(view.widget)
        return SelfCheck(item, self.store, sid, on_scored=on_scored, number=number)

    def case(self, cid: str) -> None:
        case = self.entries[cid]
        total = html()

        def update():
            got = 0.0
            for p in case.parts:
                v = self.store.get(f"{cid}/{p.id}")
                try:
                    got += score(p, p.key, v).fraction if v is not None else 0
                except InvalidAnswer:
                    pass
            total.value = f"<b>{esc(self.t('case_done', got=f'{got:g}', max=len(case.parts)))}</b>"
            self.refresh()

        views = []
        for key, part, number in case_parts(case, self.t):
            v = self._view(part, key, number, update)
            self.views[key] = v
            views.append(v)
        head = [html(f"<h4>{esc(case.title)}</h4>")]
        if case.content_note:
            head.append(_note(self.t("content_note")))
        head.append(html(f"<div class='ctip-q'>{md_inline(case.text)}</div>"))
        update()
        display(vbox(head + [v.widget for v in views] + [total]))

    def figure(self, name: str) -> None:
        display(plots.figure_output(name, self.lang))

    def simulation(self, case_id: str) -> None:
        """A branching case for practice: feedback after each choice and a debrief."""
        view = SimulationView(loader.simulation(case_id, self.lang), self.store, f"sim:{case_id}",
                              scoring=loader.scoring(case_id, self.lang))
        self.sims[case_id] = view
        display(view.widget)

    def _results_html(self) -> str:
        names, shares = self.topic_shares()
        # the page's heading above the chart already names it (notebooks.py: ResultsBlock)
        return bar_chart("", names, shares, self.t("fig.percent"))

    def results(self) -> None:
        """The trainee's own results per topic; redrawn after every check (HTML bars: about a
        millisecond, where a matplotlib redraw took some 240 ms of CPU per click)."""
        self.results_chart = html(self._results_html(), layout=FULL)
        self.score_bar()
        display(self.results_chart)


class ExerciseSession:
    """A graded exercise: widgets save answers to <exercise>.answers.json, no verdicts shown."""

    def __init__(self, exercise_id: str, folder: Path | str | None = None, seed: int | None = None,
                 lang: str | None = None):
        """``lang``: the page's language; by default the one this trainee's answer file was
        started in, else the language chosen on the start page (prefs), else Kyrgyz."""
        self.id = exercise_id
        self.store = AnswerStore(exercise_id, folder, seed=seed, lang=lang)
        if lang is None:
            lang = prefs.exercise_language(folder or Path.cwd(), self.store.lang)
            self.store.lang = lang
        self.lang, self.t = lang, translator(lang)
        self.exercise = loader.exercise(exercise_id, lang)
        self.items = {it.id: it for it in self.exercise.items}
        self.views: dict[str, GradedItem] = {}

    @property
    def translated(self) -> bool:
        """The notebook's own text is Kyrgyz; in another language the page shows its own."""
        return (self.lang or "ky") != "ky"

    def header(self) -> None:
        display(HTML(STYLE))
        if self.translated:
            display(HTML(f"<style>.{pages.KY_CLASS} {{display: none !important}}</style>"))
            display(Markdown(pages.exercise_head(self.id, self.lang)))
        if self.store.message:
            display(_note(self.store.message))
        display(_note(self.t("exercise_hint")))

    def item(self, iid: str, head: bool = True) -> None:
        it = self.items[iid]
        if self.translated and head and not it.figure:      # a figure item's head came with E.figure
            display(Markdown(pages.item_head(self.id, iid, self.lang)))
        if it.kind == "simulation":     # graded case: the path is recorded, no feedback
            self.views[iid] = SimulationView(loader.simulation(it.case, self.lang), self.store, iid)
        elif it.kind == "text":         # free text: a box saved as the trainee types
            from .freetext import FreeText
            self.views[iid] = FreeText(it, self.store)
        else:
            self.views[iid] = GradedItem(it, self.store)
        display(self.views[iid].widget)

    def figure(self, name: str, iid: str | None = None) -> None:
        # an item with a figure has its prompt after the figure
        if self.translated and iid:
            display(Markdown(pages.item_head(self.id, iid, self.lang, with_prompt=False)))
        display(plots.figure_output(name, self.lang))
        if self.translated and iid:
            display(Markdown(pages.item_prompt(self.id, iid, self.lang)))

    def footer(self) -> None:
        if self.translated:
            display(Markdown(pages.submit_text(self.lang)))


def module_session(module_id: str, seed: int | None = None, lang: str | None = None,
                   folder: Path | str | None = None, prepared: PreparedModule | None = None) -> ModuleSession:
    s = ModuleSession(module_id, folder, seed=seed, lang=lang, prepared=prepared)
    s.header()
    return s


def exercise_session(exercise_id: str, seed: int | None = None, lang: str | None = None,
                     folder: Path | str | None = None) -> ExerciseSession:
    s = ExerciseSession(exercise_id, folder, seed=seed, lang=lang)
    s.header()
    return s


__all__ = ["ModuleSession", "PreparedModule", "ExerciseSession", "module_session", "exercise_session"]
