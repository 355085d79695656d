"""Errors the CLI reports as a message and exit code 2."""


class UsageError(Exception):
    """Bad input from the user: printed as ``authtrace: <message>``, exit 2."""
