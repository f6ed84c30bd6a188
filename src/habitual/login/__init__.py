"""/auth: register, log in, refresh and log out, on the identity pieces of auth/."""
