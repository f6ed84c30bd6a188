"""Administration of every account; needs the admin role."""
