"""The academy hub for real: JupyterHub + configurable-http-proxy on a free loopback port,
NativeAuthenticator, one Unix account per user (created by the hub, removed by these tests),
nbgrader's exchange, ctip-grade. Needs root (it creates Unix users); the hub's environment is
the one `./run hub` builds on the system Python (CTIP_HUB_VENV, default /srv/ctip/venv), made
here when missing.

One hub serves the whole file (module fixture): an instructor and three trainees go through
release -> fetch -> answer -> hand in -> collect -> ctip-grade -> feedback; the isolation tests
then probe what one trainee can reach of the others' work, the keys and the instructors' tools.
"""
from __future__ import annotations

import json
import os
import random
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse

import pytest
import requests

from ctip import paths
from ctip.deployment.localhub import HubRun

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                       reason="the hub tests create and remove Unix accounts: run them as root"),
]

ROOT = paths.ROOT
EID = "ex01"
PASSWORD = "Kesh-Kirish-2026!"


@pytest.fixture(scope="module")
def hubrun():
    run = HubRun()
    try:
        run.hub.login_admin(run.admin, PASSWORD)
        yield run
    finally:
        run.stop()
    # nothing the hub started outlives it (the grader's server once did)
    import psutil
    left = [p.pid for p in psutil.process_iter(["cmdline"]) if any(str(run.root) in a for a in p.info["cmdline"] or ())]
    assert left == [], left


def new_user(run: HubRun, what: str, group: str | None = None, approve: bool = True) -> str:
    n = run.name(what)
    r = run.hub.signup(n, PASSWORD)
    assert r.status_code == 200, r.text[:300]
    if approve:
        run.hub.approve(n)
    if group:
        run.hub.ensure_user(n)
        run.hub.add_to_group(group, n)
    return n


def answers(theta: float, seed: int) -> dict:
    from ctip.instructor.cohort import answers_for
    return answers_for(EID, theta, random.Random(seed))


TRAINEE_WORK = """
import json
from ctip.deployment import exchange
from ctip.engine.store import AnswerStore
assert exchange.exchange_available()
folder = exchange.fetch({eid!r})
store = AnswerStore({eid!r}, folder)           # as the app writes answers, one click at a time
for qid, value in json.loads({answers!r}).items():
    store.put(qid, value)
r = exchange.hand_in({eid!r}, folder)
print(json.dumps({{"folder": str(folder), "ok": r.ok, "ts": r.timestamp, "error": r.error}}))
"""


@pytest.fixture(scope="module")
def cohort(hubrun):
    """An instructor opens ex01; three trainees fetch, answer and hand in; the instructor collects,
    grades with ctip-grade and releases feedback; each trainee fetches their feedback."""
    from ctip.deployment.hubclient import Kernel
    run, hub = hubrun, hubrun.hub
    teacher = new_user(run, "ins", group="instructors")
    trainees = [new_user(run, f"t{i}") for i in (1, 2, 3)]
    for n in trainees:                       # signed up and approved users have a hub account once they log in
        s, r = hub.login(n, PASSWORD)
        assert hub.logged_in(r), (n, r.status_code)
    everyone = [teacher, *trainees]
    with ThreadPoolExecutor(4) as ex:          # servers start in parallel, as in a class
        spawn = dict(zip(everyone, ex.map(hub.start, everyone), strict=True))
        tokens = dict(zip(everyone, ex.map(hub.user_token, everyone), strict=True))
        kernels = dict(zip(everyone, ex.map(lambda n: Kernel(hub, n, tokens[n]), everyone), strict=True))
    try:
        kernels[teacher].execute("from ctip.deployment import instructor as I\n"
                                 f"I.open_exercises(I.course_root(), [{EID!r}])")
        plans = {trainees[0]: answers(8.0, 1), trainees[1]: answers(-8.0, 2), trainees[2]: answers(0.0, 3)}
        handed = {}
        for n, ans in plans.items():
            out = kernels[n].execute(TRAINEE_WORK.format(eid=EID, answers=json.dumps(ans)))
            handed[n] = json.loads(out.strip().splitlines()[-1])
        graded = json.loads(kernels[teacher].execute(
            "import json\nfrom ctip.deployment import instructor as I\nroot = I.course_root()\n"
            f"I.collect(root, {EID!r})\nr = I.grade(root, {EID!r}, 'en')\nI.release_feedback(root, {EID!r})\n"
            "print(json.dumps({t: [s.status, s.total, s.max_score] for t, s in r.states.items()}))"
        ).strip().splitlines()[-1])
        fb = {n: json.loads(kernels[n].execute(
            "import json\nfrom ctip.deployment import exchange\n"
            f"print(json.dumps([str(p) for p in exchange.feedback({EID!r})]))").strip().splitlines()[-1])
            for n in trainees}
        yield dict(teacher=teacher, trainees=trainees, spawn=spawn, tokens=tokens, kernels=kernels,
                   handed=handed, graded=graded, feedback=fb)
    finally:
        for k in kernels.values():
            try:
                k.close()
            except Exception:
                pass


