"""Pure habit arithmetic: schedules, periods, met days. No I/O, no settings, no clock."""
