"""Background work that spans features: the worker that fires reminders and delivers the
outbox, and the runner that embeds it in `habitual serve`."""
