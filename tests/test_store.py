"""The answer file: atomic, persistent, and tolerant of damage without losing anything."""
import json

import pytest

from ctip.engine.store import AnswerStore, StoreError, read_answers


def test_answers_persist_across_instances(tmp_path):
    s = AnswerStore("ex01", tmp_path)
    s.put("q1", "b")
    s.put("q2", ["a", "c"])
    s.put("q1", "a")
    again = AnswerStore("ex01", tmp_path)
    assert again.get("q1") == "a" and again.get("q2") == ["a", "c"]
    assert again.entry("q1")["attempts"] == 2
    assert again.message is None
    assert [p.name for p in tmp_path.iterdir()] == ["ex01.answers.json"]   # no temp files left


def test_missing_file_is_an_empty_store_with_a_new_seed_kept_at_once(tmp_path):
    s = AnswerStore("m01", tmp_path)
    assert s.answers == {} and s.message is None
    data = json.loads(s.path.read_text(encoding="utf-8"))
    assert data["answers"] == {} and data["seed"] == s.seed
    assert AnswerStore("m01", tmp_path).seed == s.seed           # reopened: same seed, same order
    other = AnswerStore("m01", tmp_path / "other")               # another trainee's folder
    assert other.seed != s.seed


def test_seed_is_kept_when_answers_are_saved_and_an_explicit_seed_wins(tmp_path):
    s = AnswerStore("m01", tmp_path)
    s.put("q1", "a")
    assert json.loads(s.path.read_text(encoding="utf-8"))["seed"] == s.seed
    assert AnswerStore("m01", tmp_path, seed=7).seed == 7
    assert AnswerStore("m01", tmp_path).seed == s.seed


def test_a_file_without_seed_gets_one_at_open_keeping_answers_and_other_fields(tmp_path):
    # e.g. an exercise's answer file started by the review history before the page first opened:
    # without the seed written at once, every reopen would show a new option order
    path = tmp_path / "ex01.answers.json"
    raw = {"format": "ctip-answers", "version": 1, "answers": {"q1": {"value": "a"}},
           "review": {"format": "ctip-review-log", "version": 1, "logs": []}}
    path.write_text(json.dumps(raw), encoding="utf-8")
    s = AnswerStore("ex01", tmp_path)
    stored = json.loads(path.read_text(encoding="utf-8"))
    assert stored["seed"] == s.seed and stored["answers"] == raw["answers"] and stored["review"] == raw["review"]
    assert AnswerStore("ex01", tmp_path).seed == s.seed and s.get("q1") == "a"
    before = path.read_bytes()
    AnswerStore("ex01", tmp_path, create=False)       # a reader (progress) writes nothing
    assert path.read_bytes() == before


@pytest.mark.parametrize("content", [b"{not json", b"", b"\xff\xfe\x00", b'{"answers": []}',
                                     b'["a"]', b'{"format": "ctip-answers", "answers": {"q1": 3}}'])
def test_corrupt_file_is_set_aside_with_a_kyrgyz_message(tmp_path, content):
    path = tmp_path / "ex01.answers.json"
    path.write_bytes(content)
    s = AnswerStore("ex01", tmp_path)
    assert "бузулган" in s.message
    assert path.read_bytes() == content            # opening does not move it (graders read it)
    s.put("q1", "b")                               # saving sets it aside, then goes on
    backups = list(tmp_path.glob("ex01.answers.json.corrupt-*"))
    assert len(backups) == 1 and backups[0].read_bytes() == content     # nothing lost
    assert backups[0].name in s.message
    assert read_answers(path)["q1"]["value"] == "b"


def test_grading_reads_without_touching_a_bad_file(tmp_path):
    path = tmp_path / "ex01.answers.json"
    path.write_text("{oops")
    with pytest.raises(StoreError):
        read_answers(path)
    assert path.read_text() == "{oops"


def test_huge_file_is_refused(tmp_path):
    path = tmp_path / "ex01.answers.json"
    path.write_text(json.dumps({"format": "ctip-answers", "answers": {}, "pad": "x" * 6_000_000}))
    with pytest.raises(StoreError, match="too large"):
        read_answers(path)


def test_a_failed_write_keeps_the_previous_file(tmp_path, monkeypatch):
    s = AnswerStore("ex01", tmp_path)
    s.put("q1", "b")
    before = s.path.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")
    monkeypatch.setattr(json, "dump", boom)
    with pytest.raises(OSError):
        s.put("q2", "c")
    assert s.path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["ex01.answers.json"]
