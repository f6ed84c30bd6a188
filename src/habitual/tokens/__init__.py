"""Personal access tokens: scoped, long-lived credentials for scripts and devices."""
