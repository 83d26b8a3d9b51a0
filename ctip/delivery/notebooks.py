"""Generate the course notebooks from data/ (modules, start page, nbgrader source notebooks).

Generated notebooks carry no outputs and deterministic cell ids, so a rebuild of unchanged
content gives byte-identical files and a test can prove the committed files are in sync.
"""
from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from ..content import loader
from ..content.models import (CaseBlock, FigureBlock, InstructorBlock, QuizBlock, ResultsBlock,
                              SimItem, SimulationBlock, Text, TextBlock)
from ..content.sources import labels, maintainer_labels
from ..content.overlay import BASE
from ..engine import pages
from ..i18n import t, translator

LAB_ONLY = "ctip-lab-only"          # a cell for the JupyterLab view only (hidden in the app)
ANSWER_CELL = "ctip-answer-cell"    # nbgrader's free-text answer cell (the app edits the text in a box)
KERNEL = {"kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
          "language_info": {"name": "python"}}
START = "00_bashtalyshy.ipynb"


class _Cells:
    """Collects cells with stable ids (prefix + running number)."""

    def __init__(self, prefix: str):
        self.prefix, self.cells = prefix, []

    def _id(self) -> str:
        return f"{self.prefix}-{len(self.cells):03d}"

    def md(self, text: str, nbgrader: dict | None = None, locked: bool = True, tags: list[str] | None = None):
        c = new_markdown_cell(text.strip(), id=self._id())
        if locked:
            c.metadata.update({"editable": False, "deletable": False})
        if tags:          # e.g. ctip-lab-only: hidden in the app (ctip/app/app.css)
            c.metadata["tags"] = list(tags)
        if nbgrader:
            c.metadata["nbgrader"] = {"schema_version": 3, **nbgrader}
        self.cells.append(c)

    def params(self, lang: str | None, folder: str | None, nbgrader: dict | None = None):
        """papermill's parameters cell: the page's language and where the answer files are
        (tests inject other values; a trainee never sees or edits it)."""
        self.code(f"lang = {lang!r}      # {BASE}, ru, en (None: the trainee's choice)\n"
                  f"folder = {folder!r}   # the trainee's answer files (None: beside this page)", nbgrader)
        self.cells[-1].metadata["tags"].append("parameters")

    def code(self, src: str, nbgrader: dict | None = None):
        # hidden input: trainees never see code; "Run All" runs it. JupyterLab shows the
        # first line of a hidden cell, so that line is a Kyrgyz comment, not code.
        src = src.strip()
        if not src.startswith("#"):
            src = f"# {t('hidden_cell')}\n{src}"
        c = new_code_cell(src, id=self._id())
        c.metadata.update({"jupyter": {"source_hidden": True}, "tags": ["hide-input"],
                           "editable": False, "deletable": False})
        if nbgrader:
            c.metadata["nbgrader"] = {"schema_version": 3, **nbgrader}
        self.cells.append(c)

    def notebook(self, **meta):
        nb = new_notebook(cells=self.cells, metadata={**KERNEL, **meta})
        nb.nbformat_minor = 5
        return nb


def src_line(refs, lang: str | None = None) -> str:
    return f"<small>{translator(lang)('source')}: {labels(refs, lang)}</small>" if refs else ""


def comment(text: str) -> list[str]:
    """Text as Python comment lines (rubrics and model answers inside hidden tests)."""
    return [f"# {line}".rstrip() for line in str(text).strip().splitlines()] or ["#"]


quote = pages.quote
STYLE_HEAD = {"case": "case_block", "warning": "content_note", "law": "law_block"}


def text_block(b: TextBlock, lang: str | None = None) -> str:
    t = translator(lang)
    body = b.text.strip()
    if b.style in STYLE_HEAD:
        body = quote(f"**{t(STYLE_HEAD[b.style])}**\n\n{body}")
    return f"{body}\n\n{src_line(b.src, lang)}"


def edition(lang: str | None) -> tuple[str, str]:
    """(folder of a language's pages under modules/, extra session arguments). Kyrgyz pages are
    modules/*.ipynb; another language's are modules/<lang>/*.ipynb and keep their answers in
    modules/ (ids are shared, so answers, progress and review carry across languages)."""
    if lang in (None, BASE):
        return "", ""
    return lang, f', lang="{lang}", folder=".."'


