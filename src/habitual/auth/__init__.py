"""Who is calling: passwords, access and refresh tokens, sessions and scopes."""
