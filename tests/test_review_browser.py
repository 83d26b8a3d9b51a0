"""The review page (issue 14) in the trainee app (Voilà) in headless Debian Chromium.

A trainee who studied modules 1-3 (answer files in the past) sees "бүгүн кайталоого N суроо"
on the start page, follows the link, answers every item of the session by clicking (some right,
some wrong) and gets feedback for each; the review state file then holds one new review per
answered item and the next due dates are FSRS's for those ratings at those times (a wrong answer
comes back sooner). The review page also fits a phone screen (no sideways scrolling).

The app and the browser are the shared fixtures (tests/conftest.py, tests/browser_support.py).
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fsrs import Card

from browser_support import layout_problems, open_page, wait_ready

from ctip.i18n import t
from ctip.review import schedule
from ctip.review.items import catalogue
from ctip.review.state import FILENAME, SCHEDULER, ReviewState, as_utc, card_id, rating

pytestmark = [pytest.mark.browser, pytest.mark.slow]

# the app and browser fixtures come from tests/conftest.py, the helpers from tests/browser_support.py


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
    assert layout_problems(page) == []
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
    assert layout_problems(page) == []
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
