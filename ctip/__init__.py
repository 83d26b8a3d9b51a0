"""Engine of the counter-trafficking (CTIP) training curriculum.

Content lives in ``data/`` (texts, question banks, cases, UI strings), delivery in
``ctip.delivery`` (notebook builds, nbgrader course), and this package holds the
engine: models and loaders for the content, scoring, answer storage, widgets, plots.
Graded answer keys are never part of this package; they live only in ``solutions/``.
"""

__version__ = "0.1.0"
