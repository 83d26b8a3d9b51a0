"""Start a real academy hub on loopback for tests and benchmarks (root only): the hub's own
environment on the system Python (as ./run hub builds it), the proxy from deploy/, a fresh state
folder, a free port; ``stop()`` ends the hub and removes every Unix account it created."""
from __future__ import annotations

import gc
import os
import random
import secrets
import shutil
import signal
import socket
import sys
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import requests

from .. import paths
from . import layout as L

ROOT = paths.ROOT


def hub_venv() -> Path:
    """The hub's environment (what ./run hub builds): the lock on a Python >= 3.11.5 that every
    account can execute (CTIP_HUB_PYTHON; an interpreter under /root is not)."""
    import fcntl
    venv = Path(os.environ.get("CTIP_HUB_VENV", "/srv/ctip/venv"))
    marker = venv / ".installed-requirements"
    req = ROOT / "requirements.txt"
    venv.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(venv.parent, 0o755)
    with open(venv.parent / f".{venv.name}.lock", "w") as lock:      # parallel test workers wait
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (venv / "bin" / "jupyterhub").exists() or not marker.exists() \
                or marker.read_bytes() != req.read_bytes():
            py = trainee_python()
            if not (venv / "bin" / "python").exists():
                subprocess.run([py, "-m", "venv", str(venv)], check=True)
            subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "-r", str(req)], check=True)
            shutil.copy(req, marker)
    return venv


CHECK = "import sys; sys.exit(not (3, 11, 5) <= sys.version_info[:3] < (3, 12))"


def _usable(py: str) -> bool:
    """A Python 3.11 >= 3.11.5 (the lock needs it) that an unprivileged account can run."""
    try:
        return subprocess.run(["runuser", "-u", "nobody", "--", py, "-c", CHECK],
                              capture_output=True).returncode == 0
    except OSError:
        return False


def open_tree(top: Path) -> None:
    """Let every account read ``top`` and everything under it: folders 0755, files readable by
    all and, where their owner may run them, runnable by all. Links are left as they are."""
    for d, _dirs, files in os.walk(top):
        os.chmod(d, 0o755)
        for f in files:
            fp = Path(d) / f
            if not fp.is_symlink():
                mode = fp.stat().st_mode
                fp.chmod(mode | 0o444 | (0o111 if mode & 0o100 else 0))


def trainee_python() -> str:
    """The interpreter for the hub's environment: CTIP_HUB_PYTHON, else the system's python3, else
    a copy of the interpreter running this (e.g. one under /root, which trainees cannot reach)
    made once under /opt, with its shared library registered. Raises with a clear reason."""
    given = os.environ.get("CTIP_HUB_PYTHON")
    if given:
        if _usable(given):
            return given
        raise RuntimeError(f"CTIP_HUB_PYTHON={given}: not a Python 3.11 >= 3.11.5 that every account can run")
    if _usable("/usr/bin/python3"):
        return "/usr/bin/python3"
    v = sys.version_info
    if not ((3, 11, 5) <= v[:3] < (3, 12)):
        raise RuntimeError("the hub needs a Python 3.11 >= 3.11.5 that every account can run; "
                           "set CTIP_HUB_PYTHON (docs/academy-it.md, Install)")
    dest = Path(f"/opt/ctip-python-{v.major}.{v.minor}.{v.micro}")
    py = dest / "bin" / f"python{v.major}.{v.minor}"
    if not _usable(str(py)):
        src = Path(sys.base_prefix)
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(src, dest, symlinks=True,
                        ignore=shutil.ignore_patterns("site-packages", "__pycache__", "test", "tests"))
        (dest / "lib" / f"python{v.major}.{v.minor}" / "site-packages").mkdir(exist_ok=True)
        open_tree(dest)
        if list((dest / "lib").glob("libpython*.so*")):      # a shared build: let the loader find it
            Path("/etc/ld.so.conf.d/ctip-python.conf").write_text(f"{dest / 'lib'}\n")
            subprocess.run(["ldconfig"], check=False)
        if not _usable(str(py)):
            raise RuntimeError(f"{py}: copied, but an unprivileged account still cannot run it; "
                               "set CTIP_HUB_PYTHON (docs/academy-it.md, Install)")
    return str(py)


def proxy() -> Path:
    """configurable-http-proxy from the npm lock, installed once; parallel test workers wait for
    each other (npm ci replaces node_modules, so two at once break each other)."""
    import fcntl
    chp = ROOT / "deploy" / "node_modules" / ".bin" / "configurable-http-proxy"
    with open(ROOT / "deploy" / ".npm-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not chp.exists():
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ROOT / "deploy", check=True)
    return chp


def free_base_port(span: int = 4) -> int:
    for _ in range(200):
        base = random.randrange(20000, 60000)
        ok = True
        for p in range(base, base + span):
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", p))
                except OSError:
                    ok = False
                    break
        if ok:
            return base
    raise RuntimeError("no free port range")


PORT_TAKEN = ("EADDRINUSE", "Address already in use")


CODE_PARTS = ("ctip", "data", "modules", "exercises", "solutions", "deploy")


def open_copy(src: Path, dest: Path) -> Path:
    """A copy of the code and course at ``src`` that every account can read (folders 0755, files
    readable by all, scripts runnable by all), without the proxy's node_modules (the hub gets the
    proxy's path)."""
    for part in CODE_PARTS:
        shutil.copytree(src / part, dest / part, ignore=shutil.ignore_patterns(
            "node_modules", "__pycache__", ".npm-install.lock"))
    open_tree(dest)
    os.chmod(dest.parent, dest.parent.stat().st_mode | 0o005)
    return dest


