"""Page kernels the trainee app starts in advance (ctip/app/kernels.py, ``wait_for_trainee``).

Every page stops before it reads the trainee's files, so a kernel started minutes earlier still
shows what the trainee did since; a kernel that cannot hear from the app stops its page instead of
showing old answers; the app pre-starts the pages of its language, most likely first, within a
share of the free memory; and, with a real app and a real browser, an answer given after a page's
next kernel was started is on the page when the trainee comes back.
"""
from __future__ import annotations

import json
import re
import socket
import time
import urllib.request

import nbformat
import pytest

from ctip import paths
from ctip.app import launch

APP_FOLDERS = (paths.MODULES, paths.EXERCISES)


def served_pages():
    for folder in APP_FOLDERS:
        yield from sorted(folder.rglob("*.ipynb"))


def test_every_app_page_waits_for_the_trainee_before_it_reads_their_files():
    checked = 0
    for path in served_pages():
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code" and "parameters" not in c.metadata.get("tags", [])]
        if not code:                                  # the glossary: nothing of the trainee's
            continue
        lines = [ln for ln in code[0].source.splitlines() if ln.strip() and not ln.startswith("#")]
        assert "wait_for_trainee()" in lines, path
        before = lines[:lines.index("wait_for_trainee()")]
        # imports, and a module page's questions built without answers (PreparedModule: it
        # reads only the answer file's seed; the answers are read after the wait)
        assert all(ln.startswith(("from ", "import ", "P = prepare_module(")) for ln in before), (path, before)
        assert any("wait_for_trainee" in ln and "ctip.notebook" in ln for ln in before), path
        checked += 1
    assert checked >= 3 * (1 + 8 + 1) + 8          # start, modules, review in 3 languages; exercises


def test_a_page_waits_only_in_a_pre_started_kernel_and_stops_when_it_cannot_hear_from_the_app(monkeypatch):
    from ctip.notebook import NoTrainee, wait_for_trainee
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.delenv("SCRIPT_NAME", raising=False)
    wait_for_trainee()                                # Lab, papermill, nbgrader, the hub: no wait
    with socket.socket() as s:                        # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setenv("VOILA_APP_PORT", str(port))
    monkeypatch.setenv("VOILA_KERNEL_ID", "no-such-kernel")
    with pytest.raises(NoTrainee):
        wait_for_trainee()


WAITING_PAGE = """
import json, os, sys, threading
from websockets.sync.server import serve
asked = []
def hand_over(ws):                      # what Voilà sends when the trainee opens the page
    asked.append(ws.request.path)
    ws.send(json.dumps({"SCRIPT_NAME": "/voila/render/modules/m01.ipynb", "QUERY_STRING": "lang=ru"}))
server = serve(hand_over, "127.0.0.1", 0)
threading.Thread(target=server.serve_forever, daemon=True).start()
os.environ.update(VOILA_PREHEAT="True", VOILA_APP_PORT=str(server.socket.getsockname()[1]),
                  VOILA_KERNEL_ID="k-123", VOILA_SERVER_URL="/")
from ctip.notebook import wait_for_trainee
wait_for_trainee()
server.shutdown()
print(json.dumps({"asked": asked, "script": os.environ.get("SCRIPT_NAME"), "query": os.environ.get("QUERY_STRING"),
                  "heavy": sorted(m for m in ("voila", "jupyter_server", "jsonschema") if m in sys.modules)}))
"""


def test_a_pre_started_page_takes_the_trainees_request_without_loading_the_jupyter_server():
    """The page kernel receives the trainee's request from the app's websocket and puts it into
    its environment, as Voilà's own helper does, but without importing voila.utils (which loads
    the whole Jupyter server: about 4 s of processor time in every pre-started kernel)."""
    import subprocess
    import sys
    out = subprocess.run([sys.executable, "-c", WAITING_PAGE], capture_output=True, text=True, timeout=60,
                         cwd=paths.ROOT)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["asked"] == ["/voila/query/k-123"]
    assert got["script"] == "/voila/render/modules/m01.ipynb" and got["query"] == "lang=ru"
    assert got["heavy"] == []


