"""Notifications: the in-app inbox, and the outbox that delivers to inbox, email and webhooks."""
