"""The trainee app (Voilà) in headless Debian Chromium (Playwright, no downloaded browser).

Desktop (1400x900) and phone (390x844): the start page opens with no code and no console errors,
a module link leads to module 1, a question answered by clicking gives feedback, labels do not
overlap, nothing scrolls sideways. Exercise 1: an answer by clicking, free text typed in Cyrillic
reaches the answer file, a reload keeps both, "Тапшыруу" lists what is unanswered, asks, and
offers a zip that `ctip-grade` grades, with the free text in the manually graded answer cell.
"""
from __future__ import annotations

import json
import re
import shutil
import time

import nbformat
import pytest
from browser_support import (box_of, first_single_choice, kernel_processes, layout_problems, open_page, plain,
                             saved_answer, wait_ready)

from ctip import paths
from ctip.content import loader
from ctip.engine.shuffle import display_order
from ctip.engine.widgets import letter
from ctip.i18n import t

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_start_page_module_link_answer_feedback(app, browser, size, tmp_path):
    from playwright.sync_api import expect
    before = len(kernel_processes(app))
    ctx, page, problems = open_page(browser, size)
    t0 = time.monotonic()
    page.goto(app.url)
    wait_ready(page)
    assert page.title() == loader.course()["start_title"]
    expect(page.locator(".ctip-progress")).to_contain_text("0 / ")
    m = loader.module("m01")
    page.locator("a", has_text=m.title).first.click()
    page.wait_for_url("**/voila/render/modules/m01.ipynb")
    wait_ready(page)
    assert page.evaluate("document.getElementById('rendered_cells').scrollTop") == 0   # opens at its top
    q = first_single_choice("m01")
    widget = box_of(page, plain(q.prompt)[:40])
    # options stand in this trainee's order: drawn from the seed the page kept in the answer file
    seed = json.loads((app.course / "modules" / "m01.answers.json").read_text(encoding="utf-8"))["seed"]
    shown = display_order(q, seed, q.id)
    label = f"{letter(shown.index(q.key))}) {next(o.text for o in q.options if o.id == q.key)}"
    widget.locator("label", has_text=label).first.click()
    widget.get_by_role("button", name="Текшерүү").click()
    expect(widget).to_contain_text("Туура!")
    page.screenshot(path=str(tmp_path / f"m01-{size}.png"))
    assert layout_problems(page) == []
    # another option clicked: the verdict gives way to a note until it is checked (no "right!"
    # next to an answer that was never checked); the checked answer brings its feedback back
    other = next(o for o in q.options if o.id != q.key)
    widget.locator("label", has_text=f"{letter(shown.index(other.id))}) {other.text}").first.click()
    expect(widget).to_contain_text("Жооп өзгөртүлдү")
    expect(widget).not_to_contain_text("Туура!")
    widget.locator("label", has_text=label).first.click()
    expect(widget).to_contain_text("Туура!")
    assert saved_answer(app.course / "modules" / "m01.answers.json", q.id)["value"] == q.key
    # back on the start page, the progress shows the answer and offers to continue in module 1
    page.goto(app.url)
    wait_ready(page)
    expect(page.locator(".ctip-continue")).to_contain_text(m.title)
    # pages left shut their kernels down (one kernel per open page, not one per visit)
    deadline = time.monotonic() + 60
    while len(kernel_processes(app)) > before + 1 and time.monotonic() < deadline:
        time.sleep(1)
    assert len(kernel_processes(app)) == before + 1
    assert problems == [], "\n".join(problems)
    print(f"{size}: start -> module 1 -> feedback in {time.monotonic() - t0:.1f} s")
    ctx.close()


