"""Branching case simulations: graph checks, per-trainee variants and the scoring of a path.

Scoring rule (documented in docs/authoring.md and shown in the debrief):
    points = sum of the points of the required steps the path performs
             - the penalty of every harmful action taken
             - order_penalty for every pair (a, b) of steps done in the wrong order
    floored at 0; the maximum is the sum of all step points.
Only choice ids count, so every variant of a case (names, places, option order) scores alike.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

from ..content.models import Scene, SimScoring, Simulation
from .scoring import InvalidAnswer


@dataclass
class SimResult:
    points: float
    max_points: float
    done: list[str] = field(default_factory=list)      # step ids reached, in order
    missed: list[str] = field(default_factory=list)    # step ids never reached
    harms: list[str] = field(default_factory=list)     # harm ids taken, in order
    misordered: list[tuple[str, str]] = field(default_factory=list)
    finished: bool = False
    cumulative: list[float] = field(default_factory=list)   # score after each decision

    @property
    def fraction(self) -> float:
        return self.points / self.max_points if self.max_points else 0.0


def walk(sim: Simulation, path) -> list[str]:
    """Check that a path follows the graph from the start; return the scenes visited."""
    if not isinstance(path, list) or not all(isinstance(c, str) for c in path):
        raise InvalidAnswer("expected a list of choice ids")
    scene = sim.scene(sim.start)
    visited = [scene.id]
    for cid in path:
        nxt = next((c.next for c in scene.choices if c.id == cid), None)
        if nxt is None:
            raise InvalidAnswer(f"choice {cid!r} is not offered in scene {scene.id!r}")
        scene = sim.scene(nxt)
        visited.append(scene.id)
    return visited


def score_path(sim: Simulation, sc: SimScoring, path) -> SimResult:
    visited = walk(sim, path)
    steps = {s.id: s for s in sc.steps}
    harms = {h.id: h for h in sc.harms}
    done: list[str] = []
    taken: list[str] = []
    cumulative: list[float] = []

    def total(done_, taken_):
        pos = {s: i for i, s in enumerate(done_)}
        bad = [(a, b) for a, b in sc.order if a in pos and b in pos and pos[a] > pos[b]]
        raw = sum(steps[s].points for s in done_) - sum(harms[h].penalty for h in taken_) \
            - sc.order_penalty * len(bad)
        return max(0.0, round(raw, 2)), bad

    for cid in path:
        tag = sc.choices[cid]
        if tag.step and tag.step not in done:
            done.append(tag.step)
        taken.extend(tag.harms)
        cumulative.append(total(done, taken)[0])
    points, bad = total(done, taken)
    return SimResult(points=points, max_points=round(sum(s.points for s in sc.steps), 2), done=done,
                     missed=[s for s in steps if s not in done], harms=taken, misordered=bad,
                     finished=sim.scene(visited[-1]).is_end, cumulative=cumulative)


def all_paths(sim: Simulation, limit: int = 100_000) -> list[list[str]]:
    """Every complete path (start to an ending), for graph checks and tests."""
    out: list[list[str]] = []

    def go(sid, path):
        if len(out) > limit:
            raise ValueError(f"{sim.id}: too many paths")
        scene = sim.scene(sid)
        if scene.is_end:
            out.append(path)
        for c in scene.choices:
            go(c.next, path + [c.id])
    go(sim.start, [])
    return out


def graph_problems(sim: Simulation, sc: SimScoring) -> list[str]:
    """All scenes reachable, no dead ends or cycles, every choice scored, model path full marks."""
    out: list[str] = []
    ids = {s.id for s in sim.scenes}
    for s in sim.scenes:
        for c in s.choices:
            if c.next not in ids:
                out.append(f"{sim.id}/{c.id}: next scene {c.next!r} does not exist")
    if out:
        return out
    # cycles and reachability (depth-first, colouring)
    state: dict[str, int] = {}

    def dfs(sid):
        state[sid] = 1
        for c in sim.scene(sid).choices:
            if state.get(c.next) == 1:
                out.append(f"{sim.id}: cycle through scene {c.next!r}")
            elif c.next not in state:
                dfs(c.next)
        state[sid] = 2
    dfs(sim.start)
    out += [f"{sim.id}: scene {s} is unreachable" for s in sorted(ids - set(state))]
    if not any(s.is_end for s in sim.scenes):
        out.append(f"{sim.id}: no ending")
    if out:
        return out
    choice_ids = {c.id for s in sim.scenes for c in s.choices}
    if sc.case != sim.id:
        out.append(f"{sim.id}: scoring is for {sc.case!r}")
    out += [f"{sim.id}: choice {c} has no scoring" for c in sorted(choice_ids - set(sc.choices))]
    out += [f"{sim.id}: scoring names unknown choice {c}" for c in sorted(set(sc.choices) - choice_ids)]
    steps, harms = {s.id for s in sc.steps}, {h.id for h in sc.harms}
    for cid, tag in sc.choices.items():
        if tag.step and tag.step not in steps:
            out.append(f"{sim.id}/{cid}: unknown step {tag.step!r}")
        out += [f"{sim.id}/{cid}: unknown harm {h!r}" for h in tag.harms if h not in harms]
    out += [f"{sim.id}: order names unknown step" for a, b in sc.order if a not in steps or b not in steps]
    reachable_steps = {t.step for t in sc.choices.values() if t.step}
    out += [f"{sim.id}: step {s} is performed by no choice" for s in sorted(steps - reachable_steps)]
    if out:
        return out
    try:
        res = score_path(sim, sc, sc.model_path)
        if not res.finished:
            out.append(f"{sim.id}: model path does not reach an ending")
        if res.points != res.max_points or res.harms:
            out.append(f"{sim.id}: model path scores {res.points}/{res.max_points} (must be full, no harm)")
    except InvalidAnswer as e:
        out.append(f"{sim.id}: model path invalid: {e}")
    decisions = sum(1 for s in sim.scenes if not s.is_end)
    if decisions < 6:
        out.append(f"{sim.id}: only {decisions} decision points (at least 6)")
    return out + ending_problems(sim, sc)


# --- facts of a path and texts true to it ---------------------------------------------------

def choice_facts(sc: SimScoring, cid: str) -> set[str]:
    """The facts a choice sets: its own, its step's and its harms'."""
    tag = sc.choices[cid]
    steps = {s.id: s for s in sc.steps}
    harms = {h.id: h for h in sc.harms}
    out = set(tag.facts)
    if tag.step in steps:
        out |= set(steps[tag.step].facts)
    for h in tag.harms:
        if h in harms:
            out |= set(harms[h].facts)
    return out


def path_facts(sc: SimScoring, path) -> frozenset[str]:
    """The facts that hold after a path (facts only accumulate: what was done stays done)."""
    facts: set[str] = set()
    for cid in path:
        facts |= choice_facts(sc, cid)
    return frozenset(facts)


def _literal(lit: str) -> tuple[bool, str]:
    return (False, lit[4:]) if lit.startswith("not ") else (True, lit)


def holds(lits, facts) -> bool:
    """Do all literals ("fact" / "not fact") hold for this set of facts?"""
    return all((name in facts) == positive for positive, name in map(_literal, lits))


def scene_text(scene: Scene, facts=None) -> str:
    """The text a trainee sees in a scene: the fixed text and every part whose condition holds.
    facts=None (no scoring, a graded case): only the parts that hold on every path."""
    shown = [scene.text.strip()] if scene.text.strip() else []
    for part in scene.parts:
        if (not part.when) if facts is None else holds(part.when, facts):
            shown.append(part.text.strip())
    return "\n\n".join(shown)


def ending_problems(sim: Simulation, sc: SimScoring) -> list[str]:
    """Walk every path; fail where a text shown on it asserts a fact the path contradicts.

    Every sentence that states an outcome declares it (scene ``asserts``, part ``asserts``);
    every fact named must be declared in the scoring's ``facts`` and set by some choice, so a
    typo cannot make a "not x" condition true everywhere. Each (scene, facts) state is visited
    once; a problem names one path that shows it."""
    out: list[str] = []
    declared = set(sc.facts)
    setters = set().union(*(choice_facts(sc, c) for c in sc.choices)) if sc.choices else set()
    used: set[str] = set()
    for s in sim.scenes:
        lits = list(s.asserts) + [x for p in s.parts for x in (*p.when, *p.asserts)]
        used |= {_literal(x)[1] for x in lits}
    for c in sc.choices.values():
        used |= set(c.facts)
    used |= {f for s in sc.steps for f in s.facts} | {f for h in sc.harms for f in h.facts}
    out += [f"{sim.id}: fact {f!r} is not declared in the scoring's facts" for f in sorted(used - declared)]
    out += [f"{sim.id}: fact {f!r} is set by no choice" for f in sorted(declared - setters)]
    if out:
        return out
    seen: set[tuple[str, frozenset]] = set()
    reported: set[str] = set()

    def report(key: str, msg: str) -> None:
        if key not in reported:
            reported.add(key)
            out.append(msg)

    def visit(sid: str, facts: frozenset, path: list[str]) -> None:
        if (sid, facts) in seen:
            return
        seen.add((sid, facts))
        scene = sim.scene(sid)
        where = f"{sim.id}/{sid}"
        if not holds(scene.asserts, facts):
            report(sid, f"{where}: text asserts {scene.asserts} but the path {path} has facts {sorted(facts)}")
        for n, part in enumerate(scene.parts):
            if holds(part.when, facts) and not holds(part.asserts, facts):
                report(f"{sid}#{n}", f"{where} part {n + 1} asserts {part.asserts} but the path {path} "
                                     f"has facts {sorted(facts)}")
        if not scene_text(scene, facts).strip():
            report(f"{sid}#empty", f"{where}: no text is shown on the path {path}")
        for c in scene.choices:
            visit(c.next, facts | choice_facts(sc, c.id), path + [c.id])

    visit(sim.start, frozenset(), [])
    return out


@dataclass(frozen=True)
class Variant:
    values: dict[str, str]
    orders: dict[str, list[str]]      # scene id -> choice ids in display order

    def fill(self, text: str) -> str:
        out = text
        for k, v in self.values.items():
            out = out.replace("{" + k + "}", v)
        return out


def variant(sim: Simulation, trainee: str | int) -> Variant:
    """Deterministic per trainee (or per answer-file seed) and case: which surface details and
    option order to show."""
    seed = int(hashlib.sha256(f"{trainee}\x00{sim.id}".encode()).hexdigest()[:16], 16)
    rng = random.Random(seed)
    values = {k: rng.choice(v) for k, v in sorted(sim.variables.items()) if v}
    orders = {}
    for s in sim.scenes:
        ids = [c.id for c in s.choices]
        rng.shuffle(ids)
        orders[s.id] = ids
    return Variant(values, orders)