def test_release_fetch_answer_hand_in_collect_grade_feedback(hubrun, cohort):
    import pwd
    trainees, graded, fb = cohort["trainees"], cohort["graded"], cohort["feedback"]
    for n in trainees:
        assert cohort["handed"][n]["ok"], cohort["handed"][n]
        pw = pwd.getpwnam(n)
        assert (os.stat(pw.pw_dir).st_mode & 0o777) == 0o700
        assert (Path(pw.pw_dir) / "modules" / "00_bashtalyshy.ipynb").is_file()   # own copy of the pages
        assert graded[n][0] == "graded", graded
        assert len(fb[n]) == 1 and fb[n][0].startswith(pw.pw_dir), fb[n]
        html = Path(fb[n][0]).read_text(encoding="utf-8")
        assert "model_answer" not in html and "keys.yaml" not in html
    strong, weak, mid = trainees
    assert graded[strong][1] > graded[mid][1] > graded[weak][1] >= 0, graded
    # each trainee's feedback is their own: the score the gradebook holds appears in it
    for n in trainees:
        total = graded[n][1]
        html = Path(fb[n][0]).read_text(encoding="utf-8")
        assert f"{total:g}" in html or f"{total:.1f}" in html or f"{total:.2f}" in html, (n, total)


def test_trainees_land_on_the_start_page_in_voila_instructors_in_lab(hubrun, cohort):
    hub = hubrun.hub
    t1, teacher = cohort["trainees"][0], cohort["teacher"]
    for n, where in ((t1, "/voila/render/modules/00_bashtalyshy.ipynb"), (teacher, "/lab")):
        r = requests.get(f"{hub.url}/user/{n}/", headers={"Authorization": f"token {cohort['tokens'][n]}"},
                         allow_redirects=False, timeout=60)
        assert r.status_code == 302 and urlparse(r.headers["Location"]).path.endswith(where), (n, r.headers)
    page = requests.get(f"{hub.url}/user/{t1}/voila/render/modules/00_bashtalyshy.ipynb", timeout=180,
                        headers={"Authorization": f"token {cohort['tokens'][t1]}"})
    assert page.status_code == 200, page.text[:500]
    # typed /lab by hand: a trainee's JupyterLab has nbgrader's authoring panels switched off
    for n, off in ((t1, True), (teacher, False)):
        lab = requests.get(f"{hub.url}/user/{n}/lab", timeout=180,
                           headers={"Authorization": f"token {cohort['tokens'][n]}"})
        assert lab.status_code == 200, (n, lab.status_code)
        config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                                      lab.text, re.S).group(1))
        assert ("@jupyter/nbgrader" in config.get("disabledExtensions", [])) is off, (n, config.get("disabledExtensions"))


PROBE = """
import json, os
def can(path):
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            open(path, 'rb').read(1)
        return True
    except OSError:
        return False
print(json.dumps({k: can(p) for k, p in json.loads(%r).items()}))
"""


def test_a_trainee_cannot_read_other_trainees_work_keys_or_the_gradebook(hubrun, cohort):
    import pwd
    t1, t2, _ = cohort["trainees"]
    home1 = Path(pwd.getpwnam(t1).pw_dir)
    course, ex = hubrun.root / "course", hubrun.root / "exchange" / "ctip-kg"
    submission = next((ex / "inbound").glob(f"{t1}+{EID}+*"))
    targets = {
        "other home": home1,
        "other answers": Path(cohort["handed"][t1]["folder"]) / f"{EID}.answers.json",
        "other feedback copy": Path(cohort["feedback"][t1][0]),
        "other nbgrader cache": home1 / ".local/share/jupyter/nbgrader_cache",
        "other submission (exact name)": submission / f"{EID}.answers.json",
        "inbound listing": ex / "inbound",
        "feedback listing": ex / "feedback",
        "course solutions": course / "solutions" / f"{EID}.keys.yaml",
        "repository solutions": hubrun.code / "solutions" / f"{EID}.keys.yaml",
        "gradebook": course / "gradebook.db",
        "collected submissions": course / "submitted" / t1,
        "autograded": course / "autograded",
        "feedback folder": course / "feedback" / t1,
    }
    got = json.loads(cohort["kernels"][t2].execute(PROBE % json.dumps({k: str(v) for k, v in targets.items()})))
    assert not any(got.values()), {k: v for k, v in got.items() if v}
    # the probe can read: its own work and the released exercise
    own = {"own answers": str(Path(cohort["handed"][t2]["folder"]) / f"{EID}.answers.json"),
           "released": str(ex / "outbound" / EID / f"{EID}.ipynb")}
    assert all(json.loads(cohort["kernels"][t2].execute(PROBE % json.dumps(own))).values())


