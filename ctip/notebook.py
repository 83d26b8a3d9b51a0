"""The only import a course notebook needs (its hidden cells call these)."""
import json
import os

from .engine import session as _session
from .engine.session import PreparedModule, module_session


def prepare_module(module_id: str, lang: str | None = None, folder=None) -> PreparedModule:
    """A module page's questions, built before ``wait_for_trainee`` (see PreparedModule): with
    page kernels started in advance, the trainee no longer waits for this when opening the page.
    Reads only the answer file's seed; the answers are read after the wait."""
    return PreparedModule(module_id, folder, lang=lang)


class NoTrainee(RuntimeError):
    """A pre-started page kernel lost its link to the app before a trainee opened the page."""


def wait_for_trainee() -> None:
    """Where a page stops reading code and starts reading the trainee's files.

    The trainee app (``./run app``) starts a kernel for each page in advance and runs the page
    up to this call, so that the imports are done before anyone asks for it (Voilà's
    pre-heated kernels). Here it waits until a trainee opens the page; everything after reads
    their answers, settings and progress as they are at that moment, never as they were when
    the kernel started. Anywhere else (JupyterLab, papermill, nbgrader, the hub) it returns at
    once. A pre-started kernel that cannot hear from the app stops the page with an error
    rather than show answers that may be old (the page then asks the trainee to reload)."""
    if os.environ.get("VOILA_PREHEAT") != "True":
        return
    info = _request_info()
    if info:
        os.environ.update({str(k): str(v) for k, v in json.loads(info).items()})
    if "SCRIPT_NAME" not in os.environ:        # set from the trainee's request
        raise NoTrainee("the pre-started kernel got no request from the app")


def _request_info(open_timeout: float = 5) -> str | None:
    """The trainee's request, as Voilà hands it to a pre-started kernel: a JSON object of
    environment variables, sent over the websocket ``voila/query/<kernel id>`` once the page is
    opened (what ``voila.utils.wait_for_request`` does). Not that function itself: importing
    ``voila.utils`` imports the whole Jupyter server, about 4 s of processor time per page
    kernel (most of it a URL grammar that jsonschema builds at import); this client takes 0.1 s.
    None when the app cannot be reached."""
    from websockets.exceptions import WebSocketException
    from websockets.sync.client import connect
    env = os.environ.get
    base = env("VOILA_WS_BASE_URL") or env("VOILA_SERVER_URL") or "/"
    url = (f"{env('VOILA_WS_PROTOCOL') or 'ws'}://{env('VOILA_APP_IP') or '127.0.0.1'}:"
           f"{env('VOILA_APP_PORT') or '8866'}{base}voila/query/{env('VOILA_KERNEL_ID', '')}")
    try:
        with connect(url, open_timeout=open_timeout, max_size=None) as ws:
            return ws.recv()
    except (OSError, TimeoutError, WebSocketException):
        return None


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


__all__ = ["module_session", "prepare_module", "exercise_session", "wait_for_trainee"]
