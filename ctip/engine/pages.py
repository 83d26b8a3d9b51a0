"""The words around a graded item, in one language: the same markdown for the generated
nbgrader notebook (Kyrgyz, for instructors and feedback) and for a trainee who works in another
language (rendered by the exercise session)."""
from __future__ import annotations

from ..content import loader
from ..i18n import translator

KY_CLASS = "ctip-ky-text"   # markdown cells of the Kyrgyz notebook; hidden when a page is in another language


def quote(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.strip().splitlines())


def exercise_head(eid: str, lang: str | None = None, lab_hint: bool = False) -> str:
    ex = loader.exercise(eid, lang)
    t, k = translator(lang), loader.course(lang)
    parts = [f"# {ex.title}", ex.intro.strip()]
    if lab_hint:
        parts.append(t("run_all"))
    parts.append(k["partial_credit"].strip())
    return "\n\n".join(parts)


def item_head(eid: str, iid: str, lang: str | None = None, with_prompt: bool = True) -> str:
    """Number, points, content note, context and (unless a figure comes first) the prompt."""
    ex = loader.exercise(eid, lang)
    n, it = next((n, it) for n, it in enumerate(ex.items, 1) if it.id == iid)
    t = translator(lang)
    head = [f"### {n}. ({it.points:g} {t('points_word')})"]
    if it.content_note:
        head.append(quote(f"**{t('content_note')}**"))
    if it.context:
        head.append(quote(it.context))
    if with_prompt and it.figure is None:
        head.append(f"**{it.prompt}**")
    return "\n\n".join(head)


def item_prompt(eid: str, iid: str, lang: str | None = None) -> str:
    it = next(it for it in loader.exercise(eid, lang).items if it.id == iid)
    return f"**{it.prompt}**"


def submit_text(lang: str | None = None) -> str:
    return loader.course(lang)["app_submit_exercise"].strip()


def wrap_ky(markdown: str) -> str:
    """Markdown inside a div that a page in another language hides (blank lines keep it markdown)."""
    return f'<div class="{KY_CLASS}">\n\n{markdown}\n\n</div>'
