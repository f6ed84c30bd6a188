"""Notifications: the in-app inbox, and the outbox that sends them by email and to webhooks."""
