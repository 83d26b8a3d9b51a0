"""Take submissions in as they come (a folder per trainee, a zip per trainee, or an LMS zip),
keep an untouched copy of every original, and hand each one on as name -> bytes.

Nothing here trusts the input: OS junk (__MACOSX, .DS_Store, Thumbs.db, .ipynb_checkpoints) is
skipped, zip member names are decoded (UTF-8, else cp866 or cp1251), paths that would leave the
import folder are refused, zips are read under caps (members, per-file and total size), and
every problem becomes a flag on the trainee it belongs to, or a notice on the batch."""
from __future__ import annotations

import hashlib
import io
import os
import shutil
import re
import stat
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

MAX_FILE = 25_000_000        # per file: larger files are not read (flagged)
MAX_TOTAL = 250_000_000      # per zip or trainee folder: uncompressed bytes read at most
MAX_MEMBERS = 5_000          # per zip or trainee folder: files read at most
STAMP = "%Y-%m-%d %H:%M:%S.%f UTC"

JUNK_DIRS = {"__MACOSX", ".ipynb_checkpoints", ".git", "__pycache__", ".Trashes", ".Trash",
             ".Spotlight-V100", ".fseventsd", ".TemporaryItems", "$RECYCLE.BIN", "System Volume Information"}
JUNK_FILES = {".DS_Store", "Thumbs.db", "thumbs.db", "desktop.ini", "Desktop.ini", ".localized", "Icon\r"}


class IntakeError(Exception):
    """The source as a whole cannot be read (code, params: an instructor message key)."""

    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code, self.params = code, params


@dataclass
class Incoming:
    trainee: str                         # safe id used by nbgrader (set from the roster)
    raw_name: str                        # as it came, printable
    files: dict[str, bytes] = field(default_factory=dict)
    timestamp: str | None = None         # submission time (LMS metadata, else newest file time)
    flags: list[tuple[str, dict]] = field(default_factory=list)
    lms_id: str | None = None            # the LMS user id, when the source named one
    key: str = ""                        # identity key: "lms:<id>" or "name:<raw>"
    older: list[Incoming] = field(default_factory=list)   # earlier attempts: archived, not graded

    def digest(self) -> str:
        h = hashlib.sha256()
        for name in sorted(self.files):
            h.update(name.encode("utf-8", "surrogateescape") + b"\0" + self.files[name] + b"\0")
        return h.hexdigest()


@dataclass
class Batch:
    items: list[Incoming]
    notices: list[tuple[str, dict]] = field(default_factory=list)   # not tied to one trainee


def printable(text: str) -> str:
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def exact(text: str) -> str:
    """A name as it came, undecodable bytes written as \\xNN (so two names never collide)."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def safe_id(raw: str) -> str:
    """Letters (any script), digits, '-' and '_' only; nothing a path could misuse."""
    text = unicodedata.normalize("NFKC", printable(raw))
    text = re.sub(r"[^\w-]+", "_", text, flags=re.UNICODE).strip("._-")
    return text[:64] or "trainee"


def is_junk(rel: str) -> bool:
    parts = rel.split("/")
    name = parts[-1]
    return (any(p in JUNK_DIRS for p in parts) or name in JUNK_FILES or name.startswith("._")
            or name.startswith("~$"))


def clean_parts(name: str) -> list[str] | None:
    """Path parts of a member name with backslashes as separators; None if it would leave the
    folder it is unpacked into (absolute, drive letter, '..')."""
    name = name.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None
    return parts


def _cyrillic_score(text: str) -> int:
    return sum(1 for ch in text if "\u0400" <= ch <= "\u04ff")


def decode_member_name(info: zipfile.ZipInfo) -> str:
    """zipfile decodes names without the UTF-8 flag as cp437; Windows zips from a Russian or
    Kyrgyz locale use cp866 (or cp1251). Pick the decoding that gives words."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if all(b < 0x80 for b in raw):
        return info.filename
    best = info.filename
    best_score = _cyrillic_score(best)
    for enc in ("cp866", "cp1251"):
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError:
            continue
        # cp1251 read as cp866 (or the reverse) gives box drawing and odd capitals
        score = _cyrillic_score(text) - 2 * sum(1 for ch in text if "\u2500" <= ch <= "\u259f")
        lower = sum(1 for ch in text if "\u0430" <= ch <= "\u044f")
        score += lower
        if score > best_score:
            best, best_score = text, score
    return best


def _stamp(dt: datetime | None) -> str | None:
    return dt.strftime(STAMP) if dt else None


def _file_time(ts: float) -> datetime | None:
    try:
        return datetime.fromtimestamp(ts, timezone.utc) if ts > 0 else None
    except (OverflowError, OSError, ValueError):
        return None


