"""Shared fixtures and factories."""
