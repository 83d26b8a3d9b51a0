"""The JupyterHub configuration of an academy (deploy/jupyterhub_config.py calls ``configure``).

Settings come from the environment so one file serves the laptop-sized test hub, a server and
Kubernetes:

    CTIP_HUB_ROOT        state, course and exchange (default /srv/ctip; see layout.py)
    CTIP_HUB_IP/PORT     public address (default 127.0.0.1:8000); the hub API and the proxy API
                         use PORT+1 and PORT+2, formgrader PORT+3 (all on 127.0.0.1)
    CTIP_HUB_ADMINS      comma-separated admin names (default ctipadmin; they must sign up first)
    CTIP_HUB_AUTH        native (default: sign-up, admin approval, throttled logins) | lti13
    CTIP_HUB_SPAWNER     local (default: one Unix user per hub user) | kube (Zero to JupyterHub)
    CTIP_HUB_SSL_CERT/KEY  serve HTTPS directly; CTIP_HUB_BEHIND_TLS=1 when a TLS proxy is in front
    CTIP_HUB_CULL_TIMEOUT  seconds of inactivity before a server is stopped (default 3600)
    CTIP_LTI_ISSUER, CTIP_LTI_CLIENT_ID, CTIP_LTI_AUTHORIZE_URL, CTIP_LTI_JWKS_URL,
    CTIP_LTI_USERNAME_KEY  LTI 1.3 (Moodle) settings, see docs/academy-it.md
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

from .. import paths
from . import layout as L

VOILA_START = f"/voila/render/{L.START_PAGE}"
FORMGRADER = "formgrader"


def _venv_bin() -> Path:
    return Path(sys.executable).parent


def _umask_cmd(umask: str, *cmd: str) -> list[str]:
    # the spawner appends its own arguments; "$0" "$@" passes them on after setting the umask
    return ["/bin/sh", "-c", f'umask {umask}; exec "$0" "$@"', *cmd]


def base_env(lay: L.Layout) -> dict[str, str]:
    return {
        "PATH": f"{_venv_bin()}:/usr/local/bin:/usr/bin:/bin",   # nbgrader calls alembic by name
        "PYTHONPATH": str(paths.ROOT),                           # this checkout's ctip
        "CTIP_HUB_ROOT": str(lay.root),
        "CTIP_COURSE_ID": lay.course_id,
    }


def role_of(group_names) -> str:
    g = set(group_names)
    return "instructor" if "instructors" in g else "self-study" if "self-study" in g else "trainee"


def pre_spawn_hook(spawner) -> None:
    """Local servers: the Unix account (created at first spawn), the role's landing page and
    umask, the trainee's own copy of the course pages."""
    from . import accounts
    lay = L.from_env()
    user = spawner.user
    groups = [g.name for g in user.groups]
    role = role_of(groups)
    if role == "trainee" and "trainees" not in groups:       # approved sign-ups become trainees
        from jupyterhub import orm
        g = orm.Group.find(user.db, "trainees")
        if g is not None:
            user.orm_user.groups.append(g)
            user.db.commit()
    pw = accounts.ensure_user(user.name, role, lay)
    env = base_env(lay)
    single = str(_venv_bin() / "jupyterhub-singleuser")
    if role == "instructor":
        accounts.link_course(pw, lay)
        env.update(CTIP_COURSE_ROOT=str(lay.course), CTIP_SOLUTIONS=str(lay.course / "solutions"))
        spawner.default_url = "/lab"
        spawner.cmd = _umask_cmd("007", single)
    else:
        accounts.copy_pages(pw)
        if role == "trainee":
            env["CTIP_EXCHANGE_ROOT"] = str(lay.exchange)    # self-study: no course, offline hand-in
        env["JUPYTER_CONFIG_PATH"] = str(lay.config / "trainee")
        spawner.default_url = VOILA_START
        spawner.cmd = _umask_cmd("077", single)
    spawner.environment = {**spawner.environment, **env}


TRAINEE_SERVER_CONFIG = {
    "ServerApp": {
        "terminals_enabled": False,
        "jpserver_extensions": {
            "nbgrader.server_extensions.formgrader": False,
            "nbgrader.server_extensions.course_list": False,
        },
    }
}


# a trainee who types /lab into the address bar gets no nbgrader authoring panels or menus
TRAINEE_PAGE_CONFIG = {"disabledExtensions": {"@jupyter/nbgrader": True}}