def _zip_time(info: zipfile.ZipInfo) -> datetime | None:
    try:
        return datetime(*info.date_time, tzinfo=timezone.utc)
    except (TypeError, ValueError):          # a zero DOS date (month 0) and the like
        return None


# LMS exports (nbgrader zip collect knows them), e.g. Blackboard:
#   "Exercise 1_ali_k_attempt_2026-11-20-10-00-00_ex01.ipynb" and, per attempt, the info file
#   "Exercise 1_ali_k_attempt_2026-11-20-10-00-00.txt" ("Name: Ali K (ali_k)").
# The assignment name ends at the first underscore (an underscore in a user id is kept).
LMS_NAME = re.compile(r"^(?P<assignment>[^_]*)_(?P<user>.+?)_attempt_(?P<ts>\d{4}-\d{1,2}-\d{1,2}-\d{1,2}-\d{1,2}-\d{1,2})"
                      r"(?:_(?P<file>.+)|(?P<info>\.txt))$")
LMS_INFO_USER = re.compile(r"^\s*Name:.*\((?P<user>[^()]+)\)\s*$", re.M)


def lms_parts(basename: str) -> tuple[str, str, datetime | None, str | None] | None:
    """(prefix before _attempt_, user, time, file name or None for the info file)."""
    m = LMS_NAME.match(basename)
    if not m:
        return None
    try:
        when = datetime(*[int(x) for x in m["ts"].split("-")], tzinfo=timezone.utc)
    except ValueError:
        when = None
    prefix = basename[: m.start("ts") - len("_attempt_")]
    return prefix, m["user"], when, m["file"]


class Reader:
    """Reads files under the caps; one per trainee folder or zip."""

    def __init__(self):
        self.total = 0
        self.count = 0
        self.flags: list[tuple[str, dict]] = []

    def allow(self, name: str, size: int) -> bool:
        if self.count >= MAX_MEMBERS:
            if not any(f[0] == "zip_too_many" for f in self.flags):
                self.flags.append(("zip_too_many", {"max": MAX_MEMBERS}))
            return False
        if size > MAX_FILE:
            self.flags.append(("file_too_large", {"file": name, "size": size, "max": MAX_FILE}))
            return False
        if self.total + size > MAX_TOTAL:
            if not any(f[0] == "zip_too_big" for f in self.flags):
                self.flags.append(("zip_too_big", {"max": MAX_TOTAL}))
            return False
        self.count += 1
        self.total += size
        return True


def _read_member(z: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, reader: Reader) -> bytes | None:
    if info.flag_bits & 0x1:
        reader.flags.append(("zip_encrypted", {"file": name}))
        return None
    if not reader.allow(name, info.file_size):
        return None
    try:
        with z.open(info) as fh:
            data = fh.read(MAX_FILE + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, NotImplementedError, OSError, EOFError,
            ValueError) as e:
        reader.flags.append(("zip_damaged", {"file": name, "error": _one_line(e)}))
        return None
    except Exception as e:  # zlib.error and other decompressor failures
        reader.flags.append(("zip_damaged", {"file": name, "error": _one_line(e)}))
        return None
    if len(data) > MAX_FILE:
        reader.flags.append(("file_too_large", {"file": name, "size": len(data), "max": MAX_FILE}))
        return None
    return data


def _one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return (text[-1] if text else type(e).__name__)[:200]


def _open_zip(path) -> zipfile.ZipFile:
    return zipfile.ZipFile(os.fsdecode(path) if isinstance(path, bytes) else path)


def read_zip_members(path, reader: Reader) -> tuple[list[tuple[list[str], bytes, datetime | None]], list]:
    """(parts, data, time) of every readable, non-junk member; unsafe names are refused."""
    out, refused = [], []
    with _open_zip(path) as z:
        for info in z.infolist():
            name = decode_member_name(info)
            if info.is_dir() or name.endswith(("/", "\\")):
                continue
            parts = clean_parts(name)
            if parts is None:
                refused.append(name)
                continue
            if not parts or is_junk("/".join(parts)):
                continue
            data = _read_member(z, info, "/".join(parts), reader)
            if data is not None:
                out.append((parts, data, _zip_time(info)))
    return out, refused


def _strip_common_top(members, eid: str | None, batch: bool):
    """A zip made by zipping a folder has one top folder. A trainee's zip: drop it. A batch
    zip: drop it only when what is inside is still a batch (trainee folders or LMS names)."""
    tops = {p[0] for p, _, _ in members if len(p) > 1}
    if len(tops) != 1 or any(len(p) == 1 for p, _, _ in members):
        return members
    inner = [(p[1:], d, t) for p, d, t in members]
    if not batch:
        return inner
    subs = {p[0] for p, _, _ in inner if len(p) > 1}
    if (subs - {eid}) or any(len(p) == 1 and lms_parts(p[0]) for p, _, _ in inner):
        return inner
    return members


