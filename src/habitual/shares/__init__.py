"""Public share links: one habit's figures for anyone holding the link, revocable at once."""
