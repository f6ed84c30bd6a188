"""Today: what is due in the user's own day, and how far each habit has come."""