def language_bar(lang: str | None) -> str:
    """Links to the start page in every language the course has."""
    here = lang or BASE
    out = []
    for other in loader.languages():
        name = loader.course(other).get("language_name", other)
        if other == here:
            out.append(f"**{name}**")
            continue
        up = "" if here == BASE else "../"
        out.append(f"[{name}]({up}{'' if other == BASE else other + '/'}{START})")
    return " · ".join(out)


def module_notebook(mid: str, lang: str | None = None):
    t = translator(lang)
    m = loader.module(mid, lang)
    _, args = edition(lang)
    c = _Cells(mid)
    outcomes = "\n".join(f"- {o}" for o in m.outcomes)
    c.md(f"# {t('module_label', n=m.number)}. {m.title}\n\n{m.summary}\n\n*{t('minutes', n=m.minutes)}*")
    c.md(t("run_all"), tags=[LAB_ONLY])
    c.md(f"### {t('outcomes')}\n\n{outcomes}")
    c.params(lang or BASE, ".." if args else None)
    # the questions are built before the wait for the trainee, the answers read after it
    c.code(f'from ctip.notebook import module_session, prepare_module, wait_for_trainee\n'
           f'from ctip.engine.progress import visited\n'
           f'P = prepare_module("{mid}", lang=lang, folder=folder)\nwait_for_trainee()\n'
           f'S = module_session("{mid}", lang=lang, folder=folder, prepared=P)\nvisited("{mid}", folder)')
    for s in m.sections:
        pending = [f"## {s.title}"]
        for b in s.blocks:
            if isinstance(b, TextBlock):
                pending.append(text_block(b, lang))
                continue
            if isinstance(b, InstructorBlock):
                continue          # instructors only: docs/instructor/
            if pending:
                c.md("\n\n".join(pending))
                pending = []
            if isinstance(b, QuizBlock):
                # one cell per block of questions, not per question: each cell is a round
                # trip to the kernel when the app draws the page (module 1: 61 code cells -> 18,
                # about a second less before the page appears)
                c.code("\n".join(f'S.quiz("{qid}")' for qid in b.quiz))
            elif isinstance(b, CaseBlock):
                c.code(f'S.case("{b.case}")')
            elif isinstance(b, FigureBlock):
                c.code(f'S.figure("{b.figure}")')
                c.md(f"*{b.caption}*\n\n{src_line(b.src, lang)}")
            elif isinstance(b, SimulationBlock):
                c.code(f'S.simulation("{b.simulation}")')
            elif isinstance(b, ResultsBlock):
                c.md(f"### {t('results_title')}")
                c.code("S.results()")
        if pending:
            c.md("\n\n".join(pending))
    points = "\n".join(f"- {kp.text} {src_line(kp.src, lang)}" for kp in m.key_points)
    c.md(f"## {t('key_points')}\n\n{points}")
    c.md(f"[{t('app_back_home')}]({START})")
    return c.notebook(title=f"{t('module_label', n=m.number)}. {m.title}")


def start_notebook(lang: str | None = None):
    t = translator(lang)
    k = loader.course(lang)
    sub, _ = edition(lang)
    up = "../" if sub else ""
    c = _Cells("start")
    mods = []
    for mid in loader.module_ids():
        m = loader.module(mid, lang)
        mods.append(f"{m.number}. [{m.title}]({mid}.ipynb): {m.summary} *({t('minutes', n=m.minutes)})*")
    exs = []
    for eid in loader.exercise_ids():
        e = loader.exercise(eid, lang)
        exs.append(f"- [{e.title}]({up}../exercises/{eid}/{eid}.ipynb)")
    c.md(f"{language_bar(lang)}\n\n# {k['start_title']}\n\n**{k['title']}**\n\n{k['intro']}")
    # the choice of language is remembered (exercise pages open in it); then the trainee's
    # progress across modules and exercises, with a "continue" link (read from answer files)
    folder = '".."' if sub else '"."'
    c.code(f'from ctip.notebook import wait_for_trainee\nfrom ctip.engine.prefs import remember_language\n'
           f'from ctip.engine.progress import show_progress\nfrom ctip.review.page import start_summary\n'
           f'wait_for_trainee()\nremember_language("{lang or BASE}", {folder})\n'
           f'show_progress({folder}, lang="{lang or BASE}", exercises_href="{up}../exercises")')
    c.md(f"## {k['how_title']}\n\n{k['app_how']}")
    c.md(f"{k['lab_how']}", tags=[LAB_ONLY])
    c.md(f"## {k['modules_title']}\n\n" + "\n".join(mods))
    c.md(f"## {t('review_title')}\n\n[{t('review_open')}](kaitaloo.ipynb)")
    c.code(f'start_summary({folder}, lang="{lang or BASE}")')
    c.md(f"## {k['exercises_title']}\n\n{k['app_exercises']}\n\n" + "\n".join(exs))
    c.md(f"## {k['submit_title']}\n\n{k['app_submit']}")
    c.md(f"## {k['care_title']}\n\n{k['care']}\n\n## {k['sources_title']}\n\n{k['sources']}")
    return c.notebook(title=k["start_title"])


