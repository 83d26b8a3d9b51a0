"""The course glossary (data/<lang>/glossary.yaml) and its checks.

- every term cites the manual line where it is used, and the cited lines hold it;
- no rejected variant appears in trainee-facing text (module text, questions, options,
  explanations, cases and their scoring feedback, indicators, UI and course strings), except
  in the contexts its rule allows; a rule with `scope: all` also covers instructor notes and
  the solutions;
- in each module (with its bank), exercise, case (with its scoring) and course file, the first
  use of an abbreviation carries its expansion nearby, and every abbreviation used is listed;
- a term kept only inside names (`gloss`) is explained at its first use in each unit.

A translated glossary (data/ru, data/en) cites the same Kyrgyz manual: its references are checked
against the Kyrgyz counterpart of each entry (a term's `in_src` or `ky`, an abbreviation's `ky`
and `expansion_in_src`, else the forms of the Kyrgyz entry with the same id or abbreviation), and
they must be the Kyrgyz entry's references; the counterpart fields are not scanned as text, and
the texts checked with it are data/<lang>/ and solutions/<lang>/.

`problems()` is called by `python -m ctip.content.check`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .. import paths
from . import loader, overlay, sources

WINDOW = 250            # characters either side of a first use in which the expansion must stand
UPPER = "А-ЯӨҮҢЁ"
LOWER = "а-яөүңё"
ABBR_RE = re.compile(rf"(?<![{UPPER}{LOWER}A-Za-z])([{UPPER}]{{2,6}})(?![{UPPER}])")
INSTRUCTOR_KEYS = {"instructor", "coverage"}          # module fields only instructors see
GLOSSARY_SKIP = {"reject", "gloss", "match", "in_src", "src", "expansion_src",
                 "ky", "expansion_in_src"}      # the last two: Kyrgyz counterparts in a translation


@dataclass
class Text:
    """One string of content: where it is, who sees it, and the unit whose first uses count."""
    file: Path
    line: int               # 1-based line of the scalar's start
    text: str
    trainee: bool
    unit: str
    lines: tuple[int, int]  # first and last line of the scalar (0-based, for locating a hit)
    item: str = ""          # all strings of the question/item/scene it belongs to


# --- the glossary ----------------------------------------------------------------------------

def path(lang: str | None = None) -> Path:
    return loader.lang_dir(lang) / "glossary.yaml"


def load(lang: str | None = None, file: Path | None = None) -> dict | None:
    f = file or path(lang)
    if not f.exists():
        return None
    return yaml.safe_load(f.read_text(encoding="utf-8")) or {}


def _norm(text: str) -> str:
    """Seed text as one line: words hyphenated across lines joined, spaces collapsed, lower case."""
    text = re.sub(r"-\s*\n\s*", "", text.replace("\u00ad", ""))
    return re.sub(r"\s+", " ", text).lower()


def _cited(ref: str, want: str, what: str) -> list[str]:
    out = [f"glossary: {what}: {p}" for p in sources.problems(ref)]
    if out:
        return out
    cited = sources.cited_text([ref])
    if cited is not None and _norm(want) not in _norm(cited):
        out.append(f"glossary: {what}: «{want}» is not in the cited lines {ref}")
    return out


def entry_problems(gl: dict, base: dict | None = None) -> list[str]:
    """The glossary's own entries: required fields, unique ids, references that hold.
    `base` is the Kyrgyz glossary when `gl` is a translation: the manual is Kyrgyz, so each
    reference is checked with the Kyrgyz counterpart of the entry (see _counterpart_problems)."""
    out: list[str] = []
    ids = set()
    for t in gl.get("terms", []):
        tid = t.get("id", "?")
        if tid in ids:
            out.append(f"glossary: duplicate term id {tid}")
        ids.add(tid)
        for field in ("id", "term", "definition"):
            if not t.get(field):
                out.append(f"glossary: term {tid}: missing {field}")
        if t.get("src"):
            if base is None:
                out += _cited(t["src"], t.get("in_src") or t.get("term", ""), f"term {tid}")
        elif not t.get("not_in_manual"):
            out.append(f"glossary: term {tid}: give src (004:FROM-TO) or say why not (not_in_manual)")
        for r in t.get("reject", []):
            if bool(r.get("word")) == bool(r.get("phrase")):
                out.append(f"glossary: term {tid}: a rejected variant has exactly one of word, phrase")
            if r.get("scope", "trainee") not in ("trainee", "all"):
                out.append(f"glossary: term {tid}: scope is trainee or all")
    seen = set()
    for a in gl.get("abbreviations", []):
        ab = a.get("abbr", "?")
        if ab in seen:
            out.append(f"glossary: duplicate abbreviation {ab}")
        seen.add(ab)
        if "spelled_out_in_manual" not in a:
            out.append(f"glossary: {ab}: say whether the manual spells it out (spelled_out_in_manual)")
        if a.get("expansion") and not a.get("match"):
            out.append(f"glossary: {ab}: give the forms of the expansion to look for (match)")
        if not a.get("expansion") and not a.get("note"):
            out.append(f"glossary: {ab}: without an expansion, a note must say so")
        if not a.get("spelled_out_in_manual") and not a.get("note"):
            out.append(f"glossary: {ab}: the manual does not spell it out; a note must say so")
        if base is not None:
            continue
        if a.get("src"):
            out += _cited(a["src"], ab, f"abbreviation {ab}")
        if a.get("expansion_src") and a.get("match"):
            out += _cited(a["expansion_src"], a["match"][0], f"abbreviation {ab} (expansion)")
    if base is not None:
        out += _counterpart_problems(gl, base)
    return out


def _counterpart_problems(gl: dict, base: dict) -> list[str]:
    """A translated glossary against the Kyrgyz one. Each entry has a Kyrgyz counterpart (a term:
    the same id; an abbreviation: the Kyrgyz abbreviation in `ky`, none where it exists only in the
    translation), cites the counterpart's lines, and the cited lines hold the Kyrgyz form: a term's
    `in_src`, else its `ky`, else the counterpart's `in_src` or term; an abbreviation's `ky` in `src`
    and its `expansion_in_src`, else the counterpart's first `match`, in `expansion_src`."""
    out: list[str] = []
    ky_terms = {t.get("id"): t for t in base.get("terms", [])}
    ky_abbrs = {a.get("abbr"): a for a in base.get("abbreviations", [])}
    for t in gl.get("terms", []):
        tid = t.get("id", "?")
        k = ky_terms.get(tid)
        if k is None:
            out.append(f"glossary: term {tid}: no Kyrgyz entry with this id")
            continue
        if t.get("ky") and t["ky"] != k.get("term"):
            out.append(f"glossary: term {tid}: ky «{t['ky']}» is not the Kyrgyz term «{k.get('term')}»")
        out += _same_refs(t, k, f"term {tid}", ("src",))
        if t.get("src"):
            want = t.get("in_src") or t.get("ky") or k.get("in_src") or k.get("term", "")
            out += _cited(t["src"], want, f"term {tid}")
    for a in gl.get("abbreviations", []):
        ab = a.get("abbr", "?")
        if not a.get("ky"):
            if a.get("src") or a.get("expansion_src"):
                out.append(f"glossary: {ab}: give ky (the Kyrgyz abbreviation of the same entry) "
                           f"for its references")
            continue
        k = ky_abbrs.get(a["ky"])
        if k is None:
            out.append(f"glossary: {ab}: ky «{a['ky']}» is not an abbreviation of the Kyrgyz glossary")
            continue
        out += _same_refs(a, k, f"abbreviation {ab}", ("src", "expansion_src"))
        if a.get("src"):
            out += _cited(a["src"], a["ky"], f"abbreviation {ab} ({a['ky']})")
        if a.get("expansion_src"):
            want = a.get("expansion_in_src") or (k.get("match") or [""])[0]
            if want:
                out += _cited(a["expansion_src"], want, f"abbreviation {ab} (expansion, {a['ky']})")
            else:
                out.append(f"glossary: {ab}: give expansion_in_src (the Kyrgyz full name in "
                           f"{a['expansion_src']})")
    return out