def test_a_trainee_cannot_reach_formgrader_the_admin_api_or_another_server(hubrun, cohort):
    hub = hubrun.hub
    t1, t2, _ = cohort["trainees"]
    teacher = cohort["teacher"]
    trainee_session, r = hub.login(t2, PASSWORD)
    assert hub.logged_in(r)
    teacher_session, r = hub.login(teacher, PASSWORD)
    assert hub.logged_in(r)
    fg = f"{hub.url}/services/formgrader/formgrader"
    assert trainee_session.get(fg, timeout=120).status_code == 403
    assert teacher_session.get(fg, timeout=120).status_code == 200
    auth = {"Authorization": f"token {cohort['tokens'][t2]}"}
    assert requests.get(f"{hub.url}/hub/api/users", headers=auth, timeout=30).status_code == 403
    assert requests.get(f"{hub.url}/hub/api/users", timeout=30,
                        headers={"Authorization": f"token {cohort['tokens'][teacher]}"}).status_code == 200
    assert requests.post(f"{hub.url}/hub/api/users/{t2}", headers=auth, json={"admin": True},
                         timeout=30).status_code in (403, 404, 405)
    assert requests.get(f"{hub.url}/hub/authorize", headers=auth, timeout=30).status_code == 403
    other = requests.get(f"{hub.url}/user/{t1}/api/contents", headers=auth, timeout=60, allow_redirects=False)
    assert other.status_code in (302, 403, 404), other.status_code
    assert "content" not in (other.text if other.status_code != 302 else "")


def test_an_unapproved_sign_up_cannot_log_in(hubrun):
    hub = hubrun.hub
    n = new_user(hubrun, "unap", approve=False)
    s, r = hub.login(n, PASSWORD)
    assert not hub.logged_in(r)
    assert "has not been authorized" in r.text
    hub.approve(n)                         # the same password works once an admin approves
    assert hub.logged_in(hub.login(n, PASSWORD)[1])


def test_repeated_wrong_passwords_are_throttled(hubrun):
    hub = hubrun.hub
    n = new_user(hubrun, "thr")
    for _ in range(3):                     # CTIP_HUB_FAILED_LOGINS=3 for this hub
        assert not hub.logged_in(hub.login(n, "wrong-password-123")[1])
    assert not hub.logged_in(hub.login(n, PASSWORD)[1]), "the right password must wait out the lock"
    m = new_user(hubrun, "thr2")           # another account is not affected
    assert hub.logged_in(hub.login(m, PASSWORD)[1])


def login_cookie(r: requests.Response) -> str:
    raw = [v for k, v in r.raw.headers.items() if k.lower() == "set-cookie"]
    found = [c for c in raw if c.startswith("jupyterhub-hub-login=")]
    assert found, raw
    return found[0]


def test_cookies_are_httponly(hubrun):
    hub = hubrun.hub
    n = new_user(hubrun, "ck")
    s, r = hub.login(n, PASSWORD)
    c = login_cookie(r)
    assert "httponly" in c.lower()
    assert "secure" not in c.lower().replace("httponly", "")    # plain http here


def test_cookies_are_secure_when_tls_is_on():
    import urllib3
    urllib3.disable_warnings()
    run = HubRun(tls=True, formgrader=False)     # log-in only: a lighter hub
    try:
        n = run.name("tls")
        assert run.hub.signup(n, PASSWORD).status_code == 200
        run.hub.login_admin(run.admin, PASSWORD)
        run.hub.approve(n)
        s, r = run.hub.login(n, PASSWORD)
        assert run.hub.logged_in(r)
        c = login_cookie(r).lower()
        assert "httponly" in c and "; secure" in c
    finally:
        run.stop()