def test_the_app_pre_starts_its_languages_pages_most_likely_first_within_a_share_of_memory(tmp_path):
    from browser_support import course_copy

    from ctip.content import loader
    from ctip.engine.store import AnswerStore
    course = course_copy(tmp_path / "course")
    root = launch.prepare(course, tmp_path / "work")
    pages = launch.preheated_pages(root, "ky", limit=100)
    # a new trainee: the start page, then each module followed by its exercise
    assert pages[:5] == ["modules/00_bashtalyshy.ipynb", "modules/m01.ipynb", "exercises/ex01/ex01.ipynb",
                         "modules/m02.ipynb", "exercises/ex02/ex02.ipynb"]
    assert pages[-2:] == ["modules/kaitaloo.ipynb", "modules/sozduk.ipynb"]
    assert len(pages) == len(set(pages)) == 1 + 8 + 8 + 2 and not any("/ru/" in p or "/en/" in p for p in pages)
    # a trainee who stopped in exercise 3: that page comes right after the start page
    item = loader.exercise("ex03").items[0].id
    AnswerStore("ex03", course / "exercises" / "ex03").put(item, "a")
    again = launch.preheated_pages(root, "ky", limit=100)
    assert again[:3] == ["modules/00_bashtalyshy.ipynb", "exercises/ex03/ex03.ipynb", "modules/m01.ipynb"]
    assert sorted(again) == sorted(pages)
    assert launch.preheated_pages(root, "ru", limit=100)[1] == "exercises/ex03/ex03.ipynb"
    # answer files it cannot read do not stop the app
    (course / "exercises" / "ex03" / "ex03.answers.json").write_text("{not json", encoding="utf-8")
    assert launch.preheated_pages(root, "ky", limit=100)[0] == "modules/00_bashtalyshy.ipynb"
    assert all((root / p).exists() for p in pages)
    (course / "exercises" / "ex03" / "ex03.answers.json").unlink()
    ru = launch.preheated_pages(root, "ru", limit=100)
    assert ru[:2] == ["modules/ru/00_bashtalyshy.ipynb", "modules/ru/m01.ipynb"]
    assert "exercises/ex01/ex01.ipynb" in ru and "modules/m01.ipynb" not in ru
    # a trainee who stopped in module 2: that page, in the app's language, as the start page's
    # "continue" link has it
    from ctip.engine import progress
    m02 = loader.bank("m02").questions[0].id
    AnswerStore("m02", course / "modules").put(m02, "a")
    assert launch.preheated_pages(root, "ky", limit=100)[1] == "modules/m02.ipynb"
    assert launch.preheated_pages(root, "ru", limit=100)[1] == "modules/ru/m02.ipynb"
    start = progress.progress_html(course / "modules", course / "exercises", "ky")
    assert "class='ctip-continue' href='m02.ipynb'" in start
    (course / "modules" / "m02.answers.json").unlink()
    # a laptop with 2 GB free pre-starts the start page and four modules; 8 GB free: all pages
    assert launch.affordable_pages(2 * 2**30) == 5
    assert launch.preheated_pages(root, "ky", limit=launch.affordable_pages(8 * 2**30)) == pages
    cmd = launch.voila_command(root, 8899, pages[:2])
    assert "--VoilaConfiguration.preheat_kernel=True" in cmd
    assert [c for c in cmd if c.startswith("--CoursePages.pages=")] == [
        "--CoursePages.pages=modules/00_bashtalyshy.ipynb", "--CoursePages.pages=modules/m01.ipynb"]
    assert not any("preheat" in c for c in launch.voila_command(root, 8899))


def test_the_app_starts_page_kernels_in_advance_unless_told_not_to(monkeypatch, capsys):
    import signal
    asked = []

    class NotStarted:                                   # records what ./run app would start
        def __init__(self, course, port, lang, preheat):
            asked.append(preheat)

        def wait(self):
            raise RuntimeError("not started in this test")

        def stop(self):
            pass
    monkeypatch.setattr(launch, "App", NotStarted)
    before = signal.getsignal(signal.SIGTERM)
    try:
        assert launch.main([]) == 1 and launch.main(["--no-preheat"]) == 1 and launch.main(["--preheat"]) == 1
    finally:
        signal.signal(signal.SIGTERM, before)
    assert asked == [True, False, True]
    assert "not started in this test" in capsys.readouterr().err


