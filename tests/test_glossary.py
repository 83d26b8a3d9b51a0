"""The glossary: its entries hold against the manual, rejected variants and unexplained
abbreviations in trainee-facing text fail the check, the trainees' page lists every entry,
and source references name chapter and section (not seed lines) for trainees."""
import re
import textwrap

import pytest
import yaml

from ctip import paths
from ctip.content import check, glossary, loader, sources

GL = {
    "terms": [
        {"id": "duty-officer", "term": "нөөмөтчү", "definition": "d", "not_in_manual": "x",
         "reject": [{"word": "кезмет"}, {"phrase": "нөөмөт бөлүгү"}]},
        {"id": "trainee", "term": "угуучу", "definition": "d", "not_in_manual": "x",
         "reject": [{"word": "окуучу", "unless": ["мектеп"], "scope": "all"}]},
        {"id": "cell", "term": "уяча", "definition": "d", "not_in_manual": "x",
         "reject": [{"word": "клетка", "unless": [r"(?<!\w)ткан"], "context": "item"}]},
        {"id": "referral", "term": "багыттоо", "definition": "d", "not_in_manual": "x",
         "reject": [{"word": "кайра жибер", "unless": ["механизм"]}],
         "gloss": {"word": "кайра жибер", "near": "багытт"}},
    ],
    "abbreviations": [
        {"abbr": "КБР", "expansion": "Кылмыштардын бирдиктүү реестри", "match": ["кылмыштардын бирдиктүү реестр"],
         "spelled_out_in_manual": False, "note": "n"},
        {"abbr": "КИБ", "expansion": None, "match": [], "spelled_out_in_manual": False, "note": "n"},
    ],
}