def test_exercise_free_text_reload_hand_in_and_grading(app, browser, tmp_path):
    from playwright.sync_api import expect

    from ctip.instructor import runner
    ex = loader.exercise("ex01")
    text_item = next(it for it in ex.items if it.kind == "text")
    single = next(it for it in ex.items if it.kind == "single")
    ctx, page, problems = open_page(browser, "phone")
    page.goto(f"{app.base}/voila/render/exercises/ex01/ex01.ipynb")
    wait_ready(page)
    assert "BEGIN SOLUTION" not in page.inner_text("body")
    # a single-choice item by clicking (item 1's widget is the first graded box)
    box = box_of(page, t("choose_one"), ".widget-radio-box")       # item 1 is the first single choice
    box.locator(".widget-radio-box label").first.click()
    expect(box).to_contain_text("Жооп сакталды")
    # free text typed with Cyrillic characters, saved while typing (debounced)
    answer = "Бул адамдарды сатуу: иш-аракет, таасир этүү каражаттары жана эксплуатациялоо максаты бар. ңөү"
    area = page.locator(".ctip-freetext textarea")
    area.click()
    page.keyboard.type(answer, delay=5)
    expect(page.locator(".widget-vbox", has=area).last).to_contain_text("Сакталды")
    stored = json.loads((app.course / "exercises" / "ex01" / "ex01.answers.json").read_text(encoding="utf-8"))
    assert stored["answers"][text_item.id]["value"] == answer
    assert stored["answers"][single.id]["value"] == display_order(single, stored["seed"], single.id)[0]
    # a reload keeps both
    page.reload()
    wait_ready(page)
    expect(page.locator(".ctip-freetext textarea")).to_have_value(answer)
    expect(box_of(page, t("choose_one"), ".widget-radio-box").locator("input[type=radio]").first).to_be_checked()
    assert layout_problems(page) == []
    # hand in: the name, the list of unanswered items, confirm, a zip to download
    panel = page.locator(".ctip-handin")
    panel.locator("input[type=text]").fill("Айгүл Осмонова")
    panel.get_by_role("button", name="Тапшыруу").click()
    expect(panel).to_contain_text("Жооп берилбей калган суроолор")
    page.screenshot(path=str(tmp_path / "handin-ask.png"))
    panel.get_by_role("button", name="Ооба, тапшырам").click()
    expect(panel).to_contain_text("Тапшырылды:")
    with page.expect_download() as dl:
        panel.locator("a.ctip-download").click()
    assert re.fullmatch(r"ex01-Айгүл_Осмонова-\d{4}-\d\d-\d\d\.zip", dl.value.suggested_filename)
    zpath = tmp_path / dl.value.suggested_filename
    dl.value.save_as(zpath)
    page.screenshot(path=str(tmp_path / "handin-done.png"))
    assert problems == [], "\n".join(problems)
    # the kernel dies: the page says so and what to do, instead of leaving dead buttons
    kid = page.evaluate("window.jupyterapp.widgetManager.kernel.id")
    kernels = [p for p in kernel_processes(app) if any(kid in part for part in p.cmdline())]
    assert len(kernels) == 1
    kernels[0].kill()
    expect(page.locator("#ctip-dead")).to_be_visible(timeout=60_000)
    expect(page.locator("#ctip-dead")).to_contain_text("Баракты жаңылаңыз")
    box = page.locator("#ctip-dead").bounding_box()
    assert box["y"] < 5 and box["height"] > 30                 # at the top of the window, in view
    page.screenshot(path=str(tmp_path / "kernel-lost.png"))
    ctx.close()

    # the instructor grades the zip with ctip-grade; the free text is in formgrader's answer cell
    course = tmp_path / "grading"
    shutil.copytree(paths.SOLUTIONS / "ex01", course / "solutions" / "ex01")
    shutil.copy(paths.SOLUTIONS / "ex01.keys.yaml", course / "solutions" / "ex01.keys.yaml")
    shutil.copytree(paths.EXERCISES / "ex01", course / "exercises" / "ex01",
                    ignore=shutil.ignore_patterns("*.answers.json*", "*.handin.json", "*.zip", "*.visits.json"))
    res = runner.run("ex01", course, zpath, feedback=False, progress=False)
    assert res.graded == ["Айгүл_Осмонова"] and not res.failed, res.states
    graded = nbformat.read(course / "autograded" / "Айгүл_Осмонова" / "ex01" / "ex01.ipynb", as_version=4)
    cell = next(c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == f"{text_item.id}_answer")
    assert cell.source == answer


def test_a_kernel_that_answers_the_widget_states_late_still_gives_a_whole_page(app, browser):
    """The kernel is paused for 10 s at the moment the page opens its widget control channel,
    just before it asks for the widget states (longer than the 4 s Voilà's widget manager waits
    before it falls back to asking widget by widget): the page still comes up with every widget
    drawn and working, without a reload."""
    import os
    import signal
    import threading

    from playwright.sync_api import expect
    before = {k.pid for k in kernel_processes(app)}
    ctx, page, problems = open_page(browser, "desktop")
    kernel: list[int] = []
    paused: list[int] = []

    def resume(pid: int) -> None:
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass

    def on_websocket(ws):
        def sent(payload):
            data = payload if isinstance(payload, (bytes, bytearray)) else payload.encode()
            if not kernel:          # the page's first message: its kernel is running by now
                kernel.extend(k.pid for k in kernel_processes(app) if k.pid not in before)
            # the control channel is opened and the states asked for in one go, without waiting
            # for a reply: stopping the kernel at the opening leaves the request unanswered
            if b"jupyter.widget.control" in data and not paused and len(kernel) == 1:
                os.kill(kernel[0], signal.SIGSTOP)
                paused.append(kernel[0])
                threading.Timer(10, resume, args=(kernel[0],)).start()
        ws.on("framesent", sent)
    page.on("websocket", on_websocket)
    t0 = time.monotonic()
    page.goto(f"{app.base}/voila/render/modules/m01.ipynb")
    wait_ready(page)
    assert len(paused) == 1 and time.monotonic() - t0 > 10          # the page's own kernel was paused
    q = first_single_choice("m01")
    box = box_of(page, plain(q.prompt)[:40])
    box.get_by_role("button", name=t("retry")).click()               # (another test may have answered it)
    expect(box.locator("input[type=radio]:checked")).to_have_count(0)
    box.get_by_role("button", name=t("check")).click()               # nothing chosen: says so
    expect(box).to_contain_text(t("need_answer"))
    assert problems == [], "\n".join(problems)
    page.goto("about:blank")
    ctx.close()
