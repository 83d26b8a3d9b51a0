"""Spaced review (ctip.review, issue 14): the FSRS state file, the session plan, the page,
the start-page figures, the plot and the cohort aggregation, driven by a simulated clock."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from itertools import pairwise

import pytest
from fsrs import Rating

from ctip.engine.store import read_answers
from ctip.review import cohort, schedule
from ctip.review import page as pg
from ctip.review.items import catalogue, shuffled
from ctip.review.state import FILENAME, ReviewState, rating

T0 = datetime(2026, 9, 1, 7, 0, tzinfo=timezone.utc)
STARTED = ("m01", "m02", "m03")


class Clock:
    def __init__(self, when=T0):
        self.when = when

    def __call__(self):
        return self.when

    def days(self, n, hours=2):
        self.when = T0 + timedelta(days=n, hours=hours)
        return self.when


def ids_of(mid):
    return [sid for sid, it in catalogue().items() if it.module == mid]


def write_answers(folder, mid, answers):
    (folder / f"{mid}.answers.json").write_text(json.dumps(
        {"format": "ctip-answers", "version": 1, "notebook": mid, "answers": answers}), encoding="utf-8")


def seed_modules(folder, n=5, when=T0, wrong=()):
    """A trainee who answered the first n items of modules 1-3 at ``when``."""
    for mid in STARTED:
        write_answers(folder, mid, {sid: {"value": None, "time": when.isoformat(), "attempts": 1,
                                          "fraction": 0.0 if sid in wrong else 1.0}
                                    for sid in ids_of(mid)[:n]})


@pytest.fixture
def quiet(monkeypatch):
    shown = []
    monkeypatch.setattr(pg, "display", lambda *a, **k: shown.extend(a))
    return shown


def test_ratings_follow_the_score():
    assert rating(1.0) == Rating.Good
    assert rating(0.5) == Rating.Hard
    assert rating(0.0) == Rating.Again


def test_module_answers_seed_the_history(tmp_path):
    first = ids_of("m01")[0]
    item = catalogue()[first].question
    write_answers(tmp_path, "m01", {
        first: {"value": item.key, "time": "2026-09-01T07:00:00+00:00", "attempts": 2},   # no fraction: scored
        ids_of("m01")[1]: {"value": None, "time": "2026-09-01T07:05:00+00:00", "attempts": 1, "fraction": 0.0},
        "sim:case": {"value": {"path": []}, "time": "2026-09-01T07:06:00+00:00", "attempts": 1},
    })
    s = ReviewState(tmp_path, clock=Clock())
    assert [(log["item"], log["fraction"], log["source"]) for log in s.logs] == \
        [(first, 1.0, "module"), (ids_of("m01")[1], 0.0, "module")]
    assert s.cards[first].last_review == T0
    assert s.cards[ids_of("m01")[1]].due < s.cards[first].due      # the wrong one comes back sooner
    assert (tmp_path / FILENAME).exists()
    # opening again adds nothing; a later module answer is one more review
    assert len(ReviewState(tmp_path, clock=Clock()).logs) == 2
    write_answers(tmp_path, "m01", {first: {"value": item.key, "time": "2026-09-05T07:00:00+00:00",
                                            "attempts": 3, "fraction": 1.0}})
    s = ReviewState(tmp_path, clock=Clock())
    assert [log["time"][:10] for log in s.logs_of(first)] == ["2026-09-01", "2026-09-05"]


@pytest.mark.slow
def test_sixty_days_of_reviews(tmp_path, monkeypatch):
    """A trainee reviews every day for 60 days (every day a fresh page = a restart)."""
    monkeypatch.setattr("os.fsync", lambda fd: None)     # 600 saves; durability is not tested here
    seed_modules(tmp_path)
    clock = Clock()
    always_right = ids_of("m01")[1]
    lapsing = ids_of("m02")[1]            # wrong once, at its third review
    answered = 0
    started = {sid for mid in STARTED for sid in ids_of(mid)}
    for day in range(1, 61):
        clock.days(day)
        s = ReviewState(tmp_path, clock=clock)
        plan = schedule.plan(s)
        assert len(plan) == len(set(plan)) <= schedule.MAX_ITEMS      # never an item twice
        assert set(plan) <= started                                    # only started modules
        due = set(schedule.due_items(s))
        assert [sid for sid in plan if sid in due] == plan[:len(due & set(plan))]   # due ones first
        for i, sid in enumerate(plan):
            frac = 0.0 if (sid == lapsing and len(s.logs_of(sid)) == 2) else 1.0
            s.record(sid, frac, when=clock.when + timedelta(minutes=i))
            answered += 1
        assert schedule.plan(s) == [] or day < 3 or len(schedule.plan(s)) < len(plan)
    s = ReviewState(tmp_path, clock=clock)
    # nothing lost: every answer is a log, every item of the started modules has a card
    assert len(s.logs) == answered + 15
    assert set(s.cards) == started
    # intervals grow after right answers
    times = [datetime.fromisoformat(log["time"]) for log in s.logs_of(always_right)]
    gaps = [b - a for a, b in pairwise(times)]
    assert len(gaps) >= 3 and all(b > a for a, b in pairwise(gaps))
    # ... and shrink after a lapse: the item comes back within days, not weeks
    logs = s.logs_of(lapsing)
    k = next(i for i, log in enumerate(logs) if log["fraction"] == 0)
    times = [datetime.fromisoformat(log["time"]) for log in logs]
    assert times[k] - times[k - 1] > timedelta(days=5)
    assert times[k + 1] - times[k] <= min(timedelta(days=3), (times[k] - times[k - 1]) / 3)
    assert times[k + 2] - times[k + 1] > times[k + 1] - times[k]       # and grow again after


def test_a_wrong_answer_comes_back_sooner_and_stability_drops(tmp_path):
    seed_modules(tmp_path, n=2)
    a, b = ids_of("m01")[:2]
    clock = Clock()
    s = ReviewState(tmp_path, clock=clock)
    for day in (2, 6):
        clock.days(day)
        s.record(a, 1.0)
        s.record(b, 1.0)
    before = s.interval_days(b)
    clock.days(20)
    s.record(a, 1.0)
    s.record(b, 0.0)
    assert s.cards[b].due < s.cards[a].due
    assert s.interval_days(b) < before < s.interval_days(a)
    assert s.cards[b].stability < s.cards[a].stability


def test_state_survives_restart_and_damage(tmp_path):
    seed_modules(tmp_path, n=3)
    clock = Clock()
    clock.days(3)
    s = ReviewState(tmp_path, clock=clock)
    s.record(ids_of("m01")[0], 0.5)
    again = ReviewState(tmp_path, clock=clock)
    assert again.logs == s.logs
    assert {k: c.to_dict() for k, c in again.cards.items()} == {k: c.to_dict() for k, c in s.cards.items()}

    damaged = b'{"format": "ctip-review", "logs": [{"item": 3'
    (tmp_path / FILENAME).write_bytes(damaged)
    s = ReviewState(tmp_path, clock=clock)
    backups = list(tmp_path.glob(f"{FILENAME}.corrupt-*"))
    assert len(backups) == 1 and backups[0].read_bytes() == damaged      # kept, not overwritten
    assert "бузулган" in s.message and backups[0].name in s.message
    assert len(s.logs) == 9 and {log["source"] for log in s.logs} == {"module"}   # rebuilt from modules
    s.record(ids_of("m02")[0], 1.0)
    assert len(ReviewState(tmp_path, clock=clock).logs) == 10
    assert backups[0].read_bytes() == damaged
    (tmp_path / FILENAME).write_text("[]", encoding="utf-8")          # damaged again: a second backup
    ReviewState(tmp_path, clock=clock)
    assert len(list(tmp_path.glob(f"{FILENAME}.corrupt-*"))) == 2
    # damaged while a page is open: the next save keeps it aside too
    s = ReviewState(tmp_path, clock=clock)
    (tmp_path / FILENAME).write_text("garbage", encoding="utf-8")
    s.record(ids_of("m03")[0], 1.0)
    kept = [p.read_text() for p in tmp_path.glob(f"{FILENAME}.corrupt-*")]
    assert len(kept) == 3 and "garbage" in kept
    assert len(ReviewState(tmp_path, clock=clock).logs) == len(s.logs)


def test_two_open_pages_keep_each_others_reviews(tmp_path):
    seed_modules(tmp_path, n=2)
    clock = Clock()
    clock.days(2)
    one, two = ReviewState(tmp_path, clock=clock), ReviewState(tmp_path, clock=clock)
    one.record(ids_of("m01")[0], 1.0)
    two.record(ids_of("m02")[0], 0.0)
    items = {log["item"] for log in ReviewState(tmp_path, clock=clock).logs if log["source"] == "review"}
    assert items == {ids_of("m01")[0], ids_of("m02")[0]}


def test_plan_limits_new_items_per_day(tmp_path):
    seed_modules(tmp_path, n=1)
    clock = Clock()
    clock.days(0, hours=3)
    s = ReviewState(tmp_path, clock=clock)
    plan = schedule.plan(s)
    assert len(plan) == schedule.MIN_ITEMS
    assert {sid.split(".")[0] for sid in plan} == set(STARTED)        # mixed across modules
    for sid in plan:
        s.record(sid, 1.0)
    assert schedule.today_count(s) == 0                               # done for today
    clock.days(1, hours=3)
    assert schedule.today_count(s) >= schedule.MIN_ITEMS


def test_options_are_reshuffled_and_scored_by_id():
    import random
    item = next(it.question for it in catalogue().values() if it.question.kind == "single"
                and len(it.question.options) >= 3)
    rng = random.Random(4)
    orders = {tuple(o.id for o in shuffled(item, rng).options) for _ in range(10)}
    assert len(orders) > 1
    assert all(sorted(o) == sorted(item.option_ids) for o in orders)
    assert shuffled(item, rng).key == item.key


def test_review_page_answers_like_the_module(tmp_path, quiet):
    seed_modules(tmp_path, n=4, wrong={ids_of("m01")[0]})
    clock = Clock()
    clock.days(1)
    page = pg.ReviewPage(tmp_path, clock=clock, seed=1)
    page.show()
    assert 10 <= len(page.ids) <= 15 and page.ids[0] == ids_of("m01")[0]
    assert page.kind[ids_of("m01")[0]] == "due"
    first = page.views[page.ids[0]]
    wrong = next(o for o in first.item.option_ids if o != first.item.key) \
        if first.item.kind == "single" else (not first.item.key if first.item.kind == "truefalse" else None)
    if wrong is not None:
        first.inputs.set(wrong)
        first.check()
        fb = first.feedback.value
        assert "Туура жооп" in fb and "Түшүндүрмө" in fb and "Булак" in fb
    for sid in page.ids:
        v = page.views[sid]
        if sid not in page.done:
            v.inputs.set(v.item.key)
            v.check()
    assert len(page.done) == len(page.ids)
    assert "Кайталоо бүттү" in page.summary.value
    assert "күнү келет" in page.notes[page.ids[1]].value
    # checking again after a retry does not count twice
    n = len(page.state.logs)
    first.retry()
    first.inputs.set(first.item.key)
    first.check()
    assert len(page.state.logs) == n
    assert len(ReviewState(tmp_path, clock=clock).logs) == n
    # the module's own answer file is untouched by the review
    assert read_answers(tmp_path / "m01.answers.json")[ids_of("m01")[0]]["fraction"] == 0.0


def test_case_parts_show_their_case(tmp_path, quiet):
    import ipywidgets as W
    case_item = next(sid for sid in ids_of("m01") if "/" in sid)
    write_answers(tmp_path, "m01", {case_item: {"value": None, "time": T0.isoformat(), "attempts": 1,
                                                "fraction": 0.0}})
    clock = Clock()
    clock.days(1)
    page = pg.ReviewPage(tmp_path, clock=clock, seed=0)
    assert page.ids[0] == case_item
    box = page.widget_for(1, case_item)
    html = " ".join(w.value for w in box.children if isinstance(w, W.HTML))
    assert catalogue()[case_item].case.title in html


def test_start_page_figures_and_text(tmp_path, quiet):
    clock = Clock()
    figs = pg.start_figures(tmp_path, clock=clock)
    assert figs["today"] == 0 and figs["modules"] == []
    seed_modules(tmp_path, n=5, wrong={ids_of("m01")[0]})
    clock.days(1)
    figs = pg.start_figures(tmp_path, clock=clock)
    assert figs["today"] == schedule.MIN_ITEMS
    assert [r.module for r in figs["modules"]] == list(STARTED)
    m1 = figs["modules"][0]
    assert m1.seen == 5 and m1.items == len(ids_of("m01")) and m1.due == 1
    assert 0 < m1.retention < 1
    clock.days(40)
    later = pg.start_figures(tmp_path, clock=clock)["modules"][0]
    assert later.retention < m1.retention                 # memory fades without review
    quiet.clear()
    pg.start_summary(tmp_path, clock=clock)
    html = quiet[0].data
    assert f"Бүгүн кайталоого {pg.start_figures(tmp_path, clock=clock)['today']} суроо" in html
    assert "href='kaitaloo.ipynb'" in html and "1-модуль" in html


def test_review_plot_counts(tmp_path):
    seed_modules(tmp_path, n=4)
    clock = Clock()
    clock.days(2)
    s = ReviewState(tmp_path, clock=clock)
    for sid in schedule.plan(s)[:6]:
        s.record(sid, 1.0)
    past = schedule.reviews_per_day(s)
    future = schedule.forecast(s)
    assert len(past) == len(future) == 30
    assert past[-1][1] == 6 and past[-3][1] == 12
    assert sum(n for _, n in future) == len(s.cards)
    (ax1,), (ax2,) = (fig.axes for fig in pg.review_plots(s))
    assert [p.get_height() for p in ax1.patches] == [n for _, n in past]
    assert [p.get_height() for p in ax2.patches] == [n for _, n in future]
    assert ax1.get_ylim()[0] == 0 and ax1.get_ylim()[1] >= 12
    (empty,), _ = (fig.axes for fig in pg.review_plots(ReviewState(tmp_path / "none")))
    assert empty.get_ylim() == (0, 1.1)          # no answers yet: no negative counts on the axis


def test_cohort_retention_from_handed_in_logs(tmp_path):
    a, b = ids_of("m01")[:2]
    topic = catalogue()[a].topic
    ex = tmp_path / "ex01.answers.json"
    ex.write_text(json.dumps({"format": "ctip-answers", "version": 1, "notebook": "ex01",
                              "answers": {"q01": {"value": "b", "time": T0.isoformat(), "attempts": 1}}}))
    seed_modules(tmp_path, n=2)
    clock = Clock()
    clock.days(3)
    s = ReviewState(tmp_path, clock=clock)
    s.record(a, 1.0)
    s.record(b, 0.0)
    s.record(b, 1.0, when=clock.when + timedelta(minutes=5))      # same day: not a recall test
    cohort.attach(ex, s)
    assert read_answers(ex) == {"q01": {"value": "b", "time": T0.isoformat(), "attempts": 1}}
    assert len(cohort.handed_in_logs(ex)) == len(s.logs)
    other = {"format": "ctip-answers", "answers": {}, "review": {"format": "ctip-review-log", "logs": [
        {"item": a, "time": "2026-09-01T07:00:00+00:00", "fraction": 1.0},
        {"item": a, "time": "2026-09-08T07:00:00+00:00", "fraction": 0.0},
        {"item": "m99.gone", "time": "2026-09-08T07:00:00+00:00", "fraction": 0.0},
        {"item": a, "time": "not a time", "fraction": 1.0}]}}
    rows = cohort.cohort_retention({"t1": ex, "t2": other, "t3": b"not json", "t4": {"review": 5}})
    row = next(r for r in rows if r.module == "m01" and r.topic == topic)
    if catalogue()[b].topic == topic:
        assert (row.trainees, row.reviews, row.recalled) == (2, 3, 1)
    else:
        assert (row.trainees, row.reviews, row.recalled) == (2, 2, 1)
    assert 0 < row.retention < 1 and row.mean_gap_days > 1
    assert row.label != ""
    (tmp_path / "broken.answers.json").write_text("{")
    with pytest.raises(cohort.StoreError):
        cohort.attach(tmp_path / "broken.answers.json", s)
    assert (tmp_path / "broken.answers.json").read_text() == "{"


def test_history_goes_into_an_exercise_answer_file(tmp_path):
    modules, ex = tmp_path / "modules", tmp_path / "exercises" / "ex01"
    modules.mkdir()
    ex.mkdir(parents=True)
    assert not cohort.attach_for_exercise("ex01", ex)              # nothing studied yet
    assert not (ex / "ex01.answers.json").exists()
    seed_modules(modules, n=2)
    assert cohort.attach_for_exercise("ex01", ex)
    assert read_answers(ex / "ex01.answers.json") == {}
    assert len(cohort.handed_in_logs(ex / "ex01.answers.json")) == 6
    (ex / "ex01.answers.json").write_text("{broken")
    assert not cohort.attach_for_exercise("ex01", ex)
    assert (ex / "ex01.answers.json").read_text() == "{broken"


@pytest.mark.slow
def test_review_page_is_generated():
    from ctip.delivery import notebooks
    nb = notebooks.review_notebook()
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert any("review_session(" in c for c in code) and any("R.plot()" in c for c in code)
    start = "\n".join(c.source for c in notebooks.start_notebook().cells)
    assert "(kaitaloo.ipynb)" in start and "start_summary(" in start
