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

from ..content.models import SimScoring, Simulation
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
        if tag.harm:
            taken.append(tag.harm)
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
        if tag.harm and tag.harm not in harms:
            out.append(f"{sim.id}/{cid}: unknown harm {tag.harm!r}")
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


def variant(sim: Simulation, trainee: str) -> Variant:
    """Deterministic per trainee and case: which surface details and option order to show."""
    seed = int(hashlib.sha256(f"{trainee}\x00{sim.id}".encode()).hexdigest()[:16], 16)
    rng = random.Random(seed)
    values = {k: rng.choice(v) for k, v in sorted(sim.variables.items()) if v}
    orders = {}
    for s in sim.scenes:
        ids = [c.id for c in s.choices]
        rng.shuffle(ids)
        orders[s.id] = ids
    return Variant(values, orders)