def glossary_notebook(lang: str | None = None):
    """The trainees' glossary page (modules/sozduk.ipynb), built from data/<lang>/glossary.yaml."""
    from ..content import glossary
    k = loader.course(lang)
    c = _Cells("sozduk")
    c.md(f"# {k['glossary_title']}\n\n{k['glossary_intro']}")
    for section in glossary.page(glossary.load(lang) or {}, k):
        c.md(section)
    return c.notebook()


def review_notebook(lang: str | None = None):
    """The spaced review page (ctip.review): 10-15 self-check items from the started modules."""
    t = translator(lang)
    _, args = edition(lang)
    c = _Cells("review")
    c.md(f"# {t('review_title')}\n\n{t('review_intro')}")
    c.md(t("run_all"), tags=[LAB_ONLY])
    c.params(lang or BASE, ".." if args else None)
    c.code("from ctip.notebook import wait_for_trainee\nfrom ctip.review.page import review_session\n"
           "wait_for_trainee()\nR = review_session(folder, lang=lang)")
    c.md(f"## {t('review_plot_head')}")
    c.code("R.plot()")
    return c.notebook()


def _key_comment(item, key) -> list[str]:
    """Readable form of a key for instructors reading the solution notebook."""
    opts = {o.id: o.text for o in getattr(item, "options", [])}
    if item.kind == "single":
        lines = [f"{key}) {opts[key]}"]
    elif item.kind == "multi":
        lines = [f"{k}) {opts[k]}" for k in key]
    elif item.kind == "order":
        lines = [f"{n}. {opts[k]}" for n, k in enumerate(key, 1)]
    elif item.kind == "sort":
        cats = {c.id: c.text for c in item.categories}
        lines = [f"{opts[o]} -> {cats[c]}" for o, c in key.items()]
    else:
        return []
    return [c for line in lines for c in comment(line)]


