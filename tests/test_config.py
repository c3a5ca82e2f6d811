"""Config loading: every problem reported with file and key, nothing accepted silently."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator.config import Config, load_config, slug
from generator.errors import ConfigError
from tests_support import FIXTURE_CONFIG, REPO


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "rotation.yml"
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def base() -> dict:
    return yaml.safe_load(FIXTURE_CONFIG.read_text())


def problems(tmp_path: Path, data: object) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, data))
    return info.value.problems


def test_the_projects_own_rotation_yml_is_valid():
    """The shipped default config (a fork's starting point) loads; the other tests use their own
    copy, so a fork editing it breaks none of them."""
    config = load_config(REPO / "rotation.yml")
    assert config.symbols
    assert config.headline_pair.key in {p.key for p in config.pairs}


def test_the_shipped_member_lists_are_in_the_repository_and_readable():
    """A fork has no ../shared folder: the default config's breadth lists are committed files of
    each index's members (Yahoo spelling), each saying how old it is."""
    from generator.members import read_members

    config = load_config(REPO / "rotation.yml")
    assert config.breadth is not None
    sizes = {"Russell 2000": 1500, "S&P 500": 450, "S&P 400": 350, "Nasdaq-100": 95}
    assert {item.name for item in config.breadth.lists} == set(sizes)
    for item in config.breadth.lists:
        path = (REPO / item.file).resolve()
        assert path.is_relative_to(REPO), f"{item.file} is outside the repository"
        members = read_members(path)
        assert len(members) >= sizes[item.name], item.name
        assert not [m.ticker for m in members if "." in m.ticker], "Yahoo spells BRK-B"
        assert item.members_as_of == "2026-08"


@pytest.mark.parametrize(
    ("written", "kept"), [("2026-08", "2026-08"), ("2026-08-03", "2026-08-03"), (None, None)]
)
def test_a_lists_date_may_be_a_month_or_a_day(tmp_path, written, kept):
    data = yaml.safe_load(FIXTURE_CONFIG.read_text())
    data["breadth"]["lists"][0]["members_as_of"] = written
    text = yaml.safe_dump(data).replace("'2026-08-03'", "2026-08-03")  # YAML reads it as a date
    path = tmp_path / "rotation.yml"
    path.write_text(text)
    assert load_config(path).breadth.lists[0].members_as_of == kept


def test_a_lists_date_in_another_form_is_refused(tmp_path):
    data = yaml.safe_load(FIXTURE_CONFIG.read_text())
    data["breadth"]["lists"][0]["members_as_of"] = "August 2026"
    found = problems(tmp_path, yaml.safe_dump(data))
    assert found == [
        "breadth.lists[0].members_as_of: write a month (2026-08) or a day (2026-08-03), "
        "not 'August 2026'"
    ]


def test_fixture_config_is_valid_and_frozen():
    config = load_config(FIXTURE_CONFIG)
    assert config.headline_pair.a == "IWN"
    assert config.headline_pair.b == "IWF"
    assert config.instrument("^TNX").kind == "yield"
    with pytest.raises(Exception, match="frozen"):
        config.benchmark = "QQQ"  # type: ignore[misc]


def test_missing_file_names_the_file(tmp_path):
    with pytest.raises(ConfigError, match=r"nope\.yml: file not found"):
        load_config(tmp_path / "nope.yml")


def test_invalid_yaml_names_the_line(tmp_path):
    found = problems(tmp_path, "benchmark: SPY\nuniverse: [\n")
    assert len(found) == 1
    assert found[0].startswith("line ")
    assert "invalid YAML" in found[0]


def test_top_level_must_be_a_mapping(tmp_path):
    assert problems(tmp_path, "- a\n- b\n") == ["the top level must be a mapping of keys to values"]


def test_unknown_key_suggests_the_nearest(tmp_path):
    data = base()
    data["benchmrk"] = "SPY"
    data["metrics"]["ma_shrt"] = 20
    found = problems(tmp_path, data)
    assert "benchmrk: unknown key (did you mean 'benchmark'?)" in found
    assert "metrics.ma_shrt: unknown key (did you mean 'ma_short'?)" in found


def test_every_problem_is_reported_at_once(tmp_path):
    data = base()
    data["pairs"][1]["b"] = "ZZZZ"
    data["benchmark"] = "NOPE"
    data["universe"][0]["symbol"] = "bad symbol"
    found = problems(tmp_path, data)
    assert any(
        p.startswith("universe[0].symbol: 'bad symbol' is not a Yahoo symbol") for p in found
    )
    # Cross-reference checks run only on a config whose fields are all valid: fix the symbol.
    data["universe"][0]["symbol"] = "SPY"
    found = problems(tmp_path, data)
    assert "benchmark: NOPE is not in the universe" in found
    assert "pairs[1].b: ZZZZ is not in the universe" in found


def test_message_carries_file_and_key(tmp_path):
    data = base()
    data["pairs"][0]["a"] = "XYZ"
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, data))
    assert str(info.value) == f"{tmp_path / 'rotation.yml'}: pairs[0].a: XYZ is not in the universe"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"headline": 9}, "headline: 9 but there are 5 pairs"),
        ({"periods": ["1W", "1W"]}, "periods: a period is listed twice"),
        ({"benchmark": "^TNX"}, "benchmark: ^TNX is a yield, not a price"),
        (
            {"pairs": [{"a": "IWN", "b": "^IRX"}]},
            "pairs[0].b: ^IRX is a yield; pairs compare prices",
        ),
        ({"pairs": [{"a": "IWN", "b": "IWN"}]}, "pairs[0]: a pair needs two different symbols"),
        ({"metrics": {"ma_short": 200, "ma_long": 50}}, "metrics: ma_short (200) must be below"),
        ({"periods": ["2W"]}, "periods[0]: Input should be"),
    ],
)
def test_invalid_values(tmp_path, change, expected):
    data = base() | change
    found = problems(tmp_path, data)
    assert any(p.startswith(expected) for p in found), found


