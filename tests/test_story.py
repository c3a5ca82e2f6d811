"""Which facts a weekly post tells, in what order (generator.story), and how its opening
paragraph words them (templates/posts/summary.html.j2, fact.html.j2), on hand-made documents."""

from __future__ import annotations

import copy
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator import story
from generator.config import Weekly, load_config
from generator.postview import post_context
from generator.templating import make_environment
from tests_support import FIXTURE_CONFIG, REPO, plain

CONFIG = load_config(FIXTURE_CONFIG)
WEEKLY = Weekly()


def _run(length: int = 0, start: str | None = None, end: str | None = None) -> dict:
    return {"length": length, "start": start, "end": end}


def _pair(key: str, a: str, b: str, **changes) -> dict:
    pair = {
        "key": key,
        "a": a,
        "b": b,
        "return_a": 0.01,
        "return_b": 0.0,
        "spread": 0.01,
        "previous_spread": None,
        "ytd_gap": 0.05,
        "leader": a,
        "streak": _run(1, "2026-07-31", "2026-07-31"),
        "started": True,
        "record": False,
        "rank": 40,
        "runs": 300,
        "ended": [],
        "high_52w": None,
        "low_52w": None,
        "ma_cross": None,
    }
    return pair | changes


def _doc(pairs: list[dict] | None = None, breadth=(), moves=(), sessions: int = 5) -> dict:
    pairs = pairs or [_pair("iwn-iwf", "IWN", "IWF"), _pair("iwm-spy", "IWM", "SPY")]
    return {
        "as_of": "2026-07-31",
        "source": "sample data",
        "sample": True,
        "basis": "Total return from adjusted closes",
        "parameters": {"min_streak": 3, "ma_short": 50, "ma_long": 200},
        "pairs": [{"key": p["key"], "label": "", "first_session": "2000-01-03"} for p in pairs],
        "week": {
            "start": "2026-07-24",
            "end": "2026-07-31",
            "sessions": sessions,
            "pairs": pairs,
            "quadrant_moves": list(moves),
            "breadth": list(breadth),
        },
    }


def _ended(side: str, length: int, rank: int, best: int = 0) -> dict:
    return {
        "side": side,
        **_run(length, "2026-07-01", "2026-07-27"),
        "rank": rank,
        "runs": 400,
        "best_before": _run(best, "2008-01-02" if best else None, "2008-01-22" if best else None),
    }


def _breadth(change: float, share: float = 0.5) -> dict:
    return {
        "list": "Russell 2000",
        "window": 50,
        "share": share,
        "previous": share - change,
        "change": change,
    }


def _move(symbol: str, previous: str, current: str) -> dict:
    return {"group": "Sectors", "symbol": symbol, "previous": previous, "current": current}


def test_a_record_run_that_ended_leads_and_quadrant_flips_come_last():
    doc = _doc(
        [
            _pair("iwn-iwf", "IWN", "IWF", ended=[_ended("IWF", 4, 200)]),
            _pair("iwm-spy", "IWM", "SPY", ended=[_ended("IWM", 14, 1, best=13)]),
        ],
        breadth=[_breadth(0.14), _breadth(0.02)],
        moves=[
            _move("XLK", "Leading", "Weakening"),
            _move("XLE", "Improving", "Leading"),
            _move("XLU", "Lagging", "Improving"),
        ],
    )
    facts = story.ranked(doc, WEEKLY)
    assert [(f.kind, f.at) for f in facts] == [
        ("ended_run", "week.pairs.1.ended.0"),  # a record, on another pair: 85
        ("breadth", "week.breadth.0"),  # 50 + 14
        ("entered_leading", "week.quadrant_moves.1"),
        ("left_leading", "week.quadrant_moves.0"),
        ("ended_run", "week.pairs.0.ended.0"),  # 200th longest: 20.4
        ("quadrant", "week.quadrant_moves.2"),
    ]
    told = story.story(doc, WEEKLY)
    assert [f.kind for f in told.lead] == ["ended_run", "breadth"]
    assert len(told.also) == 4
    assert told.more == ()


