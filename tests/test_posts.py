"""Weekly posts: point in time, idempotent, numbers tied to metrics.json, atomic writes."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from generator import posts
from generator.archive import archived, write_post
from generator.config import load_config
from generator.formatting import FORMATS, lookup
from generator.frame import LoadResult, columns
from generator.sources.sample import sample_prices
from tests_support import FIXTURE_CONFIG, REPO, SPAN, error_line, render_sample_post, run

pytestmark = pytest.mark.usefixtures("stand_in_exports")

T = pd.Timestamp
TODAY = f"{dt.datetime.now(dt.UTC):%Y-%m-%d}"
"""The day a revision note gives when the CLI writes it."""
LEAN = {"breadth": None}
"""Breadth reads member lists; these tests are about posts, so they go without it."""


def post_files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def universe_csvs(csv_dir, config_path: Path, end: str, *, bump: str | None = None) -> Path:
    """Sample prices of the whole universe up to ``end`` as a CSV folder; ``bump`` moves IWN on
    that day by 1 % (a revised price)."""
    config = load_config(config_path)
    prices = sample_prices(config.symbols).loc[:end]
    if bump:
        prices.loc[T(bump), "IWN"] *= 1.01
    return csv_dir({s: prices[s].dropna() for s in config.symbols})


def backfill(capsys, root: Path, *args: str) -> str:
    code, _, err = run(capsys, "backfill", "--config", str(root / "rotation.yml"), *args)
    assert code == 0, err
    return err


@pytest.mark.slow
def test_backfill_writes_the_last_weeks_and_rerunning_changes_nothing(capsys, project):
    root = project(LEAN)
    err = backfill(capsys, root, "--weeks", "2")
    assert "2 weeks" in err
    assert "2 written, 0 unchanged" in err
    archive = root / "data" / "posts" / "sample"
    assert sorted(p.name for p in archive.iterdir()) == ["2026-11-13", "2026-11-20"]
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in archive.rglob("*") if p.is_file()}
    err = backfill(capsys, root, "--weeks", "2")
    assert "0 written, 2 unchanged" in err
    after = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in archive.rglob("*") if p.is_file()}
    assert after == before
    manifest = json.loads((archive / "2026-11-20" / "post.json").read_text())
    assert manifest["session"] == "2026-11-20"
    assert set(manifest["inputs"]) == {"format", "config", "prices", "members", "valuation"}
    assert all(re.fullmatch(r"[0-9a-f]{64}", d) for d in manifest["inputs"].values())


@pytest.mark.slow
def test_appending_later_prices_leaves_earlier_posts_byte_identical(capsys, project, csv_dir):
    root = project(LEAN)
    config = root / "rotation.yml"
    first = universe_csvs(csv_dir, config, "2026-07-22")  # a Wednesday: that week is not done
    backfill(capsys, root, "--source", f"csv:{first}", "--since", "2026-07-06")
    archive = root / "data" / "posts" / "market"
    assert sorted(p.name for p in archive.iterdir()) == ["2026-07-10", "2026-07-17"]
    earlier = {name: post_files(archive / name) for name in ("2026-07-10", "2026-07-17")}

    later = universe_csvs(csv_dir, config, "2026-07-31")
    err = backfill(capsys, root, "--source", f"csv:{later}", "--since", "2026-07-06")
    assert "2 written, 2 unchanged" in err
    assert {name: post_files(archive / name) for name in earlier} == earlier
    assert (archive / "2026-07-31" / "index.md").is_file()

    # A revised price on 22 July rewrites the two weeks that include it, and only those, each
    # saying when and why on its page and in its manifest.
    revised = universe_csvs(csv_dir, config, "2026-07-31", bump="2026-07-22")
    err = backfill(capsys, root, "--source", f"csv:{revised}", "--since", "2026-07-06")
    assert "2 written, 2 unchanged" in err
    assert "published posts: 2 revised, 0 kept as published" in err
    assert {name: post_files(archive / name) for name in earlier} == earlier
    note = {"on": TODAY, "because": [posts.REVISED_BECAUSE["prices"]]}
    for name in ("2026-07-24", "2026-07-31"):
        assert json.loads((archive / name / "post.json").read_text())["revisions"] == [note]
        page = (archive / name / "index.md").read_text()
        assert f"<strong>Revised on {TODAY}</strong>: prices up to its session changed" in page
    assert "Revised on" not in (archive / "2026-07-17" / "index.md").read_text()


@pytest.mark.slow
def test_what_a_post_does_not_show_never_rewrites_it(capsys, project, csv_dir):
    """Posts are written once: a dashboard-only config key, a dividend that re-scales a history
    before a week, or a code change outside the post format leave the archive byte-identical."""
    root = project(LEAN)
    config = root / "rotation.yml"
    source = f"csv:{universe_csvs(csv_dir, config, '2026-07-31')}"
    backfill(capsys, root, "--source", source, "--since", "2026-07-20")
    archive = root / "data" / "posts" / "market"
    published = {name: post_files(archive / name) for name in ("2026-07-24", "2026-07-31")}

    text = config.read_text()
    config.write_text(re.sub(r"(?m)^(  vol_window:) 63", r"\1 21", text, count=1))
    assert config.read_text() != text
    err = backfill(capsys, root, "--source", source, "--since", "2026-07-20")
    assert "0 written, 2 unchanged" in err

    # IWN goes ex-dividend on 2026-07-28: Yahoo scales every earlier close by the same factor.
    prices = sample_prices(load_config(config).symbols).loc[:"2026-07-31"]
    prices.loc[:"2026-07-27", "IWN"] *= 0.99
    rescaled = csv_dir({s: prices[s].dropna() for s in prices.columns})
    err = backfill(capsys, root, "--source", f"csv:{rescaled}", "--since", "2026-07-20")
    # The week to 24 July saw only scaled closes: the same returns, the same post. The week to
    # 31 July holds the ex-date: its data really changed.
    assert "1 written, 1 unchanged" in err
    assert post_files(archive / "2026-07-24") | {"post.json": b""} == published["2026-07-24"] | {
        "post.json": b""
    }
    manifest = json.loads((archive / "2026-07-24" / "post.json").read_text())
    assert (
        manifest["inputs"]["prices"]
        != json.loads(published["2026-07-24"]["post.json"])["inputs"]["prices"]
    )


@pytest.mark.slow
def test_a_new_post_format_revises_every_post_and_says_so(capsys, project, monkeypatch):
    """A fork's edited post template changes what every post shows: each is rewritten with a
    note saying when and why; a bumped format version that changes nothing rewrites none."""
    root = project(LEAN)
    backfill(capsys, root, "--weeks", "2")
    archive = root / "data" / "posts" / "sample"
    published = {p.session: p.files() for p in archived(archive)}
    monkeypatch.setattr(posts, "POST_FORMAT", posts.POST_FORMAT + 1)
    assert "0 written, 2 unchanged" in backfill(capsys, root, "--weeks", "2")
    assert {p.session: p.files()["index.md"] for p in archived(archive)} == {
        s: files["index.md"] for s, files in published.items()
    }

    override = root / "overrides" / "posts" / "week.md.j2"
    override.parent.mkdir(parents=True)
    override.write_text(
        '{% extends "default:posts/week.md.j2" %}\n'
        "{% block downloads %}\n## Downloads\n{% endblock %}\n"
    )
    err = backfill(capsys, root, "--weeks", "2")
    assert "2 written, 0 unchanged" in err
    assert "published posts: 2 revised, 0 kept as published" in err
    because = f"the post format or its templates changed (format version {posts.POST_FORMAT})"
    for post in archived(archive):
        assert post.manifest["revisions"] == [{"on": TODAY, "because": [because]}]
        page = post.files()["index.md"].decode()
        assert f"<strong>Revised on {TODAY}</strong>: {because}." in page
    # The next run finds the revised posts as they are.
    assert "0 written, 2 unchanged" in backfill(capsys, root, "--weeks", "2")


def tiny_members_project(project, csv_dir, *, min_members: int = 20):
    """A project whose breadth list has three members, and a CSV folder of the universe's and
    the members' sample prices to 2026-07-31 (each member a scaled copy of SPY plus its own
    drift, so members differ)."""
    lists = [{"name": "Tiny index", "file": "members.csv"}]
    root = project({"breadth": {"lists": lists, "min_members": min_members}})
    (root / "members.csv").write_text("ticker,sector\nAAA,Energy\nBBB,Energy\nCCC,Utilities\n")
    config = load_config(root / "rotation.yml")
    prices = sample_prices(config.symbols).loc[:"2026-07-31"]
    universe = {s: prices[s].dropna() for s in config.symbols}
    members = {
        m: prices[other].dropna() * (1 + i / 10)
        for i, (m, other) in enumerate((("AAA", "SPY"), ("BBB", "IWN"), ("CCC", "XLU")))
    }
    return root, csv_dir(universe | members), members


@pytest.mark.slow
def test_a_dividend_on_a_member_leaves_the_weeks_before_it_as_published(capsys, project, csv_dir):
    """AAA goes ex-dividend on 2026-07-28: every earlier close of it is scaled by one factor. The
    week to 24 July saw only scaled closes (the same shares above each average, the same
    advances and declines): its post stays byte for byte."""
    root, folder, members = tiny_members_project(project, csv_dir, min_members=2)
    backfill(capsys, root, "--source", f"csv:{folder}", "--since", "2026-07-20")
    archive = root / "data" / "posts" / "market"
    before = post_files(archive / "2026-07-24")
    assert json.loads(before["metrics.json"])["breadth"], "the post has breadth"
    scaled = members["AAA"].copy()
    scaled.loc[:"2026-07-27"] *= 0.99
    csv_dir({"AAA": scaled})
    backfill(capsys, root, "--source", f"csv:{folder}", "--since", "2026-07-20")
    after = post_files(archive / "2026-07-24")
    assert {k: v for k, v in after.items() if k != "post.json"} == {
        k: v for k, v in before.items() if k != "post.json"
    }
    assert "revisions" not in json.loads(after["post.json"])
    inputs = [json.loads(files["post.json"])["inputs"]["members"] for files in (before, after)]
    assert inputs[0] != inputs[1]  # the member's data did change: the post was drawn again


@pytest.mark.slow
def test_editing_a_dashboard_page_template_leaves_every_post_as_published(capsys, project):
    """Templates outside posts/ and partials/ are not part of a post's format."""
    root = project(LEAN)
    backfill(capsys, root, "--weeks", "2")
    archive = root / "data" / "posts" / "sample"
    published = {p.session: p.files() for p in archived(archive)}
    override = root / "overrides" / "pages" / "home.md.j2"
    override.parent.mkdir(parents=True)
    override.write_text(
        '{% extends "default:pages/home.md.j2" %}\n{% block intro %}Hi{% endblock %}\n'
    )
    assert "0 written, 2 unchanged" in backfill(capsys, root, "--weeks", "2")
    assert {p.session: p.files() for p in archived(archive)} == published