def _same_refs(tr: dict, ky: dict, what: str, fields) -> list[str]:
    return [f"glossary: {what}: {f} {tr.get(f)} is not the Kyrgyz entry's {ky.get(f)}"
            for f in fields if tr.get(f) != ky.get(f)]


# --- the texts ---------------------------------------------------------------------------------

IDS = ("src", "id", "next", "key", "kind", "topic", "style", "figure", "simulation")
ITEM_KEYS = {"prompt", "options", "text", "parts", "choices"}


def _values(node) -> str:
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    items = node.value if isinstance(node, yaml.SequenceNode) else [v for _, v in node.value]
    return " ".join(_values(v) for v in items)


def _scalars(node, trainee: bool, skip=frozenset(), group=None):
    """(scalar node, trainee-facing?, its item) in file order; `skip` keys are instructor-only.
    The item is the question, exercise item, scene or indicator a string belongs to (a mapping
    with an id and a text): an `unless` context of `item` is looked for in all of it."""
    if isinstance(node, yaml.ScalarNode):
        if node.tag == "tag:yaml.org,2002:str":
            yield node, trainee, group
    elif isinstance(node, yaml.SequenceNode):
        for v in node.value:
            yield from _scalars(v, trainee, skip, group)
    elif isinstance(node, yaml.MappingNode):
        keys = {k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
        if group is None and "id" in keys and keys & ITEM_KEYS:
            group = node
        for k, v in node.value:
            key = k.value if isinstance(k, yaml.ScalarNode) else None
            if key in IDS:
                continue
            yield from _scalars(v, trainee and key not in skip, skip, group)


def _text(file: Path, n, trainee: bool, unit: str, group) -> Text:
    return Text(file, n.start_mark.line + 1, n.value, trainee, unit, (n.start_mark.line, n.end_mark.line),
                _values(group) if group is not None else n.value)


def _file_texts(file: Path, unit: str, trainee: bool = True, skip=frozenset()) -> list[Text]:
    node = yaml.compose(file.read_text(encoding="utf-8"))
    if node is None:
        return []
    return [_text(file, n, tr, unit, g) for n, tr, g in _scalars(node, trainee, skip)]


def _bank_entries(file: Path, unit: str) -> dict[str, list[Text]]:
    """A bank's strings grouped by question id (so a module can place them where they are shown)."""
    node = yaml.compose(file.read_text(encoding="utf-8"))
    out: dict[str, list[Text]] = {}
    for k, v in node.value if isinstance(node, yaml.MappingNode) else []:
        if k.value != "questions":
            continue
        for q in v.value:
            qid = next((vv.value for kk, vv in q.value if kk.value == "id"), "?")
            out[qid] = [_text(file, n, tr, unit, g) for n, tr, g in _scalars(q, True)]
    return out


def _module_texts(mfile: Path, bfile: Path | None, unit: str) -> list[Text]:
    """A module's strings in the order a trainee meets them: self-check questions and cases
    from the bank are placed where their `quiz:`/`case:` block shows them."""
    bank = _bank_entries(bfile, unit) if bfile and bfile.exists() else {}
    out: list[Text] = []
    node = yaml.compose(mfile.read_text(encoding="utf-8"))

    def walk(n, trainee):
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                key = k.value if isinstance(k, yaml.ScalarNode) else None
                if key in ("quiz", "case") and trainee:
                    ids = [x.value for x in v.value] if isinstance(v, yaml.SequenceNode) else [v.value]
                    for q in ids:
                        out.extend(bank.pop(q, []))
                    continue
                if key in IDS:
                    continue
                walk(v, trainee and key not in INSTRUCTOR_KEYS)
        elif isinstance(n, yaml.SequenceNode):
            for v in n.value:
                walk(v, trainee)
        elif isinstance(n, yaml.ScalarNode) and n.tag == "tag:yaml.org,2002:str":
            out.append(_text(mfile, n, trainee, unit, None))

    if node is not None:
        walk(node, True)
    for rest in bank.values():           # bank entries no block shows (the content check flags them)
        out.extend(rest)
    return out


def texts(lang_dir: Path | None = None, solutions: Path | None = None) -> list[Text]:
    """Every string of the course content, in the order each unit shows it."""
    d = lang_dir or loader.lang_dir()
    sol = solutions or paths.SOLUTIONS
    out: list[Text] = []
    for m in sorted((d / "modules").glob("*.yaml")):
        out += _module_texts(m, d / "banks" / m.name, m.stem)
    for m in sorted((d / "banks").glob("*.yaml")):
        if not (d / "modules" / m.name).exists():
            out += _file_texts(m, m.stem)
    for e in sorted((d / "exercises").glob("*.yaml")):
        out += _file_texts(e, e.stem)
    for c in sorted((d / "cases").glob("*.yaml")):     # case01.yaml before case01.scoring.yaml
        out += _file_texts(c, c.name.split(".")[0])
    for c in sorted((sol / "cases").glob("*.scoring.yaml")):
        out += _file_texts(c, c.name.split(".")[0])    # graded cases: debriefs reach trainees
    for f in ("indicators", "course", "ui"):
        if (d / f"{f}.yaml").exists():
            out += _file_texts(d / f"{f}.yaml", f)
    if (d / "instructor.yaml").exists():
        out += _file_texts(d / "instructor.yaml", "instructor", trainee=False)
    for k in sorted(sol.glob("*.keys.yaml")):
        out += _file_texts(k, k.name.split(".")[0], trainee=False)
    if (d / "glossary.yaml").exists():                  # the trainees' glossary page
        out += _file_texts(d / "glossary.yaml", "glossary", skip=GLOSSARY_SKIP)
        out = [t for t in out if not (t.unit == "glossary" and not t.trainee)]
    return out


# --- matching ------------------------------------------------------------------------------------

def variant_re(rule: dict) -> re.Pattern:
    """A rejected word matches any word that starts with it; a phrase, its words in a row."""
    words = (rule.get("word") or rule.get("phrase")).split()
    body = r"\s+".join(re.escape(w) + r"\w*" for w in words)
    return re.compile(rf"(?<![\w-]){body}", re.IGNORECASE)


def _sentence(text: str, start: int, end: int) -> str:
    a = max(text.rfind(p, 0, start) for p in (". ", "! ", "? ", "\n\n", ".\n"))
    b = [i for i in (text.find(p, end) for p in (". ", "! ", "? ", "\n\n", ".\n")) if i >= 0]
    return text[max(a, 0):min(b) if b else len(text)]


def _where(t: Text, offset: int, word: str) -> str:
    """file:line of the hit (the n-th occurrence of its first word inside the scalar)."""
    first = word.split()[0].lower()
    nth = t.text.lower().count(first, 0, offset)
    try:
        lines = t.file.read_text(encoding="utf-8").splitlines()
    except OSError:
        lines = []
    seen = 0
    for i in range(t.lines[0], min(t.lines[1] + 1, len(lines))):
        c = lines[i].lower().count(first)
        if seen + c > nth:
            return f"{_rel(t.file)}:{i + 1}"
        seen += c
    return f"{_rel(t.file)}:{t.line}"


def _rel(f: Path) -> str:
    try:
        return str(f.relative_to(paths.ROOT))
    except ValueError:
        return str(f)


def variant_problems(gl: dict, items: list[Text]) -> list[str]:
    out = []
    for term in gl.get("terms", []):
        for rule in term.get("reject", []):
            rx = variant_re(rule)
            unless = [re.compile(u, re.IGNORECASE) for u in rule.get("unless", [])]
            everywhere = rule.get("scope", "trainee") == "all"
            for t in items:
                if not (t.trainee or everywhere):
                    continue
                for m in rx.finditer(t.text):
                    where = t.item if rule.get("context") == "item" else _sentence(t.text, m.start(), m.end())
                    if any(u.search(where) for u in unless):
                        continue
                    out.append(f"{_where(t, m.start(), m.group(0))}: «{m.group(0)}» is a rejected variant; "
                               f"use «{rule.get('use', term['term'])}» (glossary: {term['id']})")
    return out


def _first_uses(items: list[Text], rx: re.Pattern):
    """The first hit of rx in each unit: (text, match)."""
    done = set()
    for t in items:
        if not t.trainee or t.unit in done or t.unit == "glossary":
            continue
        m = rx.search(t.text)
        if m:
            done.add(t.unit)
            yield t, m


def _near(t: Text, m: re.Match, stems) -> bool:
    around = _norm(t.text[max(0, m.start() - WINDOW):m.end() + WINDOW])
    return any(_norm(s) in around for s in stems)


def abbreviation_problems(gl: dict, items: list[Text]) -> list[str]:
    out = []
    known = {a["abbr"]: a for a in gl.get("abbreviations", [])}
    for ab, a in known.items():
        if not a.get("match"):
            continue                                   # no known expansion (the note says so)
        rx = re.compile(rf"(?<![{UPPER}{LOWER}A-Za-z]){re.escape(ab)}(?![{UPPER}])")
        for t, m in _first_uses(items, rx):
            if not _near(t, m, a["match"]):
                out.append(f"{_where(t, m.start(), ab)}: first use of {ab} in {t.unit} without its expansion "
                           f"«{a['expansion']}» (write it out here: «{a['expansion']} ({ab})»)")
    unknown: dict[str, str] = {}
    for t in items:
        if not t.trainee:
            continue
        for m in ABBR_RE.finditer(t.text):
            ab = m.group(1)
            if ab in known or ab in unknown or _in_caps_run(t.text, m):
                continue
            unknown[ab] = f"{_where(t, m.start(), ab)}: abbreviation {ab} is not in the glossary (add it)"
    return out + list(unknown.values())


def _in_caps_run(text: str, m: re.Match) -> bool:
    """Part of a phrase in capitals (ЖООБУҢУЗДУ БУЛ ЖЕРГЕ ...) or a heading, not an abbreviation."""
    before = re.search(rf"([{UPPER}]{{2,}})\W+$", text[:m.start()])
    after = re.match(rf"\W+([{UPPER}]{{2,}})(?![{LOWER}])", text[m.end():])
    return bool(before or after)


def gloss_problems(gl: dict, items: list[Text]) -> list[str]:
    out = []
    for term in gl.get("terms", []):
        g = term.get("gloss")
        if not g:
            continue
        rx = variant_re({"word": g["word"]})
        near = re.compile(g["near"], re.IGNORECASE)
        for t, m in _first_uses(items, rx):
            around = t.text[max(0, m.start() - WINDOW):m.end() + WINDOW]
            if not near.search(around):
                out.append(f"{_where(t, m.start(), m.group(0))}: first use of «{m.group(0)}» in {t.unit} needs "
                           f"its gloss (glossary: {term['id']}: {term.get('note', '')})")
    return out


def problems(lang: str | None = None, lang_dir: Path | None = None, solutions: Path | None = None,
             gl: dict | None = None) -> list[str]:
    """All glossary problems of a course (none where the language has no glossary)."""
    d = lang_dir or loader.lang_dir(lang)
    gl = gl if gl is not None else load(file=d / "glossary.yaml")
    if gl is None:
        return []
    base = None
    if d.name != overlay.BASE:                        # a translation: its own solutions/<lang>/
        base = load(file=d.parent / overlay.BASE / "glossary.yaml") or {}
        solutions = solutions or paths.SOLUTIONS / d.name
    items = texts(d, solutions)
    return entry_problems(gl, base) + variant_problems(gl, items) + abbreviation_problems(gl, items) \
        + gloss_problems(gl, items)


# --- the trainees' glossary page ---------------------------------------------------------------

ALPHABET = "абвгдеёжзийклмнңоөпрстуүфхцчшщъыьэюя"


def sort_key(word: str) -> list[int]:
    """Kyrgyz alphabetical order (ң after н, ө after о, ү after у), quotes ignored."""
    return [ALPHABET.find(ch) if ch in ALPHABET else 100 + ord(ch)
            for ch in word.lower().strip("«»\" ")]


def page(gl: dict, strings: dict[str, str]) -> list[str]:
    """Markdown sections of the glossary page: terms, then abbreviations (labels from course.yaml)."""
    rows = []
    for t in sorted(gl.get("terms", []), key=lambda t: sort_key(t["term"])):
        also = f" ({', '.join(t['also'])})" if t.get("also") else ""
        where = f" *{strings['glossary_source']}: {sources.label(t['src'])}*" if t.get("src") else ""
        note = f" {t['note']}" if t.get("note") else ""
        rows.append(f"- **{t['term']}**{also} — {t['definition']}{note}{where}")
    abbrs = []
    for a in sorted(gl.get("abbreviations", []), key=lambda a: sort_key(a["abbr"])):
        if not a.get("expansion"):
            full = strings["glossary_no_expansion"]
        elif a.get("spelled_out_in_manual"):
            full = a["expansion"]
        else:
            full = f"{a['expansion']} *({strings['glossary_not_in_manual']})*"
        abbrs.append(f"| {a['abbr']} | {full} |")
    return [f"## {strings['glossary_terms']}\n\n" + "\n".join(rows),
            f"## {strings['glossary_abbreviations']}\n\n| | |\n|---|---|\n" + "\n".join(abbrs)]
