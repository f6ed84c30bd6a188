"""Progress, statistics, streaks and charts, on top of the pure habit math."""
