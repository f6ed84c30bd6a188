"""The calendar feed (ICS) of a person's habits and reminders, and its secret URL."""
