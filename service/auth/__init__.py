"""Sign-in: passwords, tokens, the current user."""
