"""Every enumerated item of the manual that a module promises to teach is mapped, in data, to
questions that teach it, and those questions cite the same lines of the manual."""
import pytest

from ctip.content import loader
from ctip.content.loader import iter_parts
from ctip.content.models import parse_src

# the lists each module must map (issue text), by the id prefix used in data
REQUIRED = {
    "m01": {"act": 6, "means": 9, "purpose": 6, "vuln": 7, "duty": 4},
    "m02": {"act": 5, "means": 8, "el": 4, "art": 6},
    "m03": {"duty": 1, "way": 3, "step": 6, "material": 1, "use": 1, "sign": 1},
    "m04": {"duty": 1, "way": 3, "step": 7, "foreign": 1, "material": 1, "use": 1, "sign": 1, "diff": 5},
    "m05": {f"p{i}": 1 for i in range(1, 10)},
    "m06": {"approach": 3, "gp": 4},
}
MIN_QUESTIONS = {"m05": 2, "m06": 2}     # every principle / approach: at least two questions


def refs_of(mid, qid):
    entry = {q.id: q for q in loader.bank(mid).questions}[qid]
    out = list(getattr(entry, "src", []))
    for p in iter_parts(entry):
        out += p.src
    return [parse_src(r) for r in out]


def overlaps(a, b):
    return a[0] == b[0] and a[1] <= b[2] and b[1] <= a[2]


@pytest.mark.parametrize("mid", sorted(REQUIRED))
def test_required_lists_are_mapped(mid):
    cov = loader.module(mid).coverage
    for prefix, n in REQUIRED[mid].items():
        got = [c for c in cov if c.id.split("-")[0] == prefix]
        assert len(got) >= n, f"{mid}: {prefix}: {len(got)} entries, expected at least {n}"
        for c in got:
            assert len(c.questions) >= MIN_QUESTIONS.get(mid, 1), c.id


@pytest.mark.parametrize("mid", loader.module_ids())
def test_mapped_questions_cite_the_item(mid):
    """A mapping is only believable if a mapped question cites lines of the listed item."""
    bad = []
    for c in loader.module(mid).coverage:
        item = [parse_src(r) for r in c.src]
        cited = [r for q in c.questions for r in refs_of(mid, q)]
        if not any(overlaps(a, b) for a in item for b in cited):
            bad.append(c.id)
    assert bad == []
