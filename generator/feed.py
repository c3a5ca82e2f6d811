"""What readers receive: the RSS feed of the weekly posts and the e-mail digest of the latest.

Both leave the site, so every link and image is absolute (``site.url``), charts are the posts'
PNGs (feed readers and mail clients run no JavaScript), and nothing depends on the site's CSS.
Both are built from the archived posts' ``metrics.json`` with the posts' own narrative partials,
so a reader gets the same sentences and numbers as the post.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from feedgen.feed import FeedGenerator

from generator.archive import ArchivedPost
from generator.chartfiles import EMAIL_WIDTH
from generator.config import Config
from generator.layout import post_assets, post_url
from generator.postview import chart_alt, post_context
from generator.templating import render_template

log = logging.getLogger(__name__)

FEED = "feed.xml"
DIGEST = "digest.html"
CLOSE = dt.time(16, 0)
NEW_YORK = ZoneInfo("America/New_York")


def published_at(post: ArchivedPost) -> dt.datetime:
    """A post is dated by its session's close in New York: the same instant on every rebuild."""
    return dt.datetime.combine(post.session.date(), CLOSE, tzinfo=NEW_YORK)


def reader_context(post: ArchivedPost, config: Config, site_url: str) -> dict[str, Any]:
    """The post's context with absolute URLs for its page, its PNG charts and the site's pages
    its facts link to."""
    context = post_context(post.document, config, root=site_url)
    base = f"{site_url}{post_assets(post.session)}"
    h = context["headline"]
    context["charts"] = [
        {"src": base + name, "alt": chart_alt(Path(name).stem, h["a"], h["b"], context["as_of"])}
        for name in post.images()
    ]
    context |= {
        "image_width": EMAIL_WIDTH,
        "post_url": site_url + post_url(post.session),
        "site_url": site_url,
        "feed_url": site_url + FEED,
    }
    return context


def feed_xml(
    env: jinja2.Environment, posts: list[ArchivedPost], config: Config, site_url: str
) -> bytes:
    """RSS 2.0 of the newest ``weekly.feed_items`` posts, newest first."""
    newest = list(reversed(posts))[: config.weekly.feed_items]
    contexts = [reader_context(post, config, site_url) for post in newest]
    prefix = "Sample data — " if contexts and contexts[0]["is_sample"] else ""
    fg = FeedGenerator()
    fg.title(f"{prefix}{config.site.title}: weekly reports")
    fg.link(href=site_url + FEED, rel="self")
    fg.link(href=site_url, rel="alternate")
    fg.description(config.site.description or f"{config.site.title} weekly reports")
    fg.language("en")
    fg.generator("Rotation Monitor")
    if newest:
        fg.lastBuildDate(published_at(newest[0]))
        fg.pubDate(published_at(newest[0]))
    for post, context in zip(newest, contexts, strict=True):
        entry = fg.add_entry(order="append")
        entry.title(f"{prefix}{context['title']}")
        entry.link(href=context["post_url"])
        entry.guid(context["post_url"], permalink=True)
        entry.pubDate(published_at(post))
        entry.description(render_template(env, "email/feed-item.html.j2", context).decode())
    return fg.rss_str(pretty=True)


def digest_html(
    env: jinja2.Environment, post: ArchivedPost, config: Config, site_url: str
) -> bytes:
    context = reader_context(post, config, site_url)
    context["site"] = {"title": config.site.title}
    return render_template(env, "email/digest.html.j2", context)


def reader_files(
    env: jinja2.Environment, posts: list[ArchivedPost], config: Config, site_url: str
) -> dict[str, bytes]:
    """``feed.xml`` (empty until the first post) and the latest post's ``digest.html``; neither
    without a site URL to make their links absolute."""
    if not site_url:
        log.warning("site.url is not set: no %s or %s (their links must be absolute)", FEED, DIGEST)
        return {}
    site_url = site_url if site_url.endswith("/") else site_url + "/"
    out = {FEED: feed_xml(env, posts, config, site_url)}
    if posts:
        out[DIGEST] = digest_html(env, posts[-1], config, site_url)
    return out
