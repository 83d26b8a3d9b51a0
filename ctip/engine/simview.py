"""The widget of a branching case: scene, choices, transcript, debrief and chart.

Practice mode (modules) gives feedback after each choice and a debrief at the end; graded mode
(exercises) records the path silently. Either way the full path goes to the answer file as
{"path": [...]}, and the trainee can start again."""
from __future__ import annotations

import ipywidgets as W

from ..content.models import SimScoring, Simulation
from ..content.sources import labels
from ..i18n import translator
from . import plots
from .scoring import InvalidAnswer
from .simulation import choice_facts, scene_text, score_path, variant
from .store import AnswerStore, StoreError
from .widgets import FULL, button, esc, html, lay, md_inline, vbox


class SimulationView:
    def __init__(self, sim: Simulation, store: AnswerStore, key: str, scoring: SimScoring | None = None,
                 lang: str | None = None):
        self.lang = lang or getattr(store, "lang", None)
        self.t = translator(self.lang)
        self.sim, self.store, self.key, self.scoring = sim, store, key, scoring
        saved = store.get(key) if isinstance(store.get(key), dict) else {}
        # surface details and choice order follow the trainee's seed (kept in the answer file)
        self.variant = variant(sim, store.seed)
        self.path: list[str] = list(saved.get("path") or [])
        try:
            from .simulation import walk
            walk(sim, self.path)
        except InvalidAnswer:
            self.path = []
        self.transcript = html(layout=FULL)
        self.scene_html = html(layout=FULL)
        self.buttons = vbox()
        self.status = html(layout=FULL)
        self.debrief = html(layout=FULL)
        self.chart = W.Image(format="png", layout=W.Layout(max_width="640px", display="none"))
        self.restart_btn = button(self.t("sim_restart"))
        self.restart_btn.on_click(lambda _: self.ask_restart())
        head = [html(f"<h4>{esc(sim.title)}</h4>")]
        if sim.content_note:
            head.append(html(f"<div class='ctip-note'>{esc(self.t('content_note'))}</div>"))
        head.append(html(f"<div>{md_inline(self.variant.fill(sim.intro))}</div>"))
        self.widget = vbox(head + [self.transcript, self.scene_html, self.buttons, self.status,
                                   self.debrief, self.chart, self.restart_btn])
        self.widget.add_class("ctip-q")
        self.render()

    # -- state -----------------------------------------------------------------------
    def current(self):
        scene = self.sim.scene(self.sim.start)
        for cid in self.path:
            scene = self.sim.scene(self.sim.choice(cid).next)
        return scene

    def choose(self, cid: str) -> None:
        scene = self.current()
        if cid not in [c.id for c in scene.choices]:
            return
        self.path.append(cid)
        self.save()
        self.render()

    def ask_restart(self) -> None:
        """The first click asks (the recorded path would be lost), a second click restarts."""
        if self.restart_btn.button_style == "warning":
            self.restart_btn.description, self.restart_btn.button_style = self.t("sim_restart"), ""
            self.restart()
        elif self.path:
            self.restart_btn.description, self.restart_btn.button_style = self.t("sim_restart_confirm"), "warning"

    def restart(self) -> None:
        self.path = []
        self.save()
        self.render()

    def save(self) -> None:
        try:
            when = self.store.put(self.key, {"path": list(self.path)})
            self.status.value = f"<span class='ctip-src'>{esc(self.t('saved', time=when))}</span>"
        except (StoreError, OSError) as e:
            self.status.value = f"<b class='ctip-fb-bad'>{esc(self.t('not_saved', error=e))}</b>"

    # -- display ---------------------------------------------------------------------
    def render(self) -> None:
        lines = []
        scene = self.sim.scene(self.sim.start)
        facts: set[str] | None = set() if self.scoring else None
        for n, cid in enumerate(self.path, 1):
            choice = self.sim.choice(cid)
            lines.append(f"<div><i>{esc(self.variant.fill(scene_text(scene, facts)))}</i></div>"
                         f"<div><b>{n}. {esc(self.t('sim_you_chose'))}:</b> {esc(self.variant.fill(choice.text))}</div>")
            if self.scoring:
                fb = self.scoring.choices[cid]
                cls = "ctip-fb-bad" if fb.harms else ("ctip-fb-ok" if fb.step else "ctip-src")
                lines.append(f"<div class='{cls}'>{md_inline(self.variant.fill(fb.feedback))} "
                             f"<span class='ctip-src'>({esc(labels(fb.src, self.lang))})</span></div>")
            if facts is not None:
                facts |= choice_facts(self.scoring, cid)
            scene = self.sim.scene(choice.next)
        self.transcript.value = "<hr>".join(lines)
        text = md_inline(self.variant.fill(scene_text(scene, facts)))
        self.scene_html.value = f"<div style='margin-top:8px'><b>{text}</b></div>"
        buttons = []
        for cid in self.variant.orders.get(scene.id, []):
            c = next(ch for ch in scene.choices if ch.id == cid)
            b = button(self.variant.fill(c.text), layout=lay(width="100%", height="auto"),
                       tooltip=self.variant.fill(c.text))
            b.add_class("ctip-choice")
            b.on_click(lambda _, cid=cid: self.choose(cid))
            buttons.append(b)
        old, self.buttons.children = self.buttons.children, buttons
        for b in old:      # the last scene's choices: no model left behind in the browser
            b.close()
        self.debrief.value, self.chart.layout.display = "", "none"
        if scene.is_end:
            self.finish()

    def result(self):
        return score_path(self.sim, self.scoring, self.path) if self.scoring else None

    def finish(self) -> None:
        if not self.scoring:
            self.debrief.value = f"<b>{esc(self.t('sim_recorded'))}</b>"
            return
        res = self.result()
        sc = self.scoring
        steps = {s.id: s for s in sc.steps}
        harms = {h.id: h for h in sc.harms}
        parts = [f"<h4>{esc(self.t('sim_debrief'))}: {res.points:g} / {res.max_points:g}</h4>"]
        # the verdict follows the path: a path with harm never reads as if all went well
        verdict, cls = (("sim_verdict_harm", "ctip-fb-bad") if res.harms else
                        ("sim_verdict_missed", "ctip-fb-part") if res.missed or res.misordered else
                        ("sim_verdict_full", "ctip-fb-ok"))
        parts.append(f"<p class='{cls}'><b>{esc(self.t(verdict))}</b></p>")

        def listing(title: str, cls: str, entries) -> None:
            if entries:
                parts.append(f"<b class='{cls}'>{esc(self.t(title))}:</b><ul>" + "".join(
                    f"<li>{esc(e.label)} <span class='ctip-src'>({esc(labels(e.src, self.lang))})</span></li>"
                    for e in entries) + "</ul>")
        listing("sim_done", "ctip-fb-ok", [steps[s] for s in res.done])
        listing("sim_missed", "ctip-fb-part", [steps[s] for s in res.missed])
        listing("sim_harmed", "ctip-fb-bad", [harms[h] for h in res.harms])
        if res.misordered:
            parts.append(f"<b class='ctip-fb-part'>{esc(self.t('sim_order'))}:</b><ul>" + "".join(
                f"<li>{esc(steps[a].label)} → {esc(steps[b].label)}</li>" for a, b in res.misordered) + "</ul>")
        parts.append(f"<div>{md_inline(self.variant.fill(sc.debrief))} "
                     f"<span class='ctip-src'>({esc(labels(sc.src, self.lang))})</span></div>")
        parts.append(f"<div class='ctip-src'>{esc(self.t('sim_rule'))}</div>")
        self.debrief.value = "".join(parts)
        model = score_path(self.sim, sc, sc.model_path)
        self.chart.value = plots.png(plots.path_chart(res.cumulative, model.cumulative, res.max_points, self.lang))
        self.chart.layout.display = None
