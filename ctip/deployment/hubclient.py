"""A small client for the academy hub over HTTP (what a browser does, without the browser):
sign up, log in, approve, groups, tokens, start a server, run code in the user's kernel.
Used by tests/test_hub.py and benchmarks/hub_load.py; loopback only in both."""
from __future__ import annotations

import json
import time
import uuid
from urllib.parse import urlparse

import requests


class HubError(RuntimeError):
    pass


class Hub:
    def __init__(self, url: str, verify: bool | str = True):
        self.url = url.rstrip("/")
        self.verify = verify
        self.admin_token: str | None = None
        self.admin_session: requests.Session | None = None
        self._sessions: list[requests.Session] = []

    # --- browser-like sessions ---------------------------------------------------------------
    def close(self) -> None:
        for s in self._sessions:
            s.close()
        self._sessions.clear()

    def session(self) -> requests.Session:
        s = requests.Session()
        self._sessions.append(s)
        s.verify = self.verify
        s.trust_env = False         # loopback: no proxy, and REQUESTS_CA_BUNDLE must not override verify
        return s

    def _xsrf(self, s: requests.Session, path: str) -> str:
        r = s.get(f"{self.url}{path}", timeout=30)
        r.raise_for_status()
        return s.cookies.get("_xsrf", path="/hub/") or s.cookies.get("_xsrf") or ""

    def signup(self, name: str, password: str) -> requests.Response:
        s = self.session()
        x = self._xsrf(s, "/hub/signup")
        return s.post(f"{self.url}/hub/signup", timeout=30, data={
            "username": name, "signup_password": password,
            "signup_password_confirmation": password, "_xsrf": x})

    def login(self, name: str, password: str) -> tuple[requests.Session, requests.Response]:
        """Log in through the form; the session holds the hub cookie when it worked."""
        s = self.session()
        x = self._xsrf(s, "/hub/login")
        r = s.post(f"{self.url}/hub/login", timeout=60, allow_redirects=False,
                   data={"username": name, "password": password, "_xsrf": x})
        return s, r

    @staticmethod
    def logged_in(r: requests.Response) -> bool:
        return r.status_code == 302 and "/hub/login" not in r.headers.get("Location", "")

    def token_from_session(self, s: requests.Session, name: str) -> str:
        x = s.cookies.get("_xsrf", path="/hub/") or s.cookies.get("_xsrf") or ""
        r = s.post(f"{self.url}/hub/api/users/{name}/tokens", timeout=30,
                   headers={"X-XSRFToken": x}, json={"note": "ctip client", "expires_in": 7200})
        if r.status_code != 201:
            raise HubError(f"token for {name}: {r.status_code} {r.text[:200]}")
        return r.json()["token"]

    def login_admin(self, name: str, password: str) -> str:
        """Sign up the admin (approved by being an admin), log in, keep an API token."""
        self.signup(name, password)
        s, r = self.login(name, password)
        if not self.logged_in(r):
            raise HubError(f"admin {name} could not log in ({r.status_code})")
        self.admin_token = self.token_from_session(s, name)
        self.admin_session = s
        return self.admin_token

    # --- REST API ----------------------------------------------------------------------------
    def api(self, method: str, path: str, token: str | None = None, **kw) -> requests.Response:
        token = token or self.admin_token
        return requests.request(method, f"{self.url}/hub/api{path}", timeout=60, verify=self.verify,
                                headers={"Authorization": f"token {token}"}, **kw)

    def approve(self, name: str) -> None:
        """NativeAuthenticator's approval (an admin-scoped toggle on its admin page; JupyterHub
        takes API tokens on /hub/api only, so this goes through the admin's logged-in session)."""
        r = self.admin_session.get(f"{self.url}/hub/authorize/{name}", timeout=30, allow_redirects=False)
        if r.status_code not in (200, 302):
            raise HubError(f"approve {name}: {r.status_code}")

    def add_to_group(self, group: str, *names: str) -> None:
        r = self.api("POST", f"/groups/{group}/users", json={"users": list(names)})
        if r.status_code != 200:
            raise HubError(f"group {group}: {r.status_code} {r.text[:200]}")

    def ensure_user(self, name: str) -> None:
        if self.api("GET", f"/users/{name}").status_code == 404:
            self.api("POST", f"/users/{name}")

    def user_token(self, name: str) -> str:
        r = self.api("POST", f"/users/{name}/tokens", json={"note": "ctip client", "expires_in": 7200})
        if r.status_code != 201:
            raise HubError(f"token for {name}: {r.status_code} {r.text[:200]}")
        return r.json()["token"]

    def start(self, name: str, timeout: float = 240) -> float:
        """Start ``name``'s server, wait until it answers; returns seconds taken."""
        t0 = time.monotonic()
        r = self.api("POST", f"/users/{name}/server")
        if r.status_code not in (201, 202, 400):      # 400: already running
            raise HubError(f"spawn {name}: {r.status_code} {r.text[:300]}")
        while time.monotonic() - t0 < timeout:
            info = self.api("GET", f"/users/{name}").json()
            srv = (info.get("servers") or {}).get("")
            if srv and srv.get("ready"):
                return time.monotonic() - t0
            if not info.get("pending") and not srv:
                raise HubError(f"server of {name} stopped while starting")
            time.sleep(0.5)
        raise HubError(f"server of {name} not ready after {timeout}s")

    def stop(self, name: str) -> None:
        self.api("DELETE", f"/users/{name}/server")