class PortTaken(RuntimeError):
    """Another process bound one of the hub's ports before the hub or its proxy did."""


class HubRun:
    def __init__(self, tls: bool = False, failed_logins: int = 3, extra_env: dict | None = None,
                 formgrader: bool = True):
        self.venv = hub_venv()
        self.tag = secrets.token_hex(2)
        self.root = Path(tempfile.mkdtemp(prefix="ctip-hubtest-"))
        os.chmod(self.root, 0o755)
        self.port = free_base_port()
        self.admin = f"ctt{self.tag}adm"
        # trainees' servers import ctip from the code the hub runs: a checkout other accounts
        # cannot read (e.g. under a 0700 ``mktemp -d`` folder) is copied where they can
        self.code = ROOT if L.closed_to_others(ROOT) is None else open_copy(ROOT, self.root / "code")
        self.env = {**os.environ,
                    "CTIP_HUB_ROOT": str(self.root), "CTIP_HUB_PORT": str(self.port),
                    "CTIP_HUB_ADMINS": self.admin, "CTIP_HUB_FAILED_LOGINS": str(failed_logins),
                    "CTIP_HUB_LOCKOUT_SECONDS": "600", "CTIP_PROXY": str(proxy()),
                    "PYTHONPATH": str(self.code), "PATH": f"{self.venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
                    "CTIP_HUB_FORMGRADER": "1" if formgrader else "0", **(extra_env or {})}
        verify: bool | str = True
        if tls:
            cert, key = self_signed(self.root)
            self.env.update(CTIP_HUB_SSL_CERT=str(cert), CTIP_HUB_SSL_KEY=str(key))
            verify = False
        self.users: list[str] = []
        # from self.code, so that the set-up closes the keys of the code the hub runs (``-m`` puts
        # the working folder first on the import path)
        subprocess.run([str(self.venv / "bin" / "python"), "-m", "ctip.deployment.accounts", "setup"],
                       env=self.env, check=True, cwd=self.code)
        # the ports are free when chosen, but another process (a test worker's server or kernel)
        # can take one before the hub or its proxy binds it: then start again on other ports
        for attempt in range(3):
            self._start(tls, verify)
            try:
                self._wait()
                break
            except PortTaken:
                self._kill()
                self.log.close()
                self.hub.close()
                if attempt == 2:
                    self.stop()
                    raise
            except BaseException:
                self.stop()             # nothing left behind when the hub does not come up
                raise

    def _start(self, tls: bool, verify: bool | str) -> None:
        from .hubclient import Hub
        self.port = free_base_port()
        self.env["CTIP_HUB_PORT"] = str(self.port)
        self.log = open(self.root / "hub.log", "wb")
        self.proc = subprocess.Popen(
            [str(self.venv / "bin" / "jupyterhub"), "-f", str(self.code / "deploy" / "jupyterhub_config.py")],
            cwd=self.root / "hub", env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.hub = Hub(self.url, verify=verify)

    def _wait(self, timeout: float = 180) -> None:
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if any(m in self.tail() for m in PORT_TAKEN):
                raise PortTaken(self.tail())
            if self.proc.poll() is not None:
                raise RuntimeError(f"hub exited: {self.tail()}")
            try:
                if requests.get(f"{self.url}/hub/login", timeout=5, verify=self.hub.verify).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(1)
        raise RuntimeError(f"hub did not answer in {timeout}s: {self.tail()}")

    def tail(self) -> str:
        return (self.root / "hub.log").read_text(errors="replace")[-3000:]

    def name(self, what: str) -> str:
        n = f"ctt{self.tag}{what}"
        self.users.append(n)
        return n

    def _kill(self, grace: float = 60) -> None:
        """Stop the hub's process group (SIGTERM, after ``grace`` seconds SIGKILL) and always reap
        the hub's process, also when it had exited already (e.g. on a taken port): a process
        never waited for is left as a zombie and warned about when its Popen is collected."""
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(wait)
                return
            except subprocess.TimeoutExpired:
                continue

    def _kill_leftovers(self) -> None:
        """Servers the hub started in their own sessions that outlived it (the grader's server was
        left running after a hub that had to be killed): every process whose command line names
        this test hub's folder."""
        import psutil
        mine = str(self.root)
        left = []
        for proc in psutil.process_iter(["cmdline"]):
            try:
                if proc.pid != os.getpid() and any(mine in part for part in proc.info["cmdline"] or ()):
                    proc.kill()
                    left.append(proc)
            except psutil.Error:
                pass
        psutil.wait_procs(left, timeout=10)

    def stop(self) -> None:
        from . import accounts
        self._kill()
        self._kill_leftovers()
        self.log.close()
        self.hub.close()
        with warnings.catch_warnings():      # sockets of finished requests, collected here, not later
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()
        for n in self.users:
            accounts.remove_user(n)
        shutil.rmtree(self.root, ignore_errors=True)


def self_signed(folder: Path) -> tuple[Path, Path]:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    import ipaddress
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    c, k = folder / "test.crt", folder / "test.key"
    c.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    k.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()))
    os.chmod(k, 0o600)
    return c, k


if __name__ == "__main__":          # ./run hub: print the interpreter for the hub's environment
    print(trainee_python())
