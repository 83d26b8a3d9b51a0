"""Schemas of the course content (validated with pydantic).

Question kinds and what their ``key`` holds:

* ``single``    one option id
* ``truefalse`` ``true`` or ``false``
* ``multi``     list of option ids (partial credit, see ``ctip.engine.scoring``)
* ``sort``      mapping option id -> category id ("is this an act, a means or a purpose?")
* ``order``     list of all option ids in the right order (steps of a procedure)
* ``text``      free text, graded by hand in nbgrader (exercises only; no key)
* ``case``      a synthetic case text with several parts, each a question of the kinds above

Self-check questions (``data/<lang>/banks``) carry their key, an explanation and a source.
Exercise items (``data/<lang>/exercises``) are public and must not carry keys; their keys
live only in ``solutions/<exercise>.keys.yaml``.
"""
from __future__ import annotations

import re
from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

SRC_PATTERN = r"^(?P<seed>\d{3}):(?P<start>\d+)-(?P<end>\d+)$"
SrcRef = Annotated[str, StringConstraints(pattern=SRC_PATTERN)]
Ident = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]*$")]


def parse_src(ref: str) -> tuple[str, int, int]:
    m = re.match(SRC_PATTERN, ref)
    if not m:
        raise ValueError(f"bad source reference {ref!r}")
    return m["seed"], int(m["start"]), int(m["end"])


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(Strict):
    id: Ident
    text: str


class Category(Strict):
    id: Ident
    text: str


class _Item(Strict):
    id: Ident
    prompt: str
    topic: Ident | None = None
    src: list[SrcRef] = []
    explain: str | None = None       # shown after answering (self-check only)
    points: float | None = None      # exercises only
    context: str | None = None       # markdown shown above the prompt (e.g. a short case)
    content_note: bool = False       # distressing content: show a warning first
    figure: Ident | None = None      # a figure shown above the prompt (e.g. "read this plot")

    @property
    def option_ids(self) -> list[str]:
        return [o.id for o in getattr(self, "options", [])]

    def check_key(self, key) -> None:  # overridden per kind
        raise NotImplementedError

    @model_validator(mode="after")
    def _unique_options(self):
        ids = self.option_ids
        if len(ids) != len(set(ids)):
            raise ValueError(f"{self.id}: duplicate option ids")
        if getattr(self, "key", None) is not None:
            self.check_key(self.key)
        return self


class Single(_Item):
    kind: Literal["single"]
    options: list[Option] = Field(min_length=2)
    key: Ident | None = None

    def check_key(self, key):
        if key not in self.option_ids:
            raise ValueError(f"{self.id}: key {key!r} is not an option")


class TrueFalse(_Item):
    kind: Literal["truefalse"]
    key: bool | None = None

    def check_key(self, key):
        if not isinstance(key, bool):
            raise ValueError(f"{self.id}: key must be true or false")


class Multi(_Item):
    kind: Literal["multi"]
    options: list[Option] = Field(min_length=2)
    key: list[Ident] | None = None

    def check_key(self, key):
        if not key or not set(key) <= set(self.option_ids) or len(set(key)) != len(key):
            raise ValueError(f"{self.id}: key must be a non-empty list of distinct option ids")


class Sort(_Item):
    kind: Literal["sort"]
    categories: list[Category] = Field(min_length=2)
    options: list[Option] = Field(min_length=2)
    key: dict[Ident, Ident] | None = None

    def check_key(self, key):
        cats = {c.id for c in self.categories}
        if set(key) != set(self.option_ids) or not set(key.values()) <= cats:
            raise ValueError(f"{self.id}: key must put every option into a known category")


class Order(_Item):
    kind: Literal["order"]
    options: list[Option] = Field(min_length=3)
    key: list[Ident] | None = None

    def check_key(self, key):
        if sorted(key) != sorted(self.option_ids):
            raise ValueError(f"{self.id}: key must list every option exactly once")


class Checklist(_Item):
    """Tick the signs present in a case. Options come from the indicator catalogue
    (data/<lang>/indicators.yaml); scored like a multi-select."""
    kind: Literal["checklist"]
    role: Literal["inspector", "officer"]
    indicators: list[Ident] = Field(min_length=3)
    options: list[Option] = []          # filled by the loader from the catalogue
    key: list[Ident] | None = None

    @property
    def option_ids(self) -> list[str]:
        return list(self.indicators)

    def check_key(self, key):
        if not key or not set(key) <= set(self.indicators) or len(set(key)) != len(key):
            raise ValueError(f"{self.id}: key must be distinct indicators shown in the checklist")


class SimItem(_Item):
    """A graded branching case (exercises): the recorded path is scored."""
    kind: Literal["simulation"]
    case: Ident
    key: None = None

    def check_key(self, key):
        raise ValueError(f"{self.id}: a simulation is scored by its scoring file, not a key")


class Text(_Item):
    kind: Literal["text"]
    key: None = None

    def check_key(self, key):
        raise ValueError(f"{self.id}: free-text items have a rubric, not a key")


Question = Annotated[Union[Single, TrueFalse, Multi, Sort, Order, Checklist], Field(discriminator="kind")]


