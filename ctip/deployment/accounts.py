"""Unix side of the hub: groups, the grader account, the folders of ``layout``, one Unix account
per hub user (created at first spawn, home 0700), and each trainee's own copy of the course pages.

Everything here runs as root (the hub process or ``python -m ctip.deployment.accounts setup``)
and is idempotent: running it again repairs modes and owners and changes nothing else.
"""
from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from .. import paths
from . import layout as L

MARK = "ctip hub user"        # GECOS of the accounts this module creates (never touch others)


class AccountError(RuntimeError):
    pass


SBIN = "/usr/local/sbin:/usr/sbin:/sbin:/usr/local/bin:/usr/bin:/bin"


def _run(*cmd: str) -> None:
    try:
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       env={**os.environ, "PATH": SBIN})
    except subprocess.CalledProcessError as e:
        raise AccountError(f"{' '.join(cmd)}: {e.stderr.decode(errors='replace').strip()}") from e


def ensure_group(name: str) -> int:
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        _run("groupadd", "--system", name)
        return grp.getgrnam(name).gr_gid


def ensure_grader() -> pwd.struct_passwd:
    ensure_group(L.INSTRUCTORS_GID)
    try:
        return pwd.getpwnam(L.GRADER)
    except KeyError:
        # a home of its own: the formgrader service keeps Jupyter's runtime files there
        _run("useradd", "--system", "--gid", L.INSTRUCTORS_GID, "--create-home",
             "--home-dir", f"/var/lib/{L.GRADER}", "--shell", "/usr/sbin/nologin", "--comment", MARK, L.GRADER)
        pw = pwd.getpwnam(L.GRADER)
        os.chmod(pw.pw_dir, 0o700)
        return pw


def _own(path: Path, mode: int, owner: str | None, group: str | None) -> None:
    uid = pwd.getpwnam(owner).pw_uid if owner else -1
    gid = grp.getgrnam(group).gr_gid if group else -1
    os.chown(path, uid, gid)
    os.chmod(path, mode)


def chown_tree(top: Path, owner: str, group: str, dirmode: int = 0o2770, filemode: int = 0o660) -> None:
    uid, gid = pwd.getpwnam(owner).pw_uid, grp.getgrnam(group).gr_gid
    for d, _dirs, files in os.walk(top):
        os.chown(d, uid, gid)
        os.chmod(d, dirmode)
        for f in files:
            p = os.path.join(d, f)
            if not os.path.islink(p):
                os.chown(p, uid, gid)
                os.chmod(p, filemode)


NBGRADER_CONFIG = '''\
# nbgrader configuration of the academy course (written by ctip.deployment; safe to edit below)
import os
from ctip.deployment.instructor import configure_course
configure_course(get_config(), os.path.dirname(os.path.abspath(__file__)))  # noqa: F821
'''


def setup(lay: L.Layout, source: Path | None = None) -> None:
    """Groups, grader account, folders with their modes, the course (copied once from the
    repository's solutions/) and the repository's own solutions/ closed to trainees."""
    if os.geteuid() != 0:
        raise AccountError("the hub set-up needs root (it creates Unix accounts)")
    for g in (L.INSTRUCTORS_GID, L.TRAINEES_GID):
        ensure_group(g)
    ensure_grader()
    for path, mode, owner, group in L.folders(lay):
        path.mkdir(parents=True, exist_ok=True)
        _own(path, mode, owner, group)
    source = Path(source or paths.SOLUTIONS)
    dest = lay.course / "solutions"
    if not dest.exists():
        shutil.copytree(source, dest, ignore=shutil.ignore_patterns("*.answers.json*", ".ipynb_checkpoints"))
        chown_tree(dest, L.GRADER, L.INSTRUCTORS_GID)
    cfg = lay.course / "nbgrader_config.py"
    if not cfg.exists():
        cfg.write_text(NBGRADER_CONFIG)
        _own(cfg, 0o660, L.GRADER, L.INSTRUCTORS_GID)
    from .hubconfig import write_trainee_config
    write_trainee_config(lay)
    protect_repository()


def protect_repository(root: Path | None = None) -> None:
    """The checkout the hub runs from is readable by everyone (trainees' servers import ctip from
    it); its keys and any grading output in it are closed to others."""
    root = Path(root or paths.ROOT)
    gid = grp.getgrnam(L.INSTRUCTORS_GID).gr_gid
    for name in ("solutions", "gradebook.db", "submitted", "autograded", "feedback", "reports",
                 "imports", "incoming", "exchange", "demo-course"):
        p = root / name
        if p.exists():
            os.chown(p, -1, gid)
            os.chmod(p, 0o750 if p.is_dir() else 0o640)


