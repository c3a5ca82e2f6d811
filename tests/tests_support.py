"""Paths and helpers importable by test modules (conftest holds the fixtures)."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REPO_CONFIG = REPO / "rotation.yml"
