"""Spaced review across modules (issue 14): the self-check items of every module the trainee
has started come back on a schedule computed by FSRS (the ``fsrs`` package).

* ``items``    the catalogue of reviewable items (item ids are shared by every language)
* ``state``    the per-trainee scheduler file ``review.state.json`` beside the answer files
* ``schedule`` which items a session asks, today's count, retention per module, forecasts
* ``page``     the review page (widgets), the start-page summary and the trainee's plot
* ``cohort``   review logs handed in with exercises, aggregated per topic for instructors

Layering: imports ``ctip.content`` and ``ctip.engine`` only.
"""
