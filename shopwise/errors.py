"""Errors that carry a message for the person at the keyboard."""


class UserFacingError(Exception):
    """An error whose message says what to do next; the CLI prints it without a traceback."""
