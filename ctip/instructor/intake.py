"""Take submissions in as they come (a folder per trainee, or an LMS zip), keep an untouched copy
of every original, and hand each one on as name -> bytes with a safe trainee id."""
from __future__ import annotations

import hashlib
import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

MAX_FILE = 50_000_000        # larger files are not read into memory (flagged by validation)


@dataclass
class Incoming:
    trainee: str                         # safe id used by nbgrader
    raw_name: str                        # as it came (may have been undecodable)
    files: dict[str, bytes] = field(default_factory=dict)
    timestamp: str | None = None
    flags: list[tuple[str, dict]] = field(default_factory=list)

    def digest(self) -> str:
        h = hashlib.sha256()
        for name in sorted(self.files):
            h.update(name.encode("utf-8", "surrogateescape") + b"\0" + self.files[name] + b"\0")
        return h.hexdigest()


def safe_id(raw: str) -> str:
    """Letters (any script), digits, '-' and '_' only; nothing a path could misuse."""
    text = unicodedata.normalize("NFKC", raw.encode("utf-8", "replace").decode("utf-8"))
    text = re.sub(r"[^\w-]+", "_", text, flags=re.UNICODE).strip("._-")
    return text[:64] or "trainee"


def _unique(ids: set[str], wanted: str) -> str:
    out, n = wanted, 2
    while out in ids:
        out, n = f"{wanted}-{n}", n + 1
    ids.add(out)
    return out


def _decode(name) -> str:
    if isinstance(name, bytes):
        return name.decode("utf-8", "surrogateescape")
    return name


def _make(raw: str, files: dict[str, bytes], taken: set[str], stamp: str | None) -> Incoming:
    printable = raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    trainee = _unique(taken, safe_id(printable))
    inc = Incoming(trainee=trainee, raw_name=printable, files=files, timestamp=stamp)
    if trainee != printable:
        inc.flags.append(("name_renamed", {"raw": printable, "id": trainee}))
    return inc


def from_folder(folder: Path) -> list[Incoming]:
    """One sub-folder per trainee; files may sit in it or in a nested folder (e.g. ex01/)."""
    taken: set[str] = set()
    out = []
    for entry in sorted(os.scandir(os.fsencode(folder)), key=lambda e: e.name):
        if not entry.is_dir(follow_symlinks=False):
            continue
        raw = _decode(entry.name)
        files: dict[str, bytes] = {}
        newest = 0.0
        for dirpath, _, names in os.walk(entry.path, followlinks=False):
            for n in names:
                p = os.path.join(dirpath, n)
                st = os.lstat(p)
                if not os.path.isfile(p) or os.path.islink(p):
                    continue
                newest = max(newest, st.st_mtime)
                rel = _decode(os.path.relpath(p, entry.path))
                with open(p, "rb") as fh:
                    files[rel] = fh.read(MAX_FILE + 1)
        stamp = datetime.fromtimestamp(newest, timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f UTC") if newest else None
        out.append(_make(raw, files, taken, stamp))
    return out


# LMS exports as nbgrader's zip collect knows them, e.g. Blackboard:
#   "Exercise_trainee42_attempt_2026-11-20-10-00-00_ex01.ipynb"
LMS_NAME = re.compile(r".*_(?P<student_id>[^_/]+)_attempt_(?P<timestamp>[0-9\-]+)_(?P<file_id>.+)$")


def from_zip(path: Path) -> list[Incoming]:
    """A zip with one folder per trainee, or the flat file names of an LMS export."""
    groups: dict[str, dict[str, bytes]] = {}
    stamps: dict[str, str] = {}
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            if info.is_dir() or info.file_size > MAX_FILE:
                continue
            name = info.filename
            m = LMS_NAME.match(os.path.basename(name))
            if "/" in name.strip("/"):
                trainee, rel = name.strip("/").split("/", 1)
            elif m:
                trainee, rel = m["student_id"], m["file_id"]
                parts = [int(x) for x in m["timestamp"].split("-") if x.isdigit()]
                if len(parts) >= 6:
                    stamps[trainee] = datetime(*parts[:6], tzinfo=timezone.utc).strftime(
                        "%Y-%m-%d %H:%M:%S.%f UTC")
            else:
                continue
            groups.setdefault(trainee, {})[rel] = z.read(info)
            if trainee not in stamps:
                stamps[trainee] = datetime(*info.date_time, tzinfo=timezone.utc).strftime(
                    "%Y-%m-%d %H:%M:%S.%f UTC")
    taken: set[str] = set()
    return [_make(raw, files, taken, stamps.get(raw)) for raw, files in sorted(groups.items())]


def archive(inc: Incoming, folder: Path) -> Path:
    """Keep the originals as they came, under a folder named by their content hash."""
    dest = folder / inc.trainee / inc.digest()[:16]
    if not dest.exists():
        tmp = dest.with_name(dest.name + ".tmp")
        for name, data in inc.files.items():
            target = tmp / safe_relpath(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        tmp.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, dest)
    return dest


def safe_relpath(name: str) -> Path:
    """A relative path that stays inside the archive folder, extensions kept."""
    parts = [re.sub(r"[^\w.-]+", "_", p.encode("utf-8", "replace").decode("utf-8")).lstrip(".") or "_"
             for p in Path(name).parts if p not in ("/", "\\")]
    return Path(*parts) if parts else Path("_")
