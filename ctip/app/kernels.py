"""Pre-started page kernels for the trainee app (Voilà's pre-heated kernels, fed one page at a time).

Opening a page in Voilà means starting a kernel, importing the course engine and running the
page: about 2.5 s before the first byte on this machine. With pre-heating, Voilà keeps for each
page a kernel that has already started and run the page as far as ``wait_for_trainee()`` (see
ctip/notebook.py): the imports. Opening the page then only reads the trainee's files and builds
the widgets. When a page's kernel is taken, its replacement starts ``fill_delay`` seconds later;
until then the page opens with a kernel started for the visit, as without pre-heating.

Voilà pre-starts every notebook it finds under the served folder at once, and finds none behind
the app's folder links. This manager (Voilà wraps it in its pooling manager) pre-starts the
pages it is given instead, in the given order, one every ``stagger`` seconds, so that the start
page is ready first and the kernels do not all compete for the processor while a trainee reads it.
"""
from __future__ import annotations

import asyncio

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Float, List, Unicode


class CoursePages(AsyncMappingKernelManager):
    pages = List(Unicode(), config=True, help="pages to pre-start, relative to the served folder, in order")
    stagger = Float(3.0, config=True, help="seconds between two pages' pre-starts")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        fill = getattr(self, "fill_if_needed", None)     # only under Voilà's pooling manager
        if fill is None:
            return
        loop = asyncio.get_event_loop()
        for i, page in enumerate(self.pages):
            # after Voilà's own __init__ (which empties the pools) has finished
            loop.call_later(0.1 + i * self.stagger, lambda page=page: fill(delay=0, notebook_name=page))

        def refill_later(delay=None, notebook_name=None, **kwargs):
            """Voilà refills a page's pool when a trainee takes its kernel by putting a task that
            first sleeps ``fill_delay`` into the pool at once, and counts it as a ready kernel:
            a trainee who opened the page again in those seconds (back to the start page) waited
            for the sleep and the start, up to 17 s. The refill is scheduled instead, so the pool
            stays empty meanwhile and such a visit starts a kernel of its own at once."""
            if delay is not None:
                return fill(delay=delay, notebook_name=notebook_name, **kwargs)
            loop.call_later(self.fill_delay, lambda: fill(delay=0, notebook_name=notebook_name, **kwargs))
        self.fill_if_needed = refill_later
