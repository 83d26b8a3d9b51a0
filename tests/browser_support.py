"""What the browser tests share (headless Debian Chromium driven by Playwright, no downloaded
browser): the browser's path and flags, starting the Voilà app on a throw-away copy of the course,
opening a page that records console and network errors, waiting until its widgets are usable, and
the layout check (sideways scrolling, overlapping option labels, small tap targets).

The `app` and `browser` fixtures built from these live in tests/conftest.py; benchmarks/app_speed.py
uses the same helpers."""
from __future__ import annotations

import html
import os
import re
import shutil
import time
from pathlib import Path

from ctip import paths
from ctip.content import loader
from ctip.content.models import Case, CaseBlock, QuizBlock

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SIZES = {"desktop": (1400, 900), "phone": (390, 844)}
READY = "body[data-ctip-ready='1']"
WIDGETS = "body[data-ctip-widgets='1']"      # widgets drawn (ctip/app/app.js redraws any Voilà missed)
# console noise of Voilà's bundled JupyterLab 4.2 core against newer extension builds: warnings only
IGNORED_CONSOLE = ("Unsatisfied version", "No satisfying version", "Starting WebSocket", "widget model not found")
# what a trainee must never see on a page: code, Python errors, keys
BAD_TEXT = ("Traceback", "Error", "model not found", "import ", "ctip.", "BEGIN SOLUTION")
LEFT_BEHIND = ("*.answers.json*", "*.visits.json", "*.handin.json", "*.zip", "ctip-settings.json",
               "review.state.json*")


def require_browser() -> None:
    """Skip (fail in CI) when Chromium or Playwright is missing."""
    import pytest
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI: ./run test installs it")
        pytest.skip("no /usr/bin/chromium (./run test installs it)")
    pytest.importorskip("playwright")


def course_copy(dest: Path) -> Path:
    """The trainee pages of this checkout, without anybody's answers, under dest."""
    for name in ("modules", "exercises"):
        shutil.copytree(paths.ROOT / name, dest / name, ignore=shutil.ignore_patterns(*LEFT_BEHIND))
    return dest


def start_app(course: Path, timeout: float = 180, preheat: bool = False):
    """The Voilà app serving ``course`` (a copy: pages write answer files beside themselves);
    ``preheat``: with page kernels started in advance, as ``./run app`` serves (the tests that
    are not about it go without: 19 kernels per app would crowd out parallel test workers).

    Parallel test workers each start an app on a free port; two may be handed the same one.
    The app counts as started only when its own process listens on its port (App.wait), so the
    loser is started again on another port."""
    from ctip.app.launch import App
    for _ in range(3):
        a = App(course, preheat=preheat)
        try:
            a.wait(timeout)
            return a
        except RuntimeError as e:         # wait() has stopped it
            failure = e
    raise RuntimeError(f"the app did not start on a port of its own: {failure}")


def settle(app, quiet_s: float = 2.0, timeout: float = 240, first: float = 0.0) -> float:
    """Wait ``first`` seconds, then until the app has as many kernels as pages it starts in
    advance and it and its kernels have been idle (under 10% of one core) for ``quiet_s``
    seconds: every page kernel the app starts in advance is ready (a page's
    next kernel starts launch.REFILL_DELAY_S after the last one was taken: pass more after opening
    pages).
    Returns the seconds waited."""
    import psutil
    t0 = time.monotonic()
    time.sleep(first)
    root = psutil.Process(app.proc.pid)

    def cpu() -> float:
        total = 0.0
        for p in [root, *root.children(recursive=True)]:
            try:
                total += sum(p.cpu_times()[:2])
            except psutil.NoSuchProcess:
                pass
        return total
    # pre-starts come one every 3 s and each takes about 1 s of processor time: the gaps between
    # them are quiet too, so the app has settled only once every page's kernel is there
    need = len(getattr(app, "preheated", None) or [])
    while time.monotonic() - t0 < timeout:
        before = cpu()
        time.sleep(quiet_s)
        if cpu() - before < 0.1 * quiet_s and len(kernel_processes(app)) >= need:
            return time.monotonic() - t0
    raise RuntimeError(f"the app was still busy after {timeout} s")


def saved_answer(answer_file: Path, sid: str, timeout: float = 60) -> dict:
    """The stored answer ``sid`` once it is in the answer file: the feedback shows on the page
    before the page's kernel has written the file."""
    import json
    deadline = time.monotonic() + timeout
    while True:
        try:
            return json.loads(answer_file.read_text(encoding="utf-8"))["answers"][sid]
        except (KeyError, FileNotFoundError, ValueError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)