@pytest.mark.slow
def test_a_run_without_member_prices_never_replaces_a_post_that_had_breadth(
    capsys, project, csv_dir
):
    """A local run that lacks the members' prices would publish the weeks without breadth: the
    posts that had it stay as published, and the run says so."""
    root, folder, members = tiny_members_project(project, csv_dir)
    backfill(capsys, root, "--source", f"csv:{folder}", "--since", "2026-07-20")
    archive = root / "data" / "posts" / "market"
    published = {p.session: p.files() for p in archived(archive)}
    assert all("breadth.csv" in files for files in published.values())

    for member in members:
        (folder / f"{member}.csv").unlink()
    err = backfill(capsys, root, "--source", f"csv:{folder}", "--since", "2026-07-20")
    assert "0 written, 2 unchanged" in err
    assert "published posts: 0 revised, 2 kept as published" in err
    assert "post 2026-07-31 kept as published: this run would drop breadth.csv" in err
    assert {p.session: p.files() for p in archived(archive)} == published


def test_the_post_config_leaves_out_what_posts_do_not_use():
    config = load_config(FIXTURE_CONFIG)
    base = posts.post_config(config)
    dashboard_only = config.model_copy(
        update={
            "store": "elsewhere/store",
            "rates": None,
            "watchlist": (),
            "data": config.data.model_copy(update={"retries": 9, "batch_size": 7}),
            "site": config.site.model_copy(update={"url": "https://example.org/x/"}),
        }
    )
    assert posts.post_config(dashboard_only) == base
    shown = config.model_copy(
        update={"metrics": config.metrics.model_copy(update={"ma_long": 150})}
    )
    assert posts.post_config(shown) != base
    retitled = config.model_copy(update={"site": config.site.model_copy(update={"title": "X"})})
    assert posts.post_config(retitled) != base


