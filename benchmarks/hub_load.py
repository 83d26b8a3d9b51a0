"""Load on the academy hub (a script, not a test; root; loopback only; bounded).

Starts a fresh hub (as tests/test_hub.py does: free port, throw-away state folder, Unix accounts
removed at the end), releases ex01, then for N simulated trainees:

  1. signs each up and approves them through the hub (NativeAuthenticator + REST API),
  2. starts their servers (LocalProcessSpawner: one Unix account each) - spawn time,
  3. opens module m01 in Voilà (HTTP; Voilà runs the page in a kernel) and connects to that
     page's kernel over its websocket, as the browser does,
  4. answers self-check questions: each "click" sets the answer and presses Текшерүү in the
     page's kernel (SelfCheck.check: score, save the answer file, update the feedback widget);
     click -> feedback is the time until the kernel is idle again, with the widget update sent,
  5. fetches ex01, answers it and hands it in through nbgrader's exchange ("Тапшыруу"),

and prints spawn times, memory per active trainee (PSS of all the trainee's processes, from
/proc/<pid>/smaps_rollup) and p50/p95 click -> feedback while all N trainees work at once, each
reading 5-25 s before a click (--think; --think 0.5 1.5 is a stress test: a class clicking
about once a second each).

    python benchmarks/hub_load.py --trainees 10 20 40 --clicks 6
"""
from __future__ import annotations

import argparse
import json
import os
import pwd
import random
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

from ctip.deployment.hubclient import Hub, Kernel  # noqa: E402
from ctip.deployment.localhub import HubRun  # noqa: E402

PASSWORD = "Kesh-Kirish-2026!"
MODULE = "m01"