def test_the_lead_never_holds_a_minor_fact_and_the_lists_respect_their_sizes():
    moves = [_move(f"X{i}", "Lagging", "Improving") for i in range(9)]
    told = story.story(_doc(moves=moves), WEEKLY)
    assert told.lead == ()
    assert len(told.also) == WEEKLY.also_items
    assert len(told.more) == 9 - WEEKLY.also_items
    assert {f.page for f in told.more} == {"sectors"}
    narrow = Weekly(lead_items=0, also_items=2)
    assert story.story(_doc(moves=moves), narrow).also == tuple(
        story.ranked(_doc(moves=moves), narrow)[:2]
    )


@given(st.floats(-0.3, 0.3, allow_nan=False), st.floats(0.01, 0.3))
def test_a_breadth_move_is_a_fact_exactly_when_it_reaches_the_threshold(change, threshold):
    weekly = Weekly(breadth_move=threshold)
    facts = story.ranked(_doc(breadth=[_breadth(change)]), weekly)
    assert any(f.kind == "breadth" for f in facts) == (abs(change) >= threshold)
    assert all(f.score <= 74 for f in facts if f.kind == "breadth")


def test_an_ended_run_is_ranked_against_history_only_within_top_runs():
    doc = _doc([_pair("iwn-iwf", "IWN", "IWF", ended=[_ended("IWN", 9, 3)])])
    (fact,) = (f for f in story.ranked(doc, Weekly(top_runs=5)) if f.kind == "ended_run")
    assert fact.score == 85.0
    (fact,) = (f for f in story.ranked(doc, Weekly(top_runs=2)) if f.kind == "ended_run")
    assert fact.score == pytest.approx(20.9)


# --- the words


ENV = make_environment(REPO / "templates")


def opening(doc: dict, weekly: Weekly = WEEKLY) -> str:
    config = CONFIG.model_copy(update={"weekly": weekly})
    context = post_context(doc, config)
    return plain(ENV.get_template("posts/summary.html.j2").render(context)).strip()


def also(doc: dict, weekly: Weekly = WEEKLY) -> str:
    context = post_context(doc, CONFIG.model_copy(update={"weekly": weekly}))
    return ENV.get_template("posts/changes.html.j2").render(context)


@pytest.mark.parametrize(
    ("spread", "words"),
    [
        (0.019, "IWN beat IWF by 1.9 pp this week"),
        (-0.007, "IWN trailed IWF by 0.7 pp this week"),
        (-0.0004, "IWN finished the week level with IWF"),
        (0.00049, "IWN finished the week level with IWF"),
    ],
)
def test_signs_read_naturally(spread, words):
    pairs = [_pair("iwn-iwf", "IWN", "IWF", return_a=spread, return_b=0.0, spread=spread)]
    text = opening(_doc(pairs))
    assert text.startswith(words), text
    assert "-0.0" not in text
    assert "by -" not in text


@pytest.mark.parametrize(
    ("before", "words"),
    [
        (-0.004, "(IWN +1.0%, IWF 0.0%), after trailing by 0.4 pp the week before."),
        (0.012, "(IWN +1.0%, IWF 0.0%), after beating it by 1.2 pp the week before."),
        (0.0002, "(IWN +1.0%, IWF 0.0%), after a level week."),
        (None, "(IWN +1.0%, IWF 0.0%). Year to date"),
    ],
)
def test_the_week_is_set_against_the_week_before(before, words):
    text = opening(_doc([_pair("iwn-iwf", "IWN", "IWF", previous_spread=before)]))
    assert words in text, text


def test_the_year_to_date_gap_is_said_with_its_direction():
    trailing = [_pair("iwn-iwf", "IWN", "IWF", ytd_gap=-0.123)]
    assert "Year to date IWN trails by 12.3 pp." in opening(_doc(trailing))
    assert "Year to date IWN leads by 5.0 pp." in opening(_doc())


def test_a_holiday_week_says_how_many_sessions_it_had():
    assert opening(_doc(sessions=4)).startswith("In a short week of 4 sessions, IWN beat IWF")
    assert "short week" not in opening(_doc())


