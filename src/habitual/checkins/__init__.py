"""Check-ins: one per habit and local date, done (with a value) or skipped."""
