"""The only import a course notebook needs (its hidden cells call these)."""
from .engine import session as _session
from .engine.session import module_session


def exercise_session(exercise_id: str, seed: int | None = None, lang: str | None = None, folder=None):
    """An exercise page. The trainee's spaced-review history (modules/review.state.json) goes into
    the exercise's answer file first, so it is handed in with the answers (optional; a problem
    there never stops the page)."""
    try:
        from .review.cohort import attach_for_exercise
        attach_for_exercise(exercise_id, folder)
    except Exception:      # the review history is a bonus; the exercise must always open
        pass
    session = _session.exercise_session(exercise_id, seed=seed, lang=lang, folder=folder)
    session.exchange_submit = _exchange_hook()
    return session


def _exchange_hook():
    """On an academy hub, "Тапшыруу" also submits through nbgrader's exchange (the zip is made
    all the same); on a trainee's own computer there is no exchange and nothing changes."""
    try:
        from .deployment.exchange import exchange_available, hand_in
        if not exchange_available():
            return None
    except Exception:
        return None
    return lambda folder, eid, name: hand_in(eid, folder).ok


__all__ = ["module_session", "exercise_session"]
