"""UI strings. Every label, button and message comes from data/<lang>/ui.yaml, so a new
language is a data change. Missing keys fall back to Kyrgyz, then to the key itself."""
from __future__ import annotations

from .content.loader import ContentError, ui_strings
from .paths import language


def t(key: str, lang: str | None = None, catalog: str = "ui", **fmt) -> str:
    """A string of a catalog (ui = trainee UI, instructor = instructor tools)."""
    lang = lang or language()
    text = None
    for candidate in (lang, "ky"):
        try:
            text = ui_strings(candidate, catalog).get(key)
        except ContentError:
            continue
        if text is not None:
            break
    if text is None:
        text = key
    return text.format(**fmt) if fmt else text


def translator(lang: str | None = None):
    """``t`` bound to one language: what a session passes to its widgets."""
    def tr(key: str, catalog: str = "ui", **fmt) -> str:
        return t(key, lang, catalog, **fmt)
    tr.lang = lang
    return tr