def source_notebook(eid: str, solutions=None):
    """The nbgrader source (instructor) notebook: items, hidden tests with keys, rubrics."""
    ex = loader.exercise(eid)
    keys = loader.keys(eid, solutions)
    k = loader.course()
    c = _Cells(eid)
    # Kyrgyz text for nbgrader, instructors and feedback; a page in another language hides it
    # and shows its own (ExerciseSession renders the same markdown from engine/pages.py)
    c.md(pages.wrap_ky(f"# {ex.title}\n\n{ex.intro}"))
    c.md(t("run_all"), tags=[LAB_ONLY])
    c.md(pages.wrap_ky(k["partial_credit"]))
    c.params(None, None, nbgrader={"grade": False, "solution": False, "locked": True, "grade_id": "parameters"})
    c.code(f'from ctip.notebook import exercise_session, wait_for_trainee\n'
           f'wait_for_trainee()\nE = exercise_session("{eid}", lang=lang, folder=folder)',
           nbgrader={"grade": False, "solution": False, "locked": True, "grade_id": "setup"})
    for it in ex.items:
        key = keys.items[it.id]
        c.md(pages.wrap_ky(pages.item_head(eid, it.id)), nbgrader={"grade": False, "solution": False,
                                                                   "locked": True, "grade_id": f"{it.id}_prompt"})
        if it.figure:
            c.code(f'E.figure("{it.figure}", "{it.id}")', nbgrader={"grade": False, "solution": False,
                                                                    "locked": True, "grade_id": f"{it.id}_figure"})
            c.md(pages.wrap_ky(pages.item_prompt(eid, it.id)),
                 nbgrader={"grade": False, "solution": False, "locked": True, "grade_id": f"{it.id}_prompt2"})
        if isinstance(it, Text):
            # the app's answer box (saved to the answer file), then nbgrader's manually graded cell,
            # which the trainee does not see in the app; the text is placed there before grading
            c.code(f'E.item("{it.id}")', nbgrader={"grade": False, "solution": False, "locked": True,
                                                    "grade_id": f"{it.id}_widget"})
            c.md(f"### BEGIN SOLUTION\n**{k['model_answer_head']}:** {key.model_answer or ''}\n### END SOLUTION",
                 nbgrader={"grade": True, "solution": True, "locked": False, "points": it.points,
                           "grade_id": f"{it.id}_answer"}, locked=False, tags=[ANSWER_CELL])
            rubric = [line for r in key.rubric for line in comment(f" [{r.points:g}] {r.text}")]
            model = comment(f"{k['model_answer_head']}: {key.model_answer}") if key.model_answer else []
            c.code("\n".join([k["rubric_comment"], "### BEGIN HIDDEN TESTS", f"# {k['rubric_head']}:",
                              *rubric, *model, f"# {t('source')}: {maintainer_labels(key.src)}", "### END HIDDEN TESTS"]),
                   nbgrader={"grade": True, "solution": False, "locked": True, "points": 0,
                             "grade_id": f"{it.id}_rubric"})
            continue
        c.code(f'E.item("{it.id}")', nbgrader={"grade": False, "solution": False, "locked": True,
                                                "grade_id": f"{it.id}_widget"})
        if isinstance(it, SimItem):
            scoring = repr(loader.scoring(it.case).model_dump(mode="json"))   # a Python literal
            c.code("\n".join([k["test_comment"], "### BEGIN HIDDEN TESTS",
                              "from ctip.grading import grade_simulation", f"# {t('source')}: {maintainer_labels(key.src)}",
                              f"SCORING = {scoring}",
                              f'grade_simulation("{eid}", "{it.id}", SCORING, points={float(it.points)!r})',
                              "### END HIDDEN TESTS"]),
                   nbgrader={"grade": True, "solution": False, "locked": True, "points": it.points,
                             "grade_id": f"{it.id}_test"})
            continue
        c.code("\n".join([k["test_comment"], "### BEGIN HIDDEN TESTS", "from ctip.grading import grade_item",
                          *_key_comment(it, key.key), f"# {t('source')}: {maintainer_labels(key.src)}",
                          f'grade_item("{eid}", "{it.id}", key={key.key!r}, points={float(it.points)!r})',
                          "### END HIDDEN TESTS"]),
               nbgrader={"grade": True, "solution": False, "locked": True, "points": it.points,
                         "grade_id": f"{it.id}_test"})
    c.md(pages.wrap_ky(k["app_submit_exercise"]), nbgrader={"grade": False, "solution": False, "locked": True,
                                                             "grade_id": "submit"})
    c.code("E.footer()\nfrom ctip.engine.handin import show_handin\nshow_handin(E)",
           nbgrader={"grade": False, "solution": False, "locked": True, "grade_id": "handin"})
    c.md(pages.wrap_ky(f"[{t('app_back_home')}](../../modules/{START})"))
    return c.notebook(title=ex.title)


def dumps(nb) -> str:
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def analytics_notebook():
    """The instructors' cohort analytics notebook (papermill parameters: course, exercise, lang)."""
    c = _Cells("analytics")
    c.md(f"# {t('analytics_title')}\n\n{t('analytics_intro')}", locked=False)
    params = new_code_cell('course = ".."   # the nbgrader course (this repository)\nexercise = "ex01"\nlang = "ky"',
                           id=c._id(), metadata={"tags": ["parameters"]})
    c.cells.append(params)
    c.cells.append(new_code_cell("from ctip.instructor.view import show\nshow(course, exercise, lang)", id=c._id()))
    return c.notebook()
