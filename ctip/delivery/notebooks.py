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
from ..i18n import t

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


def src_line(refs) -> str:
    return f"<small>{t('source')}: {labels(refs)}</small>" if refs else ""


def comment(text: str) -> list[str]:
    """Text as Python comment lines (rubrics and model answers inside hidden tests)."""
    return [f"# {line}".rstrip() for line in str(text).strip().splitlines()] or ["#"]


def quote(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.strip().splitlines())


STYLE_HEAD = {"case": "case_block", "warning": "content_note", "law": "law_block"}


def text_block(b: TextBlock) -> str:
    body = b.text.strip()
    if b.style == "case":
        body = quote(f"**{t('case_block')}**\n\n{body}")
    elif b.style == "law":
        body = quote(f"**{t('law_block')}**\n\n{body}")
    elif b.style == "warning":
        body = quote(f"**{t('content_note')}**\n\n{body}")
    return f"{body}\n\n{src_line(b.src)}"


def module_notebook(mid: str):
    m = loader.module(mid)
    c = _Cells(mid)
    outcomes = "\n".join(f"- {o}" for o in m.outcomes)
    c.md(f"# {t('module_label', n=m.number)}. {m.title}\n\n{m.summary}\n\n*{t('minutes', n=m.minutes)}*")
    c.md(t("run_all"), tags=[LAB_ONLY])
    c.md(f"### {t('outcomes')}\n\n{outcomes}")
    c.code(f'from ctip.notebook import module_session\nfrom ctip.engine.progress import visited\n'
           f'S = module_session("{mid}")\nvisited("{mid}")')
    for s in m.sections:
        pending = [f"## {s.title}"]
        for b in s.blocks:
            if isinstance(b, TextBlock):
                pending.append(text_block(b))
                continue
            if isinstance(b, InstructorBlock):
                continue          # instructors only: docs/instructor/
            if pending:
                c.md("\n\n".join(pending))
                pending = []
            if isinstance(b, QuizBlock):
                for qid in b.quiz:
                    c.code(f'S.quiz("{qid}")')
            elif isinstance(b, CaseBlock):
                c.code(f'S.case("{b.case}")')
            elif isinstance(b, FigureBlock):
                c.code(f'S.figure("{b.figure}")')
                c.md(f"*{b.caption}*\n\n{src_line(b.src)}")
            elif isinstance(b, SimulationBlock):
                c.code(f'S.simulation("{b.simulation}")')
            elif isinstance(b, ResultsBlock):
                c.md(f"### {t('results_title')}")
                c.code("S.results()")
        if pending:
            c.md("\n\n".join(pending))
    points = "\n".join(f"- {kp.text} {src_line(kp.src)}" for kp in m.key_points)
    c.md(f"## {t('key_points')}\n\n{points}")
    c.md(f"[{t('app_back_home')}]({START})")
    return c.notebook(title=f"{t('module_label', n=m.number)}. {m.title}")


def start_notebook():
    k = loader.course()
    c = _Cells("start")
    mods = []
    for mid in loader.module_ids():
        m = loader.module(mid)
        mods.append(f"{m.number}. [{m.title}]({mid}.ipynb): {m.summary} *({t('minutes', n=m.minutes)})*")
    exs = []
    for eid in loader.exercise_ids():
        e = loader.exercise(eid)
        exs.append(f"- [{e.title}](../exercises/{eid}/{eid}.ipynb)")
    c.md(f"# {k['start_title']}\n\n**{k['title']}**\n\n{k['intro']}")
    # the trainee's progress across modules and exercises, with a "continue" link (read from answer files)
    c.code("from ctip.engine.progress import show_progress\nshow_progress()")
    c.md(f"## {k['how_title']}\n\n{k['app_how']}")
    c.md(f"{k['lab_how']}", tags=[LAB_ONLY])
    c.md(f"## {k['modules_title']}\n\n" + "\n".join(mods))
    c.md(f"## {t('review_title')}

[{t('review_open')}](kaitaloo.ipynb)")
    c.code("from ctip.review.page import start_summary
start_summary()")
    c.md(f"## {k['exercises_title']}

{k['app_exercises']}

" + "
".join(exs))
    c.md(f"## {k['submit_title']}

{k['app_submit']}")
    c.md(f"## {k['care_title']}\n\n{k['care']}\n\n## {k['sources_title']}\n\n{k['sources']}")
    return c.notebook(title=k["start_title"])


def glossary_notebook():
    """The trainees' glossary page (modules/sozduk.ipynb), built from data/<lang>/glossary.yaml."""
    from ..content import glossary
    k = loader.course()
    c = _Cells("sozduk")
    c.md(f"# {k['glossary_title']}\n\n{k['glossary_intro']}")
    for section in glossary.page(glossary.load() or {}, k):
        c.md(section)
    return c.notebook()


def review_notebook():
    """The spaced review page (ctip.review): 10-15 self-check items from the started modules."""
    c = _Cells("review")
    c.md(f"# {t('review_title')}\n\n{t('review_intro')}\n\n{t('run_all')}")
    c.code("from ctip.review.page import review_session\nR = review_session()")
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
    c.md(f"# {ex.title}\n\n{ex.intro}")
    c.md(t("run_all"), tags=[LAB_ONLY])
    c.md(k["partial_credit"])
    c.code(f'from ctip.notebook import exercise_session\nE = exercise_session("{eid}")',
           nbgrader={"grade": False, "solution": False, "locked": True, "grade_id": "setup"})
    for n, it in enumerate(ex.items, 1):
        key = keys.items[it.id]
        head = [f"### {n}. ({it.points:g} {t('points_word')})"]
        if it.content_note:
            head.append(quote(f"**{t('content_note')}**"))
        if it.context:
            head.append(quote(it.context))
        if it.figure is None:
            head.append(f"**{it.prompt}**")
        c.md("\n\n".join(head), nbgrader={"grade": False, "solution": False, "locked": True,
                                          "grade_id": f"{it.id}_prompt"})
        if it.figure:
            c.code(f'E.figure("{it.figure}")', nbgrader={"grade": False, "solution": False, "locked": True,
                                                         "grade_id": f"{it.id}_figure"})
            c.md(f"**{it.prompt}**", nbgrader={"grade": False, "solution": False, "locked": True,
                                               "grade_id": f"{it.id}_prompt2"})
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
    c.md(k["app_submit_exercise"], nbgrader={"grade": False, "solution": False, "locked": True,
                                             "grade_id": "submit"})
    c.code("from ctip.engine.handin import show_handin\nshow_handin(E)",
           nbgrader={"grade": False, "solution": False, "locked": True, "grade_id": "handin"})
    c.md(f"[{t('app_back_home')}](../../modules/{START})")
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