@pytest.fixture(scope="module")
def post_2026_07_31() -> dict[str, bytes]:
    return render_sample_post("2026-07-31")


@pytest.mark.parametrize("session", ["2026-07-31", "2026-04-02"])
def test_post_matches_golden_file(post_2026_07_31, session, update_golden):
    """Rendered Markdown is stable; run `pytest --update-golden` after an intended change. The
    week to 2 April 2026 had four sessions (Good Friday)."""
    files = post_2026_07_31 if session == "2026-07-31" else render_sample_post(session)
    got = files["index.md"].decode()
    golden = REPO / "tests" / "golden" / f"post-{session}.md"
    if update_golden:
        golden.write_text(got)
    assert got == golden.read_text()


def narrative(markdown: str) -> list[str]:
    return re.findall(r'<div class="rm-narrative" markdown>(.*?)</div>', markdown, re.S)


def test_every_number_in_the_text_is_the_number_in_metrics_json(post_2026_07_31):
    text = post_2026_07_31["index.md"].decode()
    doc = json.loads(post_2026_07_31["metrics.json"])
    spans = SPAN.findall(text)
    assert len(spans) > 20
    for path, fmt, shown in spans:
        assert FORMATS[fmt](lookup(doc, path)) == shown, path
    # Outside the numbers, the narrative holds no digit but those of names from the config.
    config = load_config(FIXTURE_CONFIG)
    names = [i.name for i in config.universe] + [p.label for p in config.pairs]
    names += [g.name for g in config.rotation.groups] + [b.name for b in config.breadth.lists]
    names += [d.label for d in config.valuation.discounts]
    for block in narrative(text):
        rest = SPAN.sub("", block)
        for name in sorted(names, key=len, reverse=True):
            rest = rest.replace(name.replace("&", "&amp;"), "")
        assert not re.search(r"\d", rest), rest