def test_duplicate_symbol(tmp_path):
    data = base()
    data["universe"].append(dict(data["universe"][0]))
    index = len(data["universe"]) - 1
    assert f"universe[{index}].symbol: SPY is listed twice" in problems(tmp_path, data)


def test_symbols_keep_config_order_and_pair_keys_are_safe():
    config = Config.model_validate(
        {
            "universe": [
                {"symbol": "BRK-B", "name": "Berkshire"},
                {"symbol": "SPY", "name": "S&P"},
            ],
            "pairs": [{"a": "BRK-B", "b": "SPY"}],
        }
    )
    assert config.symbols == ["BRK-B", "SPY"]
    assert config.pairs[0].key == "brk-b-vs-spy"
    assert slug("^TNX") == "tnx"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"style_box": {"preset": "sp"}}, "style_box (sp) row 1: IVE is not in the universe"),
        ({"style_box": {"preset": "custom"}}, "style_box: preset custom needs a grid"),
        (
            {"style_box": {"preset": "russell", "grid": [["A", "B", "C"]] * 3}},
            "style_box: grid is only for preset custom",
        ),
        (
            {"rotation": {"groups": [{"name": "X", "symbols": ["XLK", "ZZZ"]}]}},
            "rotation.groups[0].symbols: ZZZ is not in the universe",
        ),
        ({"watchlist": [{"name": "W", "symbols": ["NOPE"]}]}, "watchlist[0].symbols: NOPE is not"),
        ({"rates": {"long": "SPY"}}, "rates.long: SPY must be a yield"),
        ({"rotation": {"tail": 1}}, "rotation.tail: Input should be greater than or equal to 2"),
    ],
)
def test_section_problems_name_their_key(tmp_path, change, expected):
    data = base() | change
    found = problems(tmp_path, data)
    assert any(p.startswith(expected) for p in found), found


def test_sections_are_optional():
    config = Config.model_validate(
        {
            "universe": [{"symbol": "A", "name": "A"}, {"symbol": "SPY", "name": "S"}],
            "pairs": [{"a": "A", "b": "SPY"}],
        }
    )
    assert config.style_box is None
    assert config.rotation is None
    assert config.breadth is None
    assert config.watchlist == ()
