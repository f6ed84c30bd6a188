"""Reminders: a nudge at a local time on chosen weekdays, fired by the worker."""