class Kernel:
    """A kernel on a user's server, driven over its websocket (as the browser does)."""

    def __init__(self, hub: Hub, name: str, token: str, path: str | None = None, kernel_id: str | None = None):
        self.hub, self.name, self.token = hub, name, token
        if kernel_id is None:
            body = {"name": "python3"}
            if path:
                body["path"] = path
            r = requests.post(f"{hub.url}/user/{name}/api/kernels", json=body, timeout=120, verify=hub.verify,
                              headers={"Authorization": f"token {token}"})
            if r.status_code != 201:
                raise HubError(f"kernel for {name}: {r.status_code} {r.text[:200]}")
            kernel_id = r.json()["id"]
        self.id = kernel_id
        self.ws = self._connect()
        self._used = time.monotonic()
        self.session = uuid.uuid4().hex

    @classmethod
    def attach(cls, hub: Hub, name: str, token: str, kernel_id: str) -> "Kernel":
        """Connect to a running kernel (e.g. the one Voilà started for a page)."""
        return cls(hub, name, token, kernel_id=kernel_id)

    def _connect(self):
        import websocket
        u = urlparse(self.hub.url)
        scheme = "wss" if u.scheme == "https" else "ws"
        return websocket.create_connection(
            f"{scheme}://{u.netloc}/user/{self.name}/api/kernels/{self.id}/channels",
            header=[f"Authorization: token {self.token}"], timeout=300,
            sslopt={"cert_reqs": 0} if self.hub.verify is False else None)

    def execute(self, code: str, timeout: float = 120) -> str:
        """Run ``code``; return its stdout; raise HubError with the traceback on an error."""
        mid = uuid.uuid4().hex
        if time.monotonic() - self._used > 20 or not self.ws.connected:
            # an idle socket is not read, so the server's pings go unanswered and it closes it
            # (as a browser tab would reconnect): a fresh connection to the same kernel
            try:
                self.ws.close()
            except Exception:
                pass
            self.ws = self._connect()
        self.ws.send(json.dumps({
            "header": {"msg_id": mid, "msg_type": "execute_request", "username": self.name,
                       "session": self.session, "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": False,
                        "user_expressions": {}, "allow_stdin": False, "stop_on_error": True}}))
        out, error, done_shell, idle = [], None, False, False
        t0 = time.monotonic()
        while not (done_shell and idle):
            if time.monotonic() - t0 > timeout:
                raise HubError(f"kernel of {self.name}: no reply in {timeout}s")
            raw = self.ws.recv()
            if not raw:
                raise HubError(f"kernel of {self.name}: websocket closed")
            if isinstance(raw, bytes):      # a message with binary buffers (widget images): not ours to read
                continue
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != mid:
                continue
            kind = msg["header"]["msg_type"]
            if kind == "stream" and msg["content"].get("name") == "stdout":
                out.append(msg["content"]["text"])
            elif kind == "error":
                error = "\n".join(msg["content"].get("traceback", [])) or msg["content"].get("evalue")
            elif kind == "execute_reply":
                done_shell = True
            elif kind == "status" and msg["content"].get("execution_state") == "idle":
                idle = True
        self._used = time.monotonic()
        if error:
            raise HubError(f"kernel of {self.name}: {error[-1500:]}")
        return "".join(out)

    def close(self) -> None:
        try:
            self.ws.close()
        finally:
            requests.delete(f"{self.hub.url}/user/{self.name}/api/kernels/{self.id}", timeout=30,
                            verify=self.hub.verify, headers={"Authorization": f"token {self.token}"})
