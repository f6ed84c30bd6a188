"""Habitual: a habit and fitness tracking backend."""

__version__ = "0.1.0"
