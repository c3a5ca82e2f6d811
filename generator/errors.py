"""The exception hierarchy.

Every failure the user can cause or fix (bad config, bad data, unreachable source, failed site
build) is a :class:`RotationError`. Only the CLI turns these into ``Error: ...`` lines and exit
codes; library code raises and never prints.
"""


class RotationError(Exception):
    """Base class: an expected failure with a message fit for the user."""


class ConfigError(RotationError):
    """The configuration file is missing, unreadable or invalid."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__("; ".join(f"{path}: {p}" for p in problems))


class DataError(RotationError):
    """Price data is missing, malformed or does not cover what was asked for."""


class SourceError(RotationError):
    """A price source could not be opened or reached."""


class BuildError(RotationError):
    """Rendering or the MkDocs build failed; the previous output was kept."""


class LockError(RotationError):
    """Another run holds the project's lock (or the lock file cannot be taken)."""