def test_post_numbers_agree_with_prices_computed_here(post_2026_07_31):
    doc = json.loads(post_2026_07_31["metrics.json"])
    prices = sample_prices(["IWN", "IWF", "SPY"])
    assert doc["as_of"] == "2026-07-31"
    assert doc["week"]["start"] == "2026-07-24"
    head = doc["week"]["pairs"][0]
    assert (head["a"], head["b"]) == ("IWN", "IWF")
    ret_a = prices.at[T("2026-07-31"), "IWN"] / prices.at[T("2026-07-24"), "IWN"] - 1
    ret_b = prices.at[T("2026-07-31"), "IWF"] / prices.at[T("2026-07-24"), "IWF"] - 1
    assert head["return_a"] == pytest.approx(ret_a, abs=1e-8)
    assert head["spread"] == pytest.approx(ret_a - ret_b, abs=1e-8)
    ytd = prices.loc[T("2026-07-31")] / prices.loc[:"2025-12-31"].iloc[-1] - 1
    assert head["ytd_gap"] == pytest.approx(ytd["IWN"] - ytd["IWF"], abs=1e-8)


def test_a_post_uses_no_price_after_its_session():
    """The post of 24 July from prices that run to November equals itself from prices cut at 24
    July: the sample source serves both, so only the cut differs."""
    full = render_sample_post("2026-07-24")
    doc = json.loads(full["metrics.json"])
    assert doc["as_of"] == "2026-07-24"
    for spec_name in [n for n in full if n.endswith(".vl.json")]:
        dates = re.findall(rb'"(\d{4}-\d{2}-\d{2})T00:00:00"', full[spec_name])
        assert max(dates).decode() <= "2026-07-24", spec_name


