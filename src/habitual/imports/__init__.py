"""Imports of a whole account's history from Habitual's own export and from other apps."""