class Case(Strict):
    """A synthetic case analysed in parts (e.g. the three-element analyser)."""
    id: Ident
    kind: Literal["case"]
    title: str
    text: str
    topic: Ident | None = None
    content_note: bool = False
    parts: list[Question] = Field(min_length=1)
    src: list[SrcRef] = []
    synthetic: Literal[True] = True   # cases are invented; no real people


BankEntry = Annotated[Union[Single, TrueFalse, Multi, Sort, Order, Checklist, Case], Field(discriminator="kind")]


class Bank(Strict):
    """Self-check questions of one module. Keys here are meant to be seen."""
    module: Ident
    questions: list[BankEntry]

    @model_validator(mode="after")
    def _complete(self):
        for q in self.questions:
            parts = q.parts if isinstance(q, Case) else [q]
            for p in parts:
                if p.key is None or not p.explain or not p.src:
                    raise ValueError(f"{q.id}: self-check questions need key, explain and src")
        return self


# --- modules -----------------------------------------------------------------------

class TextBlock(Strict):
    text: str
    src: list[SrcRef] = Field(min_length=1)
    style: Literal["plain", "case", "warning", "law", "table"] = "plain"


class InstructorBlock(Strict):
    """A note for instructors only (goes to docs/instructor, never to trainees)."""
    instructor: str
    src: list[SrcRef] = Field(min_length=1)


class QuizBlock(Strict):
    quiz: list[Ident] = Field(min_length=1)


class CaseBlock(Strict):
    case: Ident


class FigureBlock(Strict):
    figure: Ident                 # a diagram in ctip.engine.plots.DIAGRAMS or a dataset id
    caption: str
    src: list[SrcRef] = []


class SimulationBlock(Strict):
    simulation: Ident             # a branching case from data/<lang>/cases/, practised ungraded


class ResultsBlock(Strict):
    results: Literal[True]        # the trainee's own results per topic (chart + score)


Block = Union[TextBlock, InstructorBlock, QuizBlock, CaseBlock, FigureBlock, SimulationBlock, ResultsBlock]


class Section(Strict):
    id: Ident
    title: str
    topic: Ident
    blocks: list[Block] = Field(min_length=1)


class KeyPoint(Strict):
    text: str
    src: list[SrcRef] = Field(min_length=1)


class Coverage(Strict):
    """An enumerated item of the source and the questions that teach it."""
    id: Ident
    label: str
    src: list[SrcRef] = Field(min_length=1)
    questions: list[Ident] = Field(min_length=1)


class Module(Strict):
    id: Ident
    number: int
    title: str
    summary: str
    minutes: int
    audience: list[Literal["police", "social"]] = ["police", "social"]
    outcomes: list[str] = Field(min_length=1)
    topics: dict[Ident, str]
    sections: list[Section] = Field(min_length=1)
    key_points: list[KeyPoint] = Field(min_length=1)
    coverage: list[Coverage] = []

    @model_validator(mode="after")
    def _topics_known(self):
        for s in self.sections:
            if s.topic not in self.topics:
                raise ValueError(f"section {s.id}: unknown topic {s.topic!r}")
        return self


# --- exercises ---------------------------------------------------------------------

ExerciseItem = Annotated[Union[Single, TrueFalse, Multi, Sort, Order, Checklist, SimItem, Text],
                         Field(discriminator="kind")]


class Exercise(Strict):
    """What a trainee sees of a graded exercise: prompts and options, never keys."""
    id: Ident
    module: Ident
    title: str
    intro: str
    items: list[ExerciseItem] = Field(min_length=1)

    @model_validator(mode="after")
    def _public(self):
        for it in self.items:
            if getattr(it, "key", None) is not None or it.explain:
                raise ValueError(f"{self.id}.{it.id}: public exercise data must not carry keys")
            if not it.points or it.points <= 0:
                raise ValueError(f"{self.id}.{it.id}: needs positive points")
        ids = [it.id for it in self.items]
        if len(ids) != len(set(ids)):
            raise ValueError(f"{self.id}: duplicate item ids")
        return self


class RubricLine(Strict):
    points: float
    text: str


class ItemKey(Strict):
    """The graded key of one exercise item (lives only under solutions/)."""
    key: Union[bool, Ident, list[Ident], dict[Ident, Ident], None] = None
    rubric: list[RubricLine] = []
    model_answer: str | None = None
    src: list[SrcRef] = Field(min_length=1)


class ExerciseKeys(Strict):
    exercise: Ident
    items: dict[Ident, ItemKey]


# --- datasets behind plots -----------------------------------------------------------

class DataPoint(Strict):
    x: str
    y: float
    src: SrcRef


class Series(Strict):
    label: str
    points: list[DataPoint] = Field(min_length=1)


class Dataset(Strict):
    """Figures from a source, kept as data so a plot is drawn from checked numbers."""
    id: Ident
    title: str
    year: int = Field(ge=1990, le=2030)    # the year the figures describe
    unit: str
    chart: Literal["bar", "barh", "line"] = "bar"
    x_label: str = ""
    y_label: str = ""
    series: list[Series] = Field(min_length=1)
    note: str | None = None                 # e.g. where sources disagree
    src: list[SrcRef] = Field(min_length=1)


