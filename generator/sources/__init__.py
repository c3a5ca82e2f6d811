"""Price sources, and :class:`Source`: the one value that says which of them to read.

Each adapter is a submodule: the built-in sample (:mod:`.sample`), a CSV folder (:mod:`.csvdir`)
and Yahoo (:mod:`.yahoo`, the only importer of yfinance); each returns a
:class:`generator.frame.LoadResult`. ``--source`` (and ``--offline``) is parsed once, by the CLI,
into a :class:`Source`; :func:`generator.pipeline.load_prices` and the fetch dispatch on its
``kind`` and never read the text again.

This ``__init__`` imports nothing of the project but its errors, so the adapters (which import
it) stay leaves of the import graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast

from generator.errors import SourceError

SourceKind = Literal["sample", "csv", "yahoo", "store"]

CSV_LABEL = "CSV files of adjusted closes"
YAHOO_LABEL = "Yahoo Finance adjusted closes (yfinance)"
"""How the pages, posts and feed name where the prices came from: the provider, never a path of
the machine that built them (an operator's messages say where, from ``LoadResult.where``)."""


def provider_label(recorded: str) -> str:
    """The reader's name of the provider a store file records (the ``--source`` it was fetched
    with: ``yahoo``, ``csv:DIR``), whatever folder it was."""
    if recorded == "yahoo" or recorded.startswith("Yahoo"):
        return YAHOO_LABEL
    if recorded.startswith(("csv:", "CSV folder")):
        return CSV_LABEL
    return "the local price store"


_NAMED: tuple[SourceKind, ...] = ("sample", "yahoo", "store")
"""The kinds written as their own name; ``csv`` is written ``csv:DIR``."""


@dataclass(frozen=True)
class Source:
    """Where prices come from: the parsed value of ``--source`` (``--offline`` is ``store``).

    * ``sample``: the built-in synthetic prices, no network, no files;
    * ``csv`` with its ``folder``: a folder of ``<SYMBOL>.csv`` files (``Date,Close``);
    * ``yahoo``: Yahoo Finance, through the local price store (:mod:`generator.fetch`);
    * ``store``: the local price store alone, without any network.
    """

    kind: SourceKind
    folder: Path | None = None
    """The ``csv`` kind's folder; ``None`` for every other kind."""
    label: str = field(default="", compare=False)
    """The value as written (``csv:prices/``): messages quote it and the price store records it,
    so it is kept as typed. Spelled from ``kind`` and ``folder`` when not given."""

    def __post_init__(self) -> None:
        if (self.kind == "csv") != (self.folder is not None):
            raise ValueError(f"Source({self.kind!r}, {self.folder!r}): only csv has a folder")
        if not self.label:
            spelled = f"csv:{self.folder}" if self.kind == "csv" else self.kind
            object.__setattr__(self, "label", spelled)

    def __str__(self) -> str:
        return self.label

    @property
    def is_sample(self) -> bool:
        return self.kind == "sample"

    @classmethod
    def parse(cls, text: str) -> Source:
        """The source a ``--source`` value names: ``sample``, ``csv:DIR``, ``yahoo`` or ``store``.

        Raises :class:`SourceError` with the one-line message the CLI prints for any other value.
        """
        if text in _NAMED:
            return cls(cast(SourceKind, text))
        if text.startswith("csv:"):
            folder = text.removeprefix("csv:")
            if not folder:
                raise SourceError("--source csv:DIR needs a folder, e.g. csv:data/prices")
            return cls("csv", Path(folder), text)
        raise SourceError(f"unknown source {text!r}: use sample, csv:DIR or yahoo")

    @classmethod
    def of(cls, value: Source | str) -> Source:
        """``value`` itself, or the source its text names: library entry points take either."""
        return value if isinstance(value, Source) else cls.parse(value)


SAMPLE = Source("sample")