def from_folder(folder: Path, eid: str | None = None) -> Batch:
    """One sub-folder (or zip) per trainee; files may sit in it or in a nested folder (e.g.
    ex01/). Flat LMS names at the top level are grouped as in an LMS zip."""
    items: list[Incoming] = []
    notices: list[tuple[str, dict]] = []
    lms: list[tuple[list[str], bytes, datetime | None]] = []
    for entry in sorted(os.scandir(os.fsencode(folder)), key=lambda e: e.name):
        raw = printable(os.fsdecode(entry.name))
        if raw in JUNK_DIRS or raw in JUNK_FILES or raw.startswith("._") or raw.startswith(".Trash"):
            continue
        try:
            _take_entry(entry, raw, items, notices, lms)
        except Exception as e:               # one unreadable entry never stops the batch
            name = raw[:-4] if raw.lower().endswith(".zip") else raw
            items.append(Incoming(trainee="", raw_name=name, key=f"name:{name}",
                                  flags=[("failed", {"stage": "intake", "kind": "other", "error": _one_line(e)})]))
    if lms:
        b = group_lms(lms)
        items += b.items
        notices += b.notices
    return Batch(_newest_attempts(items), notices)


def _take_entry(entry, raw: str, items: list, notices: list, lms: list) -> None:
    try:
        st = os.stat(entry.path)          # follows a link
    except OSError:
        notices.append(("broken_link", {"name": raw}))
        return
    link = entry.is_symlink()
    if stat.S_ISDIR(st.st_mode):
        inc = _from_dir(entry.path, os.fsdecode(entry.name))
        if link:
            inc.flags.append(("folder_link", {"target": printable(os.fsdecode(os.path.realpath(entry.path)))}))
        items.append(inc)
    elif not stat.S_ISREG(st.st_mode):
        notices.append(("loose_file", {"name": raw}))
    elif raw.lower().endswith(".zip"):
        items.append(_from_trainee_zip(entry.path, os.fsdecode(entry.name)[:-4]))
    elif lms_parts(raw):
        if st.st_size <= MAX_FILE:
            with open(entry.path, "rb") as fh:
                lms.append(([raw], fh.read(MAX_FILE + 1), _file_time(st.st_mtime)))
        else:
            notices.append(("loose_too_large", {"name": raw}))
    else:
        notices.append(("loose_file", {"name": raw}))


def _from_dir(path: bytes, raw: str) -> Incoming:
    reader = Reader()
    files: dict[str, bytes] = {}
    newest = 0.0
    flags: list[tuple[str, dict]] = []
    zips: list[tuple[str, bytes]] = []
    for dirpath, dirnames, names in os.walk(path, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if os.fsdecode(d) not in JUNK_DIRS)
        for n in sorted(names):
            p = os.path.join(dirpath, n)
            rel = printable(os.fsdecode(os.path.relpath(p, path))).replace(os.sep, "/")
            if is_junk(rel):
                continue
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                flags.append(("file_link", {"file": rel}))
                continue
            if not stat.S_ISREG(st.st_mode) or not reader.allow(rel, st.st_size):
                continue
            newest = max(newest, st.st_mtime)
            with open(p, "rb") as fh:
                data = fh.read(MAX_FILE + 1)
            if rel.lower().endswith(".zip"):
                zips.append((rel, data))
            else:
                files[rel] = data
    inc = Incoming(trainee="", raw_name=printable(raw), files=files, timestamp=_stamp(_file_time(newest)),
                   flags=flags + reader.flags, key=f"name:{exact(raw)}")
    if zips and not any(n.endswith((".ipynb", ".json")) for n in files):
        for rel, data in zips:                 # the trainee handed in a zip: unpack it
            sub = _from_zip_bytes(io.BytesIO(data), rel)
            inc.files.update(sub.files)
            inc.flags += sub.flags
            inc.flags.append(("zip_unpacked", {"file": rel}))
    else:
        for rel, data in zips:
            inc.files[rel] = data
    return inc


def _from_zip_bytes(src, label: str) -> Incoming:
    reader = Reader()
    inc = Incoming(trainee="", raw_name=label)
    try:
        members, refused = read_zip_members(src, reader)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as e:
        inc.flags.append(("zip_unreadable", {"file": label, "error": _one_line(e)}))
        return inc
    members = _strip_common_top(members, None, batch=False)
    for parts, data, _ in members:
        inc.files["/".join(parts)] = data
    inc.flags += reader.flags
    for name in refused:
        inc.flags.append(("zip_unsafe_path", {"file": printable(name)}))
    times = [t for _, _, t in members if t]
    inc.timestamp = _stamp(max(times)) if times else None
    return inc