def course(tmp_path, module_blocks, bank=(), extra=None):
    """A one-module course in tmp_path: module text blocks, bank questions, other files."""
    d = tmp_path / "ky"
    for sub in ("modules", "banks", "exercises", "cases"):
        (d / sub).mkdir(parents=True)
    (tmp_path / "solutions" / "cases").mkdir(parents=True)
    mod = {"id": "m01", "title": "Модуль", "sections": [{"id": "s01", "title": "Бөлүм", "blocks": module_blocks}]}
    (d / "modules" / "m01.yaml").write_text(yaml.safe_dump(mod, allow_unicode=True), encoding="utf-8")
    (d / "banks" / "m01.yaml").write_text(yaml.safe_dump({"module": "m01", "questions": list(bank)},
                                                         allow_unicode=True), encoding="utf-8")
    for name, text in (extra or {}).items():
        (d / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return d, tmp_path / "solutions"


def found(tmp_path, blocks, bank=(), extra=None, gl=GL):
    d, sol = course(tmp_path, blocks, bank, extra)
    return glossary.problems(lang_dir=d, solutions=sol, gl=gl)


# --- rejected variants ---------------------------------------------------------------------------

def test_a_rejected_word_in_module_text_fails_with_file_line_and_word(tmp_path):
    probs = found(tmp_path, [{"text": "Бул жерде\nкезметчиге кабар берилет.", "src": ["004:1-2"]}])
    assert len(probs) == 1
    assert "m01.yaml:" in probs[0] and "«кезметчиге»" in probs[0] and "нөөмөтчү" in probs[0]
    line = int(re.search(r"m01\.yaml:(\d+)", probs[0]).group(1))
    text = (tmp_path / "ky" / "modules" / "m01.yaml").read_text(encoding="utf-8").splitlines()
    assert "кезметчиге" in text[line - 1]


def test_the_preferred_term_and_other_words_pass(tmp_path):
    assert found(tmp_path, [{"text": "Нөөмөтчүгө жана нөөмөт бөлүмүнө кабар берилет; кезек менен."}]) == []


def test_a_rejected_phrase_matches_its_forms_only_as_a_phrase(tmp_path):
    assert found(tmp_path, [{"text": "Нөөмөт бөлүгүнө кабарланды."}]) != []
    assert found(tmp_path / "b", [{"text": "Нөөмөт бөлүмүнө кабарланды, бөлүгү эмес."}]) == []


def test_questions_options_and_explanations_are_checked(tmp_path):
    q = {"id": "m01.q01", "kind": "single", "prompt": "Ким?", "key": "a", "src": ["004:1-2"],
         "options": [{"id": "a", "text": "Нөөмөтчү"}, {"id": "b", "text": "Кезметчи"}], "explain": "Туура."}
    probs = found(tmp_path, [{"quiz": ["m01.q01"]}], bank=[q])
    assert len(probs) == 1 and "banks/m01.yaml" in probs[0] and "«Кезметчи»" in probs[0]


def test_instructor_notes_are_checked_only_where_the_rule_says_so(tmp_path):
    blocks = [{"instructor": "Кезметчи жөнүндө угуучуларга айтыңыз."},
              {"instructor": "Окуучуларга муну түшүндүрүңүз."}]
    probs = found(tmp_path, blocks)
    assert len(probs) == 1 and "«Окуучуларга»" in probs[0]        # scope: all; кезмет is trainee-only


def test_an_allowed_context_keeps_a_word_legitimate(tmp_path):
    blocks = [{"text": "Мектептеги окуучулар сабакка келбей калды."},      # a schoolchild: fine
              {"text": "Ар бир окуучуга ысымдар ар түрдүү чыгат."}]          # a trainee: wrong
    probs = found(tmp_path, blocks)
    assert len(probs) == 1 and "«окуучуга»" in probs[0]


def test_an_item_context_looks_at_the_whole_question(tmp_path):
    q = {"id": "m01.q01", "kind": "single", "prompt": "Органдар, ткандар: эмнени алуу да эксплуатация?",
         "key": "a", "src": ["004:1-2"], "options": [{"id": "a", "text": "клеткаларды"}, {"id": "b", "text": "чачты"}]}
    assert found(tmp_path, [{"quiz": ["m01.q01"]}], bank=[q]) == []
    assert found(tmp_path / "b", [{"text": "Код клеткалары жашырылган."}]) != []


def test_ui_course_cases_and_graded_case_feedback_are_trainee_facing(tmp_path):
    d, sol = course(tmp_path, [], extra={"ui.yaml": 'run_all: "Код клеткалары жашырылган."\n',
                                         "course.yaml": 'intro: "Кезметчиге кайрылыңыз."\n'})
    (d / "cases" / "case01.yaml").write_text("id: case01\nintro: Кезметчи сизди чакырат.\n", encoding="utf-8")
    (sol / "cases" / "case01.scoring.yaml").write_text("case: case01\ndebrief: Кезметчи туура кылды.\n",
                                                       encoding="utf-8")
    (sol / "ex01.keys.yaml").write_text("exercise: ex01\nitems: {q1: {model_answer: Кезметчи}}\n", encoding="utf-8")
    probs = glossary.problems(lang_dir=d, solutions=sol, gl=GL)
    files = sorted(re.match(r"(.*?):\d+", p).group(1).split("/")[-1] for p in probs)
    assert files == ["case01.scoring.yaml", "case01.yaml", "course.yaml", "ui.yaml"]   # not the key file


# --- abbreviations -----------------------------------------------------------------------------

def test_first_use_of_an_abbreviation_must_carry_its_expansion(tmp_path):
    probs = found(tmp_path, [{"text": "Рапорт КБРге катталат."},
                             {"text": "Кылмыштардын бирдиктүү реестри (КБР) — реестр."}])
    assert len(probs) == 1 and "first use of КБР in m01" in probs[0]


def test_expanded_first_use_then_short_form_passes(tmp_path):
    blocks = [{"text": "Рапорт Кылмыштардын бирдиктүү реестрине (КБР) катталат."},
              {"text": "КБРге каттоо милдеттүү. КИБге кабар берилет."}]    # КИБ: no known expansion
    assert found(tmp_path, blocks) == []


def test_first_use_counts_in_the_order_a_trainee_meets_the_texts(tmp_path):
    """A self-check question shown before the expansion in the text is the first use."""
    q = {"id": "m01.q01", "kind": "truefalse", "prompt": "Рапорт КБРге катталабы?", "key": True,
         "src": ["004:1-2"], "explain": "Ооба."}
    late = [{"quiz": ["m01.q01"]}, {"text": "Кылмыштардын бирдиктүү реестри (КБР)."}]
    early = [{"text": "Кылмыштардын бирдиктүү реестри (КБР)."}, {"quiz": ["m01.q01"]}]
    assert any("КБР" in p for p in found(tmp_path / "a", late, bank=[q]))
    assert found(tmp_path / "b", early, bank=[q]) == []


def test_each_module_exercise_and_case_needs_its_own_expansion(tmp_path):
    d, sol = course(tmp_path, [{"text": "Кылмыштардын бирдиктүү реестри (КБР)."}],
                    extra={"cases/case01.yaml": "id: case01\nintro: Рапорт КБРге катталат.\n"})
    probs = glossary.problems(lang_dir=d, solutions=sol, gl=GL)
    assert len(probs) == 1 and "case01.yaml" in probs[0]


def test_an_abbreviation_missing_from_the_glossary_fails_but_capitals_do_not(tmp_path):
    probs = found(tmp_path, [{"text": "ТТБ менен иштешет. ЖООБУҢУЗДУ БУЛ ЖЕРГЕ ЖАЗЫҢЫЗ."}])
    assert len(probs) == 1 and "ТТБ is not in the glossary" in probs[0]


def test_a_name_kept_term_is_glossed_at_first_use(tmp_path):
    bad = [{"text": "Улуттук кайра жиберүү механизми бар."}]
    good = [{"text": "Улуттук кайра жиберүү механизми (башкача айтканда, жардамга багыттоо) бар."}]
    assert any("gloss" in p for p in found(tmp_path / "a", bad))
    assert found(tmp_path / "b", good) == []
    assert any("кайра жиберүү" in p for p in found(tmp_path / "c", [{"text": "Баланы кайра жиберүү керек."}]))


# --- the course's glossary ----------------------------------------------------------------------

def test_the_course_glossary_is_complete_and_its_entries_hold():
    gl = glossary.load()
    assert gl and glossary.entry_problems(gl) == []
    ids = {t["id"] for t in gl["terms"]}
    assert {"duty-officer", "neighbour", "order", "referral", "suspected-perpetrator", "means",
            "trainee", "recruitment", "transportation", "harbouring", "receipt", "transfer",
            "exploitation", "vulnerability", "consent", "victim", "juvenile-inspector",
            "district-officer"} <= ids
    abbrs = {a["abbr"] for a in gl["abbreviations"]}
    assert {"КБР", "КИБ", "ИИБ", "БӨУ", "ИИМ", "ЖМК", "ЖК", "БУУ"} <= abbrs
    assert not next(a for a in gl["abbreviations"] if a["abbr"] == "КИБ")["spelled_out_in_manual"]


def test_entry_problems_catch_a_term_without_source_and_a_wrong_line():
    bad = {"terms": [{"id": "x", "term": "нөөмөтчү", "definition": "d"}], "abbreviations": []}
    assert any("src" in p for p in glossary.entry_problems(bad))
    if paths.seeds_dir() is None:
        pytest.skip("../shared/seeds is not beside this checkout")
    wrong = {"terms": [{"id": "x", "term": "нөөмөтчү", "definition": "d", "src": "004:1-5"}]}
    assert any("not in the cited lines" in p for p in glossary.entry_problems(wrong))
    right = {"terms": [{"id": "x", "term": "нөөмөтчү", "definition": "d", "src": "004:876-876"}]}
    assert glossary.entry_problems(right) == []


def test_the_content_check_includes_the_glossary(fixture_course, monkeypatch):
    monkeypatch.setattr(glossary, "problems", lambda lang=None: ["glossary-marker"])
    assert "glossary-marker" in check.all_problems()


def test_the_glossary_page_lists_every_entry_and_the_start_page_links_it():
    from ctip.delivery import notebooks
    gl = glossary.load()
    text = "\n".join(c.source for c in notebooks.glossary_notebook().cells)
    for t in gl["terms"]:
        assert t["term"] in text
    for a in gl["abbreviations"]:
        assert f"| {a['abbr']} |" in text
    assert not re.search(r"\d{3}[–-]\d{3}", text)              # no seed line numbers for trainees
    start = "\n".join(c.source for c in notebooks.start_notebook().cells)
    assert "(sozduk.ipynb)" in start


def test_kyrgyz_alphabetical_order():
    words = ["үч", "ирет", "өткөрүп берүү", "аялуу", "«зыян келтирбе»", "ооба", "уяча"]
    assert sorted(words, key=glossary.sort_key) == ["аялуу", "«зыян келтирбе»", "ирет", "ооба",
                                                     "өткөрүп берүү", "уяча", "үч"]


# --- references a trainee can follow -------------------------------------------------------------

def test_trainees_see_chapter_and_section_not_seed_lines():
    assert sources.labels(["004:94-103"]) == "Колдонмо, 1-бөлүм, 1.1"
    assert sources.labels(["004:189-198"]) == "Колдонмо, 1-бөлүм, 1.1, «Таасир этүү каражаттары»"
    assert sources.labels(["004:554-559"]) == "Колдонмо, 2-бөлүм"
    assert sources.labels(["004:1215-1220"]) == "Колдонмо, 5-бөлүм, 5-принцип (купуялуулук)"
    assert sources.labels(["004:554-559", "004:580-585"]) == "Колдонмо, 2-бөлүм"     # named once
    assert sources.labels(["003:2300-2310"]) == "Адам укугу 2015, 6-бөлүм, «Балдар»"
    assert "…" in sources.labels(["004:1195-1220"])                                  # spans two sections
    for ref in ("004:94-103", "004:1215-1220", "001:443-447", "000:22-28"):
        assert not re.search(r"\d{2,}", sources.labels([ref]).replace("2015", ""))


def test_instructor_views_keep_the_line_ranges():
    assert sources.maintainer_labels(["004:554-559", "004:580-585"]) == "Колдонмо, 2-бөлүм (004: 554–559, 580–585)"
    from ctip.delivery import build
    assert "(004: " in build.instructor_notes("m01")


def test_the_chapter_map_follows_the_manual_headings():
    """Each part starts at a heading line of the seed (its number or its title is on that line)."""
    parts = loader.sources()["004"]["parts"]
    starts = [p["from"] for p in parts]
    assert starts == sorted(starts) and starts[0] == 1
    if paths.seeds_dir() is None:
        pytest.skip("../shared/seeds is not beside this checkout")
    lines = sources.seed_lines("004")
    for p in parts:
        head = lines[p["from"] - 1]
        label = p["label"]
        title = re.search(r"«([^»:]+)", label)
        number = re.findall(r"(\d+(?:\.\d+)?)-?(?:бөлүм|принцип|мамиле)?", label)[-1]
        if title and not title.group(1).startswith("Эскертме"):
            assert title.group(1).split()[0] in head, (p, head)
        elif title:
            assert "Эскертме" in head, (p, head)
        else:
            assert re.match(rf"\s*{re.escape(number)}(\.| –)", head), (p, head)


# --- a translated glossary ----------------------------------------------------------------------

KY_GL = {
    "terms": [{"id": "duty-officer", "term": "нөөмөтчү", "definition": "d", "src": "004:876-876"}],
    "abbreviations": [{"abbr": "ИИБ", "expansion": "ички иштер бөлүмү", "match": ["ички иштер бөлүм"],
                       "spelled_out_in_manual": False, "src": "004:876-876", "expansion_src": "004:879-880",
                       "note": "n"}],
}
RU_TERM = {"id": "duty-officer", "term": "дежурный", "ky": "нөөмөтчү", "definition": "d",
           "src": "004:876-876", "in_src": "нөөмөтчү"}
RU_ABBR = {"abbr": "ОВД", "ky": "ИИБ", "expansion_in_src": "ички иштер бөлүм", "expansion": "отдел внутренних дел",
           "match": ["отдел внутренних дел", "отдела внутренних дел"], "spelled_out_in_manual": False,
           "src": "004:876-876", "expansion_src": "004:879-880", "note": "n"}


def translated(tmp_path, term=None, abbr=None, text="Сообщите дежурному отдела внутренних дел (ОВД)."):
    """A Russian course beside a Kyrgyz glossary: problems of its glossary check."""
    d, _ = course(tmp_path, [])
    (d / "glossary.yaml").write_text(yaml.safe_dump(KY_GL, allow_unicode=True), encoding="utf-8")
    ru = tmp_path / "ru"
    (ru / "modules").mkdir(parents=True)
    mod = {"id": "m01", "title": "Модуль", "sections": [{"id": "s01", "title": "Раздел", "blocks": [{"text": text}]}]}
    (ru / "modules" / "m01.yaml").write_text(yaml.safe_dump(mod, allow_unicode=True), encoding="utf-8")
    gl = {"terms": [dict(RU_TERM, **(term or {}))], "abbreviations": [dict(RU_ABBR, **(abbr or {}))]}
    (ru / "glossary.yaml").write_text(yaml.safe_dump(gl, allow_unicode=True), encoding="utf-8")
    (tmp_path / "solutions" / "ru").mkdir(parents=True)
    return glossary.problems(lang_dir=ru, solutions=tmp_path / "solutions" / "ru")


def test_a_translated_glossary_cites_the_manual_through_its_kyrgyz_counterpart(tmp_path):
    """The Russian forms can never be in the Kyrgyz manual: the Kyrgyz rule alone fails them, the
    counterpart (in_src/ky, ky/expansion_in_src) holds; the Kyrgyz fields are not abbreviations of
    the Russian page (ИИБ in `ky` is not reported)."""
    if paths.seeds_dir() is None:
        pytest.skip("../shared/seeds is not beside this checkout")
    assert translated(tmp_path) == []
    ru = glossary.load(file=tmp_path / "ru" / "glossary.yaml")
    assert any("«ОВД» is not in the cited lines" in p for p in glossary.entry_problems(ru))   # the Kyrgyz rule
    assert glossary.entry_problems(ru, KY_GL) == []
    # without in_src/ky/expansion_in_src the Kyrgyz entry's forms are used
    bare = {"terms": [{k: v for k, v in RU_TERM.items() if k not in ("in_src", "ky")}],
            "abbreviations": [{k: v for k, v in RU_ABBR.items() if k != "expansion_in_src"}]}
    assert glossary.entry_problems(bare, KY_GL) == []


@pytest.mark.parametrize("term, abbr, expect", [
    ({"in_src": "кезмет"}, None, "term duty-officer: «кезмет» is not in the cited lines"),
    (None, {"ky": "КБР"}, "ky «КБР» is not an abbreviation of the Kyrgyz glossary"),
    (None, {"expansion_in_src": "ички иштер министр"}, "«ички иштер министр» is not in the cited lines"),
    (None, {"src": "004:1-2"}, "src 004:1-2 is not the Kyrgyz entry's 004:876-876"),
    ({"id": "duty-unit"}, None, "term duty-unit: no Kyrgyz entry with this id"),
    (None, {"ky": None}, "ОВД: give ky"),
])
def test_a_translated_glossary_fails_where_the_kyrgyz_counterpart_does_not_hold(tmp_path, term, abbr, expect):
    if paths.seeds_dir() is None and "cited lines" in expect:
        pytest.skip("../shared/seeds is not beside this checkout")
    probs = translated(tmp_path, term, abbr)
    assert any(expect in p for p in probs), probs


def test_a_translation_is_checked_with_its_own_texts(tmp_path, monkeypatch):
    """Kyrgyz abbreviations in the Russian text still fail, the first use still needs the Russian
    expansion, and the graded feedback checked is solutions/ru/, not the Kyrgyz solutions/."""
    probs = translated(tmp_path / "a", text="Сообщите дежурному ИИБ. Потом ОВД.")
    assert any("ИИБ is not in the glossary" in p for p in probs)
    assert any("first use of ОВД in m01 without its expansion" in p for p in probs)
    root = tmp_path / "b"
    translated(root)                                   # course() made solutions/cases (Kyrgyz)
    (root / "solutions" / "cases" / "case01.scoring.yaml").write_text("case: case01\ndebrief: КБРге катталат.\n",
                                                                      encoding="utf-8")
    monkeypatch.setattr(paths, "SOLUTIONS", root / "solutions")
    assert glossary.problems(lang_dir=root / "ru") == []          # the Kyrgyz КБР is not looked at
    (root / "solutions" / "ru" / "cases").mkdir()
    (root / "solutions" / "ru" / "cases" / "case01.scoring.yaml").write_text(
        "case: case01\ndebrief: Сообщите в ОВД.\n", encoding="utf-8")
    probs = glossary.problems(lang_dir=root / "ru")
    assert any("solutions/ru/cases/case01.scoring.yaml" in p and "ОВД" in p for p in probs), probs
