"""Feedback pages in the trainee's language (a mixed-language cohort graded in one run).

One nbgrader assignment serves every language, so the autograded notebook's markdown is the
Kyrgyz of the gradebook's source notebook. ``LocalizeFeedback`` is a GenerateFeedback
preprocessor: it reads the language the trainee worked in from the answer file beside the
notebook (``lang``, as grading does for the per-item lines) and gives the page the exercise's
texts in that language, from the same functions the app renders them with
(``ctip.engine.pages``): title and introduction, the scoring rules, each item's number, points,
content note, context and prompt, the hand-in text, and the course's comment lines of code cells.

* Only the feedback page changes: the autograded notebook (what formgrader shows) and the
  gradebook keep the Kyrgyz source.
* A course cell is recognised by its nbgrader grade id (locked cells, restored from the
  gradebook by autograde) or by its exact Kyrgyz text; anything else (a trainee's written answer,
  a cell a trainee added or edited) is left as it is for the later redaction step.
* Every text put in comes from data/<lang>/ (public exercise texts); keys, model answers and
  rubrics live in solutions/ and are never read here.
* The Kyrgyz page's wrapper (``<div class="ctip-ky-text">``, which hides the Kyrgyz text on a
  page in another language) is dropped, also for Kyrgyz trainees: a feedback page has no
  stylesheet for it, and on cells that are not nbgrader-locked the redaction step would show the
  tag as text. Cells meant only for the live notebook ("Run All", the link back to the start
  page) are left out of the page.
"""
from __future__ import annotations

from nbgrader.preprocessors import NbGraderPreprocessor

from ..content import loader
from ..content.overlay import BASE
from .notebooks import START
from ..engine import pages
from ..grading import load_file, trainee_language
from ..i18n import translator

LOCALIZE = "ctip.delivery.localize.LocalizeFeedback"
REDACT = "ctip.delivery.feedback.RedactHiddenTracebacks"
DROP = None                         # a cell left out of the feedback page


def unwrap(source: str) -> str:
    """The markdown inside pages.wrap_ky's div (the text itself when it is not wrapped)."""
    s = source.strip()
    head, tail = f'<div class="{pages.KY_CLASS}">', "</div>"
    if s.startswith(head) and s.endswith(tail):
        return s[len(head):-len(tail)].strip()
    return s


def cell_texts(eid: str, lang: str | None) -> tuple[dict, dict, dict]:
    """(by grade id, by Kyrgyz text, code comment lines): the exercise's course cells in ``lang``
    (None: the course's default language, as for the feedback lines), as the source notebook
    builds them (ctip.delivery.notebooks.source_notebook)."""
    ky, ex = loader.exercise(eid, BASE), loader.exercise(eid, lang)
    k, kl = loader.course(BASE), loader.course(lang)
    t, tl = translator(BASE), translator(lang)
    by_id: dict[str, str] = {"submit": pages.submit_text(lang)}
    for it in ky.items:
        by_id[f"{it.id}_prompt"] = pages.item_head(eid, it.id, lang)
        if it.figure:
            by_id[f"{it.id}_prompt2"] = pages.item_prompt(eid, it.id, lang)
    by_text = {
        f"# {ky.title}\n\n{ky.intro}": f"# {ex.title}\n\n{ex.intro}",
        k["partial_credit"]: kl["partial_credit"],
        k["app_submit_exercise"]: pages.submit_text(lang),
        t("run_all"): DROP,
        f"[{t('app_back_home')}](../../modules/{START})": DROP,
    }
    for it in ky.items:
        by_text[pages.item_head(eid, it.id, BASE)] = by_id[f"{it.id}_prompt"]
        if it.figure:
            by_text[pages.item_prompt(eid, it.id, BASE)] = by_id[f"{it.id}_prompt2"]
    # nbgrader's stub in a written-answer cell the trainee left empty
    for key in ("text_stub", "text_stub_app"):
        by_text[t(key)] = tl(key)
    comments = {f"# {t('hidden_cell')}": f"# {tl('hidden_cell')}",
                k["test_comment"].strip(): kl["test_comment"].strip(),
                k["rubric_comment"].strip(): kl["rubric_comment"].strip()}
    return by_id, {unwrap(a): (b.strip() if b else b) for a, b in by_text.items()}, comments


def localize(nb, eid: str, lang: str | None):
    """The notebook (changed in place) with its course texts in ``lang``."""
    lang = lang if lang in loader.languages() else None
    try:
        by_id, by_text, comments = cell_texts(eid, lang)
    except Exception:           # not one of this course's exercises: nothing to translate
        return nb
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            nbg = cell.get("metadata", {}).get("nbgrader", {})
            gid = nbg.get("grade_id", "")
            if nbg.get("locked") and not nbg.get("solution") and gid in by_id:
                cell.source = by_id[gid]
            elif unwrap(cell.source) in by_text:
                new = by_text[unwrap(cell.source)]
                if new is DROP:
                    continue
                cell.source = new
        elif cell.cell_type == "code" and comments:
            lines = cell.source.split("\n")
            cell.source = "\n".join(comments.get(line.strip(), line) for line in lines)
        cells.append(cell)
    nb.cells = cells
    if lang and "title" in nb.metadata:
        try:
            nb.metadata["title"] = loader.exercise(eid, lang).title
        except Exception:
            pass
    return nb


class LocalizeFeedback(NbGraderPreprocessor):
    """GenerateFeedback step: the page in the language of the answer file beside the notebook."""

    def preprocess(self, nb, resources):
        meta = resources.get("metadata", {})
        folder, name = meta.get("path") or ".", meta.get("name")
        eid = resources.get("nbgrader", {}).get("assignment") or name
        if not name or not eid:
            return nb, resources
        data, _ = load_file(name, folder)
        return localize(nb, eid, trainee_language(data)), resources


def add_to(config) -> None:
    """Put LocalizeFeedback into a GenerateFeedback preprocessor list (before the redaction of
    trainee text, after hidden tests are cleared); nothing changes if it is already there."""
    steps = list(config.GenerateFeedback.preprocessors)
    if LOCALIZE in steps:
        return
    at = steps.index(REDACT) if REDACT in steps else len(steps)
    steps.insert(at, LOCALIZE)
    config.GenerateFeedback.preprocessors = steps
