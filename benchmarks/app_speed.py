"""Speed of the trainee app (Voilà) as a trainee feels it, in headless Debian Chromium.

    .venv/bin/python benchmarks/app_speed.py              # 5 loads per page, 10 clicks
    .venv/bin/python benchmarks/app_speed.py --loads 3 --clicks 5

Starts the app on a free port with a throw-away copy of the course (as the browser tests do),
twice: with page kernels started in advance (``./run app``, the default, ctip/app/kernels.py;
each load waits until the app is idle, i.e. the page's kernel is ready, as it is when a trainee
spends more than a few seconds on a page), and without them (``./run app --no-preheat``, and
every page on the academy hub). For each it measures
  * page ready: from navigation to every widget usable (body[data-ctip-widgets='1'], set by the
    app once Voilà has drawn all widgets), for module 1 and exercise 1; median of --loads, each
    in a new kernel, measured twice:
      - "from the start page": the trainee arrives from the start page, as the app is used, so
        the browser already holds Voilà's scripts (each load in a fresh context that opened the
        start page first);
      - "first visit": a fresh browser profile that has never loaded the app;
  * the first minute: the app just started (still starting page kernels), a new browser opens
    the start page, then module 1, the start page again and exercise 1, with no pause; median
    of --starts app starts (--first-minute-only: only this);
  * click -> feedback: a right answer chosen on a self-check question of module 1, then the time
    from the click on «Текшерүү» to the feedback text on the page (measured inside the page);
    «Кайра аракет кылуу» clears it between clicks; median of --clicks.
Prints the figures with the date, the machine's cores, load average and speed at the moment
(a fixed piece of Python timed before and after: figures from different runs compare only
together with it), and the targets
(page ready <= 3 s, click -> feedback <= 50 ms). A script, not a test: timings depend on the
machine and on what else runs on it.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import browser_support as bs  # noqa: E402  (tests/browser_support.py: Chromium, app, page helpers)

from ctip.app import launch  # noqa: E402
from ctip.engine.shuffle import display_order  # noqa: E402
from ctip.engine.widgets import letter  # noqa: E402
from ctip.i18n import t  # noqa: E402

READY_TARGET_S = 3.0
CLICK_TARGET_MS = 50.0
PAGES = {"module 1": "modules/m01.ipynb", "exercise 1": "exercises/ex01/ex01.ipynb"}
MODES = {"kernels started in advance (./run app)": True, "no kernel in advance (./run app --no-preheat, hub)": False}
FIRST_MINUTE = ("start page", "module 1", "start page again", "exercise 1")

FEEDBACK_JS = """(box, [check, ok]) => new Promise((resolve) => {
  const button = [...box.querySelectorAll('button')].find(b => b.textContent.includes(check));
  const t0 = performance.now();
  const seen = new MutationObserver(() => {
    if (box.innerText.includes(ok)) { seen.disconnect(); resolve(performance.now() - t0); }
  });
  seen.observe(box, {subtree: true, childList: true, characterData: true});
  button.click();
})"""


def page_ready(browser, app, url: str, start_url: str | None = None) -> tuple[float, float, float]:
    """(ready, page sent, scripts loaded) in seconds from navigation: the server has run the page
    in a new kernel when the last byte is sent; Voilà's scripts have loaded at the load event;
    ready when every widget is drawn."""
    if app.preheated:                         # the page's kernel is ready, as a trainee finds it
        bs.settle(app, first=launch.REFILL_DELAY_S + 1)
    ctx, page, problems = bs.open_page(browser, "desktop")
    if start_url:                             # arrive from the start page: scripts in the cache
        page.goto(start_url)
        page.wait_for_selector(bs.WIDGETS)
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(bs.WIDGETS)
    took = time.perf_counter() - start
    sent, loaded = page.evaluate("() => { const n = performance.getEntriesByType('navigation')[0];"
                                 " return [n.responseEnd / 1000, n.loadEventEnd / 1000]; }")
    bs.wait_ready(page)                       # and the page shows no error
    assert not problems, problems
    page.goto("about:blank")                  # leaving the page shuts its kernel down
    ctx.close()
    return took, sent, loaded


def reference_s() -> float:
    """A fixed piece of pure Python (the sum of 10**7 squares), median of 3: how fast this machine
    is at the moment. Shared 2-core machines vary by half or more from one hour to the next, so
    figures from different runs compare only together with this one."""
    times = []
    for _ in range(3):
        start = time.perf_counter()
        sum(i * i for i in range(10**7))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def first_minute(browser, work: Path, preheat: bool) -> list[float]:
    """A trainee who starts the app and goes straight in, while the app is still starting page
    kernels: the start page on a first visit as soon as the app answers, then module 1, back to
    the start page, then exercise 1. Seconds to page ready for each of FIRST_MINUTE."""
    app = bs.start_app(bs.course_copy(work), preheat=preheat)
    try:
        ctx, page, problems = bs.open_page(browser, "desktop")
        times = []
        for url in (app.url, f"{app.base}/voila/render/{PAGES['module 1']}", app.url,
                    f"{app.base}/voila/render/{PAGES['exercise 1']}"):
            start = time.perf_counter()
            page.goto(url)
            page.wait_for_selector(bs.WIDGETS)
            times.append(time.perf_counter() - start)
            bs.wait_ready(page)
        assert not problems, problems
        page.goto("about:blank")
        ctx.close()
    finally:
        app.stop()
    return times


def click_feedback(browser, app, clicks: int) -> list[float]:
    q = bs.first_single_choice("m01")
    ctx, page, problems = bs.open_page(browser, "desktop")
    page.goto(f"{app.base}/voila/render/modules/m01.ipynb")
    bs.wait_ready(page)
    seed = json.loads((app.course / "modules" / "m01.answers.json").read_text(encoding="utf-8"))["seed"]
    shown = display_order(q, seed, q.id)
    label = f"{letter(shown.index(q.key))}) {next(o.text for o in q.options if o.id == q.key)}"
    box = bs.box_of(page, bs.plain(q.prompt)[:60])
    box.scroll_into_view_if_needed()
    handle = box.element_handle()
    times = []
    for _ in range(clicks):
        box.locator("label", has_text=label).first.click()
        page.wait_for_timeout(300)            # the choice reaches the kernel before Check is pressed
        times.append(handle.evaluate(FEEDBACK_JS, [t("check"), t("correct")]))
        box.get_by_role("button", name=t("retry")).click()
        page.wait_for_function("b => !b.innerText.includes(%s)" % json.dumps(t("correct")), arg=handle)
    assert not problems, problems
    page.goto("about:blank")
    ctx.close()
    return times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--loads", type=int, default=5, help="fresh loads per page (median)")
    ap.add_argument("--clicks", type=int, default=10, help="clicks on «Текшерүү» (median)")
    ap.add_argument("--starts", type=int, default=3, help="app starts for the first-minute figures (median)")
    ap.add_argument("--first-minute-only", action="store_true", help="measure only the first minute after start")
    args = ap.parse_args(argv)
    if not bs.CHROMIUM.exists():
        print(f"no {bs.CHROMIUM}: ./run test installs it", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright
    load_before = os.getloadavg()
    ref_before = reference_s()
    work = Path(tempfile.mkdtemp(prefix="ctip-speed-"))
    results: dict[tuple[str, str, str], list[tuple[float, float, float]]] = {}
    starts: dict[str, list[list[float]]] = {}
    try:
        with sync_playwright() as p:
            browser = bs.launch_chromium(p)
            for mode, preheat in MODES.items():
                starts[mode] = [first_minute(browser, work / f"{mode}-start{i}", preheat)
                                for i in range(args.starts)]
                if args.first_minute_only:
                    continue
                app = bs.start_app(bs.course_copy(work / mode), preheat=preheat)
                try:
                    for name, rel in PAGES.items():
                        url = f"{app.base}/voila/render/{rel}"
                        results[(mode, name, "from the start page")] = [
                            page_ready(browser, app, url, app.url) for _ in range(args.loads)]
                        results[(mode, name, "first visit")] = [
                            page_ready(browser, app, url) for _ in range(args.loads)]
                    if preheat:
                        bs.settle(app, first=launch.REFILL_DELAY_S + 1)
                        clicks = click_feedback(browser, app, args.clicks)
                finally:
                    app.stop()
            browser.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load_after = os.getloadavg()
    ref_after = reference_s()

    def verdict(ok: bool) -> str:
        return "meets the target" if ok else "MISSES the target"
    print(f"ctip trainee app speed, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC")
    print(f"machine: {os.cpu_count()} cores; load average (1/5/15 min) before "
          f"{' '.join(f'{x:.2f}' for x in load_before)}, after {' '.join(f'{x:.2f}' for x in load_after)}")
    print(f"machine speed reference (sum of 10**7 squares in Python, lower is faster): "
          f"{ref_before:.2f} s before, {ref_after:.2f} s after")
    for (mode, name, how), runs in results.items():
        times = [r[0] for r in runs]
        med = statistics.median(times)
        sent, loaded = (statistics.median(r[i] for r in runs) for i in (1, 2))
        print(f"page ready, {mode}, {name}, {how}: median {med:.2f} s of {len(times)} loads "
              f"({', '.join(f'{x:.2f}' for x in times)}); target <= {READY_TARGET_S:g} s: "
              f"{verdict(med <= READY_TARGET_S)}")
        print(f"    of which: page run by the server and sent {sent:.2f} s, scripts loaded {loaded:.2f} s, "
              f"widgets built and drawn {med - loaded:.2f} s")
    for mode, runs in starts.items():
        meds = ", ".join(f"{name} {statistics.median(r[i] for r in runs):.2f} s"
                         for i, name in enumerate(FIRST_MINUTE))
        print(f"first minute, {mode}: app started, then straight in (median of {len(runs)} starts): {meds}")
    if args.first_minute_only:
        return 0
    med = statistics.median(clicks)
    print(f"click -> feedback (module 1, «{t('check')}»): median {med:.0f} ms of {len(clicks)} clicks "
          f"(min {min(clicks):.0f}, max {max(clicks):.0f}); target <= {CLICK_TARGET_MS:g} ms: "
          f"{verdict(med <= CLICK_TARGET_MS)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
