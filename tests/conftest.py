"""Shared fixtures. `fixture_course` points the engine at tests/fixtures (a tiny module and
exercise covering every question kind), so engine tests do not depend on course content."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from ctip import paths
from ctip.content import loader, sources

FIXTURES = Path(__file__).parent / "fixtures"


def clear_caches() -> None:
    for fn in (loader.module, loader.bank, loader.exercise, loader.dataset, loader.ui_strings,
               loader.sources, loader.course, loader.indicators, loader.simulation, sources.seed_lines):
        fn.cache_clear()


@pytest.fixture
def fixture_course(monkeypatch):
    monkeypatch.setattr(paths, "DATA", FIXTURES / "data")
    monkeypatch.setattr(paths, "SOLUTIONS", FIXTURES / "solutions")
    monkeypatch.setenv("CTIP_DATA", str(FIXTURES / "data"))   # for kernels and commands started by tests
    monkeypatch.setenv("CTIP_SOLUTIONS", str(FIXTURES / "solutions"))
    clear_caches()
    yield FIXTURES
    clear_caches()


@pytest.fixture(autouse=True)
def _env_bin_on_path(monkeypatch):
    # nbgrader calls `alembic` by name; kernels must import this checkout's ctip
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))


@pytest.fixture
def module(fixture_course, tmp_path, monkeypatch):
    """A fixture-module session in a scratch folder, displaying nothing (call it to open one)."""
    from ctip.engine import session as sess
    monkeypatch.setattr(sess, "display", lambda *a, **k: None)
    return lambda: sess.ModuleSession("m90", tmp_path)


@pytest.fixture
def course_root(fixture_course, tmp_path):
    """An nbgrader course with the fixture exercise ex90 registered (for ctip-grade tests)."""
    import shutil

    from ctip.delivery import notebooks
    from ctip.delivery.course import env_bin_on_path, fast_api
    from ctip.instructor import runner
    root = tmp_path / "course"
    (root / "solutions" / "ex90").mkdir(parents=True)
    (root / "solutions" / "ex90" / "ex90.ipynb").write_text(notebooks.dumps(notebooks.source_notebook("ex90")),
                                                           encoding="utf-8")
    shutil.copy(fixture_course / "solutions" / "ex90.keys.yaml", root / "solutions")
    with env_bin_on_path():
        runner.ensure_assignment(fast_api(root), root, "ex90")
    return root


# --- browser tests (tests/browser_support.py) ------------------------------------------------

@pytest.fixture(scope="module")
def app(tmp_path_factory):
    """The Voilà trainee app on a throw-away copy of the course, one per test module (and worker)."""
    import browser_support as bs
    bs.require_browser()
    pytest.importorskip("voila")
    a = bs.start_app(bs.course_copy(tmp_path_factory.mktemp("course")))
    try:
        yield a
    finally:
        a.stop()


@pytest.fixture(scope="module")
def browser():
    """One headless Debian Chromium per test module (contexts per test keep pages apart)."""
    import browser_support as bs
    bs.require_browser()
    from playwright.sync_api import expect, sync_playwright
    expect.set_options(timeout=60_000)           # a loaded 2-core machine: kernel replies take seconds
    with sync_playwright() as p:
        b = bs.launch_chromium(p)
        yield b
        b.close()
