"""The one exception family the CLI turns into a clean message and a non-zero exit."""


class PqaError(Exception):
    """An error meant for the person at the keyboard: the message says what to do."""

    exit_code = 1
