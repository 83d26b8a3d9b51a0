"""The review page (issue 14) in the trainee app (Voilà) in headless Debian Chromium.

A trainee who studied modules 1-3 (answer files in the past) sees "бүгүн кайталоого N суроо"
on the start page, follows the link, answers every item of the session by clicking (some right,
some wrong) and gets feedback for each; the review state file then holds one new review per
answered item and the next due dates are FSRS's for those ratings at those times (a wrong answer
comes back sooner). The review page also fits a phone screen (no sideways scrolling).

The app and browser plumbing below is a minimal copy of tests/test_app_browser.py (to be pointed
at the shared browser helpers when they exist).
"""
from __future__ import annotations

import json
import os
import re
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fsrs import Card

from ctip import paths
from ctip.i18n import t
from ctip.review import schedule
from ctip.review.items import catalogue
from ctip.review.state import FILENAME, SCHEDULER, ReviewState, as_utc, card_id, rating

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# --- copied from tests/test_app_browser.py (minimum) ---------------------------------------
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SIZES = {"desktop": (1400, 900), "phone": (390, 844)}
READY = "body[data-ctip-ready='1']"
WIDGETS = "body[data-ctip-widgets='1']"
IGNORED_CONSOLE = ("Unsatisfied version", "No satisfying version", "Starting WebSocket", "widget model not found")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing in CI: ./run test installs it")
        pytest.skip("no /usr/bin/chromium (./run test installs it)")
    pytest.importorskip("playwright")
    pytest.importorskip("voila")
    from ctip.app.launch import App
    course = tmp_path_factory.mktemp("course")
    for name in ("modules", "exercises"):
        shutil.copytree(paths.ROOT / name, course / name, ignore=shutil.ignore_patterns(
            "*.answers.json*", "*.visits.json", "*.handin.json", "*.zip", FILENAME + "*"))
    a = App(course)
    try:
        a.wait(180)
        yield a
    finally:
        a.stop()


@pytest.fixture(scope="module")
def browser(app):
    from playwright.sync_api import expect, sync_playwright
    expect.set_options(timeout=60_000)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


def open_page(browser, size):
    w, h = SIZES[size]
    ctx = browser.new_context(viewport={"width": w, "height": h})
    page = ctx.new_page()
    page.set_default_timeout(180_000)
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type == "error" and not any(s in m.text for s in IGNORED_CONSOLE) else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}")
            if "/voila/api/shutdown/" not in r.url else None)
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    return ctx, page, problems


def wait_ready(page):
    page.wait_for_selector(READY)
    page.wait_for_selector(WIDGETS)
    page.wait_for_timeout(500)
    assert page.locator(".jp-CodeCell .jp-InputArea, .jp-CodeMirrorEditor, .cm-editor").count() == 0
    assert page.locator(".ctip-cell-error").count() == 0
    body = page.inner_text("body")
    for bad in ("Traceback", "Error", "model not found", "import ", "ctip.", "BEGIN SOLUTION"):
        assert bad not in body, bad


def sideways(page) -> list[str]:
    return page.evaluate("""() => {
      const out = [];
      const cells = document.getElementById('rendered_cells');
      if (cells && cells.scrollWidth > cells.clientWidth + 1) out.push('sideways scroll ' + cells.scrollWidth);
      if (document.documentElement.scrollWidth > window.innerWidth + 1) out.push('page wider than window');
      return out;
    }""")
# -------------------------------------------------------------------------------------------


def singles(mid):
    return [sid for sid, it in catalogue().items()
            if it.module == mid and it.case is None and it.question.kind == "single"]


def prepare(folder: Path, now: datetime):
    """Modules 1-3 studied: every self-check item answered (right) half an hour ago, except
    three answered ten days ago (one of them wrongly: all three are due now) and two left
    unanswered (new). Returns (due ids, new ids)."""
    due = [singles("m01")[0], singles("m02")[0], singles("m03")[0]]
    new = [singles("m02")[1], singles("m03")[1]]
    items = catalogue()
    for mid in ("m01", "m02", "m03"):
        answers = {}
        for sid, it in items.items():
            if it.module != mid or sid in new:
                continue
            wrong = sid == due[1]
            when = now - (timedelta(days=10) if sid in due else timedelta(minutes=30))
            q = it.question
            value = next(o.id for o in q.options if o.id != q.key) if wrong else q.key
            answers[sid] = {"value": value, "time": when.isoformat(timespec="seconds"), "attempts": 1,
                            "fraction": 0.0 if wrong else 1.0}
        (folder / f"{mid}.answers.json").write_text(json.dumps(
            {"format": "ctip-answers", "version": 1, "notebook": mid, "answers": answers},
            ensure_ascii=False), encoding="utf-8")
    return due, new


