"""A fork made its own without touching Python: config, a template override, an authored page.

One strict build of a copy of the project, changed the way Customise tells a fork to change it,
then checked page by page.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
import yaml

from conftest import project_copy
from generator.build import BuildOptions, build
from tests_support import SECTION_PAGES

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("stand_in_exports")]

TITLE = "Energy Rotation Desk"
MARKER = "FORK-MARKER: our own reading of the rotation."
REMOVED = "XLRE"
PRIMARY = "#00897b"
PALE = "#fff59d"

GENERATED = [
    *SECTION_PAGES,
    "data-status/index.html",
    "methodology/index.html",
    "downloads/index.html",
    "configuration/index.html",
    "blog/index.html",
]
AUTHORED = [f"for-forkers/{name}/index.html" for name in ("customise", "publish", "maintaining")]
DOCUMENTATION = {
    "configuration/index.html",
    "for-forkers/customise/index.html",
    "search/search_index.json",
}
"""Pages that quote the default configuration (all 11 sectors) as documentation."""


def make_fork(root: Path) -> None:
    path = root / "rotation.yml"
    config = yaml.safe_load(path.read_text())
    config["site"]["title"] = TITLE
    config["universe"] = [i for i in config["universe"] if i["symbol"] != REMOVED]
    for group in config["rotation"]["groups"]:
        group["symbols"] = [s for s in group["symbols"] if s != REMOVED]
    config["pairs"].append({"a": "XLE", "b": "XLK", "label": "Energy vs technology"})
    config["headline"] = len(config["pairs"]) - 1
    config["theme"] = {"primary": PRIMARY, "series": ["#7e57c2", PALE]}
    path.write_text(yaml.safe_dump(config, sort_keys=False))

    home = root / "overrides" / "pages" / "home.md.j2"
    home.parent.mkdir(parents=True)
    home.write_text(
        '{% extends "default:pages/home.md.j2" %}\n\n'
        f"{{% block intro %}}\n{MARKER}\n{{% endblock %}}\n"
    )
    (root / "site_src" / "desk-notes.md").write_text(
        "# Desk notes\n\nHow we read the [Methodology](methodology.md) of the "
        "[headline pair](pairs.md).\n"
    )


@pytest.fixture(scope="module")
def fork(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The fork, built once for every check: its site folder and the warnings of its build."""
    root = project_copy(tmp_path_factory.mktemp("fork") / "project")
    make_fork(root)
    warnings: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.WARNING:
                warnings.append(record.getMessage())

    handler = Collect()
    logging.getLogger("generator").addHandler(handler)
    try:
        build(BuildOptions(config_path=root / "rotation.yml"))
    finally:
        logging.getLogger("generator").removeHandler(handler)
    return root / "site", warnings


def read(site: Path, page: str) -> str:
    return (site / page).read_text(encoding="utf-8")


def test_every_page_exists_and_carries_the_new_title(fork):
    site, _ = fork
    for page in [*GENERATED, *AUTHORED, "desk-notes/index.html"]:
        html = read(site, page)
        assert f'<span class="md-ellipsis">\n            {TITLE}\n' in html, f"{page}: header"
        assert re.search(rf"<title>([^<]+ - )?{TITLE}</title>", html), f"{page}: browser tab"
        assert "Rotation Monitor</title>" not in html, page
    assert "<title>Home - Energy Rotation Desk</title>" in read(site, "index.html")


def test_home_leads_with_the_new_headline_pair_and_the_override(fork):
    site, _ = fork
    home = read(site, "index.html")
    assert '<h2 id="energy-vs-technology">Energy vs technology' in home
    assert "<strong>XLE</strong> · Energy" in home
    assert 'src="charts/ratio-xle-vs-xlk.svg"' in home
    assert f"<p>{MARKER}</p>" in home
    assert home.index(MARKER) < home.index('<h2 id="energy-vs-technology">'), "intro comes first"
    assert '<h2 id="the-universe">The universe' in home, "the blocks not overridden remain"
    assert MARKER not in read(site, "pairs/index.html")


def test_removed_sector_is_gone_from_every_page_chart_and_data_file(fork):
    site, _ = fork
    checked = 0
    for path in site.rglob("*"):
        name = path.relative_to(site).as_posix()
        if not path.is_file() or name in DOCUMENTATION or name.startswith("assets/"):
            continue
        if path.suffix in {".html", ".json", ".csv", ".svg", ".xml"}:
            checked += 1
            text = path.read_text(encoding="utf-8")
            assert REMOVED not in text, name
            assert "Real Estate" not in text, name
    assert checked > 50
    sectors = json.loads(read(site, "charts/rrg-sectors.vl.json"))
    layer = sectors["layer"][5]["encoding"]["color"]["scale"]
    assert len(layer["domain"]) == 10
    assert REMOVED not in layer["domain"]


def test_authored_page_is_built_in_the_navigation_with_working_links(fork):
    site, _ = fork
    home = read(site, "index.html")
    assert 'href="desk-notes/"' in home
    notes = read(site, "desk-notes/index.html")
    assert '<a href="../methodology/">Methodology</a>' in notes
    assert '<a href="../pairs/">headline pair</a>' in notes


def test_chart_theme_is_the_forks_and_a_pale_colour_is_reported(fork):
    site, warnings = fork
    theme = json.loads(read(site, "assets/chart-theme.json"))
    assert theme["light"]["range"]["category"][:4] == [PRIMARY, "#f4511e", "#7e57c2", PALE]
    ratio = read(site, "charts/ratio-xle-vs-xlk.vl.json")
    assert f'"{PRIMARY}"' in ratio
    assert any(w.startswith(f"chart colour hard to see: theme.series[1]: {PALE}") for w in warnings)
    assert not any("theme.primary" in w for w in warnings)