def test_a_write_that_fails_leaves_the_previous_post(tmp_path, monkeypatch):
    folder = tmp_path / "archive"
    session = T("2026-07-31")
    write_post(folder, session, {"index.md": b"old", "charts/a.svg": b"<svg/>"})
    original = Path.write_bytes
    calls = []

    def failing(self, data):
        calls.append(self)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return original(self, data)

    monkeypatch.setattr(Path, "write_bytes", failing)
    with pytest.raises(OSError, match="No space left"):
        write_post(folder, session, {"index.md": b"new", "charts/a.svg": b"<svg2/>"})
    monkeypatch.undo()
    assert post_files(folder / "2026-07-31") == {"index.md": b"old", "charts/a.svg": b"<svg/>"}
    assert [p.name for p in folder.iterdir()] == ["2026-07-31"]


def test_half_written_folders_are_not_posts(tmp_path, caplog):
    folder = tmp_path / "archive"
    (folder / "2026-07-24").mkdir(parents=True)  # no manifest
    write_post(folder, T("2026-07-31"), {"post.json": b'{"session": "2026-07-31"}'})
    assert [p.session for p in archived(folder)] == [T("2026-07-31")]
    assert "not a complete post" in caplog.text


def test_weeks_follow_since_weeks_and_until():
    config = load_config(FIXTURE_CONFIG)
    latest = T("2026-07-31")
    since = posts.weeks_to_write(latest, config, pd.Timestamp("2026-01-02").date(), None)
    assert since[0] == T("2026-01-02")
    assert since[-1] == latest
    assert len(since) == 31  # the "about 30 weekly posts through 2026-07-31"
    assert list(posts.weeks_to_write(latest, config, None, 3)) == [
        T("2026-07-17"),
        T("2026-07-24"),
        T("2026-07-31"),
    ]
    # A date inside a week starts from that week; a holiday week ends on its Thursday.
    holiday = posts.weeks_to_write(T("2026-04-10"), config, pd.Timestamp("2026-04-01").date(), None)
    assert list(holiday) == [T("2026-04-02"), T("2026-04-10")]


@pytest.mark.slow
def test_backfill_errors_are_one_line(capsys, project):
    root = project({"benchmark": "SPY", "headline": 7})
    code, _, err = run(capsys, "backfill", "--config", str(root / "rotation.yml"), "--weeks", "1")
    assert code == 1
    assert error_line(err).startswith("Error: ")
    assert "headline" in err
    with pytest.raises(SystemExit) as info:
        run(capsys, "backfill", "--weeks", "0")
    assert info.value.code == 2
    assert "not a whole number of weeks, at least 1: '0'" in capsys.readouterr().err


def test_a_member_listed_after_the_session_leaves_the_posts_inputs_as_they_were():
    config = load_config(FIXTURE_CONFIG)
    loaded = LoadResult(columns(sample_prices(["SPY", "IWN"]).loc[:"2026-07-31"]), "test")
    days = pd.bdate_range("2026-01-01", "2026-07-31", name="date")
    before = pd.DataFrame({"AAA": range(len(days))}, index=days, dtype="float64")
    later = before.assign(NEW=[float("nan")] * (len(days) - 3) + [1.0, 2.0, 3.0])
    session = T("2026-07-24")

    def inputs(frame: pd.DataFrame, tickers: list[str]) -> dict[str, str]:
        return posts.post_inputs("t", config, loaded, {"list": (frame, tickers, "")}, session)

    assert inputs(later, ["AAA", "NEW"]) == inputs(before, ["AAA"])
    moved = before.copy()
    moved.iloc[-10, 0] += 1  # a close before the session changed
    assert inputs(moved, ["AAA"])["members"] != inputs(before, ["AAA"])["members"]
    assert inputs(moved, ["AAA"])["prices"] == inputs(before, ["AAA"])["prices"]


def test_a_post_has_neither_chart_captions_nor_chart_tables(post_2026_07_31):
    """Posts are an archive with a format version: the site's chart captions and CSV tables
    leave them as they were (their charts are placed by their own template)."""
    assert not [
        name for name in post_2026_07_31 if name.startswith("charts/") and name.endswith(".csv")
    ]
    assert "rm-chart__about" not in post_2026_07_31["index.md"].decode()