def test_a_record_run_is_told_with_the_record_it_beat():
    doc = _doc([_pair("iwn-iwf", "IWN", "IWF", ended=[_ended("IWN", 14, 1, best=13)])])
    text = opening(doc)
    assert (
        "IWN's run of 14 sessions ahead of IWF ended after 2026-07-27: its longest since "
        "2000-01-03, beating the 13 sessions to 2008-01-22."
    ) in text
    tied = _doc([_pair("iwn-iwf", "IWN", "IWF", ended=[_ended("IWN", 13, 1, best=13)])])
    assert "equalling the 13 sessions to 2008-01-22" in opening(tied)
    third = _doc([_pair("iwn-iwf", "IWN", "IWF", ended=[_ended("IWN", 12, 3, best=13)])])
    assert "the 3rd longest of its 400 runs since 2000-01-03." in opening(third)


def test_also_this_week_links_each_fact_to_its_page():
    moves = [_move(f"X{i}", "Lagging", "Improving") for i in range(7)]
    doc = _doc(breadth=[_breadth(-0.08)], moves=moves)
    html = also(doc, Weekly(lead_items=0))  # the breadth move would lead otherwise
    items = re.findall(r"<li>(.*?)</li>", html, re.S)
    assert len(items) == WEEKLY.also_items + 1  # and the pointer to what is left
    assert (
        'fell <span class="rm-num" data-metric="week.breadth.0.change" data-format="gap">8.0 pp'
        in items[0]
    )
    assert items[0].endswith('<a href="../../breadth/">Breadth</a>')
    assert all(i.endswith('<a href="../../sectors/">Sectors</a>') for i in items[1:-1])
    assert items[-1].startswith("Smaller moves")


def test_a_quiet_week_says_so():
    doc = _doc([_pair("iwn-iwf", "IWN", "IWF", started=False)])
    assert "Nothing else of note" in also(doc)
    week = copy.deepcopy(doc)
    week["week"]["quadrant_moves"] = [_move("XLE", "Lagging", "Improving")]
    assert "Nothing else of note" not in also(week)


def test_facts_of_one_kind_are_told_in_one_sentence():
    pairs = [
        _pair("iwn-iwf", "IWN", "IWF", started=False),
        _pair("rsp-spy", "RSP", "SPY", started=False, high_52w="2026-07-27"),
        _pair("iwd-iwf", "IWD", "IWF", started=False, high_52w="2026-07-28"),
    ]
    moves = [
        _move("XLY", "Improving", "Leading"),
        {**_move("IWN", "Improving", "Leading"), "group": "Size and style"},
        _move("XLU", "Weakening", "Leading"),
    ]
    doc = _doc(pairs, moves=moves)
    facts = story.ranked(doc, Weekly(lead_items=0))
    assert [(f.kind, f.at, f.others) for f in facts] == [
        ("high", "week.pairs.1", ("week.pairs.2",)),
        ("entered_leading", "week.quadrant_moves.0", ("week.quadrant_moves.2",)),
        ("entered_leading", "week.quadrant_moves.1", ()),  # another graph: its own sentence
    ]
    items = re.findall(r"<li>(.*?)</li>", also(doc, Weekly(lead_items=0)), re.S)
    assert plain(items[0]) == (
        "The RSP / SPY ratio (2026-07-27) and the IWD / IWF ratio (2026-07-28) closed at "
        "one-year highs. Pairs"
    )
    assert plain(items[1]) == (
        "XLY (Consumer Discretionary, from Improving) and XLU (Utilities, from Weakening) "
        "entered Leading on the Sectors rotation graph. Sectors"
    )


def test_a_post_of_format_1_still_reads_in_the_feed_and_the_e_mail():
    """The build reads archived posts' documents for the feed and the digest; one written before
    format 2 lacks the week's sessions, the week before and the ranks of ended runs: it reads
    without them, and says nothing of them."""
    doc = _doc([_pair("iwn-iwf", "IWN", "IWF", ended=[_ended("IWN", 9, 3)])])
    del doc["week"]["sessions"]
    for pair in doc["week"]["pairs"]:
        for key in ("previous_spread", "rank", "runs", "ma_cross"):
            del pair[key]
        for run in pair["ended"]:
            for key in ("rank", "runs", "best_before"):
                del run[key]
    text = opening(doc)
    assert text.startswith("IWN beat IWF by 1.0 pp this week (IWN +1.0%, IWF 0.0%). Year to date")
    assert "IWN's run of 9 sessions ahead of IWF ended after 2026-07-27." in plain(also(doc))
    assert "longest" not in plain(also(doc))
    assert "week" in doc  # the caller's document is left as it was
    assert "sessions" not in doc["week"]
