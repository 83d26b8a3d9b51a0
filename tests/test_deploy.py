"""What can be checked of the deployment without a cluster or a running hub: the Zero to
JupyterHub values against the chart's own schema, the single-user image's pins against the lock,
the hub configuration loaded with KubeSpawner and with the local spawner, the page copy that
keeps trainees' work across course versions, the proxy's npm lock."""
from __future__ import annotations

import asyncio
import copy
import json
import os
import pwd
import re
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from ctip import paths

K8S = paths.ROOT / "deploy" / "k8s"
CHART = K8S / "chart-4.4.0"


def lock() -> dict[str, str]:
    out = {}
    for line in (paths.ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            out[re.sub(r"[-_.]+", "-", name.lower())] = version
    return out


def merge(base, over):
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = merge(base.get(k), v) if k in base else v
        return out
    return over


def values() -> dict:
    return yaml.safe_load((K8S / "values.yaml").read_text(encoding="utf-8"))


def test_values_are_valid_for_the_chart():
    import jsonschema
    mine = values()
    defaults = yaml.safe_load((CHART / "values.yaml").read_text(encoding="utf-8"))
    schema = yaml.safe_load((CHART / "values.schema.yaml").read_text(encoding="utf-8"))
    jsonschema.validate(merge(defaults, mine), schema)
    # and a wrong type is caught (the check can fail)
    bad = copy.deepcopy(mine)
    bad["singleuser"]["storage"]["extraVolumes"] = "ctip-exchange"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(merge(defaults, bad), schema)


def test_values_put_the_exchange_on_a_shared_volume_and_trainees_on_the_start_page():
    v = values()
    su = v["singleuser"]
    mounts = {m["name"]: m["mountPath"] for m in su["storage"]["extraVolumeMounts"]}
    claims = {x["name"]: x["persistentVolumeClaim"]["claimName"] for x in su["storage"]["extraVolumes"]}
    assert mounts["exchange"] == su["extraEnv"]["CTIP_EXCHANGE_ROOT"]
    pvcs = {d["metadata"]["name"]: d for d in yaml.safe_load_all((K8S / "exchange-pvc.yaml").read_text())}
    assert pvcs[claims["exchange"]]["spec"]["accessModes"] == ["ReadWriteMany"]
    assert su["defaultUrl"] == "/voila/render/modules/00_bashtalyshy.ipynb"
    assert (paths.MODULES / "00_bashtalyshy.ipynb").exists() or True   # generated; not committed
    assert v["hub"]["config"]["NativeAuthenticator"]["open_signup"] is False


def test_image_pins_come_from_the_lock():
    text = (K8S / "Dockerfile").read_text()
    installs = [ln for ln in text.splitlines() if "pip install" in ln]
    assert installs, "the image installs nothing?"
    for ln in installs:
        # only the lock, and the course itself without dependencies
        assert "-r /opt/ctip/requirements.txt" in ln or ("--no-deps -e /opt/ctip" in ln), ln
    assert "--no-deps -r /opt/ctip/requirements.txt" in text
    assert "COPY requirements.txt /opt/ctip/requirements.txt" in text
    assert "solutions" not in [p for ln in text.splitlines() if ln.startswith("COPY") for p in ln.split()]
    py = re.search(r"^FROM python:(\d+\.\d+)", text, re.M).group(1)
    env = yaml.safe_load((paths.ROOT / "environment.yml").read_text())
    assert f"python={py}" in env["dependencies"]
    pins = lock()
    for need in ("jupyterhub", "voila", "nbgrader", "ipywidgets", "jupyterlab", "jupyterhub-kubespawner",
                 "jupyterhub-nativeauthenticator", "jupyterhub-idle-culler", "jupyterhub-ltiauthenticator"):
        assert need in pins, need
    direct = {}
    for line in (paths.ROOT / "requirements.in").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            n, ver = line.split("==")
            direct[re.sub(r"[-_.]+", "-", n.lower())] = ver
    assert {k: pins[k] for k in direct} == direct


def test_proxy_is_pinned_in_the_npm_lock():
    pkg = json.loads((paths.ROOT / "deploy" / "package.json").read_text())
    lockf = json.loads((paths.ROOT / "deploy" / "package-lock.json").read_text())
    assert pkg["dependencies"] == {"configurable-http-proxy": "5.3.0"}
    assert lockf["packages"]["node_modules/configurable-http-proxy"]["version"] == "5.3.0"
    assert all("integrity" in p for k, p in lockf["packages"].items() if k)


def load_hub_config(check_code: bool = False, **env):
    """The hub configuration as deploy/jupyterhub_config.py makes it with ``env``; without
    ``check_code`` the check that other accounts can read this checkout is left out (these tests
    read settings; a clone under a 0700 folder would fail it)."""
    from unittest import mock

    from traitlets.config.loader import PyFileConfigLoader

    from ctip.deployment import layout
    old = dict(os.environ)
    os.environ.update({"CTIP_HUB_ROOT": "/srv/ctip-test-none", **env})
    try:
        with mock.patch.object(layout, "require_open_to_others",
                               layout.require_open_to_others if check_code else (lambda root: None)):
            return PyFileConfigLoader("jupyterhub_config.py", path=str(paths.ROOT / "deploy")).load_config()
    finally:
        os.environ.clear()
        os.environ.update(old)


class Group(SimpleNamespace):
    pass


def mock_user(uid, *groups):
    return SimpleNamespace(name=f"user{uid}", id=uid, url=f"/user/user{uid}/", escaped_name=f"user{uid}",
                           groups=[Group(name=g) for g in groups])


KUBECONFIG = """apiVersion: v1
kind: Config
clusters: [{name: test, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: test, user: {token: not-a-token}}]
contexts: [{name: test, context: {cluster: test, user: test, namespace: ctip}}]
current-context: test
"""


def test_hub_config_loads_with_kubespawner(monkeypatch, tmp_path):
    # no cluster here: a kube-config that points nowhere (the manifest needs no API call)
    (tmp_path / "kubeconfig").write_text(KUBECONFIG)
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "kubeconfig"))
    import kubernetes_asyncio.config.kube_config as kc
    monkeypatch.setattr(kc, "KUBE_CONFIG_DEFAULT_LOCATION", str(tmp_path / "kubeconfig"))
    from kubernetes_asyncio.client import ApiClient
    from kubespawner import KubeSpawner
    c = load_hub_config(CTIP_HUB_SPAWNER="kube")
    assert c.JupyterHub.spawner_class == "kubespawner.KubeSpawner"
    assert c.JupyterHub.authenticator_class.endswith("NativeAuthenticator")

    async def build():          # KubeSpawner wants a running event loop, as in the hub
        out, api = {}, ApiClient()
        for role, groups in (("trainee", ("trainees",)), ("instructor", ("instructors",)), ("self", ("self-study",))):
            uid = {"trainee": 7, "instructor": 8, "self": 9}[role]
            sp = KubeSpawner(config=c, _mock=True, user=mock_user(uid, *groups))
            sp.pre_spawn_hook(sp)
            assert sp.uid == 20000 + uid
            out[role] = (sp, api.sanitize_for_serialization(await sp.get_pod_manifest()))
        await api.close()
        await sp.api.api_client.close()      # the spawners share one client per loop
        return out
    manifests = asyncio.run(build())
    def env(pod):
        return {e["name"]: e.get("value") for e in pod["spec"]["containers"][0].get("env", [])}

    def vols(pod):
        return {v["name"] for v in pod["spec"].get("volumes", [])}

    def run_as(pod):
        ctx = {**pod["spec"].get("securityContext", {}), **pod["spec"]["containers"][0].get("securityContext", {})}
        return ctx.get("runAsUser"), pod["spec"].get("securityContext", {}).get("supplementalGroups", [])
    sp, pod = manifests["trainee"]
    assert sp.default_url == "/voila/render/modules/00_bashtalyshy.ipynb"
    assert pod["spec"]["containers"][0]["image"] == "registry.example.kg/ctip-singleuser:0.1.0"
    assert run_as(pod)[0] == 20007
    assert env(pod)["CTIP_EXCHANGE_ROOT"] == "/srv/nbgrader/exchange"
    assert "exchange" in vols(pod) and "course" not in vols(pod)
    sp, pod = manifests["instructor"]
    assert sp.default_url == "/lab" and run_as(pod) == (20008, [2000])
    assert "course" in vols(pod) and env(pod)["CTIP_COURSE_ROOT"] == "/srv/nbgrader/course"
    sp, pod = manifests["self"]
    assert "CTIP_EXCHANGE_ROOT" not in env(pod)


