"""The course roster: which trainee id stands for which folder names and LMS user ids.

Kept in <course>/reports/roster.json (trainee data: never committed). An id, once given, is
never given to anyone else, so a new folder can never take over an existing trainee's id or
gradebook record. A new name that only looks like an existing trainee (same id after making
it safe, or the same apart from letter case) gets its own id and a flag: the instructor
decides, by editing the roster, whether they are one person; nothing is merged silently."""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

from .intake import Incoming, safe_id

VERSION = 1


class Roster:
    def __init__(self, path: Path):
        self.path = path
        self.trainees: dict[str, dict] = {}
        self.damaged = False
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            for tid, rec in raw.get("trainees", {}).items():
                self.trainees[tid] = {"names": list(rec.get("names", [])), "lms_ids": list(rec.get("lms_ids", [])),
                                      "first_seen": rec.get("first_seen")}
        except FileNotFoundError:
            pass
        except (OSError, ValueError, AttributeError, TypeError):
            self.damaged = True           # kept aside below; ids are then rebuilt from the gradebook
            try:
                os.replace(path, path.with_name(path.name + ".damaged"))
            except OSError:
                pass

    def _index(self) -> dict[str, str]:
        out = {}
        for tid, rec in self.trainees.items():
            for n in rec["names"]:
                out.setdefault(f"name:{n}", tid)
            for n in rec["lms_ids"]:
                out.setdefault(f"lms:{n}", tid)
        return out

    def adopt(self, known_ids: set[str]) -> None:
        """Ids already in the gradebook (graded before the roster existed, or by stock
        nbgrader) are reserved under their own name."""
        for tid in sorted(known_ids):
            if tid not in self.trainees:
                self.trainees[tid] = {"names": [tid], "lms_ids": [], "first_seen": None}

    def assign(self, items: list[Incoming], by_id: bool = False) -> None:
        """Give every incoming submission its id (the same as in every earlier run). by_id:
        the folder names are ids already (submitted/<id>/, read without --from)."""
        index = self._index()
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        for inc in items:
            if by_id and inc.key[5:] in self.trainees:     # submitted/<id>/: the name is the id
                tid = inc.key[5:]
            else:
                tid = index.get(inc.key)
            if tid is not None:
                inc.trainee = tid
                self._record(tid, inc)
            else:
                wanted = safe_id(inc.raw_name)
                similar = sorted(t for t in self.trainees if t.casefold() == wanted.casefold())
                tid = self._new_id(wanted)
                self.trainees[tid] = {"names": [], "lms_ids": [], "first_seen": now}
                self._record(tid, inc)
                index = self._index()
                inc.trainee = tid
                if similar:
                    inc.flags.append(("identity_similar", {"id": tid, "other": ", ".join(similar),
                                                           "raw": inc.raw_name}))
            if inc.raw_name != inc.trainee and not any(f[0] == "name_renamed" for f in inc.flags):
                inc.flags.append(("name_renamed", {"raw": inc.raw_name, "id": inc.trainee}))
            for old in inc.older:
                old.trainee = inc.trainee

    def _new_id(self, wanted: str) -> str:
        taken = {t.casefold() for t in self.trainees}
        out, n = wanted, 2
        while out.casefold() in taken:
            out, n = f"{wanted}-{n}", n + 1
        return out

    def _record(self, tid: str, inc: Incoming) -> None:
        rec = self.trainees[tid]
        if inc.key.startswith("name:") and inc.key[5:] not in rec["names"]:
            rec["names"].append(inc.key[5:])
        if inc.lms_id and inc.lms_id not in rec["lms_ids"]:
            rec["lms_ids"].append(inc.lms_id)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        tmp.write_text(json.dumps({"version": VERSION, "trainees": self.trainees}, ensure_ascii=False, indent=1),
                       encoding="utf-8")
        os.replace(tmp, self.path)