def valid_name(name: str) -> bool:
    return re.fullmatch(L.USERNAME_PATTERN, name) is not None


def ensure_user(name: str, role: str, lay: L.Layout) -> pwd.struct_passwd:
    """The Unix account of hub user ``name`` (created if missing), home 0700, in the Unix group
    of its role. An existing account this module did not create is refused: a hub user
    called "root" or "daemon" never gets that system account."""
    if not valid_name(name):
        raise AccountError(f"not a valid account name: {name!r}")
    group = L.INSTRUCTORS_GID if role == "instructor" else L.TRAINEES_GID
    ensure_group(group)
    try:
        pw = pwd.getpwnam(name)
    except KeyError:
        _run("useradd", "--create-home", "--user-group", "--shell", "/bin/bash", "--comment", MARK,
             "--groups", group, name)
        pw = pwd.getpwnam(name)
    if pw.pw_gecos.split(",")[0] != MARK or pw.pw_uid < 1000:
        raise AccountError(f"{name!r} is an existing system account; the hub will not start a server for it")
    other = L.TRAINEES_GID if group == L.INSTRUCTORS_GID else L.INSTRUCTORS_GID
    members = {g: grp.getgrnam(g).gr_mem for g in (group, other)}
    if name not in members[group]:
        _run("usermod", "--append", "--groups", group, name)
    if name in members[other]:          # a role change (trainee promoted, instructor demoted)
        _run("gpasswd", "--delete", name, other)
    home = Path(pw.pw_dir)
    home.mkdir(mode=0o700, exist_ok=True)
    os.chown(home, pw.pw_uid, pw.pw_gid)
    os.chmod(home, 0o700)
    return pw


def remove_user(name: str) -> None:
    """Delete a hub-created account and its home (tests, and when an academy removes a trainee)."""
    try:
        pw = pwd.getpwnam(name)
    except KeyError:
        return
    if pw.pw_gecos.split(",")[0] != MARK:
        raise AccountError(f"{name!r} was not created by the hub")
    env = {**os.environ, "PATH": SBIN}
    # userdel refuses an account that still has processes, and pkill does not wait for them to
    # end: kill, then try again for a while (an account left in /etc/passwd without its home)
    for _ in range(20):
        subprocess.run(["pkill", "-KILL", "-u", name], check=False, env=env)
        subprocess.run(["userdel", "--remove", name], check=False, stderr=subprocess.DEVNULL, env=env)
        try:
            pwd.getpwnam(name)
        except KeyError:
            break
        time.sleep(0.5)
    shutil.rmtree(pw.pw_dir, ignore_errors=True)


def copy_pages(pw: pwd.struct_passwd, modules: Path | None = None) -> Path:
    """The trainee's own copy of the course pages in ~/modules. Pages are generated and never
    edited by a trainee, so a newer course version replaces them; the trainee's work (answer
    files, fetched exercises, feedback) is never touched."""
    src = Path(modules or paths.MODULES)
    dest = Path(pw.pw_dir) / "modules"
    dest.mkdir(exist_ok=True)
    os.chown(dest, pw.pw_uid, pw.pw_gid)
    for page in sorted(src.glob("*.ipynb")):
        target = dest / page.name
        data = page.read_bytes()
        if target.exists() and target.read_bytes() == data:
            continue
        tmp = dest / f".{page.name}.new"
        tmp.write_bytes(data)
        os.chown(tmp, pw.pw_uid, pw.pw_gid)
        os.chmod(tmp, 0o600)
        os.replace(tmp, target)
    return dest


def link_course(pw: pwd.struct_passwd, lay: L.Layout) -> None:
    """Instructors find the shared course as ~/course in JupyterLab."""
    link = Path(pw.pw_dir) / "course"
    if not link.is_symlink() and not link.exists():
        link.symlink_to(lay.course)
        os.lchown(link, pw.pw_uid, pw.pw_gid)


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["setup"]:
        lay = L.from_env()
        setup(lay)
        print(f"hub folders ready under {lay.root}")
        return 0
    print("usage: python -m ctip.deployment.accounts setup   (root; CTIP_HUB_ROOT, default /srv/ctip)",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