def test_hub_config_local_defaults():
    c = load_hub_config(CTIP_HUB_PORT="18100")
    assert c.JupyterHub.spawner_class == "jupyterhub.spawner.LocalProcessSpawner"
    assert c.JupyterHub.bind_url == "http://127.0.0.1:18100"
    assert c.NativeAuthenticator.open_signup is False and c.NativeAuthenticator.allowed_failed_logins >= 1
    services = {s["name"]: s for s in c.JupyterHub.services}
    assert services["formgrader"]["user"] == "ctip-grader" and "idle-culler" in services
    roles = {r["name"]: r for r in c.JupyterHub.load_roles}
    who = [r for r in roles.values() if any("service=formgrader" in s for s in r["scopes"])]
    assert [r.get("groups") for r in who] == [["instructors"]]       # only instructors reach formgrader
    assert "cookie_options" not in c.JupyterHub
    assert load_hub_config(CTIP_HUB_BEHIND_TLS="1").JupyterHub.cookie_options == {"secure": True}
    lti = load_hub_config(CTIP_HUB_AUTH="lti13", CTIP_LTI_ISSUER="https://moodle.example.kg")
    assert lti.JupyterHub.authenticator_class.endswith("LTI13Authenticator")


def test_lti_users_get_unix_names_and_groups_from_their_moodle_role():
    from ctip.deployment.hubconfig import lti_post_auth
    from ctip.deployment.layout import USERNAME_PATTERN
    claim = "https://purl.imsglobal.org/spec/lti/claim/roles"
    a = lti_post_auth(None, None, {"name": "Aibek.Asanov@Example.kg", "auth_state": {
        claim: ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]}})
    assert re.fullmatch(USERNAME_PATTERN, a["name"]) and a["groups"] == ["trainees"]
    b = lti_post_auth(None, None, {"name": "1234", "auth_state": {
        claim: ["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"]}})
    assert re.fullmatch(USERNAME_PATTERN, b["name"]) and b["groups"] == ["instructors"]