@pytest.mark.slow
def test_a_pre_started_start_page_shows_answers_given_after_its_kernel_started(tmp_path, monkeypatch):
    """The start page's kernel is started and waiting; then the trainee answers (in module 1, as
    its answer file records); the start page, opened now in that kernel, counts the answer.
    Opened again at once, before its next kernel is due, it opens in a kernel of its own instead
    of waiting for that one (the refill delay is 5 minutes here: a page that waited would time out)."""
    pytest.importorskip("voila")
    import browser_support as bs

    from ctip.engine import progress
    from ctip.engine.session import ModuleSession
    monkeypatch.setattr(launch, "REFILL_DELAY_S", 300)
    course = bs.course_copy(tmp_path / "course")
    app = bs.start_app(course, preheat=True)
    try:
        bs.settle(app)
        kernels = bs.kernel_processes(app)
        assert len(kernels) == len(app.preheated) >= 2      # started before anyone asked
        s = ModuleSession("m01", course / "modules")
        sid, item, _ = next(iter(s.parts()))
        s.store.put(sid, item.key, 1.0)
        total = progress.module_progress("m01", course / "modules").total
        page = urllib.request.urlopen(app.url, timeout=120).read().decode("utf-8")
        assert f"1 / {total}" in page and "ctip-continue" in page
        assert 'class="ctip-cell-error"' not in page
        app._log.flush()
        log = app.log_path.read_text(encoding="utf-8", errors="replace")
        assert re.search(r"Using pre-heated kernel: \S+ for modules/00_bashtalyshy\.ipynb", log), log[-2000:]
        again = urllib.request.urlopen(app.url, timeout=120).read().decode("utf-8")
        assert f"1 / {total}" in again and 'class="ctip-cell-error"' not in again
        app._log.flush()
        log = app.log_path.read_text(encoding="utf-8", errors="replace")
        assert len(re.findall(r"Using pre-heated kernel: \S+ for modules/00_bashtalyshy\.ipynb", log)) == 1
    finally:
        app.stop()
    time.sleep(1)
    assert [k.pid for k in kernels if k.is_running() and k.status() != "zombie"] == []   # none left behind


@pytest.mark.browser
@pytest.mark.slow
def test_an_answer_given_after_the_pages_next_kernel_started_is_there_on_return(browser, tmp_path):
    """Module 1 is opened (its pre-started kernel is used up, the next one starts REFILL_DELAY_S later
    and waits); the trainee answers only then, goes to the start page and back to module 1, which
    opens in that next kernel: the answer and its feedback are on the page."""
    from playwright.sync_api import expect

    import browser_support as bs
    from ctip.engine.shuffle import display_order
    from ctip.engine.widgets import letter
    from ctip.i18n import t
    app = bs.start_app(bs.course_copy(tmp_path / "course"), preheat=True)
    try:
        bs.settle(app)
        ctx, page, problems = bs.open_page(browser, "desktop")
        url = f"{app.base}/voila/render/modules/m01.ipynb"
        page.goto(url)
        bs.wait_ready(page)
        bs.settle(app, first=launch.REFILL_DELAY_S + 1)     # module 1's next kernel started and waits
        q = bs.first_single_choice("m01")
        seed = json.loads((app.course / "modules" / "m01.answers.json").read_text(encoding="utf-8"))["seed"]
        shown = display_order(q, seed, q.id)
        label = f"{letter(shown.index(q.key))}) {next(o.text for o in q.options if o.id == q.key)}"
        box = bs.box_of(page, bs.plain(q.prompt)[:40])
        box.locator("label", has_text=label).first.click()
        box.get_by_role("button", name=t("check")).click()
        expect(box).to_contain_text(t("correct"))
        page.goto(app.url)
        bs.wait_ready(page)
        page.goto(url)
        bs.wait_ready(page)
        box = bs.box_of(page, bs.plain(q.prompt)[:40])
        expect(box).to_contain_text(t("correct"))
        expect(box.locator("input[type=radio]:checked")).to_have_count(1)
        app._log.flush()
        log = app.log_path.read_text(encoding="utf-8", errors="replace")
        assert len(re.findall(r"Using pre-heated kernel: \S+ for modules/m01\.ipynb", log)) == 2, log[-2000:]
        assert problems == [], "\n".join(problems)
        ctx.close()
    finally:
        app.stop()