def option_label(q, option_id):
    text = re.sub(r"\s+", " ", next(o.text for o in q.options if o.id == option_id)).strip()
    return re.compile(r"^\s*\S{1,3}\)\s+" + re.escape(text).replace(r"\ ", r"\s+") + r"\s*$")


def test_review_session_in_the_browser(app, browser, tmp_path):
    from playwright.sync_api import expect
    folder = app.course / "modules"
    due, new = prepare(folder, datetime.now(timezone.utc))
    session = due + new
    items = catalogue()
    prompts = {sid: re.sub(r"\s+", " ", items[sid].question.prompt.replace("**", "")).strip()[:40] for sid in session}
    assert len(set(prompts.values())) == len(session)
    before = ReviewState(folder)                      # the history as the page will find it
    assert sorted(schedule.plan(before)) == sorted(session)
    cards_before = {sid: before.cards.get(sid) for sid in session}
    n = schedule.today_count(before)
    assert n == len(session)

    # the review page fits a phone
    ctx, page, problems = open_page(browser, "phone")
    page.goto(f"{app.base}/voila/render/modules/kaitaloo.ipynb")
    wait_ready(page)
    expect(page.locator(".ctip-q").first).to_be_visible()
    page.screenshot(path=str(tmp_path / "review-phone.png"), full_page=True)
    assert sideways(page) == []
    assert problems == [], "\n".join(problems)
    ctx.close()

    # desktop: the start page offers today's review, its link opens the page
    ctx, page, problems = open_page(browser, "desktop")
    page.goto(app.url)
    wait_ready(page)
    expect(page.locator("body")).to_contain_text(t("review_today", "ky", n=n))
    page.locator("a", has_text=t("review_open", "ky")).first.click()
    page.wait_for_url("**/voila/render/modules/kaitaloo.ipynb")
    wait_ready(page)
    head = page.locator("p", has_text=t("review_session_head", "ky", n=n, due=3, new=2, modules="X").split(":")[0])
    expect(head.first).to_be_visible()

    # answer every item: the first and third due item and the first new one right, the others wrong
    right = {due[0], due[2], new[0]}
    notes = {}
    for sid in session:
        q = items[sid].question
        widget = page.locator(".ctip-q", has_text=prompts[sid]).first
        widget.scroll_into_view_if_needed()
        choice = q.key if sid in right else next(o.id for o in q.options if o.id != q.key)
        widget.locator("label", has_text=option_label(q, choice)).first.click()
        widget.get_by_role("button", name=t("check", "ky")).click()
        expect(widget).to_contain_text(t("correct", "ky") if sid in right else t("incorrect", "ky"))
        expect(widget).to_contain_text(t("source", "ky"))
        box = widget.locator("xpath=..")
        expect(box).to_contain_text(t("review_next", "ky", date="X").split("X")[0])
        notes[sid] = box.inner_text()
    expect(page.locator("body")).to_contain_text(t("review_done", "ky", right=len(right), total=len(session)))
    page.screenshot(path=str(tmp_path / "review-desktop.png"), full_page=True)
    assert sideways(page) == []
    assert problems == [], "\n".join(problems)
    ctx.close()

    # one new review per answered item, and FSRS's next due dates for those ratings at those times
    data = json.loads((folder / FILENAME).read_text(encoding="utf-8"))
    reviews = [log for log in data["logs"] if log.get("source") == "review"]
    assert sorted(log["item"] for log in reviews) == sorted(session)
    due_at = {}
    for log in reviews:
        sid = log["item"]
        assert log["fraction"] == (1.0 if sid in right else 0.0)
        when = as_utc(datetime.fromisoformat(log["time"]))
        card = cards_before[sid] or Card(card_id=card_id(sid), due=when)
        expected, _ = SCHEDULER.review_card(card, rating(log["fraction"]), review_datetime=when)
        stored = Card.from_dict(data["cards"][sid])
        assert stored.due == expected.due and stored.stability == pytest.approx(expected.stability)
        due_at[sid] = stored.due
        # the line under the feedback named that date
        assert t("review_next", "ky", date=as_utc(stored.due).astimezone().strftime("%d.%m.%Y")) in notes[sid]
    after = ReviewState(folder)
    assert {sid: after.cards[sid].due for sid in session} == due_at
    # a wrong answer comes back sooner than a right one (due and new items alike)
    assert due_at[due[1]] < min(due_at[due[0]], due_at[due[2]])
    assert due_at[new[1]] < due_at[new[0]]
    assert due_at[due[1]] - as_utc(datetime.fromisoformat(
        next(log["time"] for log in reviews if log["item"] == due[1]))) <= timedelta(days=1)
    # and nothing is left for today
    assert schedule.today_count(after) == 0