def _from_trainee_zip(path: bytes, raw: str) -> Incoming:
    inc = _from_zip_bytes(path, printable(raw) + ".zip")
    inc.raw_name, inc.key = printable(raw), f"name:{exact(raw)}"
    if inc.timestamp is None:
        inc.timestamp = _stamp(_file_time(os.stat(path).st_mtime))
    return inc


def from_zip(path: Path, eid: str | None = None) -> Batch:
    """A zip with one folder per trainee, or the flat file names of an LMS export."""
    reader = Reader()
    try:
        members, refused = read_zip_members(path, reader)
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError) as e:
        raise IntakeError("error_not_zip", path=path, error=_one_line(e)) from e
    members = _strip_common_top(members, eid, batch=True)
    notices: list[tuple[str, dict]] = [(code, params) for code, params in reader.flags]
    notices += [("zip_unsafe_path", {"file": printable(n)}) for n in refused]
    folders: dict[str, list] = {}
    lms = []
    for parts, data, when in members:
        if len(parts) > 1:
            folders.setdefault(parts[0], []).append(("/".join(parts[1:]), data, when))
        elif lms_parts(parts[0]):
            lms.append((parts, data, when))
        else:
            notices.append(("loose_file", {"name": parts[0]}))
    items = []
    for raw, files in sorted(folders.items()):
        times = [w for _, _, w in files if w]
        items.append(Incoming(trainee="", raw_name=printable(raw), files={n: d for n, d, _ in files},
                              timestamp=_stamp(max(times)) if times else None, key=f"name:{printable(raw)}"))
    if lms:
        b = group_lms(lms)
        items += b.items
        notices += b.notices
    return Batch(_newest_attempts(items), notices)


def group_lms(members) -> Batch:
    """Flat LMS names: one Incoming per (user, attempt time); the info file names the user."""
    info_user: dict[str, str] = {}
    for parts, data, _ in members:
        p = lms_parts(parts[-1])
        if p and p[3] is None:
            m = LMS_INFO_USER.search(data[:4000].decode("utf-8", "replace"))
            if m:
                info_user[p[0]] = m["user"].strip()
    attempts: dict[tuple[str, str], Incoming] = {}
    for parts, data, when in members:
        prefix, user, ts, fname = lms_parts(parts[-1])
        named = info_user.get(prefix)
        if named and prefix.endswith("_" + named):
            user = named
        key = (user, ts.isoformat() if ts else "")
        inc = attempts.get(key)
        if inc is None:
            inc = attempts[key] = Incoming(trainee="", raw_name=printable(user), lms_id=printable(user),
                                           key=f"lms:{printable(user)}", timestamp=_stamp(ts or when))
        if fname is not None:
            inc.files[fname] = data
        else:
            inc.files["lms-info.txt"] = data
    return Batch(list(attempts.values()))


def _newest_attempts(items: list[Incoming]) -> list[Incoming]:
    """Of several attempts by one trainee (same identity key) the newest is graded; the others
    ride along in .older (archived and listed in the report)."""
    return newest_attempts(items, lambda inc: inc.key)


def newest_attempts(items: list[Incoming], key) -> list[Incoming]:
    by: dict[str, list[Incoming]] = {}
    for inc in items:
        by.setdefault(key(inc), []).append(inc)
    out = []
    for group in by.values():
        group.sort(key=lambda i: (i.timestamp or "", i.digest()))
        newest = group[-1]
        if len(group) > 1:
            newest.older = [o for g in group[:-1] for o in (g, *g.older)] + newest.older
            newest.flags = [f for f in newest.flags if f[0] != "attempts"]
            newest.flags.append(("attempts", {"n": len(newest.older) + 1, "used": newest.timestamp or "?"}))
        out.append(newest)
    return out


def archive(inc: Incoming, folder: Path) -> Path:
    """Keep the originals as they came, under a folder named by their content hash; nothing is
    written outside `folder`."""
    folder = folder.resolve()
    dest = folder / safe_id(inc.trainee) / inc.digest()[:16]
    if not dest.exists():
        tmp = dest.with_name(dest.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True, exist_ok=True)
        for name, data in inc.files.items():
            target = (tmp / safe_relpath(name)).resolve()
            if not target.is_relative_to(tmp.resolve()):
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        os.replace(tmp, dest)
    return dest


def safe_relpath(name: str) -> Path:
    """A relative path that stays inside the archive folder, extensions kept."""
    parts = [re.sub(r"[^\w.-]+", "_", printable(p)).lstrip(".") or "_"
             for p in name.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    return Path(*parts) if parts else Path("_")