def module_items(mid: str):
    """(storage id, question) of a module page in page order; case parts as 'case/part'."""
    bank = {q.id: q for q in loader.bank(mid).questions}
    for s in loader.module(mid).sections:
        for b in s.blocks:
            if isinstance(b, QuizBlock):
                for qid in b.quiz:
                    yield qid, bank[qid]
            elif isinstance(b, CaseBlock) and isinstance(bank.get(b.case), Case):
                for p in bank[b.case].parts:
                    yield f"{b.case}/{p.id}", p


def first_single_choice(mid: str):
    """The first single-choice self-check question of a module page (not a case part)."""
    return next(q for sid, q in module_items(mid) if "/" not in sid and q.kind == "single")


def plain(text: str) -> str:
    """A prompt as the page shows it: no markdown stars, entities resolved, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(text.replace("**", ""))).strip()


def box_of(page, text: str, has: str = "button", nth: int = 0):
    """The ``nth`` question box holding ``text`` and an element ``has``: innermost widget boxes
    only, not found by the .ctip-q class (a widget Voilà missed and app.js redrew may come
    without its classes); nth counts questions with the same prompt (e.g. two cases' parts)."""
    boxes = page.locator(".widget-vbox", has_text=text).filter(has=page.locator(has))
    return boxes.filter(has_not=boxes).nth(nth)


def open_page(browser, size: str):
    """A fresh context and page at ``size``; returns (context, page, problems), where problems
    collects console errors, page errors, failed requests and HTTP errors as they happen."""
    w, h = SIZES[size]
    ctx = browser.new_context(viewport={"width": w, "height": h}, accept_downloads=True)
    page = ctx.new_page()
    page.set_default_timeout(180_000)          # a loaded 2-core machine needs the margin
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type == "error" and not any(s in m.text for s in IGNORED_CONSOLE) else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    # the kernel shutdown beacon sent while a page is left shows as "failed" to the leaving page
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}")
            if "/voila/api/shutdown/" not in r.url else None)
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    return ctx, page, problems


def wait_ready(page) -> None:
    """Until the page's widgets are usable; then: no code, no error cell, no error text shown."""
    page.wait_for_selector(READY)
    page.wait_for_selector(WIDGETS)
    page.wait_for_timeout(500)
    assert page.locator(".jp-CodeCell .jp-InputArea, .jp-CodeMirrorEditor, .cm-editor").count() == 0
    assert page.locator(".ctip-cell-error").count() == 0
    body = page.inner_text("body")
    for bad in BAD_TEXT:
        at = body.find(bad)
        assert at < 0, f"{bad!r} on the page: …{body[max(0, at - 200):at + 200]}…"


def kernel_processes(app):
    import psutil
    return [p for p in psutil.Process(app.proc.pid).children(recursive=True)
            if "ipykernel_launcher" in " ".join(p.cmdline())]


def layout_problems(page, targets: bool = True) -> list[str]:
    """Sideways scrolling, overlapping option labels, tap targets under 40 px high.

    Every widget on the page counts, not only those inside a question box (.ctip-q): a widget
    that lost its classes must still not overlap or shrink."""
    return page.evaluate("""(targets) => {
      const out = [];
      const cells = document.getElementById('rendered_cells');
      if (cells && cells.scrollWidth > cells.clientWidth + 1) out.push('sideways scroll ' + cells.scrollWidth);
      if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push('page wider than window');
      const root = cells || document.body;
      const groups = [...root.querySelectorAll('.widget-radio-box')].map(g => [...g.querySelectorAll('label')]);
      const boxes = new Set([...root.querySelectorAll('.widget-checkbox')].map(c => c.parentElement));
      for (const b of boxes) groups.push([...b.children].filter(c => c.classList.contains('widget-checkbox')));
      for (const group of groups) {
        const rects = group.map(e => e.getBoundingClientRect()).filter(r => r.height > 0);
        for (let i = 0; i < rects.length; i++) for (let j = i + 1; j < rects.length; j++) {
          const a = rects[i], b = rects[j];
          const dx = Math.min(a.right, b.right) - Math.max(a.left, b.left);
          const dy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
          if (dx > 1 && dy > 1) out.push('overlap: ' + group[i].innerText.slice(0, 40));
        }
      }
      if (targets) {
        for (const t of root.querySelectorAll('.widget-radio-box label, .widget-checkbox, .jupyter-widgets button, .jupyter-widgets select')) {
          const r = t.getBoundingClientRect();
          if (r.height > 0 && r.height < 39.5) out.push('small target ' + r.height + ': ' + t.innerText.slice(0, 30));
        }
      }
      return out;
    }""", targets)
