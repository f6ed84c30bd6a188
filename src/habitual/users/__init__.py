"""The account of the caller: preferences, profile, password, deletion."""
