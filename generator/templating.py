"""The one Jinja environment, and template errors as one line naming the file and the line.

Templates receive formatted strings and small records, never DataFrames. ``StrictUndefined``
makes a typo in a template fail the build instead of printing nothing; the user's override
folder is searched before the project's templates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import jinja2

from generator import inert
from generator.errors import BuildError
from generator.formatting import fmt_bp, fmt_date, fmt_pct, fmt_pp
from generator.resources import default_templates


class Renderable(Protocol):
    """What :func:`render_pages` needs of a page: where it goes and its template."""

    @property
    def file(self) -> str: ...

    @property
    def template(self) -> str: ...


class _Loader(jinja2.FileSystemLoader):
    """Jinja's file loader, with a template that is not UTF-8 text reported as one line naming
    its file (Jinja would raise a bare ``UnicodeDecodeError``)."""

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError as exc:
            found = next(
                (
                    Path(root) / template
                    for root in self.searchpath
                    if (Path(root) / template).is_file()
                ),
                Path(template),
            )
            raise BuildError(
                f"{found}: not UTF-8 text (byte {exc.start} is {exc.object[exc.start]:#04x}): "
                "save it as UTF-8"
            ) from None


def template_cache(cache_dir: Path | None) -> jinja2.BytecodeCache | None:
    """Compiled templates kept in ``cache_dir/jinja`` between runs: compiling is most of the
    cost of loading a template (measured: 1.4 s of a sample build's 10 s compiled Jinja, ours and
    MkDocs Material's, on every build). Jinja checks each entry against its template's source
    and writes entries atomically, so an edited template is compiled afresh and two builds can
    share the folder."""
    if cache_dir is None:
        return None
    folder = cache_dir / "jinja"
    folder.mkdir(parents=True, exist_ok=True)
    return jinja2.FileSystemBytecodeCache(str(folder))


def make_environment(
    templates: Path, overrides: Path | None = None, cache_dir: Path | None = None
) -> jinja2.Environment:
    """The one Jinja environment: ``StrictUndefined``, HTML escaping, overrides searched first.

    A template in ``overrides`` replaces the default of the same name; ``templates`` (the
    project's) comes next, then the templates the generator ships, so a project made by
    ``rotation init`` needs none of its own. To change only part of a default, an override
    extends it under the ``default:`` prefix, e.g. ``{% extends "default:pages/home.md.j2" %}``
    (extending its own name would recurse). With ``cache_dir``, compiled templates are kept
    there (:func:`template_cache`).
    """
    roots = [templates] if templates.is_dir() else []
    if default_templates().resolve() not in {r.resolve() for r in roots}:
        roots.append(default_templates())
    defaults = _Loader([str(r) for r in roots])
    search = [_Loader(str(overrides))] if overrides and overrides.is_dir() else []
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(
            [*search, defaults, jinja2.PrefixLoader({"default": defaults}, delimiter=":")]
        ),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        finalize=inert.markdown,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=template_cache(cache_dir),
    )
    env.filters.update(pct=fmt_pct, pp=fmt_pp, bp=fmt_bp, date=fmt_date)
    return env


RENDERED = ("pages/", "partials/", "posts/", "email/")
"""The folders of templates the generator renders (``theme/`` is MkDocs's, rendered by it)."""


def check_templates(env: jinja2.Environment) -> None:
    """Compile every template the generator renders, the project's overrides included, before
    any data is read: a syntax error or an unknown filter in an override stops the run at once
    (a build otherwise spends its whole computation first), as one line naming file and line."""
    assert env.loader is not None
    for name in env.loader.list_templates():
        if not name.startswith(RENDERED):
            continue
        try:
            env.get_template(name)
        except jinja2.TemplateSyntaxError as exc:
            raise BuildError(f"{exc.filename}: line {exc.lineno}: {exc.message}") from None


def render_pages(
    env: jinja2.Environment, context: Mapping[str, Any], pages: Sequence[Renderable]
) -> dict[str, bytes]:
    """Render each page's template with ``context``.

    Any failure inside a template (a syntax error, an undefined name, a filter given the wrong
    value, a missing include) becomes a :class:`BuildError` naming the template file and line,
    so a user who wrote an override knows where to look without reading a traceback. An error
    raised outside any template is a bug in the generator and propagates as it is.
    """
    out = {}
    for page in pages:
        target, template = page.file, page.template
        try:
            text = env.get_template(template).render(context)
        except jinja2.TemplateSyntaxError as exc:
            raise BuildError(f"{exc.filename}: line {exc.lineno}: {exc.message}") from None
        except BuildError:
            raise  # already one line naming its file (a template that is not UTF-8)
        except Exception as exc:
            where = template_location(exc)
            if where is None:
                if isinstance(exc, jinja2.TemplateNotFound):
                    raise BuildError(f"template not found: {exc.name}") from None
                raise
            filename, line = where
            inside = "" if filename.endswith(template) else f" (rendering {template})"
            raise BuildError(f"{filename}: line {line}: {_reason(exc)}{inside}") from None
        out[target] = text.encode()
    return out


def template_location(exc: BaseException) -> tuple[str, int] | None:
    """File and line of the innermost template frame of ``exc``'s traceback, if any.

    Jinja rewrites the traceback of an error raised while rendering: each frame of compiled
    template code is replaced by one whose file is the template's and whose line is the
    template's line (its globals hold ``__jinja_exception__``). The innermost is where the error
    happened, e.g. the included partial rather than the page that included it.
    """
    found = None
    tb = exc.__traceback__
    while tb is not None:
        if "__jinja_exception__" in tb.tb_frame.f_globals:
            found = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _reason(exc: BaseException) -> str:
    """One line saying what went wrong: Jinja's own message, else the exception's type and
    text (``ZeroDivisionError: division by zero``)."""
    if isinstance(exc, jinja2.TemplateNotFound):
        text = f"template not found: {exc.name}"
    elif isinstance(exc, jinja2.TemplateError) and exc.message:
        text = exc.message
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__


def render_template(env: jinja2.Environment, template: str, context: Mapping[str, Any]) -> bytes:
    """One template rendered alone (a post, the digest), with the same error reporting."""
    return render_pages(env, context, [_Alone("out", template)])["out"]


class _Alone(NamedTuple):
    file: str
    template: str
