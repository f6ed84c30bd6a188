"""Habits: what people want to do, on which schedule, towards which goal."""
