"""Rotation Monitor: a static report site that follows the rotation from large-cap growth to
small-cap value."""

__version__ = "0.1.0"
