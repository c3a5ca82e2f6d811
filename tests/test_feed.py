"""A site with weekly posts: the blog, the RSS feed, the e-mail digest, and no look-ahead."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime
from pathlib import Path

import pandas as pd
import pytest

from generator import feed, posts, templating
from generator.archive import archived, write_post
from generator.build import BuildOptions, build
from generator.formatting import FORMATS
from generator.project import Project
from generator.sources import SAMPLE
from tests_support import run

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("stand_in_exports")]

URL = "https://rm.example.org/site/"
SESSIONS = ["2026-11-06", "2026-11-13", "2026-11-20"]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """A sample project with three weekly posts, built with a site URL."""
    from conftest import project_copy

    root = project_copy(tmp_path_factory.mktemp("feed") / "project")
    result = posts.backfill(posts.BackfillOptions(root / "rotation.yml", "sample", weeks=3))
    assert [f"{s:%Y-%m-%d}" for s in result.written] == SESSIONS
    build(BuildOptions(config_path=root / "rotation.yml", site_url=URL))
    return root


def items(root: Path) -> list[ET.Element]:
    return ET.parse(root / "site" / "feed.xml").getroot().findall("./channel/item")


def test_posts_are_published_under_their_slugs_with_their_files(site):
    out = site / "site"
    for session in SESSIONS:
        page = out / "blog" / f"week-{session}" / "index.html"
        assert page.is_file(), page
        html = page.read_text()
        assert f"Week to {pd.Timestamp(session).day} November 2026" in html
        charts = out / "blog" / session / "charts"
        for stem in ("ratio-iwn-vs-iwf", "rrg-sectors"):
            for ext in ("svg", "png", "vl.json"):
                assert (charts / f"{stem}.{ext}").is_file()
        assert (out / "blog" / session / "metrics.json").is_file()
        assert f'href="../{session}/metrics.json"' in html
        # Every link of the post's text leads to a page or a file of the site.
        article = re.search(r'<article class="md-content__inner.*?</article>', html, re.S)
        assert article is not None
        for href in re.findall(r'href="([^"#]+)', article[0]):
            if href.startswith(("http:", "https:", "mailto:")):
                continue
            target = (page.parent / href).resolve()
            assert (target / "index.html" if href.endswith("/") else target).is_file(), href
        assert 'href="../../sectors/"' in html or 'href="../../pairs/"' in html
    archive = (out / "blog" / "index.html").read_text()
    assert all(f"week-{s}/" in archive for s in SESSIONS)
    assert (out / "blog" / "archive" / "2026" / "index.html").is_file()


def test_home_links_the_latest_post_and_the_feed(site):
    home = (site / "site" / "index.html").read_text()
    assert 'href="blog/week-2026-11-20/"' in home
    assert 'href="feed.xml"' in home
    assert re.search(r'<link rel="alternate" type="application/rss\+xml"[^>]*href="feed.xml"', home)


def test_numbers_on_the_published_post_are_those_of_its_metrics_json(site):
    out = site / "site"
    html = (out / "blog" / "week-2026-11-20" / "index.html").read_text()
    doc = json.loads((out / "blog" / "2026-11-20" / "metrics.json").read_text())
    spans = re.findall(r'data-metric="([^"]+)" data-format="([^"]+)">([^<]*)<', html)
    assert len(spans) > 20
    for path, fmt, shown in spans:
        value = doc
        for part in path.split("."):
            value = value[int(part)] if isinstance(value, list) else value[part]
        assert FORMATS[fmt](value) == shown, path


def test_feed_items_have_absolute_links_and_a_png_chart(site):
    root = ET.parse(site / "site" / "feed.xml").getroot()
    channel = root.find("channel")
    assert channel.findtext("link") == URL
    assert channel.findtext("title").startswith("Sample data — ")
    entries = items(site)
    assert [e.findtext("link") for e in entries] == [
        f"{URL}blog/week-{s}/" for s in reversed(SESSIONS)
    ]
    for entry, session in zip(entries, reversed(SESSIONS), strict=True):
        assert entry.find("guid").get("isPermaLink") == "true"
        published = parsedate_to_datetime(entry.findtext("pubDate"))
        assert published.isoformat() == f"{session}T16:00:00-05:00"
        body = entry.findtext("description")
        assert "<script" not in body
        (src,) = re.findall(r'<img src="([^"]+)"', body)
        assert src == f"{URL}blog/{session}/charts/ratio-iwn-vs-iwf.png"
        assert (site / "site" / src.removeprefix(URL)).is_file()
        assert "Sample data — not market data." in body
    # Dated by the newest post, not by the clock: rebuilding gives the same feed.
    assert channel.findtext("lastBuildDate") == "Fri, 20 Nov 2026 16:00:00 -0500"


def test_digest_is_self_contained_html_for_a_mailer(site):
    html = (site / "site" / "digest.html").read_text()
    assert "<script" not in html.lower()
    assert "<style" not in html.lower()
    assert 'rel="stylesheet"' not in html
    assert "Week to 20 November 2026" in html
    assert "Sample data — not market data." in html
    sources = re.findall(r'<img src="([^"]+)"', html)
    assert sources == [
        f"{URL}blog/2026-11-20/charts/ratio-iwn-vs-iwf.png",
        f"{URL}blog/2026-11-20/charts/rrg-sectors.png",
    ]
    for src in sources:
        assert (site / "site" / src.removeprefix(URL)).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    hrefs = re.findall(r'href="([^"]+)"', html)
    assert hrefs
    assert all(h.startswith(URL) for h in hrefs)
    # Every element that carries presentation styles it inline.
    assert html.count('style="') > 20


def test_digest_opens_with_a_preheader_and_labels_every_number_and_figure(site):
    html = (site / "site" / "digest.html").read_text()
    preheader = re.search(r'<div style="display:none;[^"]*">([^<]*)</div>', html)
    assert preheader, "no preheader"
    assert preheader[1].startswith("Sample data — IWN ")  # the week's sentence, as plain text
    assert re.search(r"Year to date IWN (leads|trails) by \d+\.\d pp\.", preheader[1])
    # Its links (the post, the pages its facts point to) are absolute: a mail has no site.
    links = re.findall(r'href="([^"]+)"', html)
    assert any(link.endswith("/pairs/") or link.endswith("/sectors/") for link in links)
    assert all(link.startswith("https://") for link in links), links
    # Each week return is named by its symbol, and no fixed width is wider than a phone.
    assert re.search(r"IWN <span[^>]*>[-+]?\d+\.\d%</span> · IWF <span", html)
    assert not re.search(r'width="(?:[4-9]\d\d|\d{4,})"', html)
    captions = re.findall(r"<p [^>]*>(Figure \d\. [^<]*)</p>", html)
    assert captions == [
        "Figure 1. IWN / IWF relative strength, as of 2026-11-20.",
        "Figure 2. Relative rotation graph, as of 2026-11-20.",
    ]


def test_a_shared_post_or_page_previews_with_the_posts_headline_chart(site):
    out = site / "site"
    image = f"{URL}blog/2026-11-13/charts/ratio-iwn-vs-iwf.png"
    post = (out / "blog" / "week-2026-11-13" / "index.html").read_text()
    assert f'<meta property="og:image" content="{image}">' in post
    assert '<meta name="twitter:card" content="summary_large_image">' in post
    latest = f"{URL}blog/2026-11-20/charts/ratio-iwn-vs-iwf.png"
    for page in ("index.html", "pairs/index.html", "methodology/index.html"):
        assert f'<meta property="og:image" content="{latest}">' in (out / page).read_text()
    # Added where the post is published: the archived record keeps its bytes.
    assert (
        "image:" not in (site / "data" / "posts" / "sample" / "2026-11-13" / "index.md").read_text()
    )


def test_a_site_as_of_an_earlier_week_shows_no_later_post(site, tmp_path):
    build(
        BuildOptions(
            config_path=site / "rotation.yml",
            as_of=pd.Timestamp("2026-11-13").date(),
            site_dir=tmp_path / "earlier",
            site_url=URL,
        )
    )
    out = tmp_path / "earlier"
    assert not (out / "blog" / "week-2026-11-20").exists()
    assert (out / "blog" / "week-2026-11-13" / "index.html").is_file()
    links = [e.findtext("link") for e in ET.parse(out / "feed.xml").getroot().iter("item")]
    assert links == [f"{URL}blog/week-2026-11-13/", f"{URL}blog/week-2026-11-06/"]
    assert "Week to 13 November 2026" in (out / "digest.html").read_text()


def test_feed_escapes_names_from_the_config_and_the_data(site):
    project = Project.load(site / "rotation.yml")
    config = project.config
    archive = archived(project.archive(SAMPLE))
    doc = archive[-1].document
    doc["pairs"][0]["label"] = "<script>alert(1)</script>"
    post = archive[-1]
    folder = post.folder.parent.parent / "tampered" / post.folder.name
    write_post(
        folder.parent,
        post.session,
        post.files()
        | {
            "metrics.json": json.dumps(doc).encode(),
            "post.json": json.dumps(dict(post.manifest)).encode(),
        },
    )
    tampered = archived(folder.parent)
    env = templating.make_environment(site / "templates")
    rss = feed.feed_xml(env, tampered, config, URL).decode()
    body = ET.fromstring(rss).find("./channel/item").findtext("description")
    assert "<script>" not in body
    digest = feed.digest_html(env, tampered[-1], config, URL).decode()
    assert "<script>" not in digest
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in digest


def test_without_a_site_url_there_is_no_feed_and_the_build_says_why(capsys, tmp_path):
    from conftest import project_copy

    root = project_copy(tmp_path / "p", {"site": {"title": "No URL"}, "breadth": None})
    posts.backfill(posts.BackfillOptions(root / "rotation.yml", "sample", weeks=1))
    code, _, err = run(capsys, "build", "--config", str(root / "rotation.yml"))
    assert code == 0, err
    assert "site.url is not set: no feed.xml or digest.html" in err
    assert not (root / "site" / "feed.xml").exists()
    assert 'href="feed.xml"' not in (root / "site" / "index.html").read_text()
    assert (root / "site" / "blog" / "week-2026-11-20" / "index.html").is_file()