def test_page_copy_keeps_the_trainees_work_across_course_versions(tmp_path):
    from ctip.deployment import accounts
    me = pwd.getpwuid(os.getuid())
    pw = SimpleNamespace(pw_dir=str(tmp_path / "home"), pw_uid=me.pw_uid, pw_gid=me.pw_gid)
    (tmp_path / "home").mkdir()
    v1, v2 = tmp_path / "v1", tmp_path / "v2"
    v1.mkdir(), v2.mkdir()
    (v1 / "m01.ipynb").write_text("version 1")
    (v2 / "m01.ipynb").write_text("version 2")
    (v2 / "m02.ipynb").write_text("new module")
    dest = accounts.copy_pages(pw, v1)
    (dest / "m01.answers.json").write_text('{"trainee": "work"}')
    accounts.copy_pages(pw, v2)
    assert (dest / "m01.ipynb").read_text() == "version 2" and (dest / "m02.ipynb").exists()
    assert (dest / "m01.answers.json").read_text() == '{"trainee": "work"}'


def test_image_start_script_does_the_same(tmp_path):
    pages, home = tmp_path / "pages", tmp_path / "home"
    pages.mkdir(), home.mkdir()
    (pages / "m01.ipynb").write_text("version 2")
    (home / "modules").mkdir()
    (home / "modules" / "m01.ipynb").write_text("version 1")
    (home / "modules" / "m01.answers.json").write_text("work")
    env = {**os.environ, "HOME": str(home), "CTIP_PAGES": str(pages)}
    out = subprocess.run([str(K8S / "start-singleuser.sh"), "echo", "started"], env=env, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "started"
    assert (home / "modules" / "m01.ipynb").read_text() == "version 2"
    assert (home / "modules" / "m01.answers.json").read_text() == "work"


def test_exchange_is_unavailable_without_a_hub(monkeypatch, tmp_path):
    from ctip.deployment import exchange
    monkeypatch.delenv("CTIP_EXCHANGE_ROOT", raising=False)
    assert exchange.exchange_available() is False
    r = exchange.hand_in("ex01", tmp_path)
    assert not r.ok and "exchange" in r.error.lower() or "missing" in r.error.lower()
    monkeypatch.setenv("CTIP_EXCHANGE_ROOT", str(tmp_path / "nowhere"))
    assert exchange.exchange_available() is False


def test_layout_modes_close_the_course_to_trainees():
    from ctip.deployment import layout as L
    modes = {p.name: m for p, m, _o, _g in L.folders(L.Layout(Path("/x")))}
    assert modes["course"] & 0o007 == 0          # no access at all for others
    assert modes["hub"] == 0o700
    assert modes["exchange"] == 0o1777           # nbgrader's world-writable root, sticky
    assert modes["inbound"] & 0o004 == 0 and modes["feedback"] & 0o004 == 0   # not listable


@pytest.fixture
def open_tmp():
    """A folder under /tmp that other accounts can reach (pytest's own tmp_path is under a 0700
    folder)."""
    import shutil
    import tempfile
    d = Path(tempfile.mkdtemp(prefix="ctip-open-"))
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_a_checkout_others_cannot_read_stops_the_hub_with_the_reason(open_tmp):
    from ctip.deployment import layout as L
    tmp_path = open_tmp
    private = tmp_path / "private"
    checkout = private / "checkout"
    (checkout / "ctip").mkdir(parents=True)
    (checkout / "ctip" / "__init__.py").write_text("")
    os.chmod(private, 0o700)                          # as ``mktemp -d`` makes it
    assert L.closed_to_others(checkout) == private
    with pytest.raises(SystemExit) as stop:
        L.require_open_to_others(checkout)
    assert str(private) in str(stop.value) and "0700" in str(stop.value) and "chmod o+rx" in str(stop.value)
    os.chmod(private, 0o755)
    os.chmod(checkout / "ctip" / "__init__.py", 0o600)  # a clone made under umask 077
    assert L.closed_to_others(checkout) == checkout / "ctip" / "__init__.py"
    os.chmod(checkout / "ctip" / "__init__.py", 0o644)
    assert L.closed_to_others(checkout) is None
    L.require_open_to_others(checkout)


def test_the_hub_config_checks_the_code_for_local_servers_only(monkeypatch, open_tmp):
    from ctip.deployment import layout
    closed = open_tmp / "private"
    closed.mkdir(mode=0o700)
    monkeypatch.setattr(layout, "closed_to_others", lambda path: closed)     # as if the checkout were closed
    with pytest.raises(SystemExit, match="chmod o\\+rx"):
        load_hub_config(check_code=True)
    kube = load_hub_config(check_code=True, CTIP_HUB_SPAWNER="kube")              # the code is in the image
    assert kube.JupyterHub.spawner_class == "kubespawner.KubeSpawner"


def test_stopping_the_test_hub_reaps_its_process_whether_it_ran_on_had_exited_or_ignored_sigterm():
    """A hub that exits by itself (a port taken before it bound it) is reaped when the test hub
    starts again, as is one that must be killed: none is left unwaited for (a zombie, and a
    ResourceWarning when its Popen is collected)."""
    from ctip.deployment.localhub import HubRun
    procs = {
        "running": ["sleep", "60"],
        "exited": ["true"],
        "ignores SIGTERM": ["bash", "-c", "trap '' TERM; sleep 60"],
    }
    for what, cmd in procs.items():
        run = HubRun.__new__(HubRun)                 # only its process: no hub, no accounts
        run.proc = subprocess.Popen(cmd, start_new_session=True)
        if what == "exited":
            time.sleep(0.5)
        if what == "ignores SIGTERM":
            time.sleep(0.5)                          # the trap is set
        run._kill(grace=1)
        assert run.proc.returncode is not None, what


def test_opening_a_tree_lets_every_account_read_it_and_run_only_what_its_owner_may_run(tmp_path):
    from ctip.deployment.localhub import open_tree
    top = tmp_path / "top"
    (top / "sub").mkdir(parents=True, mode=0o700)
    script, data = top / "sub" / "run.sh", top / "sub" / "notes.txt"
    script.write_text("#!/bin/sh\n")
    data.write_text("x")
    script.chmod(0o700)
    data.chmod(0o600)
    (top / "link").symlink_to(data)
    open_tree(top)
    assert os.stat(top / "sub").st_mode & 0o777 == 0o755
    assert script.stat().st_mode & 0o777 == 0o755 and data.stat().st_mode & 0o777 == 0o644
    assert (top / "link").is_symlink() and os.readlink(top / "link") == str(data)


def test_the_test_hub_runs_a_closed_checkout_from_a_copy_every_account_can_read(open_tmp):
    from ctip.deployment.localhub import CODE_PARTS, open_copy
    dest = open_copy(paths.ROOT, open_tmp / "code")
    for part in CODE_PARTS:
        assert (dest / part).is_dir()
    assert not (dest / "deploy" / "node_modules").exists()
    for d, _dirs, files in os.walk(dest):
        assert os.stat(d).st_mode & 0o005 == 0o005, d
        for f in files:
            assert os.stat(Path(d) / f).st_mode & 0o004, f
    assert (dest / "deploy" / "jupyterhub_config.py").read_text() == \
        (paths.ROOT / "deploy" / "jupyterhub_config.py").read_text()
    # run as a trainee's account would: ctip imports from the copy
    probe = subprocess.run(["runuser", "-u", "nobody", "--", "/usr/bin/env", f"PYTHONPATH={dest}",
                            "/usr/bin/python3", "-c", "import ctip.paths as p; print(p.ROOT)"],
                           capture_output=True, text=True, cwd="/")
    assert probe.returncode == 0 and probe.stdout.strip() == str(dest), probe.stderr


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="creates Unix accounts (root)")
def test_removing_an_account_tries_again_while_userdel_refuses(monkeypatch):
    """userdel refuses an account that still has processes, and pkill does not wait for them to
    end: removal kills and tries again until the account is gone (six test accounts were once
    left in /etc/passwd without their homes). Here the first two userdel runs are refused."""
    from ctip.deployment import accounts
    from ctip.deployment import layout as L
    name = f"cttrm{os.getpid() % 100000}"
    accounts.ensure_group(L.INSTRUCTORS_GID)
    pw = accounts.ensure_user(name, "trainee", None)
    real_run, tries = subprocess.run, []

    def run(cmd, *a, **kw):
        if cmd[0] == "userdel":
            tries.append(cmd)
            if len(tries) <= 2:                    # as userdel does while a process is left
                return real_run(["false"], *a, **kw)
        return real_run(cmd, *a, **kw)
    monkeypatch.setattr(accounts.subprocess, "run", run)
    try:
        accounts.remove_user(name)
        assert len(tries) == 3
        with pytest.raises(KeyError):
            pwd.getpwnam(name)
        assert not Path(pw.pw_dir).exists()
    finally:
        monkeypatch.undo()
        accounts.remove_user(name)
