"""The trainee app: the course notebooks served by Voilà as web pages (no code, no notebook menus).

    python -m ctip.app                  # serve this checkout's modules/ and exercises/, print the URL
    python -m ctip.app --lang ru        # the same, opening the Russian start page (--lang en: English)
    python -m ctip.app --port 8870 --course /path/to/course
    python -m ctip.app --no-preheat     # no page kernels started in advance (less memory, slower pages)

Only modules/ and exercises/ are served (through a small folder of links), never solutions/ (keys
and rubrics) or anything else in the course folder. The page template is Voilà's lab template
with the course's own texts (title, loading and error messages from data/<lang>/ui.yaml), no
links to the internet, and the app's style sheet (readable column, phone-sized, 40 px tap targets).
The server listens on 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from .. import paths
from ..content.loader import languages
from ..i18n import t

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "template"
START = "modules/00_bashtalyshy.ipynb"
BASE_LANG = "ky"
SERVED = ("modules", "exercises")
# lab extensions Voilà would load but cannot host (console errors; nbgrader's panels are for instructors)
DENY_EXTENSIONS = ["@jupyter/nbgrader", "@jupyter-notebook/lab-extension", "@jupyter-notebook/application-extension"]
PLACEHOLDER = re.compile(r"@@(js:)?([A-Za-z0-9_.]+)@@")


def _fill(text: str, lang: str) -> str:
    """Replace @@key@@ (HTML-escaped text) and @@js:key@@ (a JavaScript string) from ui.yaml."""
    extra = {"lang": lang, "css": (HERE / "app.css").read_text(encoding="utf-8"), "start": start_path(lang)}

    def value(m):
        key = m.group(2)
        if key == "js_code":
            return _fill((HERE / "app.js").read_text(encoding="utf-8"), lang)
        raw = extra[key] if key in extra else t(key, lang)
        if m.group(1):
            return json.dumps(raw, ensure_ascii=False).replace("</", "<\\/")
        return raw if key == "css" else html.escape(raw)
    return PLACEHOLDER.sub(value, text)


def render_template(dest: Path, lang: str | None = None) -> Path:
    """Write the Voilà template `ctip` (texts filled in) under dest/voila/templates/ctip."""
    lang = lang or BASE_LANG
    out = dest / "voila" / "templates" / "ctip"
    out.mkdir(parents=True, exist_ok=True)
    for f in TEMPLATE.iterdir():
        (out / f.name).write_text(_fill(f.read_text(encoding="utf-8"), lang), encoding="utf-8")
    return out


def prepare(course: Path, work: Path, lang: str | None = None) -> Path:
    """The served root (links to the course's trainee folders) and the template; returns the root."""
    root = work / "root"
    root.mkdir(parents=True, exist_ok=True)
    for name in SERVED:
        link = root / name
        if link.is_symlink() or link.exists():
            link.unlink()
        if (course / name).is_dir():
            link.symlink_to((course / name).resolve(), target_is_directory=True)
    render_template(work / "share" / "jupyter", lang)
    return root


def free_port(preferred: int | None = None) -> int:
    for port in ([preferred] if preferred else []) + [0]:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError("no free port")


REFILL_DELAY_S = 15         # a page's next kernel starts this long after a trainee took the last
PAGE_KERNEL_MB = 90          # one pre-started page kernel, with a margin (measured 2026-12-02: 46-50 MB unique memory, waiting or with a page open)
MEMORY_SHARE = 0.25          # pre-started kernels take at most this share of the free memory


def affordable_pages(available_bytes: int | None = None) -> int:
    """How many page kernels the app may pre-start on this computer: a quarter of its free memory
    (on a laptop with 2 GB free: 5 pages; with 8 GB free: all of them)."""
    if available_bytes is None:
        import psutil
        available_bytes = psutil.virtual_memory().available
    return int(available_bytes * MEMORY_SHARE // (PAGE_KERNEL_MB * 2**20))


def preheated_pages(root: Path, lang: str = BASE_LANG, limit: int | None = None) -> list[str]:
    """The pages the app pre-starts (see kernels.py), relative to the served folder, most likely
    first: the start page of the app's language, the page the trainee used last (where the start
    page's "continue" link leads), then each module followed by its exercise, the review page and
    the glossary (the Kyrgyz pages are in modules/, the others in modules/<lang>/); at most
    ``limit`` of them (default: what this computer's free memory affords)."""
    folder = Path(start_path(lang)).parent.as_posix()
    modules = sorted(p.stem for p in (root / folder).glob("m[0-9][0-9].ipynb"))
    exercises = {p.stem: p.relative_to(root).as_posix() for p in (root / "exercises").glob("ex*/ex*.ipynb")}
    course = []
    for mid in modules:
        course.append(f"{folder}/{mid}.ipynb")
        eid = "ex" + mid[1:]
        if eid in exercises:
            course.append(exercises.pop(eid))
    course += sorted(exercises.values())
    extra = [f"{folder}/{n}" for n in ("kaitaloo.ipynb", "sozduk.ipynb") if (root / folder / n).exists()]
    last = last_page(root, lang)
    pages = list(dict.fromkeys([start_path(lang), *([last] if last else []), *course, *extra]))
    return pages[:affordable_pages() if limit is None else limit]


def last_page(root: Path, lang: str = BASE_LANG) -> str | None:
    """The page the trainee used last, relative to the served folder (None if none, or if the
    answer files cannot be read: the app starts all the same)."""
    from ..engine.progress import course_progress, last_used, page_href
    try:
        last = last_used(*course_progress(root / "modules", root / "exercises", lang))
    except Exception:        # noqa: BLE001  a guess for speed only; the start page reports problems
        return None
    return None if last is None else page_href(last, Path(start_path(lang)).parent.as_posix(), "exercises")


def preheat_options(pages: list[str]) -> list[str]:
    """Voilà options for pre-started page kernels: only ``pages``, one every 3 s (a pre-start
    takes about 2.5 s of processor time: one core stays free for the trainee), each page's next
    kernel started REFILL_DELAY_S after a trainee took the last one: not while their page, or the
    page they go on to from the start page, is being drawn."""
    return ["--VoilaConfiguration.preheat_kernel=True", "--VoilaConfiguration.default_pool_size=1",
            "--VoilaConfiguration.multi_kernel_manager_class=ctip.app.kernels.CoursePages",
            *(f"--CoursePages.pages={p}" for p in pages), "--CoursePages.stagger=3",
            '--VoilaKernelManager.preheat_denylist=[".*"]',     # Voilà's own pre-start of everything
            f"--VoilaKernelManager.fill_delay={REFILL_DELAY_S}"]


def voila_command(root: Path, port: int, preheat: list[str] | None = None) -> list[str]:
    """Voilà serving ``root``; ``preheat``: pages whose kernels are started before anyone asks."""
    return [sys.executable, "-m", "voila", str(root), "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
            "--Voila.port_retries=0", "--template=ctip", "--theme=light",
            "--VoilaConfiguration.classic_tree=True", "--VoilaConfiguration.show_tracebacks=False",
            "--VoilaConfiguration.allow_template_override=NO", "--VoilaConfiguration.allow_theme_override=NO",
            f"--VoilaConfiguration.extension_denylist={json.dumps(DENY_EXTENSIONS)}",
            # a kernel nobody uses for 2 hours is stopped (the page then says to reload)
            "--MappingKernelManager.cull_idle_timeout=7200", "--MappingKernelManager.cull_interval=300",
            *(preheat_options(preheat) if preheat else [])]


def environment(work: Path) -> dict:
    env = dict(os.environ)
    share = str(work / "share" / "jupyter")
    env["JUPYTER_PATH"] = share + (os.pathsep + env["JUPYTER_PATH"] if env.get("JUPYTER_PATH") else "")
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = str(paths.ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def start_path(lang: str = BASE_LANG) -> str:
    """The start page of one language: modules/ for Kyrgyz, modules/<lang>/ for the others."""
    return START if lang == BASE_LANG else START.replace("modules/", f"modules/{lang}/", 1)


def start_url(port: int, lang: str = BASE_LANG) -> str:
    return f"http://127.0.0.1:{port}/voila/render/{start_path(lang)}"


def listening(proc: subprocess.Popen, port: int) -> bool:
    """Whether this very process listens on the port: another server that took the port between
    the choice of a free port and Voilà's start must not be taken for the app."""
    import psutil
    try:
        p = psutil.Process(proc.pid)
        conns = p.net_connections(kind="inet") if hasattr(p, "net_connections") else p.connections(kind="inet")
    except psutil.Error:
        return False
    return any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in conns)


def wait_ready(proc: subprocess.Popen, port: int, timeout: float = 120) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        if listening(proc, port):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/static/voila.js", timeout=2)
                return True
            except OSError:
                pass
        time.sleep(0.3)
    return False


class App:
    """A running app (used by ./run app and by the browser tests)."""

    def __init__(self, course: Path | None = None, port: int | None = None, lang: str | None = None,
                 log: Path | None = None, preheat: bool = False):
        self.course = Path(course or paths.ROOT).resolve()
        self.lang = lang or BASE_LANG
        self.work = Path(tempfile.mkdtemp(prefix="ctip-app-"))
        self.root = prepare(self.course, self.work, self.lang)
        self.port = free_port(port)
        self.log_path = log or self.work / "voila.log"
        self._log = open(self.log_path, "w")
        self.preheated = preheated_pages(self.root, self.lang) if preheat else []
        self.proc = subprocess.Popen(voila_command(self.root, self.port, self.preheated), env=environment(self.work),
                                     stdout=self._log, stderr=subprocess.STDOUT, cwd=self.work)
        self.url = start_url(self.port, self.lang)
        self.base = f"http://127.0.0.1:{self.port}"

    def wait(self, timeout: float = 120) -> None:
        if not wait_ready(self.proc, self.port, timeout):
            self._log.flush()
            tail = self.log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
            self.stop()
            raise RuntimeError(f"{t('app_failed', self.lang)}\n{tail}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()            # jupyter_server shuts its kernels down on SIGTERM
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
        self._log.close()
        shutil.rmtree(self.work, ignore_errors=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="ctip-app", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--port", type=int, default=8866, help="port (another free one if it is taken)")
    ap.add_argument("--course", type=Path, default=paths.ROOT, help="folder with modules/ and exercises/")
    ap.add_argument("--lang", choices=languages(), default=BASE_LANG,
                    help="language of the start page and of the app's own messages (ky, ru, en)")
    ap.add_argument("--preheat", action=argparse.BooleanOptionalAction, default=True,
                    help="start page kernels in advance (the default): pages open faster; each "
                         "takes about 90 MB, and the app takes at most a quarter of the free memory "
                         "for them (--no-preheat: start a page's kernel only when it is opened)")
    args = ap.parse_args(argv)
    lang = args.lang
    if not (args.course / start_path(lang)).exists():
        print(t("app_no_course", lang, file=str(args.course / start_path(lang))), file=sys.stderr)
        return 1
    app = App(args.course, args.port, lang, preheat=args.preheat)

    def stop(signum, frame):            # `kill` (SIGTERM) stops the app as Ctrl+C does, tidily
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    try:
        app.wait()
        print(t("app_ready", lang, url=app.url), flush=True)
        print(t("app_stop", lang), flush=True)
        app.proc.wait()
    except KeyboardInterrupt:
        pass
    except RuntimeError as e:
        print(e, file=sys.stderr)
        return 1
    finally:
        app.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