def write_trainee_config(lay: L.Layout) -> None:
    import json
    d = lay.config / "trainee"
    (d / "labconfig").mkdir(parents=True, exist_ok=True)
    (d / "jupyter_server_config.json").write_text(json.dumps(TRAINEE_SERVER_CONFIG, indent=1))
    (d / "labconfig" / "page_config.json").write_text(json.dumps(TRAINEE_PAGE_CONFIG, indent=1))
    for folder in (d, d / "labconfig"):
        os.chmod(folder, 0o755)
    for f in (d / "jupyter_server_config.json", d / "labconfig" / "page_config.json"):
        os.chmod(f, 0o644)


def configure(c, env: dict | None = None) -> None:
    env = dict(os.environ if env is None else env)
    lay = L.Layout(Path(env.get("CTIP_HUB_ROOT", "/srv/ctip")), env.get("CTIP_COURSE_ID", L.COURSE_ID))
    ip, port = env.get("CTIP_HUB_IP", "127.0.0.1"), int(env.get("CTIP_HUB_PORT", "8000"))
    tls = bool(env.get("CTIP_HUB_SSL_CERT"))
    spawner = env.get("CTIP_HUB_SPAWNER", "local")
    admins = {a.strip() for a in env.get("CTIP_HUB_ADMINS", "ctipadmin").split(",") if a.strip()}

    # --- network, state ----------------------------------------------------------------------
    c.JupyterHub.bind_url = f"{'https' if tls else 'http'}://{ip}:{port}"
    if tls:
        c.JupyterHub.ssl_cert, c.JupyterHub.ssl_key = env["CTIP_HUB_SSL_CERT"], env["CTIP_HUB_SSL_KEY"]
    if tls or env.get("CTIP_HUB_BEHIND_TLS") == "1":
        c.JupyterHub.cookie_options = {"secure": True}
    if spawner == "local":
        c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{port + 1}"
        c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{port + 2}"
        proxy = env.get("CTIP_PROXY") or str(paths.ROOT / "deploy" / "node_modules" / ".bin" / "configurable-http-proxy")
        c.ConfigurableHTTPProxy.command = [proxy]
        c.ConfigurableHTTPProxy.pid_file = str(lay.hub / "proxy.pid")
        c.JupyterHub.db_url = f"sqlite:///{lay.hub / 'jupyterhub.sqlite'}"
        c.JupyterHub.cookie_secret_file = str(lay.hub / "jupyterhub_cookie_secret")
        c.JupyterHub.pid_file = str(lay.hub / "jupyterhub.pid")
    c.JupyterHub.tornado_settings = {"headers": {"Content-Security-Policy": "frame-ancestors 'self'"}}

    # --- who may log in -----------------------------------------------------------------------
    c.Authenticator.admin_users = admins
    c.Authenticator.username_pattern = L.USERNAME_PATTERN
    auth = env.get("CTIP_HUB_AUTH", "native")
    if auth == "native":
        c.JupyterHub.authenticator_class = "ctip.deployment.nativeauth.CtipNativeAuthenticator"
        c.NativeAuthenticator.enable_signup = True
        c.NativeAuthenticator.open_signup = False            # an admin approves each sign-up
        c.NativeAuthenticator.minimum_password_length = 10
        c.NativeAuthenticator.check_common_password = True
        c.NativeAuthenticator.allowed_failed_logins = int(env.get("CTIP_HUB_FAILED_LOGINS", "5"))
        c.NativeAuthenticator.seconds_before_next_try = int(env.get("CTIP_HUB_LOCKOUT_SECONDS", "300"))
        c.Authenticator.allow_all = True        # approval (above) is the gate, not a list
    elif auth == "lti13":
        c.JupyterHub.authenticator_class = "ltiauthenticator.lti13.auth.LTI13Authenticator"
        c.LTI13Authenticator.issuer = env.get("CTIP_LTI_ISSUER", "")
        c.LTI13Authenticator.client_id = {x for x in env.get("CTIP_LTI_CLIENT_ID", "").split(",") if x}
        c.LTI13Authenticator.authorize_url = env.get("CTIP_LTI_AUTHORIZE_URL", "")
        c.LTI13Authenticator.jwks_endpoint = env.get("CTIP_LTI_JWKS_URL", "")
        c.LTI13Authenticator.username_key = env.get("CTIP_LTI_USERNAME_KEY", "sub")
        c.Authenticator.allow_all = True        # Moodle decides who is in the course
        c.Authenticator.manage_groups = True
        c.Authenticator.post_auth_hook = lti_post_auth
    else:
        raise ValueError(f"CTIP_HUB_AUTH: unknown authenticator {auth!r}")

    # --- groups and roles ---------------------------------------------------------------------
    c.JupyterHub.load_groups = {"instructors": {"users": sorted(admins)}, "trainees": {"users": []},
                                "self-study": {"users": []}}
    c.JupyterHub.load_roles = [
        {"name": "instructor", "groups": ["instructors"],
         "scopes": ["admin-ui", "admin:users", "admin:groups", "list:users", "read:users",
                    "admin:servers", f"access:services!service={FORMGRADER}", "list:services",
                    f"read:services!service={FORMGRADER}"]},
    ]

    # --- servers ------------------------------------------------------------------------------
    c.Spawner.start_timeout = 120
    c.Spawner.http_timeout = 90
    c.Spawner.notebook_dir = "~"
    c.Spawner.default_url = VOILA_START
    if spawner == "local":
        c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
        c.Spawner.pre_spawn_hook = pre_spawn_hook
        c.JupyterHub.load_roles.append(
            {"name": "idle-culler", "services": ["idle-culler"],
             "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]})
        c.JupyterHub.services = [
            {"name": "idle-culler",        # on Kubernetes the chart runs it (values.yaml: cull)
             "command": [sys.executable, "-m", "jupyterhub_idle_culler",
                         f"--timeout={int(env.get('CTIP_HUB_CULL_TIMEOUT', '3600'))}", "--cull-every=300"]},
        ]
        fg_port = int(env.get("CTIP_FORMGRADER_PORT", str(port + 3)))
        if env.get("CTIP_HUB_FORMGRADER", "1") == "0":
            return                       # a hub without the formgrader service (tests of log-in only)
        c.JupyterHub.services.append({
            "name": FORMGRADER,
            "url": f"http://127.0.0.1:{fg_port}",
            "command": _umask_cmd("007", str(_venv_bin() / "jupyterhub-singleuser"),
                                  f"--ServerApp.root_dir={lay.course}"),
            "user": L.GRADER,
            "cwd": str(lay.course),
            "environment": {**base_env(lay), "JUPYTERHUB_DEFAULT_URL": "/formgrader",
                            "CTIP_COURSE_ROOT": str(lay.course),
                            "CTIP_SOLUTIONS": str(lay.course / "solutions")},
            "oauth_no_confirm": True,
            "timeout": 180,            # a busy server may take a while to start JupyterLab's server
        })
    elif spawner == "kube":
        kube(c, env, lay)
    else:
        raise ValueError(f"CTIP_HUB_SPAWNER: unknown spawner {spawner!r}")


def lti_post_auth(authenticator, handler, auth_model):
    """Moodle (LTI 1.3): a valid Unix-style name, and the LMS role decides the hub group."""
    name = re.sub(r"[^a-z0-9_-]+", "-", auth_model["name"].lower()).strip("-")
    if not re.fullmatch(L.USERNAME_PATTERN, name):
        name = "u" + name
    auth_model["name"] = name[:31]
    state = auth_model.get("auth_state") or {}
    roles = " ".join(state.get("https://purl.imsglobal.org/spec/lti/claim/roles", []) or [])
    auth_model["groups"] = ["instructors"] if ("Instructor" in roles or "Administrator" in roles) else ["trainees"]
    return auth_model


def kube(c, env: dict, lay: L.Layout) -> None:
    """Zero to JupyterHub: the chart's values (deploy/k8s/values.yaml) are the one source; this
    maps their single-user part onto KubeSpawner and runs their extraConfig, as the chart does,
    so the configuration can be loaded and checked without a cluster."""
    import yaml
    values = yaml.safe_load((paths.ROOT / "deploy" / "k8s" / "values.yaml").read_text(encoding="utf-8"))
    su = values["singleuser"]
    c.JupyterHub.spawner_class = "kubespawner.KubeSpawner"
    c.KubeSpawner.image = env.get("CTIP_SINGLEUSER_IMAGE", f"{su['image']['name']}:{su['image']['tag']}")
    c.KubeSpawner.default_url = su["defaultUrl"]
    c.KubeSpawner.cmd = [su["cmd"]]
    c.KubeSpawner.environment = dict(su["extraEnv"])
    c.KubeSpawner.uid, c.KubeSpawner.fs_gid = su["uid"], su["fsGid"]
    c.KubeSpawner.volumes = list(su["storage"]["extraVolumes"])
    c.KubeSpawner.volume_mounts = list(su["storage"]["extraVolumeMounts"])
    c.KubeSpawner.mem_guarantee, c.KubeSpawner.mem_limit = su["memory"]["guarantee"], su["memory"]["limit"]
    c.KubeSpawner.cpu_guarantee, c.KubeSpawner.cpu_limit = su["cpu"]["guarantee"], su["cpu"]["limit"]
    c.KubeSpawner.start_timeout = su["startTimeout"]
    for _name, snippet in sorted(values["hub"].get("extraConfig", {}).items()):
        exec(compile(snippet, f"values.yaml:hub.extraConfig.{_name}", "exec"), {"c": c})