# --- branching case simulations --------------------------------------------------------
# A case is two files: the narrative (scenes and choices, public: data/<lang>/cases/<id>.yaml)
# and its scoring (steps, harms, per-choice feedback, model path). The scoring of a case
# practised in a module is public (data/<lang>/cases/<id>.scoring.yaml); the scoring of a case
# graded in an exercise lives only in solutions/cases/<id>.scoring.yaml.

class SimChoice(Strict):
    id: Ident
    text: str
    next: Ident


# A fact of a path ("registered", "disclosed", ...) is set by the choices that lead to it (see
# ChoiceScore.facts, SimStep.facts, SimHarm.facts). A condition or an assertion is a list of
# literals: "fact" (it holds on this path) or "not fact" (it does not).
FactLit = Annotated[str, StringConstraints(pattern=r"^(not )?[a-z0-9][a-z0-9_.-]*$")]


class TextPart(Strict):
    """A sentence of a scene shown only on the paths where ``when`` holds. ``asserts`` are the
    facts the sentence states about the path; the case check proves they hold wherever it is
    shown. Without a scoring (a graded case in an exercise) only parts without ``when`` show."""
    text: str
    when: list[FactLit] = []
    asserts: list[FactLit] = []


class Scene(Strict):
    id: Ident
    text: str = ""
    asserts: list[FactLit] = []        # facts the fixed text states (checked on every path)
    parts: list[TextPart] = []         # fact-conditioned sentences shown after the text
    choices: list[SimChoice] = []      # none: an ending

    @model_validator(mode="after")
    def _has_text(self):
        if not self.text.strip() and not self.parts:
            raise ValueError(f"scene {self.id}: needs a text or parts")
        return self

    @property
    def is_end(self) -> bool:
        return not self.choices


class Simulation(Strict):
    id: Ident
    title: str
    role: Literal["inspector", "officer", "any"]
    content_note: bool = False
    synthetic: Literal[True] = True
    intro: str
    # surface details that vary per trainee and never change the legal answer: {name: [..]}
    variables: dict[Ident, list[str]] = {}
    start: Ident
    scenes: list[Scene] = Field(min_length=2)

    @model_validator(mode="after")
    def _ids(self):
        ids = [s.id for s in self.scenes]
        choices = [c.id for s in self.scenes for c in s.choices]
        if len(ids) != len(set(ids)) or len(choices) != len(set(choices)):
            raise ValueError(f"{self.id}: duplicate scene or choice ids")
        if self.start not in ids:
            raise ValueError(f"{self.id}: start scene {self.start!r} missing")
        return self

    def scene(self, sid: str) -> Scene:
        return next(s for s in self.scenes if s.id == sid)

    def choice(self, cid: str) -> SimChoice:
        return next(c for s in self.scenes for c in s.choices if c.id == cid)


class SimStep(Strict):
    id: Ident
    label: str
    points: float = Field(gt=0)
    src: list[SrcRef] = Field(min_length=1)
    facts: list[Ident] = []            # facts every choice performing this step sets


class SimHarm(Strict):
    id: Ident
    label: str
    penalty: float = Field(gt=0)
    src: list[SrcRef] = Field(min_length=1)
    facts: list[Ident] = []            # facts every choice taking this harm sets


class ChoiceScore(Strict):
    step: Ident | None = None          # a required step this choice performs
    harm: Ident | list[Ident] | None = None   # the harmful action(s) this choice is
    facts: list[Ident] = []            # facts of the path this choice sets (besides its step's/harms')
    feedback: str
    src: list[SrcRef] = Field(min_length=1)

    @property
    def harms(self) -> list[str]:
        if self.harm is None:
            return []
        return [self.harm] if isinstance(self.harm, str) else list(self.harm)


class SimScoring(Strict):
    case: Ident
    steps: list[SimStep] = Field(min_length=1)
    harms: list[SimHarm] = []
    order: list[tuple[Ident, Ident]] = []    # (a, b): step a must come before step b
    order_penalty: float = 1.0
    choices: dict[Ident, ChoiceScore]
    model_path: list[Ident] = Field(min_length=1)
    debrief: str
    src: list[SrcRef] = Field(min_length=1)
    # the facts scene texts may depend on: id -> what it means (every fact used must be declared)
    facts: dict[Ident, str] = {}


# --- indicator checklists ------------------------------------------------------------

class Indicator(Strict):
    id: Ident
    text: str
    group: Literal["general", "child", "vulnerability"]
    src: list[SrcRef] = Field(min_length=1)


class NextStep(Strict):
    text: str
    src: list[SrcRef] = Field(min_length=1)


class IndicatorCatalogue(Strict):
    """The manual's signs of trafficking and vulnerability characteristics, and the next step
    of each role's procedure once indicators are seen."""
    indicators: list[Indicator] = Field(min_length=1)
    next_steps: dict[Literal["inspector", "officer"], NextStep]