def pss_by_user() -> dict[int, int]:
    """Proportional set size (kB) of every process, summed per uid."""
    out: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            uid = d.stat().st_uid
            for line in (d / "smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    out[uid] = out.get(uid, 0) + int(line.split()[1])
                    break
        except OSError:
            continue
    return out


def pss_of_pids(pids) -> int:
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def descendants(pid: int) -> list[int]:
    kids: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
                kids.setdefault(ppid, []).append(int(d.name))
            except (OSError, IndexError, ValueError):
                pass
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def pct(xs, q):
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * q
    f = int(k)
    return xs[f] + (xs[min(f + 1, len(xs) - 1)] - xs[f]) * (k - f)


CLICK = """
v = S.views[{qid!r}]
v.inputs.set(v.item.key)
r = v.check()
"""

HAND_IN = """
import json
from ctip.deployment import exchange
from ctip.engine.store import AnswerStore
folder = exchange.fetch("ex01")
store = AnswerStore("ex01", folder)
for qid, value in json.loads({answers!r}).items():
    store.put(qid, value)
print(json.dumps(exchange.hand_in("ex01", folder).__dict__))
"""


class Trainee:
    def __init__(self, hub: Hub, name: str):
        self.hub, self.name = hub, name
        self.token = ""
        self.spawn = self.page = float("nan")
        self.kernel: Kernel | None = None
        self.qids: list[str] = []
        self.clicks: list[float] = []
        self.handed = None

    def open_page(self) -> None:
        t0 = time.monotonic()
        r = requests.get(f"{self.hub.url}/user/{self.name}/voila/render/modules/{MODULE}.ipynb",
                         headers={"Authorization": f"token {self.token}"}, timeout=600)
        r.raise_for_status()
        self.page = time.monotonic() - t0
        kernels = requests.get(f"{self.hub.url}/user/{self.name}/api/kernels", timeout=60,
                               headers={"Authorization": f"token {self.token}"}).json()
        if len(kernels) != 1:
            raise RuntimeError(f"{self.name}: expected the page's kernel, found {len(kernels)}")
        self.kernel = Kernel.attach(self.hub, self.name, self.token, kernels[0]["id"])
        self.qids = json.loads(self.kernel.execute(
            "import json\nprint(json.dumps([q for q, v in S.views.items()]))").strip())

    def click(self, qid: str) -> float:
        if time.monotonic() - self.kernel._used > 15:     # reconnect outside the timed click
            self.kernel.execute("pass")
        t0 = time.monotonic()
        self.kernel.execute(CLICK.format(qid=qid))
        dt = time.monotonic() - t0
        self.clicks.append(dt)
        return dt


def run(n: int, clicks: int, workers: int, think: tuple[float, float] = (5.0, 25.0)) -> dict:
    from ctip.instructor.cohort import answers_for
    hr = HubRun(failed_logins=20)
    result: dict = {"n": n}
    try:
        hub = hr.hub
        hub.login_admin(hr.admin, PASSWORD)
        env = {**hr.env, "HOME": pwd.getpwnam("ctip-grader").pw_dir}
        subprocess.run(["/usr/sbin/runuser", "-u", "ctip-grader", "--", "/bin/sh", "-c",
                        f'umask 007; exec {hr.venv}/bin/python -m ctip.deployment.instructor open ex01 '
                        f'--course {hr.root / "course"}'], env=env, check=True, capture_output=True, cwd="/")
        names = [hr.name(f"l{i:03d}") for i in range(n)]
        t0 = time.monotonic()

        def enrol(name):
            assert hub.signup(name, PASSWORD).status_code == 200
            hub.approve(name)
            assert hub.logged_in(hub.login(name, PASSWORD)[1])
        with ThreadPoolExecutor(workers) as ex:
            list(ex.map(enrol, names))
        result["enrol_s"] = time.monotonic() - t0
        trainees = [Trainee(hub, x) for x in names]

        def spawn(t: Trainee):
            t.spawn = hub.start(t.name, timeout=900)
            t.token = hub.user_token(t.name)
        t0 = time.monotonic()
        with ThreadPoolExecutor(workers) as ex:
            list(ex.map(spawn, trainees))
        result["spawn_all_s"] = time.monotonic() - t0
        t0 = time.monotonic()
        with ThreadPoolExecutor(workers) as ex:
            list(ex.map(lambda t: t.open_page(), trainees))
        result["open_all_s"] = time.monotonic() - t0
        # memory while every trainee has the module page open
        time.sleep(3)
        per_uid = pss_by_user()
        uids = [pwd.getpwnam(t.name).pw_uid for t in trainees]
        per = [per_uid.get(u, 0) / 1024 for u in uids]
        hub_pids = descendants(hr.proc.pid)
        hub_mb = pss_of_pids([p for p in hub_pids if os.stat(f"/proc/{p}").st_uid == 0]) / 1024 \
            if hub_pids else float("nan")
        result.update(pss_trainee_mb=statistics.mean(per), pss_trainee_max_mb=max(per), pss_hub_mb=hub_mb,
                      spawn_p50=pct([t.spawn for t in trainees], .5), spawn_p95=pct([t.spawn for t in trainees], .95),
                      page_p50=pct([t.page for t in trainees], .5), page_p95=pct([t.page for t in trainees], .95))
        # everyone starts at once: each trainee answers `clicks` questions with a pause between
        # clicks drawn from `think` (reading the next question and the feedback); the first click
        # of each trainee comes after one such pause, so the class does not click in lockstep
        start = threading.Barrier(len(trainees))

        def answer(t: Trainee):
            rng = random.Random(t.name)
            start.wait()
            for qid in rng.sample(t.qids, min(clicks, len(t.qids))):
                time.sleep(rng.uniform(*think))
                t.click(qid)
        with ThreadPoolExecutor(len(trainees)) as ex:
            list(ex.map(answer, trainees))
        lat = [x for t in trainees for x in t.clicks]
        result.update(clicks=len(lat), click_p50_ms=pct(lat, .5) * 1000, click_p95_ms=pct(lat, .95) * 1000,
                      click_max_ms=max(lat) * 1000)
        # hand in, then release nothing: hand-in latency is what the trainee waits for
        hand = []

        def hand_in(t: Trainee):
            ans = answers_for("ex01", 0.0, random.Random(t.name))
            t0 = time.monotonic()
            out = t.kernel.execute(HAND_IN.format(answers=json.dumps(ans)))
            hand.append(time.monotonic() - t0)
            t.handed = json.loads(out.strip().splitlines()[-1])
        with ThreadPoolExecutor(workers) as ex:
            list(ex.map(hand_in, trainees))
        result.update(hand_in_ok=sum(bool(t.handed and t.handed["ok"]) for t in trainees),
                      hand_in_p50_s=pct(hand, .5), hand_in_p95_s=pct(hand, .95))
        for t in trainees:
            try:
                t.kernel.ws.close()
            except Exception:
                pass
    finally:
        hr.stop()
    return result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trainees", type=int, nargs="+", default=[5, 10, 20])
    ap.add_argument("--clicks", type=int, default=6, help="self-check answers per trainee")
    ap.add_argument("--workers", type=int, default=4, help="parallel sign-ups/spawns/page opens")
    ap.add_argument("--think", type=float, nargs=2, default=[5.0, 25.0], metavar=("MIN", "MAX"),
                    help="seconds a trainee reads before each click (uniform; e.g. 0.5 1.5 for a stress test)")
    ap.add_argument("--max-trainees", type=int, default=60, help="refuse larger runs (bounded)")
    args = ap.parse_args(argv)
    if os.geteuid() != 0:
        print("hub_load.py needs root (it creates Unix accounts)", file=sys.stderr)
        return 2
    if max(args.trainees) > args.max_trainees:
        print(f"at most {args.max_trainees} trainees (--max-trainees)", file=sys.stderr)
        return 2
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start "
          f"(other work shares the CPU); {time.strftime('%Y-%m-%d %H:%M')}; "
          f"{args.clicks} clicks per trainee, {args.think[0]:g}-{args.think[1]:g} s between clicks")
    rows = []
    for n in args.trainees:
        r = run(n, args.clicks, args.workers, tuple(args.think))
        rows.append(r)
        print(json.dumps({k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()}), flush=True)
    print()
    print(" N | spawn p50/p95 s | page p50/p95 s | PSS/trainee MB (max) | hub MB | click p50/p95 ms | hand-in p95 s")
    for r in rows:
        print(f"{r['n']:>2} | {r['spawn_p50']:6.1f} / {r['spawn_p95']:5.1f} | {r['page_p50']:5.1f} / {r['page_p95']:5.1f} |"
              f" {r['pss_trainee_mb']:7.0f} ({r['pss_trainee_max_mb']:.0f}) | {r['pss_hub_mb']:5.0f} |"
              f" {r['click_p50_ms']:6.0f} / {r['click_p95_ms']:6.0f} | {r['hand_in_p95_s']:5.2f}")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
